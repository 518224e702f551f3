package io.headroom.appliance.control;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.RedundancyGroup;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Controller: a feed whose trusted meter reads no load (under {@link #DEAD_FRACTION} of its limit) while another trusted
 * feed of its group carries load (at least {@link #LIVE_FRACTION}) is gone: nodes draw equally from every live feed of
 * their group. Its plans cannot count on it, and the group has lost its N-1 redundancy (an alarm; the breakers then
 * allow no short excursion, {@link BreakerLimits}). A feed in maintenance is out already, not lost. Pure.
 */
final class LostFeeds {

    /**
     * A feed carrying less than this fraction of its limit carries none of its group: lost if the group carries load,
     * idle otherwise (it binds nothing in the {@link Arbiter}, and {@link MeterCrossCheck} does not check it).
     */
    static final double DEAD_FRACTION = 0.02;
    /** A group carries load when one of its feeds carries at least this fraction of its limit. */
    static final double LIVE_FRACTION = 0.20;

    /**
     * @param lost     the feeds lost now, group order
     * @param feedsOut those and the feeds in maintenance: the group's feeds out of service
     */
    record Output(List<String> lost, Set<String> feedsOut, List<String> alarms) {
    }

    private final RedundancyGroup group;
    private final List<Feed> feeds;

    LostFeeds(RedundancyGroup group, List<Feed> feeds) {
        this.group = group;
        this.feeds = feeds;
    }

    /** @param inMaintenance the group's feeds in maintenance ({@link Maintenance}) */
    Output run(Snapshot s, MeterTrust.Reading meters, Set<String> inMaintenance) {
        List<String> lost = new ArrayList<>(0);
        boolean[] trusted = meters.trusted();
        if (meters.usable() >= 2) {
            double busiest = 0;
            for (int fi = 0; fi < feeds.size(); fi++) {
                Feed f = feeds.get(fi);
                if (trusted[fi]) {
                    busiest = Math.max(busiest, s.feeds().get(f.id()).currentA() / f.limitA());
                }
            }
            if (busiest >= LIVE_FRACTION) {
                for (int fi = 0; fi < feeds.size(); fi++) {
                    Feed f = feeds.get(fi);
                    if (trusted[fi] && s.feeds().get(f.id()).currentA() < DEAD_FRACTION * f.limitA()
                            && !inMaintenance.contains(f.id())) {
                        lost.add(f.id());
                    }
                }
            }
        }
        if (lost.isEmpty()) {
            return new Output(lost, inMaintenance, List.of());
        }
        Set<String> out = new HashSet<>(inMaintenance);
        out.addAll(lost);
        return new Output(lost, Set.copyOf(out), List.of("feed " + String.join(", ", lost) + ": lost (no load while group "
                + group.id() + " carries load); the group has no N-1 redundancy left"));
    }
}
