package io.headroom.appliance.dsp;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class FeedDspTest {

    private static FeedDsp dsp(double hz, double rate, List<FeedLossEvent> events) {
        return new FeedDsp(0, "A", null, hz, 230, rate, DetectionSettings.defaults(), events::add);
    }

    @ParameterizedTest(name = "{0} Hz at {1} S/s, current lagging {2}°")
    @CsvSource({
            "50, 4800, 30", "60, 4800, 30", "50, 14400, -20", "60, 14400, 60",
            "50, 1000000, 30", "60, 1000000, 0", "59.5, 4800, 30", "50.3, 14400, 45"})
    void rmsPowerAndFrequencyOfABalancedSetAreKnown(double hz, double rate, double phiDeg) {
        List<FeedLossEvent> events = new ArrayList<>();
        FeedDsp d = dsp(Math.round(hz / 10.0) * 10.0, rate, events);
        Waves w = new Waves(rate, hz, 230, 100, phiDeg, 0.3, 17);
        w.feed(d, 1000, 0);

        FeedWaveformMeasurement m = d.latest();
        double phi = Math.toRadians(phiDeg);
        // 0.1 %, also off nominal at 80 samples per cycle (the window ends at the interpolated crossing)
        double tol = 0.001;
        for (int p = 0; p < 3; p++) {
            assertThat(m.urms()[p]).as("Urms(1/2) L%d", p + 1).isCloseTo(230, within(230 * tol));
            assertThat(m.irms()[p]).as("Irms L%d", p + 1).isCloseTo(100, within(100 * tol));
            assertThat(m.p()[p]).as("P L%d", p + 1).isCloseTo(23000 * Math.cos(phi), within(23000 * tol));
            assertThat(m.q()[p]).as("Q L%d", p + 1).isCloseTo(23000 * Math.sin(phi), within(23000 * tol));
            assertThat(m.s()[p]).isCloseTo(23000, within(23000 * tol));
            assertThat(m.pf()[p]).isCloseTo(Math.cos(phi), within(2 * tol));
        }
        assertThat(m.p3()).isCloseTo(69000 * Math.cos(phi), within(69000 * tol));
        assertThat(m.q3()).isCloseTo(69000 * Math.sin(phi), within(69000 * tol));
        assertThat(m.pf3()).isCloseTo(Math.cos(phi), within(2 * tol));
        assertThat(m.frequencyHz()).isCloseTo(hz, within(0.01));
        assertThat(m.dPdtWPerS()).isCloseTo(0, within(69000 * 0.01 * hz));
        assertThat(m.lost()).isFalse();
        assertThat(events).isEmpty();
    }

    @Test
    void aSinglePhaseRmsIsRefreshedEveryHalfCycle() {
        FeedDsp d = dsp(50, 4800, new ArrayList<>());
        Waves w = new Waves(4800, 50, 230, 10, 0, 1.0, 0);
        w.feed(d, 64, 0);
        // 1 s at 50 Hz: 100 half cycles, the first one incomplete
        assertThat(d.halfCycles()).isBetween(97L, 100L);
    }

    @Test
    void powerRampIsSeenAsDpDt() {
        FeedDsp d = dsp(60, 14400, new ArrayList<>());
        Waves w = new Waves(14400, 60, 230, 100, 0, 1.0, 0);
        // current grows linearly from 50 % to 150 % over the second: P3 from 34.5 kW to 103.5 kW, 69 kW/s
        for (int k = 0; k < w.n; k++) {
            double g = 0.5 + (double) k / w.n;
            for (int p = 3; p < 6; p++) {
                w.ch[p][k] *= g;
            }
        }
        w.feed(d, 240, 0);
        assertThat(d.latest().dPdtWPerS()).isCloseTo(69000, within(69000 * 0.05));
    }

    @Test
    void latestIsNullBeforeTheFirstCycle() {
        FeedDsp d = dsp(50, 4800, new ArrayList<>());
        assertThat(d.latest()).isNull();
    }
}
