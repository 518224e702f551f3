package io.headroom.appliance.control;

import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Priority;

import java.util.List;

/**
 * Turns a GPU power budget for a set of nodes into per-GPU caps: every GPU first gets its floor (its
 * minimum, or a critical node's floor), then the rest goes to {@code critical}, then {@code standard}, then
 * {@code flexible} demand, max-min fair within a class (water-filling), never above a GPU's maximum.
 * Pure; O(n log n) to {@link #prepare} for a demand vector, then O(n) per budget.
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
        return prepare(nodes, demandPerGpu, floors).allocate(gpuBudgetW);
    }

    /**
     * Sorts the nodes once for a demand vector, so that several budgets (the steady state and every
     * contingency) are each allocated in one linear pass.
     */
    public static Prepared prepare(List<Node> nodes, double[] demandPerGpu, double[] floors) {
        return new Prepared(nodes, demandPerGpu, floors);
    }

    /** Nodes sorted per class by headroom (want − floor), ready to allocate any budget. */
    public static final class Prepared {
        private final int n;
        private final double[] floor;
        private final double[] want;
        private final int[] gpus;
        private final double floorsW;
        private final int[][] order = new int[Priority.values().length][];

        Prepared(List<Node> nodes, double[] demandPerGpu, double[] floors) {
            n = nodes.size();
            floor = floors.clone();
            want = new double[n];
            gpus = new int[n];
            double f = 0;
            int[] count = new int[order.length];
            for (int i = 0; i < n; i++) {
                Node node = nodes.get(i);
                gpus[i] = node.gpus();
                want[i] = Math.clamp(demandPerGpu[i], floor[i], node.gpu().maxW());
                f += floor[i] * gpus[i];
                if (want[i] > floor[i]) {
                    count[node.priority().ordinal()]++;
                }
            }
            floorsW = f;
            long[][] keys = new long[order.length][];
            for (int c = 0; c < order.length; c++) {
                keys[c] = new long[count[c]];
                count[c] = 0;
            }
            for (int i = 0; i < n; i++) {
                if (want[i] > floor[i]) {
                    int c = nodes.get(i).priority().ordinal();
                    // Non-negative floats order as their bits: headroom in the high word, index in the low.
                    keys[c][count[c]++] = ((long) Float.floatToIntBits((float) (want[i] - floor[i])) << 32) | i;
                }
            }
            for (int c = 0; c < order.length; c++) {
                java.util.Arrays.sort(keys[c]);
                order[c] = new int[keys[c].length];
                for (int k = 0; k < keys[c].length; k++) {
                    order[c][k] = (int) keys[c][k];
                }
            }
        }

        /** Total power of every GPU at its floor, W. */
        public double floorsW() {
            return floorsW;
        }

        /** Per-GPU caps for a budget: floors first, then critical, standard, flexible, max-min fair in a class. */
        public double[] allocate(double gpuBudgetW) {
            double[] cap = floor.clone();
            double left = gpuBudgetW - floorsW;
            for (int[] cls : order) {
                if (left <= 0) {
                    break;
                }
                left = waterFill(cls, cap, left);
            }
            return cap;
        }

        /** Raises every node of one class towards its want by one common per-GPU level. */
        private double waterFill(int[] sorted, double[] cap, double budget) {
            int gpusLeft = 0;
            for (int i : sorted) {
                gpusLeft += gpus[i];
            }
            double left = budget;
            double level = 0;
            for (int i : sorted) {
                double headroom = Math.max(level, want[i] - floor[i]);
                double cost = (headroom - level) * gpusLeft;
                if (cost > left) {
                    level += left / gpusLeft;
                    left = 0;
                    break;
                }
                left -= cost;
                level = headroom;
                gpusLeft -= gpus[i];
            }
            for (int i : sorted) {
                cap[i] = floor[i] + Math.min(want[i] - floor[i], level);
            }
            return left;
        }
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
