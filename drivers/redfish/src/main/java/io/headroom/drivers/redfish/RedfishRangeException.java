package io.headroom.drivers.redfish;

import java.util.List;

/** A requested limit outside the resource's allowable range; refused before anything was sent. */
public final class RedfishRangeException extends RedfishException {

    private final double requestedW;
    private final double minW;
    private final double maxW;

    public RedfishRangeException(String resource, String property, double requestedW, double minW, double maxW) {
        super("PATCH", resource, 0, List.of(), String.format(java.util.Locale.ROOT,
                "not sent: %s %s W outside the allowable range %s..%s W", property, fmt(requestedW), fmt(minW),
                fmt(maxW)), null);
        this.requestedW = requestedW;
        this.minW = minW;
        this.maxW = maxW;
    }

    static String fmt(double w) {
        if (Double.isNaN(w)) {
            return "?";
        }
        return w == Math.rint(w) && Math.abs(w) < 1e15 ? Long.toString((long) w) : Double.toString(w);
    }

    public double requestedW() {
        return requestedW;
    }

    /** The lower bound, W (NaN: the service publishes none). */
    public double minW() {
        return minW;
    }

    /** The upper bound, W (NaN: the service publishes none). */
    public double maxW() {
        return maxW;
    }
}
