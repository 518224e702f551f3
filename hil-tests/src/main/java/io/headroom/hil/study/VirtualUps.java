package io.headroom.hil.study;

import io.headroom.appliance.site.Feed;

/**
 * A feed's UPS module in virtual time ({@link UpsModel}): exposure along its overload curve, seconds carried above
 * its rating, and the moment it transferred to bypass. Once transferred it stays on bypass for the run.
 */
public final class VirtualUps {

    private final Feed feed;
    private final UpsModel model;
    private final double ratingA;
    private double exposure;
    private double worstExposure;
    private double overloadS;
    private double timeS;
    private boolean transferred;
    private double transferredAtS = Double.NaN;
    private String why = "";

    public VirtualUps(Feed feed, UpsModel model) {
        this.feed = feed;
        this.model = model;
        this.ratingA = feed.limitA() * model.sizing();
    }

    /** Carries {@code currentA} (per phase, the feed's) for {@code dtS} seconds. */
    public void step(double currentA, double dtS) {
        timeS += dtS;
        if (transferred) {
            return;
        }
        double ratio = currentA / ratingA;
        if (ratio > 1 + 1e-9) {
            overloadS += dtS;
        }
        double allowed = model.allowedSeconds(ratio);
        if (Double.isFinite(allowed)) {
            exposure += allowed <= 0 ? 1 : dtS / allowed;
        } else {
            exposure *= Math.exp(-dtS / model.coolingTauS());
        }
        worstExposure = Math.max(worstExposure, exposure);
        if (exposure >= 1) {
            transferred = true;
            transferredAtS = timeS;
            why = String.format(java.util.Locale.ROOT, "UPS %s transferred to bypass at %.3f × its rating", feed.id(), ratio);
        }
    }

    /** The exposure it would reach carrying {@code ratio} × its rating for {@code seconds} more; ≥ 1: it would transfer. */
    public double projectedExposure(double ratio, double seconds) {
        if (transferred) {
            return exposure;
        }
        double allowed = model.allowedSeconds(ratio);
        return Double.isFinite(allowed) ? exposure + (allowed <= 0 ? 1 : seconds / allowed) : exposure;
    }

    public double ratingA() {
        return ratingA;
    }

    public Feed feed() {
        return feed;
    }

    public double worstExposure() {
        return worstExposure;
    }

    /** Seconds carried above its rating (on its overload curve). */
    public double overloadS() {
        return overloadS;
    }

    public boolean transferred() {
        return transferred;
    }

    public double transferredAtS() {
        return transferredAtS;
    }

    public String why() {
        return why;
    }
}
