package io.headroom.grid;

import java.time.Duration;
import java.time.Instant;

/**
 * Feasibility before promise: the control core's answer to "how far can the site go down over [start, end)?".
 * The appliance implements it (from its regulation state: the flexible class's headroom, the critical floors,
 * the supercap banks' usable energy); the VENs call it on every event before opting in.
 *
 * <p>Implementations must answer quickly and must not block on I/O; they are called from a VEN's own thread,
 * never from the regulation loop.
 */
@FunctionalInterface
public interface FlexibilityOracle {

    Flexibility assess(Instant start, Instant end);

    /**
     * What the site expects over a window, all at the utility meter.
     *
     * @param expectedDemandW   the mean import expected over the window without any grid commitment (the baseline)
     * @param flexibleHeadroomW how much of it can be shed by capping flexible (and standard) load
     * @param criticalFloorW    the import the site cannot go under: critical load, cooling, losses
     * @param supercapEnergyJ   energy the supercap banks can deliver over the window to ride through
     */
    record Flexibility(double expectedDemandW, double flexibleHeadroomW, double criticalFloorW, double supercapEnergyJ) {
        public Flexibility {
            for (double v : new double[] {expectedDemandW, flexibleHeadroomW, criticalFloorW, supercapEnergyJ}) {
                if (!(v >= 0) || Double.isInfinite(v)) {
                    throw new IllegalArgumentException("flexibility figures must be finite and ≥ 0: " + v);
                }
            }
        }

        /**
         * The lowest mean import the site can hold over a window of {@code length}: the expected demand less the
         * flexible headroom and the supercap energy spread over the window, never under the critical floor.
         */
        public double lowestImportW(Duration length) {
            double seconds = Math.max(1e-3, length.toNanos() / 1e9);
            return Math.max(criticalFloorW, expectedDemandW - flexibleHeadroomW - supercapEnergyJ / seconds);
        }
    }

    /** An oracle for a site with no flexibility at all (every shed request is refused). */
    static FlexibilityOracle none(double demandW) {
        return (s, e) -> new Flexibility(demandW, 0, demandW, 0);
    }
}
