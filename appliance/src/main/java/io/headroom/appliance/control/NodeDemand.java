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
 * Pure.
 */
final class NodeDemand {

    /** A node drawing at least this fraction of its cap is taken to want more. */
    static final double SATURATED = 0.95;

    /**
     * @param perGpuW         each node's demand per GPU, W (group order)
     * @param gpuW            what the GPUs with fresh telemetry draw, W
     * @param silentGpuBoundW what the GPUs without fresh telemetry may draw, planned for through their caps, W
     * @param silentAtW       per node, the cap a silent node is pinned at, {@code NaN} for a node under control; null
     *                        when every node is under control
     */
    record Estimate(double[] perGpuW, double gpuW, double silentGpuBoundW, double[] silentAtW, List<String> alarms) {
    }

    private final List<Node> nodes;
    private final double safeCapW;

    NodeDemand(List<Node> nodes, double safeCapW) {
        this.nodes = nodes;
        this.safeCapW = safeCapW;
    }

    /** @param lastCapW the per-GPU cap each node was last given (group order), W */
    Estimate run(Snapshot s, double[] lastCapW) {
        List<String> alarms = new ArrayList<>(0);
        double gpuW = 0;
        double silentGpuBoundW = 0;
        double[] demand = new double[nodes.size()];
        double[] silentAtW = null;
        for (int i = 0; i < nodes.size(); i++) {
            Node node = nodes.get(i);
            NodeTelemetry t = s.nodes().get(node.id());
            if (t != null && t.fresh()) {
                gpuW += t.gpuPowerW();
                double perGpu = t.gpuPowerW() / node.gpus();
                demand[i] = perGpu >= SATURATED * lastCapW[i] ? node.gpu().maxW() : perGpu * 1.1 + 10;
            } else if (t == null) {
                demand[i] = lastCapW[i];
                silentGpuBoundW += Math.max(lastCapW[i], Math.min(safeCapW, node.gpu().maxW())) * node.gpus();
            } else {
                double at = Math.min(node.gpu().maxW(), Math.max(Math.max(lastCapW[i], t.capPerGpuW()),
                        Math.clamp(safeCapW, node.gpu().minW(), node.gpu().maxW())));
                if (silentAtW == null) {
                    silentAtW = new double[nodes.size()];
                    Arrays.fill(silentAtW, Double.NaN);
                }
                silentAtW[i] = at;
                demand[i] = at;
                // It is planned at its cap: what it drew when last heard of comes out of the measured remainder (as
                // a fresh node's reading does), or a rack of silent nodes would be counted twice and the plans for
                // everyone else cut by as much.
                silentGpuBoundW += Math.min(t.gpuPowerW(), at * node.gpus());
                alarms.add(String.format(Locale.ROOT, "node %s: agent not answering; planned at %.0f W per GPU (its last "
                        + "cap) in every contingency, the group's other nodes cover it", node.id(), at));
            }
        }
        return new Estimate(demand, gpuW, silentGpuBoundW, silentAtW, alarms);
    }
}
