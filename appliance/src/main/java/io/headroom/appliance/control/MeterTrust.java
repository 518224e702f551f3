package io.headroom.appliance.control;

import io.headroom.appliance.measure.FeedMeasurement;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Controller: which of the group's meters are trusted this tick, and what the trusted ones say the group draws. A meter
 * is trusted when its reading is usable (fresh, plausible, not frozen) and {@link MeterCrossCheck} does not hold it
 * suspect (reading less than the agents report); each other one is an alarm, and the group counts as degraded (the
 * arbiter holds back {@link GroupRegulator#DEGRADED_EXTRA_MARGIN}). Stale or implausible data never reads as "no load":
 * the group's draw is extrapolated from the feeds still trusted. Pure apart from the cross-check's timers; time from the
 * snapshot.
 */
final class MeterTrust {

    /**
     * What the trusted meters say at one tick.
     *
     * @param trusted per feed of the group (group order), whether its reading counts
     * @param usable  how many do
     * @param gridW   what the trusted feeds import, W
     * @param bankW   what the supercap banks on them discharge (charging negative), W: added back for the load side
     * @param feeds   how many feeds the group has
     */
    record Reading(boolean[] trusted, int usable, double gridW, double bankW, int feeds, List<String> alarms) {

        /** Some feed of the group has no trusted reading. */
        boolean degraded() {
            return usable < feeds;
        }

        /**
         * The group's draw on the load side, W ({@code NaN} with no trusted meter): feeds without a trusted reading are
         * taken to carry what the trusted live ones carry on average; a feed known to be lost ({@code lost} of them,
         * all trusted) carries nothing and takes no share of the extrapolation.
         */
        double groupW(int lost) {
            if (usable == 0) {
                return Double.NaN;
            }
            int liveTrusted = usable - lost;
            return liveTrusted > 0 ? (gridW + bankW) * (feeds - lost) / liveTrusted : gridW + bankW;
        }
    }

    private final List<Feed> feeds;
    private final List<Node> nodes;
    private final MeterCrossCheck crossCheck;

    MeterTrust(List<Feed> feeds, List<Node> nodes) {
        this.feeds = feeds;
        this.nodes = nodes;
        this.crossCheck = new MeterCrossCheck(feeds);
    }

    Reading run(Snapshot s) {
        crossCheck.run(s, nodes, LostFeeds.DEAD_FRACTION);
        List<String> alarms = new ArrayList<>(crossCheck.alarms());
        int usable = 0;
        double gridW = 0;
        double bankW = 0;
        boolean[] trusted = new boolean[feeds.size()];
        for (int fi = 0; fi < feeds.size(); fi++) {
            Feed f = feeds.get(fi);
            FeedMeasurement m = s.feeds().get(f.id());
            if (m != null && m.usable() && crossCheck.suspect(fi)) {
                continue; // its alarm says why
            }
            if (m == null || !m.usable()) {
                alarms.add("feed " + f.id() + ": meter " + (m == null ? "missing" : m.quality().name().toLowerCase(Locale.ROOT))
                        + (m == null ? "" : " (" + m.ageMs() + " ms old)") + "; group held conservatively");
                continue;
            }
            usable++;
            trusted[fi] = true;
            gridW += m.powerW();
            bankW += s.bankPowerOnFeedW(f.id()); // load side: discharge added back, charging taken out
        }
        return new Reading(trusted, usable, gridW, bankW, feeds.size(), alarms);
    }
}
