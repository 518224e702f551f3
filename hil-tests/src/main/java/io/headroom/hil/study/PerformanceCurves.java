package io.headroom.hil.study;

import io.headroom.appliance.site.Priority;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * Compute lost as performance, not energy: a GPU held at {@code p} watts while its work would draw {@code d} runs at
 * {@code (p / d)^alpha} of its uncapped throughput (alpha &lt; 1: throughput falls slower than power, the GPU lowering
 * its clocks where power is most expensive). One exponent per class, fitted to one published point each, which is
 * all the sources read give (both are vendor pages, not measurements with a method; the README says so):
 * <ul>
 *   <li>{@code flexible} (training) and {@code standard} (batch, assumed compute-bound like training): an H100 capped
 *       from 700 W to 600 W loses "10 to 15 %" of transformer pretraining step throughput
 *       (https://factryze.ai/scale-atlas/power/power-capping): 12.5 % at 85.7 % of the power, alpha = 0.87;</li>
 *   <li>{@code critical} (latency-bound, memory-bound LLM inference): the same cut "typically yields only a 5-8 %
 *       throughput decrease" (https://factryze.ai/glossary/power-capping): 6.5 %, alpha = 0.44.</li>
 * </ul>
 * The plant accounts every millisecond a GPU's power is below its uncapped draw this way
 * ({@link VirtualPlant}; {@link StudyRun.Result#performanceLostFraction}), beside the energy figure.
 */
public final class PerformanceCurves {

    /** Per class (by {@link Priority} ordinal): critical, standard, flexible. */
    static final double[] ALPHA = {
            Math.log(1 - 0.065) / Math.log(600.0 / 700),
            Math.log(1 - 0.125) / Math.log(600.0 / 700),
            Math.log(1 - 0.125) / Math.log(600.0 / 700)};

    private PerformanceCurves() {
    }

    /** The exponent of a class. */
    public static double alpha(Priority p) {
        return ALPHA[p.ordinal()];
    }

    /** The fraction of its uncapped throughput a GPU of class {@code cls} keeps at {@code ratio} = power / uncapped draw. */
    static double fraction(int cls, double ratio) {
        return ratio >= 1 ? 1 : ratio <= 0 ? 0 : Math.pow(ratio, ALPHA[cls]);
    }

    /** {@code study.headroom_X_performance_lost_pct}: the mean over the seeds at Headroom's count, normal operation. */
    public static void printFigures(List<CapacityStudy.Result> rs, PrintWriter out) {
        for (Priority c : new Priority[]{Priority.FLEXIBLE, Priority.STANDARD, Priority.CRITICAL}) {
            out.printf(Locale.ROOT, "study.%s_performance_lost_pct %.2f %%%n", c.label(), StudySeries.over(rs,
                    r -> r.atHeadroom() == null ? Double.NaN : r.atHeadroom().normal().performanceLostFraction(c) * 100)
                    .mean());
        }
        for (Priority c : new Priority[]{Priority.FLEXIBLE, Priority.STANDARD, Priority.CRITICAL}) {
            out.printf(Locale.ROOT, "study.fixed_cap_%s_performance_lost_pct %.2f %%%n", c.label(), StudySeries.over(rs,
                    r -> r.fixedCapCheck() == null ? Double.NaN : r.fixedCapCheck().normal().performanceLostFraction(c) * 100)
                    .mean());
        }
    }
}
