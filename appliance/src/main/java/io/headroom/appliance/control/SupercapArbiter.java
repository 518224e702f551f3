package io.headroom.appliance.control;

import io.headroom.appliance.site.Site;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The arbitration of the supercap banks, beside the groups' ({@link Arbiter}): what the {@link SupercapController} must
 * respect this tick, from every group's decision: the feed ceilings the groups weighed (a feed above its ceiling gets
 * its banks' cover while the caps act; charging fills only the room under them), the tightest site import ceiling
 * (contract, grid commitments: charging never takes the site past it), and the feeds of every group that has lost its
 * N-1 redundancy (no bank charges from them). Pure.
 */
public final class SupercapArbiter {

    /**
     * @param feedCeilings      every feed ceiling the groups weighed, in decision order
     * @param siteCeilingW      the tightest site ceiling the groups weighed, W (infinite when none)
     * @param noRedundancyFeeds the feeds of the groups with a feed lost or in maintenance
     */
    public record Bounds(List<Limit.FeedCeiling> feedCeilings, double siteCeilingW, Set<String> noRedundancyFeeds) {
    }

    private SupercapArbiter() {
    }

    public static Bounds bounds(Site site, List<GroupDecision> decisions) {
        List<Limit.FeedCeiling> ceilings = new ArrayList<>();
        double siteCeilingW = Double.POSITIVE_INFINITY;
        Set<String> noRedundancyFeeds = new HashSet<>();
        for (GroupDecision d : decisions) {
            if (d.redundancyLost()) {
                site.group(d.groupId()).ifPresent(g -> noRedundancyFeeds.addAll(g.feedIds()));
            }
            for (Arbiter.Considered c : d.considered()) {
                if (c.limit() instanceof Limit.FeedCeiling f) {
                    ceilings.add(f);
                } else if (c.limit() instanceof Limit.SiteCeiling sc) {
                    siteCeilingW = Math.min(siteCeilingW, sc.watts());
                }
            }
        }
        return new Bounds(ceilings, siteCeilingW, noRedundancyFeeds);
    }
}
