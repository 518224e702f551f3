package io.headroom.appliance;

import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.dsp.WaveformState;
import io.headroom.appliance.measure.BankMeasurement;
import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.FeedPhases;
import io.headroom.appliance.measure.NodeTelemetry;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the appliance knows and decided at one regulation tick, published whole for the API and dashboard.
 *
 * @param caps           per node id, the per-GPU cap the appliance commands, W
 * @param banks          per supercap bank, as read this tick
 * @param bankSetpointsW per supercap bank, the converter power commanded this tick (discharge positive), W
 * @param phases         per feed, the per-phase picture from its meter (display and diagnostics)
 * @param waveforms      the waveform streams' health, per-feed half-cycle quantities and the site's band power
 *                       ({@link WaveformState#none()} without streams)
 */
public record SiteState(long tick, Instant utc, double tickMs, Map<String, FeedMeasurement> feeds,
                        Map<String, NodeTelemetry> nodes, Map<String, Double> caps, List<GroupDecision> decisions,
                        List<String> alarms, Map<String, BankMeasurement> banks, Map<String, Double> bankSetpointsW,
                        Map<String, FeedPhases> phases, WaveformState waveforms) {

    public SiteState {
        waveforms = waveforms == null ? WaveformState.none() : waveforms;
    }

    /** A state without waveform streams. */
    public SiteState(long tick, Instant utc, double tickMs, Map<String, FeedMeasurement> feeds,
                     Map<String, NodeTelemetry> nodes, Map<String, Double> caps, List<GroupDecision> decisions,
                     List<String> alarms, Map<String, BankMeasurement> banks, Map<String, Double> bankSetpointsW,
                     Map<String, FeedPhases> phases) {
        this(tick, utc, tickMs, feeds, nodes, caps, decisions, alarms, banks, bankSetpointsW, phases,
                WaveformState.none());
    }
}
