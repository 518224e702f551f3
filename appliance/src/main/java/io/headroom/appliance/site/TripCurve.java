package io.headroom.appliance.site;

import java.util.List;

/**
 * A breaker's time-current characteristic (UL 489 style): for a current that is {@code ratio} times the rating,
 * the time in seconds the breaker may carry it before the thermal element trips; at or above
 * {@code instantaneousRatio} the magnetic element trips at once. Between points the curve is interpolated
 * log-log, as trip curves are drawn.
 */
public record TripCurve(List<Point> points, double instantaneousRatio) {

    public record Point(double ratio, double seconds) {
    }

    public TripCurve {
        points = List.copyOf(points);
    }

    /** A typical thermal-magnetic moulded-case breaker curve (1.05x holds, 1.35x about 10 min, 6x about 5 s, 10x instantaneous). */
    public static TripCurve thermalMagneticDefault() {
        return new TripCurve(List.of(
                new Point(1.05, Double.POSITIVE_INFINITY),
                new Point(1.13, 3600),
                new Point(1.35, 600),
                new Point(2.0, 120),
                new Point(3.0, 40),
                new Point(6.0, 5)), 10.0);
    }

    /** Seconds the breaker may carry {@code ratio} times its rating; infinite below the first point, 0 at or above instantaneous. */
    public double allowedSeconds(double ratio) {
        if (ratio >= instantaneousRatio) {
            return 0;
        }
        if (points.isEmpty() || ratio <= points.getFirst().ratio()) {
            return Double.POSITIVE_INFINITY;
        }
        for (int i = 1; i < points.size(); i++) {
            Point a = points.get(i - 1);
            Point b = points.get(i);
            if (ratio <= b.ratio()) {
                if (Double.isInfinite(a.seconds())) {
                    return b.seconds() * Math.pow(b.ratio() / ratio, 8); // steep rise toward the hold ratio
                }
                double t = Math.log(ratio / a.ratio()) / Math.log(b.ratio() / a.ratio());
                return Math.exp(Math.log(a.seconds()) + t * (Math.log(b.seconds()) - Math.log(a.seconds())));
            }
        }
        return points.getLast().seconds(); // between the last point and instantaneous: the last point's time
    }
}
