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
 */
public record Feed(String id, double ratingA, double derating, double voltageV, int phases, double powerFactor,
                   TripCurve tripCurve, String meterId) {

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
}
