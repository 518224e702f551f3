package io.headroom.appliance.control;

import io.headroom.appliance.measure.NodeTelemetry;

import io.headroom.appliance.site.Node;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Controller: what each node of the group wants per GPU, from its agent's telemetry and the cap it was last given.
 * <ul>
 *   <li>a node heard from drawing at least {@link #SATURATED} of its cap wants its GPUs' maximum; otherwise 1.1 × what
 *       it draws, plus 10 W;</li>
 *   <li>a node never heard from (the first ticks) is planned at its last cap: at its safe cap, or a former session's
 *       cap until that lapses;</li>
 *   <li>a node whose agent stopped answering is uncontrollable: its GPUs draw up to the last cap it may hold (the last
 *       it acknowledged or was sent, or its safe cap once its lease lapses: the larger), in steady state and in every
 *       contingency, since a trigger will not reach it. It is pinned there ({@link Estimate#silentAtW}) and an alarm
 *       says so.</li>
 * </ul>
 * Pure apart from its scratch: the vectors of an {@link Estimate} are this controller's own and are overwritten by
 * its next {@link #run} (the tick reads them before that: {@link NodeBounds} copies what it changes), and an alarm's
 * text is kept while what it says does not change.
 */
final class NodeDemand {

    /** A node drawing at least this fraction of its cap is taken to want more. */
    static final double SATURATED = 0.95;
    /** {@link AllocationMode#DEMAND_AWARE}: the least margin over its draw a node not throttling keeps, W per GPU... */
    static final double AWARE_MARGIN_W = 15;
    /** ...or this fraction of its draw, the larger. */
    static final double AWARE_MARGIN_FRACTION = 0.05;
    /** {@link AllocationMode#DEMAND_AWARE}: how long a node keeps its cap after it last reported power-cap throttling. */
    static final long DEFAULT_HOLD_MS = 20_000;

    /**
     * @param perGpuW         each node's demand per GPU, W (group order); valid until the next run
     * @param gpuW            what the GPUs with fresh telemetry draw, W
     * @param silentGpuBoundW what the GPUs without fresh telemetry may draw, planned for through their caps, W
     * @param silentAtW       per node, the cap a silent node is pinned at, {@code NaN} for a node under control; null
     *                        when every node is under control; valid until the next run
     */
    record Estimate(double[] perGpuW, double gpuW, double silentGpuBoundW, double[] silentAtW, List<String> alarms) {
    }

    private final List<Node> nodes;
    private final double safeCapW;
    private final double[] demand;
    private final double[] silentAt;
    /** Per node, the cap its last "agent not answering" alarm named, and that alarm (null before any). */
    private final double[] alarmAtW;
    private final String[] alarm;
    private final AllocationMode mode;
    private final long holdNanos;
    /** Per node, when it last reported power-cap throttling ({@link Long#MIN_VALUE}: never). */
    private final long[] throttledAtNanos;

    NodeDemand(List<Node> nodes, double safeCapW) {
        this(nodes, safeCapW, AllocationMode.CLASS_FAIR, DEFAULT_HOLD_MS);
    }

    NodeDemand(List<Node> nodes, double safeCapW, AllocationMode mode, long holdMs) {
        this.nodes = nodes;
        this.safeCapW = safeCapW;
        this.mode = mode;
        this.holdNanos = holdMs * 1_000_000L;
        this.throttledAtNanos = new long[nodes.size()];
        Arrays.fill(throttledAtNanos, Long.MIN_VALUE);
        this.demand = new double[nodes.size()];
        this.silentAt = new double[nodes.size()];
        this.alarmAtW = new double[nodes.size()];
        this.alarm = new String[nodes.size()];
    }

    /** @param lastCapW the per-GPU cap each node was last given (group order), W */
    Estimate run(Snapshot s, double[] lastCapW) {
        List<String> alarms = null;
        double gpuW = 0;
        double silentGpuBoundW = 0;
        double[] silentAtW = null;
        for (int i = 0; i < nodes.size(); i++) {
            Node node = nodes.get(i);
            NodeTelemetry t = s.nodes().get(node.id());
            if (t != null && t.fresh()) {
                gpuW += t.gpuPowerW();
                double perGpu = t.gpuPowerW() / node.gpus();
                demand[i] = mode == AllocationMode.DEMAND_AWARE && t.activity().known()
                        ? aware(i, node, perGpu, t, lastCapW[i], s.monoNanos())
                        : perGpu >= SATURATED * lastCapW[i] ? node.gpu().maxW() : perGpu * 1.1 + 10;
            } else if (t == null) {
                demand[i] = lastCapW[i];
                silentGpuBoundW += Math.max(lastCapW[i], Math.min(safeCapW, node.gpu().maxW())) * node.gpus();
            } else {
                double at = Math.min(node.gpu().maxW(), Math.max(Math.max(lastCapW[i], t.capPerGpuW()),
                        Math.clamp(safeCapW, node.gpu().minW(), node.gpu().maxW())));
                if (silentAtW == null) {
                    silentAtW = silentAt;
                    Arrays.fill(silentAtW, Double.NaN);
                }
                silentAtW[i] = at;
                demand[i] = at;
                // It is planned at its cap: what it drew when last heard of comes out of the measured remainder (as
                // a fresh node's reading does), or a rack of silent nodes would be counted twice and the plans for
                // everyone else cut by as much.
                silentGpuBoundW += Math.min(t.gpuPowerW(), at * node.gpus());
                if (alarms == null) {
                    alarms = new ArrayList<>();
                }
                alarms.add(silentAlarm(i, node, at));
            }
        }
        return new Estimate(demand, gpuW, silentGpuBoundW, silentAtW, alarms == null ? List.of() : alarms);
    }

    /**
     * {@link AllocationMode#DEMAND_AWARE}: a node with a power-throttled GPU wants its maximum; within the hold time
     * after that it keeps its cap (or its draw plus the margin, the larger); after, its draw plus the margin.
     */
    private double aware(int i, Node node, double perGpu, NodeTelemetry t, double lastCapW, long nowNanos) {
        if (t.activity().powerThrottled() > 0) {
            throttledAtNanos[i] = nowNanos;
            return node.gpu().maxW();
        }
        double need = perGpu + Math.max(AWARE_MARGIN_W, AWARE_MARGIN_FRACTION * perGpu);
        if (throttledAtNanos[i] != Long.MIN_VALUE && nowNanos - throttledAtNanos[i] < holdNanos) {
            return Math.max(lastCapW, need);
        }
        return need;
    }

    /** The alarm of a silent node planned at {@code at}: the last one's text while {@code at} is the same. */
    private String silentAlarm(int i, Node node, double at) {
        if (alarm[i] == null || Double.doubleToLongBits(alarmAtW[i]) != Double.doubleToLongBits(at)) {
            alarm[i] = String.format(Locale.ROOT, "node %s: agent not answering; planned at %.0f W per GPU (its last "
                    + "cap) in every contingency, the group's other nodes cover it", node.id(), at);
            alarmAtW[i] = at;
        }
        return alarm[i];
    }
}
