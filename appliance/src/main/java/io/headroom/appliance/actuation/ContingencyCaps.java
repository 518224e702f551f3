package io.headroom.appliance.actuation;

import java.util.List;

/**
 * A group's contingency plans as the actuators arm them: for each feed whose loss is planned, the per-GPU cap of
 * each node of the group (site order within the group), all stamped with the plans' epoch.
 *
 * @param groupId       the redundancy group
 * @param epoch         the plans' epoch (an agent applies a trigger only for the epoch it holds)
 * @param contingencies one per planned feed loss
 */
public record ContingencyCaps(String groupId, long epoch, List<Contingency> contingencies) {

    public ContingencyCaps {
        contingencies = List.copyOf(contingencies);
    }

    /** If {@code lostFeedId} is lost: {@code capsPerGpuW[i]} for the group's node {@code i}, W. */
    public record Contingency(String lostFeedId, double[] capsPerGpuW) {
    }
}
