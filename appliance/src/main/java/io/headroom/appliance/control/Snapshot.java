package io.headroom.appliance.control;

import java.time.Instant;
import java.util.Map;

/** Everything regulation knows at one tick; immutable, each value with its own quality. */
public record Snapshot(long tick, long monoNanos, Instant utc, Map<String, FeedMeasurement> feeds,
                       Map<String, NodeTelemetry> nodes) {
    public Snapshot {
        feeds = Map.copyOf(feeds);
        nodes = Map.copyOf(nodes);
    }
}
