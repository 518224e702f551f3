package io.headroom.appliance.dsp;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class BandPowerMonitorTest {

    private static BandPowerMonitor run(double hz, double amplitudeW, double seconds) {
        BandPowerMonitor m = new BandPowerMonitor(120, 20, 1);
        for (int k = 0; k < seconds * 120; k++) {
            m.add(50e6 + amplitudeW * Math.sin(2 * Math.PI * hz * k / 120));
        }
        return m;
    }

    @Test
    void aOneHertzSwingIsInTheLowBand() {
        BandPowerMonitor m = run(1, 1e6, 60);
        assertThat(m.lowBandRmsW()).isCloseTo(1e6 / Math.sqrt(2), within(1e6 * 0.07));
        assertThat(m.highBandRmsW()).isLessThan(1e6 * 0.05);
    }

    @Test
    void aTenHertzSwingIsInTheHighBand() {
        BandPowerMonitor m = run(10, 1e6, 60);
        assertThat(m.highBandRmsW()).isCloseTo(1e6 / Math.sqrt(2), within(1e6 * 0.07));
        assertThat(m.lowBandRmsW()).isLessThan(1e6 * 0.05);
        assertThat(m.highBandPowerW2()).isCloseTo(0.5e12, within(0.1e12));
    }

    @Test
    void aSteadyLoadHasNoBandPowerAndNoRamp() {
        BandPowerMonitor m = run(1, 0, 30);
        assertThat(m.lowBandRmsW()).isLessThan(1);
        assertThat(m.highBandRmsW()).isLessThan(1);
        assertThat(m.peakRampWPerS()).isZero();
    }

    @Test
    void thePeakRampIsTheSteepestOneSecondChangeInTheWindow() {
        BandPowerMonitor m = new BandPowerMonitor(120, 20, 1);
        for (int k = 0; k < 30 * 120; k++) {
            double t = k / 120.0;
            // 5 MW/s for two seconds from t = 12 s, then flat
            double p = 40e6 + (t < 12 ? 0 : Math.min(t - 12, 2) * 5e6);
            m.add(p);
        }
        assertThat(m.peakRampWPerS()).isCloseTo(5e6, within(1e4));
        assertThat(m.count()).isEqualTo(3600);
        for (int k = 0; k < 25 * 120; k++) { // the ramp leaves the window
            m.add(50e6);
        }
        assertThat(m.peakRampWPerS()).isZero();
    }
}
