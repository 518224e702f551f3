package io.headroom.appliance.control;

import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Site;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Breaker limits per feed, trip-curve aware. The ceiling is the continuous limit (rating × derating) less
 * margin; a short excursion above it that the trip curve allows is allowed: up to {@link #EXCURSION_RATIO}
 * of the limit for at most {@link #EXCURSION_S} seconds, and only while the breaker's thermal exposure (the
 * fraction of the curve's allowed time used, accumulated Miner-style and cooling with
 * {@link #COOLING_TAU_S}) is below {@link #EXPOSURE_BUDGET}, and the curve at that ratio allows at least
 * {@link #MIN_ALLOWED_S}. An excursion that would trip is never allowed. After an excursion the feed must
 * stay under its limit for {@link #RECOVERY_S} before the next (hysteresis, no oscillation). No excursion is
 * allowed while the group has lost its redundancy (a feed lost or in maintenance): its survivors are the last
 * breakers between the hall and a blackout, and the trip curve's margin is kept for what comes next.
 *
 * <p>State per feed; time comes from the snapshot. Pure otherwise.
 */
public final class BreakerLimits {

    /** The most an excursion may reach, as a fraction of the continuous limit. */
    public static final double EXCURSION_RATIO = 1.05;
    /** The longest an excursion may last. */
    public static final double EXCURSION_S = 5;
    /** Time under the limit required between excursions. */
    public static final double RECOVERY_S = 60;
    /** Fraction of the curve's allowed time an excursion may use up. */
    public static final double EXPOSURE_BUDGET = 0.2;
    /** The curve must allow at least this long at the excursion ratio. */
    public static final double MIN_ALLOWED_S = 60;
    /** Thermal cooling time constant of the breaker's exposure. */
    public static final double COOLING_TAU_S = 300;

    private final List<Feed> feeds;
    private final double margin;
    private final Map<String, State> state = new HashMap<>();

    private static final class State {
        double exposure;
        long lastNanos = Long.MIN_VALUE;
        long excursionStartNanos = Long.MIN_VALUE;
        long underSinceNanos = Long.MIN_VALUE;
        /** The continuous ceiling, with and without redundancy left: the same every tick, made once. */
        Limit continuous;
        Limit continuousNoRedundancy;
    }

    public BreakerLimits(Site site) {
        this(site, site.feeds());
    }

    /** Limits for some of a site's feeds (a redundancy group's). */
    public BreakerLimits(Site site, List<Feed> feeds) {
        this.feeds = List.copyOf(feeds);
        this.margin = site.control().marginFraction();
        for (Feed f : feeds) {
            state.put(f.id(), new State());
        }
    }

    /** The breaker's accumulated exposure (fraction of allowed time used) for a feed. */
    public double exposure(String feedId) {
        return state.get(feedId).exposure;
    }

    public List<Limit> run(Snapshot s) {
        return run(s, false);
    }

    /**
     * The ceilings now; with {@code noRedundancy} (a feed of the group lost or out of service) every ceiling is the
     * continuous one: no excursion begins and one under way ends (the exposure is still accumulated).
     */
    public List<Limit> run(Snapshot s, boolean noRedundancy) {
        List<Limit> out = new ArrayList<>(feeds.size());
        long now = s.monoNanos();
        for (Feed f : feeds) {
            State st = state.get(f.id());
            FeedMeasurement m = s.feeds().get(f.id());
            double continuous = f.limitA() * (1 - margin);
            double ratio = m != null && m.usable() ? m.currentA() / f.ratingA() : 0;
            double dt = st.lastNanos == Long.MIN_VALUE ? 0 : (now - st.lastNanos) / 1e9;
            st.lastNanos = now;
            double allowed = f.tripCurve().allowedSeconds(ratio);
            if (Double.isFinite(allowed)) {
                st.exposure = allowed <= 0 ? 1 : st.exposure + dt / allowed;
            } else {
                st.exposure *= Math.exp(-dt / COOLING_TAU_S);
            }
            boolean under = m == null || !m.usable() || m.currentA() <= continuous;
            if (under) {
                if (st.underSinceNanos == Long.MIN_VALUE) {
                    st.underSinceNanos = now;
                }
            } else {
                st.underSinceNanos = Long.MIN_VALUE;
            }
            double excursionA = f.limitA() * EXCURSION_RATIO;
            boolean curveAllows = f.tripCurve().allowedSeconds(excursionA / f.ratingA()) >= MIN_ALLOWED_S
                    && st.exposure < EXPOSURE_BUDGET;
            boolean inExcursion = st.excursionStartNanos != Long.MIN_VALUE
                    && (now - st.excursionStartNanos) / 1e9 < EXCURSION_S;
            if (!under && st.excursionStartNanos == Long.MIN_VALUE && curveAllows && !noRedundancy) {
                st.excursionStartNanos = now; // a new excursion begins
                inExcursion = true;
            }
            if (st.excursionStartNanos != Long.MIN_VALUE && !inExcursion && st.underSinceNanos != Long.MIN_VALUE
                    && (now - st.underSinceNanos) / 1e9 >= RECOVERY_S) {
                st.excursionStartNanos = Long.MIN_VALUE; // recovered: the next excursion may come
            }
            if (inExcursion && curveAllows && !noRedundancy) {
                out.add(new Limit.FeedCeiling(f.id(), excursionA, Tier.SAFETY, "breaker",
                        String.format(java.util.Locale.ROOT,
                                "breaker %s: short excursion to %.0f A allowed by its trip curve (%.0f %% of the curve used)",
                                f.id(), excursionA, st.exposure * 100)));
            } else {
                Limit l = noRedundancy ? st.continuousNoRedundancy : st.continuous;
                if (l == null) {
                    l = new Limit.FeedCeiling(f.id(), continuous, Tier.SAFETY, "breaker",
                            String.format(java.util.Locale.ROOT, "breaker %s: %.0f A continuous less %.0f %% margin%s",
                                    f.id(), f.limitA(), margin * 100, noRedundancy ? " (no excursion: the group has no "
                                            + "redundancy left)" : ""));
                    if (noRedundancy) {
                        st.continuousNoRedundancy = l;
                    } else {
                        st.continuous = l;
                    }
                }
                out.add(l);
            }
        }
        return out;
    }
}
