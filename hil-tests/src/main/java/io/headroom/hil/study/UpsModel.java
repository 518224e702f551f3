package io.headroom.hil.study;

import io.headroom.appliance.site.TripCurve;

import java.util.List;

/**
 * The UPS module behind each feed in the study's plant (the distributed-redundant "4 makes 3" hall: every feed's
 * current passes through its own module): its rating as a fraction of the feed's continuous limit, its overload
 * curve (seconds it may carry {@code ratio} × rating before it transfers its load to bypass, interpolated log-log as
 * {@link TripCurve} does) and its instantaneous limit (at or above it the inverter transfers after
 * {@code instantaneousS}). Exposure accumulates along the curve like a breaker's (Miner's rule) and cools with
 * {@code coolingTauS} at or below the rating. A transfer leaves the load on the same feed, unprotected: it is counted
 * as a failure of the count, like a trip.
 *
 * @param enabled         false: no UPS in the power path (the study before the model)
 * @param sizing          the module's rating over its feed's continuous limit
 * @param curve           overload points above the rating, and the instantaneous limit's ratio
 * @param instantaneousS  how long the inverter carries a current at or above the instantaneous limit, s
 * @param coolingTauS     exposure's cooling time constant at or below the rating, s
 */
public record UpsModel(boolean enabled, double sizing, TripCurve curve, double instantaneousS, double coolingTauS) {

    /**
     * A typical double-conversion module (the ranges of published data sheets, e.g. 125 % for 10 min, 150 % for
     * 30 s): points (1.0, ∞), (1.25, 600 s), (1.5, 30 s); above 150 % it transfers to bypass after 200 ms. Rated at
     * its feed's continuous limit.
     */
    public static UpsModel typical() {
        return new UpsModel(true, 1.0, new TripCurve(List.of(
                new TripCurve.Point(1.0, Double.POSITIVE_INFINITY),
                new TripCurve.Point(1.25, 600),
                new TripCurve.Point(1.5, 30)), 1.5), 0.2, 300);
    }

    /**
     * The module a site file names on a feed ({@code feeds[].ups}): its rating over the feed's continuous limit, its
     * overload curve, and a transfer at once at or above the curve's instantaneous ratio.
     */
    public static UpsModel of(io.headroom.appliance.site.UpsModule module, io.headroom.appliance.site.Feed feed) {
        return new UpsModel(true, module.ratingW() / feed.limitW(), module.overload(), 0, 300);
    }

    /** No UPS in the power path. */
    public static UpsModel none() {
        return new UpsModel(false, 1.0, new TripCurve(List.of(), Double.POSITIVE_INFINITY), 0, 300);
    }

    /** Seconds the module may carry {@code ratio} × its rating. */
    public double allowedSeconds(double ratio) {
        return ratio >= curve.instantaneousRatio() ? instantaneousS : curve.allowedSeconds(ratio);
    }
}
