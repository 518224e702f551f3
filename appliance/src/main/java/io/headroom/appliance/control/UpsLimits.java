package io.headroom.appliance.control;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.UpsModule;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The UPS modules on a group's feeds as limits, like the breakers' ({@link BreakerLimits}):
 * <ul>
 *   <li>a {@link Limit.FeedCeiling} per feed with a UPS: its continuous rating less margin, in the feed's amperes
 *       (regulation holds each module within its rating; no excursion is taken on a UPS's curve);</li>
 *   <li>while the group has its redundancy, one {@link Limit.GroupCeiling}: at a feed's loss each survivor picks up
 *       its share of the group's draw uncapped until the armed caps land ({@link UpsModule#responseS()}), so the
 *       group may draw at most what the survivors of its worst single loss carry for that long on their curves
 *       ({@link UpsModule#shortRatio()} × rating, each, less margin). In a 2N hall whose modules carry 150 % for
 *       60 s and 200 % for 200 ms, with caps that land in 100 ms, the group may draw up to the curve's
 *       instantaneous ratio × one module's rating: as with a breaker's curve, the last point's time holds up to
 *       it, so a site file should put it just above the last rated point (2.05 in {@code sites/example-2n-dense.yaml}:
 *       2.05 ×); with caps that take 300 ms, only about 1.8 × (the curve at 300 ms).</li>
 * </ul>
 * The contingency plans bring a loss's survivors within their modules' ratings
 * ({@link ContingencyPlanner#survivorsAllowedW}, through {@link Feed#carryW()}). A group without UPS modules gets no
 * limit from here. Pure; the limits depend on the site only and are made once.
 */
public final class UpsLimits {

    private final List<Limit> continuous;
    private final Limit shortWindow;

    public UpsLimits(Site site, RedundancyGroup group, List<Feed> feeds) {
        double margin = site.control().marginFraction();
        List<Limit> c = new ArrayList<>();
        for (Feed f : feeds) {
            UpsModule u = f.ups();
            if (u != null) {
                c.add(new Limit.FeedCeiling(f.id(), f.currentAtPowerA(u.ratingW()) * (1 - margin), Tier.SAFETY, "ups",
                        String.format(Locale.ROOT, "UPS %s on feed %s: %.1f kW continuous less %.0f %% margin",
                                u.id(), f.id(), u.ratingW() / 1000, margin * 100)));
            }
        }
        this.continuous = List.copyOf(c);
        double worstW = Double.POSITIVE_INFINITY;
        String why = null;
        if (feeds.size() >= 2) {
            for (Feed lost : feeds) {
                List<Feed> survivors = feeds.stream().filter(f -> f != lost).toList();
                double perSurvivorW = Double.POSITIVE_INFINITY;
                UpsModule tightest = null;
                for (Feed s : survivors) {
                    if (s.ups() != null && s.ups().ratingW() * s.ups().shortRatio() < perSurvivorW) {
                        perSurvivorW = s.ups().ratingW() * s.ups().shortRatio();
                        tightest = s.ups();
                    }
                }
                double groupW = survivors.size() * perSurvivorW * (1 - margin);
                if (groupW < worstW) {
                    worstW = groupW;
                    why = String.format(Locale.ROOT, "UPS %s: at the loss of feed %s it may pick up %.0f %% of its "
                                    + "%.1f kW for the %.0f ms until the armed caps land; the group at most %.1f kW "
                                    + "(less %.0f %% margin)", tightest.id(), lost.id(), tightest.shortRatio() * 100,
                            tightest.ratingW() / 1000, tightest.responseS() * 1000, groupW / 1000, margin * 100);
                }
            }
        }
        this.shortWindow = Double.isFinite(worstW)
                ? new Limit.GroupCeiling(group.id(), worstW, Tier.SAFETY, "ups", why) : null;
    }

    /** Whether any of the group's feeds has a UPS module (no limit otherwise). */
    public boolean any() {
        return !continuous.isEmpty();
    }

    /**
     * The ceilings now; with {@code noRedundancy} (a feed of the group lost or out of service) only the continuous
     * ratings: there is no further loss to ride through.
     */
    public List<Limit> run(boolean noRedundancy) {
        if (shortWindow == null || noRedundancy) {
            return continuous;
        }
        List<Limit> out = new ArrayList<>(continuous.size() + 1);
        out.addAll(continuous);
        out.add(shortWindow);
        return out;
    }
}
