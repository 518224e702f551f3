package io.headroom.appliance.control;

import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Controller: contingency readiness. While no single-feed-loss plan exists with the critical floors (the group's worst
 * survivors cannot carry them), critical nodes are held in steady state at the cap that makes one exist
 * ({@link ContingencyPlanner#criticalCapForAPlanW}, never below their GPUs' minimum), so that a loss needs no cut below
 * what they already run at: a SAFETY {@link Limit.NodeCeiling} on each critical node whose floor is above that cap,
 * and an alarm. What makes a plan depends on the site file only, so it is worked out once. Pure.
 */
final class CriticalReadiness {

    private final List<Limit> limits;
    private final List<String> alarms;

    CriticalReadiness(Site site, RedundancyGroup group, List<Node> nodes) {
        double criticalCap = ContingencyPlanner.criticalCapForAPlanW(site, group, nodes);
        List<Limit> l = new ArrayList<>(0);
        for (Node n : nodes) {
            if (n.priority() == Priority.CRITICAL && criticalCap < Allocator.floor(n) - 1e-6) {
                l.add(new Limit.NodeCeiling(n.id(), criticalCap, Tier.SAFETY, "contingency-readiness",
                        String.format(Locale.ROOT, "node %s: held at %.0f W per GPU, below its critical floor, until an "
                                + "N-1 plan exists with the critical floors", n.id(), criticalCap)));
            }
        }
        this.limits = List.copyOf(l);
        this.alarms = l.isEmpty() ? List.of() : List.of(String.format(Locale.ROOT, "group %s: no N-1 plan exists with "
                + "the critical floors; critical nodes held at %.0f W per GPU until one does", group.id(), criticalCap));
    }

    /** The ceilings on critical nodes (empty while a plan exists with their floors). */
    List<Limit> limits() {
        return limits;
    }

    /** The alarm while critical nodes are held below their floors. */
    List<String> alarms() {
        return alarms;
    }
}
