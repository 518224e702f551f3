package io.headroom.appliance.placement;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.control.ContingencyPlan;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.measure.NodeActivity;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Rack;
import io.headroom.appliance.site.Site;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Placement hints ({@code GET /api/v1/placement}): per rack and node, the power a new job could draw uncapped now and
 * after the worst single-feed loss, the group's N-1 readiness, and the GPUs busy, idle and held down by their power
 * limit. Pure: computed from the site and one published {@link SiteState}.
 *
 * <p>The group's spare GPU power now is its GPU budget less what its GPUs draw; after a loss, each contingency plan's
 * GPU budget less that draw, the smallest over the group's feeds (the worst loss); both at least 0, and 0 after a
 * loss while a feed of the group is already out (no redundancy left). A node can take at most what its GPUs could
 * still add (each GPU's maximum less its draw), and no more than its group's spare: a rack, the same over its nodes.
 */
public record Placement(long tick, String utc, List<RackHint> racks) {

    /** One node's hint. */
    public record NodeHint(String id, String rackId, String groupId, int gpus, double freeGpuW, double uncappedNowW,
                           double uncappedAfterWorstLossW, boolean n1Ready, boolean telemetryFresh,
                           NodeActivity activity) {
    }

    /** One rack's hint: its nodes' summed, bounded by its group's spare. */
    public record RackHint(String id, String groupId, boolean n1Ready, String worstLossFeed, double uncappedNowW,
                           double uncappedAfterWorstLossW, int gpus, int activityKnownGpus, int busyGpus, int idleGpus,
                           int powerThrottledGpus, List<NodeHint> nodes) {
    }

    private record GroupSpare(double nowW, double afterLossW, String worstFeed, boolean n1Ready) {
    }

    /** The hints for {@code state} (null before the first tick: no racks' power known, nothing ready). */
    public static Placement of(Site site, SiteState state) {
        Map<String, GroupSpare> spare = new HashMap<>();
        if (state != null) {
            for (GroupDecision d : state.decisions()) {
                double gpuW = 0;
                for (Node n : site.nodes()) {
                    if (n.groupId().equals(d.groupId())) {
                        NodeTelemetry t = state.nodes().get(n.id());
                        gpuW += t == null ? 0 : t.gpuPowerW();
                    }
                }
                double now = Double.isFinite(d.gpuBudgetW()) ? Math.max(0, d.gpuBudgetW() - gpuW) : 0;
                double after = Double.POSITIVE_INFINITY;
                String worst = "";
                boolean ready = d.feedsOut().isEmpty();
                for (ContingencyPlan p : d.plans()) {
                    ready &= p.feasible();
                    double left = Math.max(0, p.gpuBudgetW() - gpuW);
                    if (left < after) {
                        after = left;
                        worst = p.lostFeedId();
                    }
                }
                if (!d.feedsOut().isEmpty() || d.plans().isEmpty()) {
                    after = 0;
                }
                spare.put(d.groupId(), new GroupSpare(now, Math.min(now, after), worst, ready));
            }
        }
        List<RackHint> racks = new ArrayList<>();
        for (Rack r : site.racks()) {
            GroupSpare g = spare.getOrDefault(r.groupId(), new GroupSpare(0, 0, "", false));
            List<NodeHint> nodes = new ArrayList<>();
            double free = 0;
            int gpus = 0;
            int known = 0;
            int busy = 0;
            int idle = 0;
            int throttled = 0;
            for (Node n : site.nodes()) {
                if (!n.rackId().equals(r.id())) {
                    continue;
                }
                NodeTelemetry t = state == null ? null : state.nodes().get(n.id());
                Double cap = state == null ? null : state.caps().get(n.id());
                double drawW = t != null ? t.gpuPowerW() : n.gpus() * (cap == null ? n.gpu().maxW() : cap);
                double freeW = t != null && t.fresh() ? Math.max(0, n.gpus() * n.gpu().maxW() - drawW) : 0;
                NodeActivity a = t == null ? NodeActivity.UNKNOWN : t.activity();
                nodes.add(new NodeHint(n.id(), r.id(), n.groupId(), n.gpus(), freeW, Math.min(freeW, g.nowW()),
                        Math.min(freeW, g.afterLossW()), g.n1Ready(), t != null && t.fresh(), a));
                free += freeW;
                gpus += n.gpus();
                known += a.gpus();
                busy += a.busy();
                idle += a.idle();
                throttled += a.powerThrottled();
            }
            racks.add(new RackHint(r.id(), r.groupId(), g.n1Ready(), g.worstFeed(), Math.min(free, g.nowW()),
                    Math.min(free, g.afterLossW()), gpus, known, busy, idle, throttled, List.copyOf(nodes)));
        }
        return new Placement(state == null ? -1 : state.tick(), state == null ? null : state.utc().toString(),
                List.copyOf(racks));
    }

    /** Every node's hint by node id. */
    public Map<String, NodeHint> nodesById() {
        Map<String, NodeHint> m = new HashMap<>();
        for (RackHint r : racks) {
            for (NodeHint n : r.nodes()) {
                m.put(n.id(), n);
            }
        }
        return m;
    }

    public JsonObject toJson() {
        JsonArray rs = new JsonArray();
        for (RackHint r : racks) {
            JsonArray ns = new JsonArray();
            for (NodeHint n : r.nodes()) {
                NodeActivity a = n.activity();
                ns.add(new JsonObject().put("id", n.id()).put("gpus", n.gpus())
                        .put("uncappedNowW", Math.round(n.uncappedNowW()))
                        .put("uncappedAfterWorstLossW", Math.round(n.uncappedAfterWorstLossW()))
                        .put("freeGpuW", Math.round(n.freeGpuW()))
                        .put("n1Ready", n.n1Ready()).put("telemetryFresh", n.telemetryFresh())
                        .put("activityKnown", a.known()).put("busyGpus", a.known() ? a.busy() : null)
                        .put("idleGpus", a.known() ? a.idle() : null)
                        .put("powerThrottledGpus", a.known() ? a.powerThrottled() : null));
            }
            rs.add(new JsonObject().put("id", r.id()).put("group", r.groupId()).put("n1Ready", r.n1Ready())
                    .put("worstLossFeed", r.worstLossFeed().isEmpty() ? null : r.worstLossFeed())
                    .put("uncappedNowW", Math.round(r.uncappedNowW()))
                    .put("uncappedAfterWorstLossW", Math.round(r.uncappedAfterWorstLossW()))
                    .put("gpus", r.gpus()).put("activityKnownGpus", r.activityKnownGpus())
                    .put("busyGpus", r.busyGpus()).put("idleGpus", r.idleGpus())
                    .put("powerThrottledGpus", r.powerThrottledGpus()).put("nodes", ns));
        }
        return new JsonObject().put("tick", tick).put("utc", utc).put("racks", rs);
    }
}
