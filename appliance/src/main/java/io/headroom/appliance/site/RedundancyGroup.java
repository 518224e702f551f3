package io.headroom.appliance.site;

import java.util.List;

/** The feeds that share a set of nodes; every node in the group draws equally from each live feed. */
public record RedundancyGroup(String id, List<String> feedIds) {
    public RedundancyGroup {
        feedIds = List.copyOf(feedIds);
    }
}
