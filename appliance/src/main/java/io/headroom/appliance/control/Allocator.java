package io.headroom.appliance.control;

import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Priority;

import java.util.List;

/**
 * Turns a GPU power budget for a set of nodes into per-GPU caps: every GPU first gets its floor (its
 * minimum, or a critical node's floor), then the rest goes to {@code critical}, then {@code standard}, then
 * {@code flexible} demand, max-min fair within a class (water-filling), never above a GPU's maximum.
 * Pure; O(n log n) in the number of nodes.
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
        return allocate(nodes, demandPerGpu, gpuBudgetW, floors(nodes));
    }

    /** As {@link #allocate(List, double[], double)} with explicit per-GPU floors (each within [min, max]). */
    public static double[] allocate(List<Node> nodes, double[] demandPerGpu, double gpuBudgetW, double[] floors) {
        int n = nodes.size();
        double[] cap = new double[n];
        double[] want = new double[n];
        double left = gpuBudgetW;
        for (int i = 0; i < n; i++) {
            Node node = nodes.get(i);
            cap[i] = floors[i];
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

    /**
     * Raises every node of class {@code p} towards its want by one common per-GPU level (max-min fair): the
     * nodes are taken in order of their remaining headroom, so the level is found in one sorted pass.
     */
    private static double waterFill(List<Node> nodes, double[] want, double[] cap, Priority p, double budget) {
        int k = 0;
        Integer[] idx = new Integer[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).priority() == p && want[i] > cap[i]) {
                idx[k++] = i;
            }
        }
        if (k == 0) {
            return budget;
        }
        Integer[] order = java.util.Arrays.copyOf(idx, k);
        java.util.Arrays.sort(order, (a, b) -> Double.compare(want[a] - cap[a], want[b] - cap[b]));
        int gpusLeft = 0;
        for (Integer i : order) {
            gpusLeft += nodes.get(i).gpus();
        }
        double left = budget;
        double level = 0;
        int j = 0;
        while (j < k) {
            int i = order[j];
            double headroom = want[i] - cap[i];
            double cost = (headroom - level) * gpusLeft;
            if (cost > left) {
                level += left / gpusLeft;
                left = 0;
                break;
            }
            left -= cost;
            level = headroom;
            gpusLeft -= nodes.get(i).gpus();
            j++;
        }
        for (int m = 0; m < k; m++) {
            int i = order[m];
            cap[i] += Math.min(want[i] - cap[i], level);
        }
        return left;
    }

    /** The per-GPU cap below which a node is never asked: its floor if critical, else its GPUs' minimum. */
    public static double floor(Node node) {
        return node.priority() == Priority.CRITICAL ? Math.max(node.floorW(), node.gpu().minW()) : node.gpu().minW();
    }

    /** Every node's {@link #floor}, in order. */
    public static double[] floors(List<Node> nodes) {
        double[] f = new double[nodes.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = floor(nodes.get(i));
        }
        return f;
    }

    /** Total power of every GPU at the given per-GPU floors, W. */
    public static double floorsW(List<Node> nodes, double[] floors) {
        double w = 0;
        for (int i = 0; i < floors.length; i++) {
            w += floors[i] * nodes.get(i).gpus();
        }
        return w;
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
