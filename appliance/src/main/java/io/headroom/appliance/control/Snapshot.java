package io.headroom.appliance.control;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything regulation knows at one tick; immutable, each value with its own quality.
 *
 * @param banks    supercap banks by id (empty when the site has none or they are not read)
 * @param external limits from outside the plant: the utility contract and grid commitments active now
 * @param bands    the site power series' band power from the waveform streams (0.1–2 Hz, 3–30 Hz, peak ramp),
 *                 or null without streams; an input for the smoothing controller (no controller uses it yet)
 */
public record Snapshot(long tick, long monoNanos, Instant utc, Map<String, FeedMeasurement> feeds,
                       Map<String, NodeTelemetry> nodes, Map<String, BankMeasurement> banks, List<Limit> external,
                       io.headroom.appliance.dsp.BandPowerReading bands) {
    public Snapshot {
        feeds = Map.copyOf(feeds);
        nodes = Map.copyOf(nodes);
        banks = Map.copyOf(banks);
        external = List.copyOf(external);
    }

    /** A snapshot without band power. */
    public Snapshot(long tick, long monoNanos, Instant utc, Map<String, FeedMeasurement> feeds,
                    Map<String, NodeTelemetry> nodes, Map<String, BankMeasurement> banks, List<Limit> external) {
        this(tick, monoNanos, utc, feeds, nodes, banks, external, null);
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
