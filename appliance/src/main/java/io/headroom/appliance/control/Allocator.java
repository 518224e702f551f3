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

    /**
     * Nodes sorted per class by headroom (want − floor), ready to allocate any budget. A controller that prepares one
     * every tick keeps one ({@link #reusable}) and {@link #reset}s it, so that a tick sorts into the same arrays.
     */
    public static final class Prepared {
        private static final int CLASSES = Priority.values().length;
        private final int n;
        private final double[] floor;
        private final double[] want;
        private final int[] gpus;
        private double floorsW;
        /** Sort keys, then the sorted node indices: class {@code c} is {@code [start[c], start[c + 1])}. */
        private final long[] keys;
        private final int[] sorted;
        private final int[] start = new int[CLASSES + 1];
        private final int[] count = new int[CLASSES];

        private Prepared(int n) {
            this.n = n;
            floor = new double[n];
            want = new double[n];
            gpus = new int[n];
            keys = new long[n];
            sorted = new int[n];
        }

        Prepared(List<Node> nodes, double[] demandPerGpu, double[] floors) {
            this(nodes.size());
            reset(nodes, demandPerGpu, floors);
        }

        /** An empty allocation for {@code n} nodes, to {@link #reset} for each demand vector. */
        public static Prepared reusable(int n) {
            return new Prepared(n);
        }

        /**
         * Prepares this allocation for another demand vector of the same nodes (as {@link Allocator#prepare} would a
         * new one), in place: the arrays are this object's, the arguments only read.
         *
         * @return this
         */
        public Prepared reset(List<Node> nodes, double[] demandPerGpu, double[] floors) {
            if (nodes.size() != n) {
                throw new IllegalArgumentException("prepared for " + n + " nodes, given " + nodes.size());
            }
            System.arraycopy(floors, 0, floor, 0, n);
            java.util.Arrays.fill(count, 0);
            double f = 0;
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
            start[0] = 0;
            for (int c = 0; c < CLASSES; c++) {
                start[c + 1] = start[c] + count[c];
                count[c] = 0;
            }
            for (int i = 0; i < n; i++) {
                if (want[i] > floor[i]) {
                    int c = nodes.get(i).priority().ordinal();
                    // Non-negative floats order as their bits: headroom in the high word, index in the low.
                    keys[start[c] + count[c]++] = ((long) Float.floatToIntBits((float) (want[i] - floor[i])) << 32) | i;
                }
            }
            for (int c = 0; c < CLASSES; c++) {
                java.util.Arrays.sort(keys, start[c], start[c + 1]);
            }
            for (int k = 0; k < start[CLASSES]; k++) {
                sorted[k] = (int) keys[k];
            }
            return this;
        }

        /** Total power of every GPU at its floor, W. */
        public double floorsW() {
            return floorsW;
        }

        /** Per-GPU caps for a budget: floors first, then critical, standard, flexible, max-min fair in a class. */
        public double[] allocate(double gpuBudgetW) {
            return allocate(gpuBudgetW, new double[n]);
        }

        /** As {@link #allocate(double)}, into {@code caps} (one per node, overwritten), which it returns. */
        public double[] allocate(double gpuBudgetW, double[] caps) {
            System.arraycopy(floor, 0, caps, 0, n);
            double left = gpuBudgetW - floorsW;
            for (int c = 0; c < CLASSES; c++) {
                if (left <= 0) {
                    break;
                }
                left = waterFill(start[c], start[c + 1], caps, left);
            }
            return caps;
        }

        /** Raises every node of one class ({@code sorted[from, to)}) towards its want by one common per-GPU level. */
        private double waterFill(int from, int to, double[] cap, double budget) {
            int gpusLeft = 0;
            for (int k = from; k < to; k++) {
                gpusLeft += gpus[sorted[k]];
            }
            double left = budget;
            double level = 0;
            for (int k = from; k < to; k++) {
                int i = sorted[k];
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
            for (int k = from; k < to; k++) {
                int i = sorted[k];
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
