package io.headroom.appliance.grid;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.control.Allocator;
import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.Site;
import io.headroom.grid.FlexibilityOracle;

import java.time.Instant;
import java.util.function.Supplier;

/**
 * What the hall can promise the utility, from the latest regulation state: the site's import now as the
 * expected demand; flexible and standard GPUs down to their floors as the headroom; base load plus critical
 * GPUs at their present draw (never below their floors) as the floor. Supercap energy is not offered for
 * demand response (it is kept for ride-through and smoothing). Without a state yet it offers nothing.
 */
public final class SiteFlexibility implements FlexibilityOracle {

    private final Site site;
    private final Supplier<SiteState> state;

    public SiteFlexibility(Site site, Supplier<SiteState> state) {
        this.site = site;
        this.state = state;
    }

    @Override
    public Flexibility assess(Instant start, Instant end) {
        SiteState s = state.get();
        if (s == null) {
            return new Flexibility(0, 0, 0, 0);
        }
        double importW = 0;
        for (FeedMeasurement m : s.feeds().values()) {
            if (m.usable()) {
                importW += m.powerW();
            }
        }
        double gpuW = 0;
        double headroomW = 0;
        double criticalW = 0;
        for (Node n : site.nodes()) {
            NodeTelemetry t = s.nodes().get(n.id());
            double draw = t == null ? Allocator.floor(n) * n.gpus() : t.gpuPowerW();
            gpuW += draw;
            double floorW = Allocator.floor(n) * n.gpus();
            if (n.priority() == Priority.CRITICAL) {
                criticalW += Math.max(draw, floorW);
            } else {
                headroomW += Math.max(0, draw - floorW);
                criticalW += Math.min(draw, floorW);
            }
        }
        double baseW = Math.max(0, importW - gpuW);
        double floor = Math.min(importW, baseW + criticalW);
        return new Flexibility(importW, Math.min(headroomW, Math.max(0, importW - floor)), floor, 0);
    }
}
