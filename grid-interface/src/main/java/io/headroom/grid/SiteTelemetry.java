package io.headroom.grid;

import java.time.Instant;
import java.util.OptionalDouble;

/**
 * Metered import at the utility point of connection, as the appliance measured it. The VENs read it to report
 * usage, demand and the shed delivered. Implementations answer from history (the appliance's journal); empty
 * when the window was not (or not fully) measured.
 */
@FunctionalInterface
public interface SiteTelemetry {

    /** Energy imported over [from, to), in Wh. */
    OptionalDouble energyWh(Instant from, Instant to);

    /** Mean import over [from, to), in W. */
    default OptionalDouble meanDemandW(Instant from, Instant to) {
        OptionalDouble e = energyWh(from, to);
        double hours = (to.toEpochMilli() - from.toEpochMilli()) / 3_600_000.0;
        return e.isPresent() && hours > 0 ? OptionalDouble.of(e.getAsDouble() / hours) : OptionalDouble.empty();
    }

    /** A site drawing a constant {@code w} (benches and tests). */
    static SiteTelemetry constant(double w) {
        return (from, to) -> OptionalDouble.of(w * (to.toEpochMilli() - from.toEpochMilli()) / 3_600_000.0);
    }
}
