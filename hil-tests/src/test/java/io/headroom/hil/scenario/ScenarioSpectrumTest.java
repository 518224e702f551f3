package io.headroom.hil.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The report's spectrum of the site import: a swing shows at its frequency with its amplitude. */
class ScenarioSpectrumTest {

    @Test
    void aSwingShowsAtItsFrequencyWithItsAmplitude() {
        double dt = 0.1;
        double[] y = new double[400]; // 40 s at 10 S/s: 0.025 Hz bins
        for (int i = 0; i < y.length; i++) {
            y[i] = 300 + 10 * Math.sin(2 * Math.PI * 0.25 * i * dt) + 2 * Math.sin(2 * Math.PI * 1.5 * i * dt);
        }
        double[][] sp = ScenarioReport.spectrum(y, dt);
        int peak = 0;
        for (int k = 0; k < sp[1].length; k++) {
            if (sp[1][k] > sp[1][peak]) {
                peak = k;
            }
        }
        assertThat(sp[0][peak]).isCloseTo(0.25, within(1e-9));
        assertThat(sp[1][peak]).isCloseTo(10, within(0.3));
        int k15 = (int) Math.round(1.5 / 0.025) - 1;
        assertThat(sp[1][k15]).isCloseTo(2, within(0.1));
        assertThat(sp[0][sp[0].length - 1]).isCloseTo(5, within(1e-9)); // up to the Nyquist frequency
        assertThat(ScenarioReport.spectrumSvg(y, dt)).startsWith("<svg").contains("<polyline").endsWith("</svg>");
    }
}
