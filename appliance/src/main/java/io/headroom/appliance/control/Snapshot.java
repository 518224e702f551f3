package io.headroom.appliance.control;

import io.headroom.appliance.measure.BankMeasurement;
import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.NodeTelemetry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything regulation knows at one tick; immutable, each value with its own quality.
 *
 * @param banks    supercap banks by id (empty when the site has none or they are not read)
 * @param external limits from outside the plant: the utility contract and grid commitments active now
 * @param nodeCeilingsW per node id, an operator's manual override: the per-GPU cap may be at most this, W
 *                      (a ceiling, never a raise: safety and every other limit still apply)
 * @param outOfService  feeds an operator put in maintenance: regulated as if already lost
 * @param bands    the site power series' band power from the waveform streams (0.1–2 Hz, 3–30 Hz, peak ramp),
 *                 or null without streams; an input for the smoothing controller (no controller uses it yet)
 */
public record Snapshot(long tick, long monoNanos, Instant utc, Map<String, FeedMeasurement> feeds,
                       Map<String, NodeTelemetry> nodes, Map<String, BankMeasurement> banks, List<Limit> external,
                       Map<String, Double> nodeCeilingsW, Set<String> outOfService,
                       io.headroom.appliance.dsp.BandPowerReading bands) {
    public Snapshot {
        feeds = Map.copyOf(feeds);
        nodes = nodes instanceof NodeValues<?> ? nodes : Map.copyOf(nodes); // immutable already: not copied
        banks = Map.copyOf(banks);
        external = List.copyOf(external);
        nodeCeilingsW = Map.copyOf(nodeCeilingsW);
        outOfService = Set.copyOf(outOfService);
    }

    /** Without band power. */
    public Snapshot(long tick, long monoNanos, Instant utc, Map<String, FeedMeasurement> feeds,
                    Map<String, NodeTelemetry> nodes, Map<String, BankMeasurement> banks, List<Limit> external,
                    Map<String, Double> nodeCeilingsW, Set<String> outOfService) {
        this(tick, monoNanos, utc, feeds, nodes, banks, external, nodeCeilingsW, outOfService, null);
    }

    /** Without operator overrides or maintenance, with band power (or null). */
    public Snapshot(long tick, long monoNanos, Instant utc, Map<String, FeedMeasurement> feeds,
                    Map<String, NodeTelemetry> nodes, Map<String, BankMeasurement> banks, List<Limit> external,
                    io.headroom.appliance.dsp.BandPowerReading bands) {
        this(tick, monoNanos, utc, feeds, nodes, banks, external, Map.of(), Set.of(), bands);
    }

    /** Without operator overrides, maintenance or band power. */
    public Snapshot(long tick, long monoNanos, Instant utc, Map<String, FeedMeasurement> feeds,
                    Map<String, NodeTelemetry> nodes, Map<String, BankMeasurement> banks, List<Limit> external) {
        this(tick, monoNanos, utc, feeds, nodes, banks, external, Map.of(), Set.of(), null);
    }

    /** A snapshot of meters and agents only. */
    public Snapshot(long tick, long monoNanos, Instant utc, Map<String, FeedMeasurement> feeds,
                    Map<String, NodeTelemetry> nodes) {
        this(tick, monoNanos, utc, feeds, nodes, Map.of(), List.of());
    }

    /** Discharge power of the banks on a feed, W (charging negative; unusable banks count 0). */
    public double bankPowerOnFeedW(String feedId) {
        double w = 0;
        for (BankMeasurement b : banks.values()) {
            if (b.usable() && b.feedId().equals(feedId)) {
                w += b.powerW();
            }
        }
        return w;
    }
}
