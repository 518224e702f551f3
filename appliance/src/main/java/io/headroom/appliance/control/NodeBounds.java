package io.headroom.appliance.control;

import io.headroom.appliance.site.Node;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Each node's bounds for the allocation: its floor (its GPUs' minimum, or a critical node's floor), lowered by every
 * {@link Limit.NodeCeiling} on it (each one holds: the cap is at most its watts, never below the GPUs' minimum, and the
 * floor and the demand follow it down); a silent node is pinned at the cap it is planned at, floor and ceiling both
 * ({@link NodeDemand}), so the allocation and every plan count it there. Pure apart from its scratch: the vectors of
 * the {@link Bounds} it returns are the normal floors, the demand given, or its own arrays, overwritten by its next
 * {@link #apply} (the tick reads them before that).
 */
final class NodeBounds {

    /**
     * @param floors   per-GPU floor of each node (group order), W
     * @param ceilings per-GPU ceiling of each node, W; null when no node has one
     * @param demand   per-GPU demand, within the ceilings, W
     */
    record Bounds(double[] floors, double[] ceilings, double[] demand) {
    }

    private final List<Node> nodes;
    private final double[] normalFloors;
    private final Map<String, Integer> index = new HashMap<>();
    private final double[] floorsScratch;
    private final double[] ceilingsScratch;
    private final double[] demandScratch;

    NodeBounds(List<Node> nodes) {
        this.nodes = nodes;
        this.normalFloors = Allocator.floors(nodes);
        this.floorsScratch = new double[nodes.size()];
        this.ceilingsScratch = new double[nodes.size()];
        this.demandScratch = new double[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            index.put(nodes.get(i).id(), i);
        }
    }

    /** Every node's floor with no ceiling on it (the array is shared: do not write to it). */
    double[] normalFloors() {
        return normalFloors;
    }

    /**
     * @param demand    each node's demand per GPU ({@link NodeDemand}; not written to)
     * @param limits    the node ceilings (other limits are not a node's and are passed over), in any order
     * @param silentAtW per node, the cap a silent node is pinned at ({@code NaN} for others), or null
     */
    Bounds apply(double[] demand, List<Limit> limits, double[] silentAtW) {
        double[] floors = normalFloors;
        double[] ceilings = null;
        for (Limit l : limits) {
            if (!(l instanceof Limit.NodeCeiling c)) {
                continue;
            }
            Integer i = index.get(c.nodeId());
            if (i == null) {
                continue;
            }
            if (ceilings == null) {
                floors = copy(normalFloors, floorsScratch);
                demand = copy(demand, demandScratch);
                ceilings = ceilingsScratch;
                Arrays.fill(ceilings, Double.POSITIVE_INFINITY);
            }
            ceilings[i] = Math.min(ceilings[i], Math.max(c.perGpuW(), nodes.get(i).gpu().minW()));
            floors[i] = Math.min(floors[i], ceilings[i]);
            demand[i] = Math.min(demand[i], ceilings[i]);
        }
        if (silentAtW != null) {
            if (ceilings == null) {
                floors = copy(normalFloors, floorsScratch);
                demand = copy(demand, demandScratch);
                ceilings = ceilingsScratch;
                Arrays.fill(ceilings, Double.POSITIVE_INFINITY);
            }
            for (int i = 0; i < nodes.size(); i++) {
                if (!Double.isNaN(silentAtW[i])) {
                    floors[i] = silentAtW[i];
                    ceilings[i] = silentAtW[i];
                    demand[i] = silentAtW[i];
                }
            }
        }
        return new Bounds(floors, ceilings, demand);
    }

    private static double[] copy(double[] from, double[] to) {
        System.arraycopy(from, 0, to, 0, to.length);
        return to;
    }
}
