package io.headroom.appliance;

import io.headroom.appliance.control.FeedMeasurement;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.control.NodeTelemetry;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the appliance knows and decided at one regulation tick, published whole for the API and dashboard.
 *
 * @param caps per node id, the per-GPU cap the appliance commands, W
 */
public record SiteState(long tick, Instant utc, double tickMs, Map<String, FeedMeasurement> feeds,
                        Map<String, NodeTelemetry> nodes, Map<String, Double> caps, List<GroupDecision> decisions,
                        List<String> alarms) {
}
