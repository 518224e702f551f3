package io.headroom.appliance.control;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Controller: feeds an operator put in maintenance ({@link Snapshot#outOfService()}). The group is run as if they were
 * already lost, so that opening their breakers moves no load the survivors cannot carry: a SAFETY ceiling on the
 * group at what its other feeds carry, and an alarm (the group has no N-1 redundancy left). Pure.
 */
final class Maintenance {

    /**
     * @param feedsOut the group's feeds in maintenance now
     * @param limits   the group ceiling they impose (empty when none is out)
     */
    record Output(Set<String> feedsOut, List<Limit> limits, List<String> alarms) {
        static final Output NONE = new Output(Set.of(), List.of(), List.of());
    }

    private final Site site;
    private final RedundancyGroup group;
    private final List<Feed> feeds;

    Maintenance(Site site, RedundancyGroup group, List<Feed> feeds) {
        this.site = site;
        this.group = group;
        this.feeds = feeds;
    }

    Output run(Snapshot s) {
        if (s.outOfService().isEmpty()) {
            return Output.NONE;
        }
        List<String> inService = new ArrayList<>();
        List<String> out = new ArrayList<>();
        for (Feed f : feeds) {
            (s.outOfService().contains(f.id()) ? out : inService).add(f.id());
        }
        if (out.isEmpty()) {
            return Output.NONE;
        }
        double carryW = inService.isEmpty() ? 0
                : ContingencyPlanner.survivorsAllowedW(site, inService, site.control().marginFraction());
        String feedsOut = String.join(", ", out);
        Limit ceiling = new Limit.GroupCeiling(group.id(), carryW, Tier.SAFETY, "maintenance", String.format(Locale.ROOT,
                "feed %s in maintenance: the group may draw only what feeds %s carry (%.1f kW)", feedsOut,
                inService.isEmpty() ? "(none)" : String.join(", ", inService), carryW / 1000));
        return new Output(Set.copyOf(out), List.of(ceiling), List.of("feed " + feedsOut + ": in maintenance; group "
                + group.id() + " is held to the other feeds' capacity and has no N-1 redundancy left"));
    }
}
