package io.headroom.appliance.control;

import java.util.List;

/**
 * What the group must do if {@code lostFeedId} is lost: the survivors, what they can carry, and the per-GPU
 * caps (site order within the group) that keep them within their limits at full demand.
 *
 * @param survivorsAllowedW what the surviving feeds can carry together, less margin, W
 * @param baseW             the nodes' non-GPU draw, W
 * @param gpuBudgetW        what is left for GPUs, W
 * @param demandW           the group's draw at full demand (every GPU at its maximum), W
 * @param feasible          the critical floors and every GPU's minimum fit in the budget
 */
public record ContingencyPlan(String groupId, String lostFeedId, List<String> survivors, double survivorsAllowedW,
                              double baseW, double gpuBudgetW, double demandW, double[] capsPerGpuW,
                              boolean feasible) {

    /** Power that must be shed from full demand, W (0 if none). */
    public double shedW() {
        return Math.max(0, demandW - survivorsAllowedW);
    }
}
