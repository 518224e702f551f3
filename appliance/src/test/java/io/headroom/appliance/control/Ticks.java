package io.headroom.appliance.control;

import io.headroom.appliance.measure.MeasurementQuality;

import io.headroom.appliance.measure.NodeTelemetry;

import io.headroom.appliance.measure.FeedMeasurement;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Snapshots for the controllers' tick-by-tick tests: a tick every 100 ms, values written out by hand. */
final class Ticks {

    static final long TICK_NANOS = 100_000_000L;

    private Ticks() {
    }

    /** A good reading of {@code amps} on a feed (its power at the feed's voltage and power factor). */
    static FeedMeasurement meter(Site site, String feedId, double amps) {
        Feed f = site.feed(feedId).orElseThrow();
        return new FeedMeasurement(feedId, amps, f.powerAtCurrentW(amps), MeasurementQuality.GOOD, 50);
    }

    /** Good readings: feed A, B, ... in turn carry {@code amps[0]}, {@code amps[1]}, ... */
    static Map<String, FeedMeasurement> meters(Site site, double... amps) {
        Map<String, FeedMeasurement> m = new HashMap<>();
        for (int i = 0; i < amps.length; i++) {
            String id = site.feeds().get(i).id();
            m.put(id, meter(site, id, amps[i]));
        }
        return m;
    }

    /** Fresh telemetry: every node of the site draws {@code perGpuW} per GPU under a cap of {@code capW}. */
    static Map<String, NodeTelemetry> agents(Site site, double perGpuW, double capW) {
        Map<String, NodeTelemetry> t = new HashMap<>();
        for (Node n : site.nodes()) {
            t.put(n.id(), new NodeTelemetry(n.id(), perGpuW * n.gpus(), capW, true));
        }
        return t;
    }

    /** Tick {@code tick} (at tick × 100 ms) with these readings and nothing else. */
    static Snapshot tick(long tick, Map<String, FeedMeasurement> feeds, Map<String, NodeTelemetry> nodes) {
        return new Snapshot(tick, tick * TICK_NANOS, Instant.EPOCH.plusMillis(tick * 100), feeds, nodes);
    }

    /** Tick {@code tick} with an operator's overrides and feeds in maintenance. */
    static Snapshot tick(long tick, Map<String, FeedMeasurement> feeds, Map<String, NodeTelemetry> nodes,
                         Map<String, Double> nodeCeilingsW, Set<String> outOfService) {
        return new Snapshot(tick, tick * TICK_NANOS, Instant.EPOCH.plusMillis(tick * 100), feeds, nodes, Map.of(),
                List.of(), nodeCeilingsW, outOfService);
    }
}
