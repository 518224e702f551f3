package io.headroom.hil.study;

import io.headroom.appliance.site.Priority;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The static baselines' figures and statistics, on histograms and numbers worked by hand. */
class StudyBaselinesTest {

    @Test
    void theQuantileOfAHistogramIsTheBinWhereItsShareIsReached() {
        double[] h = new double[1000];
        h[500] = 998;
        h[600] = 1;
        h[700] = 1;
        assertThat(Baselines.quantile(h, 0.998)).isEqualTo(500);
        assertThat(Baselines.quantile(h, 0.999)).isEqualTo(600);
        assertThat(Baselines.quantile(h, 1.0)).isEqualTo(700);
        assertThat(Baselines.quantile(new double[10], 0.999)).isZero();
    }

    @Test
    void aFixedCapIsTheLowestWholeWattWithinTheBudget() {
        double[] h = new double[1000];
        h[500] = 9; // 90 % of the time at 500 W, 10 % at 700 W: 5,200 W·ms in 10 ms
        h[700] = 1;
        assertThat(Baselines.lostUnder(h, 700)).isZero();
        assertThat(Baselines.lostUnder(h, 600)).isCloseTo(100.0 / 5200, within(1e-12));
        // 2 % of 5,200 = 104 W·ms: the 700 W sample may lose 104 W, so 596 W; 595 W loses 105.
        assertThat(Baselines.lowestCapWithin(h, 0.02)).isEqualTo(596);
        assertThat(Baselines.lowestCapWithin(h, 0)).isEqualTo(700);
        assertThat(Baselines.lowestCapWithin(h, 1)).isZero();
        assertThat(Baselines.budgets(StudyParams.defaults())[Priority.CRITICAL.ordinal()]).isEqualTo(0.0005);
    }

    @Test
    void theIntervalIsStudentsT() {
        StudySeries.Interval i = StudySeries.ci95(new double[]{1.0, 2.0, 3.0, Double.NaN});
        // mean 2, s = 1, t(0.975, 2) = 4.303: 2 ± 4.303 / √3
        assertThat(i.mean()).isEqualTo(2.0);
        assertThat(i.n()).isEqualTo(3);
        assertThat(i.low()).isCloseTo(2 - 4.303 / Math.sqrt(3), within(1e-9));
        assertThat(i.high()).isCloseTo(2 + 4.303 / Math.sqrt(3), within(1e-9));
        assertThat(StudySeries.ci95(new double[]{5}).low()).isNaN();
        assertThat(StudySeries.t975(9)).isEqualTo(2.262);
        assertThat(StudySeries.t975(40)).isCloseTo(2.021, within(0.001));
        assertThat(StudySeries.t975(1000)).isCloseTo(1.962, within(0.001));
    }
}
