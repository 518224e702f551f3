package io.headroom.appliance.site;

/**
 * A UPS module on a feed's power path (between the feed's breaker and its racks): its continuous rating and its
 * overload curve. The curve reads like a breaker's {@link TripCurve}: for a load {@code ratio} times the rating, the
 * seconds the inverter carries it before it transfers to bypass (or shuts down); below the first point it carries the
 * load indefinitely, between the last point and {@code instantaneous} the last point's time holds, and at or above
 * {@code instantaneous} it transfers at once. Typical data sheets: 125 % for 10 min, 150 % for 60 s, 200 % for 200 ms.
 *
 * <p>Regulation holds the feed within the rating (less margin); the contingency plans bring a loss's survivors within
 * it; and since the armed caps take {@code responseS} to land after a loss, the load a survivor picks up at the loss
 * must be one the curve carries for at least that long ({@link #shortRatio()}).
 *
 * @param id        the module's name, as the operator knows it
 * @param ratingW   continuous rating, W (active power)
 * @param overload  the overload curve, as multiples of {@code ratingW}
 * @param responseS the time from a feed loss until the armed caps hold the survivors' load, s (detection, trigger,
 *                  GPU power-limit enforcement): how long the survivor carries what it picked up uncapped
 */
public record UpsModule(String id, double ratingW, TripCurve overload, double responseS) {

    /** The fast path's response time a site file assumes when it names none. */
    public static final double DEFAULT_RESPONSE_S = 0.1;

    /** Seconds the module carries {@code ratio} times its rating before it transfers. */
    public double allowedSeconds(double ratio) {
        return overload.allowedSeconds(ratio);
    }

    /**
     * The highest multiple of its rating the module carries for at least {@link #responseS()}: the most a survivor may
     * pick up at a loss, before the armed caps land (1 when even a small overload is shorter than that).
     */
    public double shortRatio() {
        return ratioFor(responseS);
    }

    /** The highest multiple of its rating carried for at least {@code seconds} (never below 1). */
    public double ratioFor(double seconds) {
        double lo = 1;
        double hi = overload.instantaneousRatio();
        if (!Double.isFinite(hi)) {
            hi = 1e3;
        }
        if (allowedSeconds(hi) >= seconds) {
            return hi;
        }
        if (allowedSeconds(lo) < seconds) {
            return 1;
        }
        for (int k = 0; k < 60; k++) { // allowed time falls as the ratio rises
            double mid = (lo + hi) / 2;
            if (allowedSeconds(mid) >= seconds) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
