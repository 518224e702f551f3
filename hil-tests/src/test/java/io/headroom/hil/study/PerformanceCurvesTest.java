package io.headroom.hil.study;

import io.headroom.appliance.site.Priority;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Compute lost as performance: each class's curve through its published point, and the plant's accounting. */
class PerformanceCurvesTest {

    @Test
    void eachCurvePassesThroughItsSourcesPoint() {
        double r = 600.0 / 700;
        assertThat(PerformanceCurves.fraction(Priority.FLEXIBLE.ordinal(), r)).isCloseTo(0.875, within(1e-12));
        assertThat(PerformanceCurves.fraction(Priority.STANDARD.ordinal(), r)).isCloseTo(0.875, within(1e-12));
        assertThat(PerformanceCurves.fraction(Priority.CRITICAL.ordinal(), r)).isCloseTo(0.935, within(1e-12));
        assertThat(PerformanceCurves.fraction(Priority.FLEXIBLE.ordinal(), 1.2)).isEqualTo(1);
        assertThat(PerformanceCurves.fraction(Priority.FLEXIBLE.ordinal(), 0)).isZero();
        assertThat(PerformanceCurves.alpha(Priority.CRITICAL)).isLessThan(PerformanceCurves.alpha(Priority.FLEXIBLE))
                .isPositive();
    }

    @Test
    void uncappedLosesNothingAndACapLosesLessPerformanceThanEnergy() {
        ScaledSite hall = new ScaledSite(StudyHalls.small());
        StudyParams p = StudyHalls.quick();
        int n = hall.base().nodes().size();
        StudyRun.Result free = StudyRun.fixedNormal(hall, n, x -> x.gpu().defaultW(), false, p, 7);
        StudyRun.Result capped = StudyRun.fixedNormal(hall, n, x -> 350, false, p, 7);
        for (Priority c : Priority.values()) {
            assertThat(free.performanceLostFraction(c)).as("%s uncapped", c).isCloseTo(0, within(1e-12));
            double energy = capped.lostFraction(c);
            double perf = capped.performanceLostFraction(c);
            assertThat(energy).as("%s loses energy under 350 W", c).isGreaterThan(0.01);
            assertThat(perf).as("%s: throughput falls slower than power", c).isPositive().isLessThan(energy);
        }
    }
}
