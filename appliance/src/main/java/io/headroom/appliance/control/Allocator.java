package io.headroom.appliance.control;

import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Priority;

import java.util.List;

/**
 * Turns a GPU power budget for a set of nodes into per-GPU caps: every GPU first gets its floor (its
 * minimum, or a critical node's floor), then the rest goes to {@code critical}, then {@code standard}, then
 * {@code flexible} demand, max-min fair within a class (water-filling), never above a GPU's maximum.
 * Pure and allocation-light: one output array.
 */
public final class Allocator {

    private Allocator() {
    }

    /**
     * @param nodes        the nodes sharing the budget
     * @param demandPerGpu each node's estimated per-GPU demand, W (clamped into [floor, max])
     * @param gpuBudgetW   the power all their GPUs together may draw, W
     * @return per-GPU caps in the order of {@code nodes}; if the budget is below the floors, the floors
     *         (the caller raises the alarm: {@link #floorsW})
     */
    public static double[] allocate(List<Node> nodes, double[] demandPerGpu, double gpuBudgetW) {
        int n = nodes.size();
        double[] cap = new double[n];
        double[] want = new double[n];
        double left = gpuBudgetW;
        for (int i = 0; i < n; i++) {
            Node node = nodes.get(i);
            cap[i] = floor(node);
            want[i] = Math.clamp(demandPerGpu[i], cap[i], node.gpu().maxW());
            left -= cap[i] * node.gpus();
        }
        for (Priority p : Priority.values()) {
            if (left <= 0) {
                break;
            }
            left = waterFill(nodes, want, cap, p, left);
        }
        return cap;
    }

    /** Raise every node of class {@code p} towards its want, equal per-GPU level first (max-min fair). */
    private static double waterFill(List<Node> nodes, double[] want, double[] cap, Priority p, double budget) {
        double left = budget;
        while (left > 1e-9) {
            int gpus = 0;
            double step = Double.POSITIVE_INFINITY;
            for (int i = 0; i < nodes.size(); i++) {
                Node node = nodes.get(i);
                if (node.priority() == p && cap[i] < want[i] - 1e-9) {
                    gpus += node.gpus();
                    step = Math.min(step, want[i] - cap[i]);
                }
            }
            if (gpus == 0) {
                break;
            }
            double level = Math.min(step, left / gpus);
            for (int i = 0; i < nodes.size(); i++) {
                Node node = nodes.get(i);
                if (node.priority() == p && cap[i] < want[i] - 1e-9) {
                    cap[i] += level;
                }
            }
            left -= level * gpus;
            if (level < step) {
                break; // budget exhausted at this level
            }
        }
        return left;
    }

    /** The per-GPU cap below which a node is never asked: its floor if critical, else its GPUs' minimum. */
    public static double floor(Node node) {
        return node.priority() == Priority.CRITICAL ? Math.max(node.floorW(), node.gpu().minW()) : node.gpu().minW();
    }

    /** Total power of every GPU at its floor, W. */
    public static double floorsW(List<Node> nodes) {
        double w = 0;
        for (Node node : nodes) {
            w += floor(node) * node.gpus();
        }
        return w;
    }
}
