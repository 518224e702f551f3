package io.headroom.appliance.control;

import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Combines every controller's limits into what one redundancy group may draw, safety first: the tightest
 * SAFETY limit always holds; GRID and ECONOMICS limits hold too, except that they never push the group below
 * its floors (critical floors and every GPU's minimum, plus the load that is not GPUs) — only safety may.
 * Each limit is translated into group watts through what the meters show: a feed ceiling scales the group's
 * draw by ceiling/measured current of that feed (nodes draw equally from every live feed of their group); a
 * site ceiling scales it by ceiling/measured site import. The result names the binding limit.
 *
 * <p>Pure.
 */
public final class Arbiter {

    /** What a group may draw, why, and what every limit came to. */
    public record Verdict(String groupId, double allowedW, Limit binding, String explanation,
                          List<Considered> considered, boolean floorsHeld) {
    }

    /** One limit as the arbiter saw it for a group, in group watts ({@code NaN} if it could not be evaluated). */
    public record Considered(Limit limit, double groupW) {
    }

    private Arbiter() {
    }

    /**
     * @param measuredGroupW the group's draw (load side: supercap discharge added back, charging taken out), W
     * @param measuredSiteW  the site's draw, load side, W
     * @param floorW         the group's floor: its non-GPU load plus every GPU at its floor, W
     * @param degraded       some of the group's feeds have no usable reading (extra margin applied)
     */
    public static Verdict decide(Site site, RedundancyGroup group, Snapshot s, List<Limit> limits,
                                 double measuredGroupW, double measuredSiteW, double floorW, boolean degraded) {
        List<Considered> considered = new ArrayList<>();
        Considered safety = null;
        Considered grid = null;
        for (Limit l : limits) {
            double w = toGroupW(site, group, s, l, measuredGroupW, measuredSiteW);
            if (Double.isNaN(w)) {
                continue;
            }
            if (degraded) {
                w *= 1 - GroupRegulator.DEGRADED_EXTRA_MARGIN;
            }
            Considered c = new Considered(l, w);
            considered.add(c);
            if (l.tier() == Tier.SAFETY) {
                if (safety == null || w < safety.groupW()) {
                    safety = c;
                }
            } else if (grid == null || w < grid.groupW()) {
                grid = c;
            }
        }
        if (safety == null && grid == null) {
            return new Verdict(group.id(), Double.NaN, null, "no limit could be evaluated (no usable measurement)",
                    considered, true);
        }
        double safetyW = safety == null ? Double.POSITIVE_INFINITY : safety.groupW();
        if (grid != null && grid.groupW() < safetyW) {
            if (grid.groupW() >= floorW) {
                return new Verdict(group.id(), grid.groupW(), grid.limit(), grid.limit().reason(), considered, true);
            }
            double w = Math.min(safetyW, floorW);
            return new Verdict(group.id(), w, grid.limit(), String.format(Locale.ROOT,
                    "%s — held at the group's floors (%.1f kW): critical floors come before grid commitments",
                    grid.limit().reason(), floorW / 1000), considered, true);
        }
        return new Verdict(group.id(), safetyW, safety.limit(), safety.limit().reason(), considered,
                safetyW >= floorW);
    }

    static double toGroupW(Site site, RedundancyGroup group, Snapshot s, Limit l, double measuredGroupW,
                           double measuredSiteW) {
        return switch (l) {
            case Limit.GroupCeiling g -> g.groupId().equals(group.id()) ? g.watts() : Double.NaN;
            case Limit.FeedCeiling f -> {
                if (!group.feedIds().contains(f.feedId())) {
                    yield Double.NaN;
                }
                FeedMeasurement m = s.feeds().get(f.feedId());
                if (m == null || !m.usable()) {
                    yield Double.NaN;
                }
                Feed feed = ContingencyPlanner.feed(site, f.feedId());
                if (m.currentA() < LostFeeds.DEAD_FRACTION * feed.limitA()) {
                    yield Double.NaN; // a lost or idle feed carries none of the group: it does not bind
                }
                // Load-side current: what the feed would carry without its supercap banks (their discharge added
                // back, their charging taken out: banks charge only into the room regulation leaves).
                double bankW = s.bankPowerOnFeedW(f.feedId());
                double loadA = m.powerW() > 0 ? m.currentA() * (m.powerW() + bankW) / m.powerW() : m.currentA();
                yield measuredGroupW * f.amps() / loadA;
            }
            case Limit.SiteCeiling c -> measuredSiteW > 0 ? measuredGroupW * c.watts() / measuredSiteW : Double.NaN;
            case Limit.NodeCeiling n -> Double.NaN; // one node's cap: the allocation's (NodeBounds), not the group's
        };
    }
}
