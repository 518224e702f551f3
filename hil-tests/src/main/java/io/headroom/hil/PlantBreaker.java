package io.headroom.hil;

import io.headroom.appliance.site.Feed;

/**
 * A feed's breaker as the plant models it: thermal exposure accumulated along the feed's trip curve (each step
 * adds {@code dt / allowedSeconds(current / rating)}; below the curve's hold ratio it cools with
 * {@link #COOLING_TAU_S}), and the instantaneous element. At an exposure of 1 (the curve's time used up) or at
 * the instantaneous ratio the breaker trips: it opens and stays open until {@link #close()}. Not thread-safe:
 * the plant's step thread owns it.
 */
public final class PlantBreaker {

    /** Thermal memory of a cooling breaker, s. */
    public static final double COOLING_TAU_S = 600;

    private final Feed feed;
    private double exposure;
    private double worstExposure;
    private boolean open;
    private int trips;
    private double lastTripS = Double.NaN;

    public PlantBreaker(Feed feed) {
        this.feed = feed;
    }

    /**
     * One step of {@code dtS} seconds carrying {@code currentA} (the highest phase) at plant time {@code nowS};
     * returns true when the breaker trips in this step.
     */
    public boolean step(double currentA, double dtS, double nowS) {
        if (open || dtS <= 0) {
            return false;
        }
        double allowed = feed.tripCurve().allowedSeconds(currentA / feed.ratingA());
        if (allowed <= 0) {
            exposure = 1; // the instantaneous element
        } else if (Double.isFinite(allowed)) {
            exposure += dtS / allowed;
        } else {
            exposure *= Math.exp(-dtS / COOLING_TAU_S);
        }
        worstExposure = Math.max(worstExposure, Math.min(exposure, 1));
        if (exposure >= 1) {
            open = true;
            trips++;
            lastTripS = nowS;
            return true;
        }
        return false;
    }

    /** Opens the breaker on command (a shunt trip, a protection relay): not an overload trip, not counted. */
    public void openByCommand() {
        open = true;
    }

    /** Recloses the breaker (an operator's hand), with its thermal memory cleared. */
    public void close() {
        open = false;
        exposure = 0;
    }

    public boolean open() {
        return open;
    }

    public int trips() {
        return trips;
    }

    /** The fraction of the trip curve's allowed time used now (1: tripped). */
    public double exposure() {
        return exposure;
    }

    /** The highest exposure since {@link #markWorst()}. */
    public double worstExposure() {
        return worstExposure;
    }

    public void markWorst() {
        worstExposure = exposure;
    }

    /** Plant time of the last trip, s (NaN if none). */
    public double lastTripS() {
        return lastTripS;
    }
}
