package io.headroom.appliance.dsp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BandPassTest {

    /** Peak-to-peak of the band-passed sine (amplitude 1, on a 100 W offset) after 60 s of settling. */
    private static double peakToPeak(BandPass f, double hz, double rate) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < 120 * rate; k++) {
            double t = k / rate;
            double y = f.step(100 + Math.sin(2 * Math.PI * hz * t));
            if (t > 60) {
                lo = Math.min(lo, y);
                hi = Math.max(hi, y);
            }
        }
        return hi - lo;
    }

    @ParameterizedTest
    @CsvSource({"0.5, 2, 0.05", "1, 2, 0.05", "0.01, 0, 0.01", "10, 0, 0.02", "0.3, 2, 0.1"})
    void passesTheBandAndNotTheRest(double hz, double expected, double tolerance) {
        assertThat(peakToPeak(new BandPass(0.1, 2, 100), hz, 100)).isCloseTo(expected, within(tolerance));
    }

    @ParameterizedTest
    @CsvSource({"0, 2", "2, 1", "3, 60"})
    void rejectsABandOutsideTheSeries(double low, double high) {
        assertThatThrownBy(() -> new BandPass(low, high, 100)).isInstanceOf(IllegalArgumentException.class);
    }
}
