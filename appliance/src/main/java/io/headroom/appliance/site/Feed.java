package io.headroom.appliance.site;

/**
 * One electrical path from the switchgear, protected by one breaker.
 *
 * @param ratingA     breaker rating in amperes (per phase)
 * @param derating    fraction of the rating that may be carried continuously (1.0 for a 100 %-rated breaker, 0.8 for the NEC 80 % rule)
 * @param voltageV    nominal voltage: line-to-line for 3 phases, line-to-neutral for 1
 * @param phases      1 or 3
 * @param powerFactor the power factor assumed when turning the current limit into a power limit
 * @param tripCurve   the breaker's current ratio to allowed time curve
 * @param meterId     the meter that measures this feed
 * @param ups         the UPS module on this feed's path, or null where the site file names none
 */
public record Feed(String id, double ratingA, double derating, double voltageV, int phases, double powerFactor,
                   TripCurve tripCurve, String meterId, UpsModule ups) {

    /** A feed with no UPS module on its path. */
    public Feed(String id, double ratingA, double derating, double voltageV, int phases, double powerFactor,
                TripCurve tripCurve, String meterId) {
        this(id, ratingA, derating, voltageV, phases, powerFactor, tripCurve, meterId, null);
    }

    /** The same feed with a UPS module on its path (null: none). */
    public Feed withUps(UpsModule module) {
        return new Feed(id, ratingA, derating, voltageV, phases, powerFactor, tripCurve, meterId, module);
    }

    /** Continuous current limit, A per phase. */
    public double limitA() {
        return ratingA * derating;
    }

    /** Active power that corresponds to a given per-phase current at this feed's voltage and power factor. */
    public double powerAtCurrentW(double currentA) {
        double va = phases == 3 ? Math.sqrt(3.0) * voltageV * currentA : voltageV * currentA;
        return va * powerFactor;
    }

    /** Continuous active-power limit, W. */
    public double limitW() {
        return powerAtCurrentW(limitA());
    }

    /** What the feed's path carries continuously: its breaker's limit, or its UPS's rating where that is lower, W. */
    public double carryW() {
        return ups == null ? limitW() : Math.min(limitW(), ups.ratingW());
    }

    /** The per-phase current at which this feed carries {@code watts} at its voltage and power factor. */
    public double currentAtPowerA(double watts) {
        return watts / powerAtCurrentW(1);
    }
}
