package io.headroom.appliance.control;

import java.util.List;

/**
 * One regulation tick's outcome for a redundancy group, with its explanation.
 *
 * @param allowedGroupW  what the group may draw now, W (the binding limit, in group watts)
 * @param measuredGroupW what the group draws (load side: supercap discharge added back), W; extrapolated over
 *                       feeds without a usable reading
 * @param nonGpuW        measured draw not explained by GPU telemetry (servers' base load), W
 * @param gpuBudgetW     what the GPUs together may draw, W
 * @param bindingFeed    the feed whose ceiling binds ("" if the binding limit is not a feed's)
 * @param binding        the binding limit and why, in words
 * @param bindingLimit   the binding limit itself (null when nothing could be evaluated)
 * @param considered     every limit the arbiter weighed, in group watts
 * @param capsPerGpuW    the desired per-GPU cap of each node of the group, in site order, W
 * @param plans          the single-contingency plans for the demand seen, one per feed of the group
 * @param planEpoch      the epoch of the plans last armed on the agents
 * @param rearm          the plans moved enough (or aged enough) that they must be armed again, as {@code planEpoch}
 * @param alarms         conditions an operator must see (stale meters, no safe plan)
 * @param feedsOut       the group's feeds lost or in maintenance now: while any is, the group has no N-1
 *                       redundancy left (its survivors get no short excursion, its banks do not charge from them)
 */
public record GroupDecision(String groupId, double allowedGroupW, double measuredGroupW, double nonGpuW,
                            double gpuBudgetW, String bindingFeed, String binding, Limit bindingLimit,
                            List<Arbiter.Considered> considered, double[] capsPerGpuW, List<ContingencyPlan> plans,
                            long planEpoch, boolean rearm, List<String> alarms, java.util.Set<String> feedsOut) {

    /** Whether the group has lost its N-1 redundancy (a feed lost or in maintenance). */
    public boolean redundancyLost() {
        return !feedsOut.isEmpty();
    }
}
