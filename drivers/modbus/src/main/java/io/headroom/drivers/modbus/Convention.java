package io.headroom.drivers.modbus;

/**
 * Turns a device's sign or encoding convention into Headroom's. Headroom's convention: active power and
 * current are positive when energy flows from the grid into the hall (import); a bank's power is positive when
 * it discharges (supplies the hall) and negative when it charges.
 */
public enum Convention {
    /** The device already uses Headroom's convention. */
    AS_IS,
    /** The device counts the other way round (e.g. a meter mounted to count export as positive). */
    NEGATE,
    /**
     * Schneider PowerLogic "4Q FP PF": power factor folded into -2..2 so that it sorts by quadrant
     * (value &gt; 1 means 2 - value, value &lt; -1 means -2 - value); decoded to an ordinary signed PF.
     */
    PF_4Q;

    double apply(double v) {
        return switch (this) {
            case AS_IS -> v;
            case NEGATE -> -v;
            case PF_4Q -> v > 1 ? 2 - v : v < -1 ? -2 - v : v;
        };
    }

    double unapply(double v) {
        return switch (this) {
            case AS_IS -> v;
            case NEGATE -> -v;
            case PF_4Q -> v; // the simulator side writes plain PF, which is valid 4Q encoding for |PF| <= 1 lagging
        };
    }
}
