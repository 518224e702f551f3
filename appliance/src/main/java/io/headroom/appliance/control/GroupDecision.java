package io.headroom.appliance.control;

import java.util.List;

/**
 * One regulation tick's outcome for a redundancy group, with its explanation.
 *
 * @param allowedGroupW  what the group may draw now (the binding feed at its limit less margin), W
 * @param measuredGroupW what the group draws, W (extrapolated over feeds without a usable reading)
 * @param nonGpuW        measured draw not explained by GPU telemetry (servers' base load), W
 * @param gpuBudgetW     what the GPUs together may draw, W
 * @param bindingFeed    the feed whose limit sets the budget ("" if none is usable)
 * @param binding        why the budget is what it is, in words
 * @param capsPerGpuW    the desired per-GPU cap of each node of the group, in site order, W
 * @param alarms         conditions an operator must see (stale meters, no feasible allocation)
 */
public record GroupDecision(String groupId, double allowedGroupW, double measuredGroupW, double nonGpuW,
                            double gpuBudgetW, String bindingFeed, String binding, double[] capsPerGpuW,
                            List<String> alarms) {
}
