package io.headroom.hil.study;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.TripCurve;

/**
 * A feed's breaker in virtual time. The thermal element accumulates exposure along the site's trip curve:
 * every step at {@code ratio} = current / rating uses {@code dt / TripCurve.allowedSeconds(ratio)} of the
 * breaker (Miner's rule), so a constant overload trips exactly at the curve's time for it, and exposure cools
 * exponentially ({@link #COOLING_TAU_S}) while the current is at or below the curve's hold ratio. The
 * magnetic element trips at once at or above the curve's instantaneous ratio. Once tripped it stays open.
 */
public final class VirtualBreaker {

    /** Thermal cooling time constant of the exposure (the value regulation's BreakerLimits assumes). */
    public static final double COOLING_TAU_S = 300;

    private final Feed feed;
    private final TripCurve curve;
    private double exposure;
    private double worstExposure;
    private boolean tripped;
    private double trippedAtS = Double.NaN;
    private String why = "";
    private double timeS;

    public VirtualBreaker(Feed feed) {
        this.feed = feed;
        this.curve = feed.tripCurve();
    }

    /** Carries {@code currentA} (per phase) for {@code dtS} seconds. */
    public void step(double currentA, double dtS) {
        timeS += dtS;
        if (tripped) {
            return;
        }
        double ratio = currentA / feed.ratingA();
        if (ratio >= curve.instantaneousRatio()) {
            trip(1, String.format(java.util.Locale.ROOT, "instantaneous element at %.2f × rating", ratio));
            return;
        }
        double allowed = curve.allowedSeconds(ratio);
        if (Double.isFinite(allowed)) {
            exposure += dtS / allowed;
        } else {
            exposure *= Math.exp(-dtS / COOLING_TAU_S);
        }
        worstExposure = Math.max(worstExposure, exposure);
        if (exposure >= 1) {
            trip(exposure, String.format(java.util.Locale.ROOT, "thermal element at %.3f × rating", ratio));
        }
    }

    private void trip(double e, String reason) {
        tripped = true;
        exposure = e;
        worstExposure = Math.max(worstExposure, e);
        trippedAtS = timeS;
        why = "breaker " + feed.id() + " tripped: " + reason;
    }

    /**
     * The exposure the breaker would reach if it carried {@code ratio} × rating for {@code seconds} more from now
     * (an outage's remainder, extrapolated from the drill's end); ≥ 1 means it would trip.
     */
    public double projectedExposure(double ratio, double seconds) {
        if (tripped) {
            return exposure;
        }
        if (ratio >= curve.instantaneousRatio()) {
            return 1;
        }
        double allowed = curve.allowedSeconds(ratio);
        return Double.isFinite(allowed) ? exposure + seconds / allowed : exposure;
    }

    public Feed feed() {
        return feed;
    }

    /** Fraction of the curve's allowed time used now (1 = tripped). */
    public double exposure() {
        return exposure;
    }

    /** The highest exposure reached. */
    public double worstExposure() {
        return worstExposure;
    }

    public boolean tripped() {
        return tripped;
    }

    /** Seconds of carried time at which it tripped (NaN if it has not). */
    public double trippedAtS() {
        return trippedAtS;
    }

    /** Why it tripped, in words ("" if it has not). */
    public String why() {
        return why;
    }
}
