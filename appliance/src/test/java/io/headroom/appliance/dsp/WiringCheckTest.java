package io.headroom.appliance.dsp;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The wiring alarms from seeded signals through the real DSP: a reversed phase rotation and a reversed CT are
 * raised after their hold, cleared with hysteresis, and never a feed loss.
 */
class WiringCheckTest {

    private static final double RATE = 4_800;
    private static final long S = 1_000_000_000L;

    /** 60 Hz, 230 V, 100 A at PF 0.95, noise; {@code l2DegFromL1}: −120 right, +120 reversed; CTs signed per phase. */
    private static double[][] signal(long seed, double seconds, double l2DegFromL1, double[] ctSign) {
        Random r = new Random(seed);
        int n = (int) (seconds * RATE);
        double w = 2 * Math.PI * 60 / RATE;
        double th0 = 2 * Math.PI * r.nextDouble();
        double[] off = {0, Math.toRadians(l2DegFromL1), -Math.toRadians(l2DegFromL1)};
        double[][] ch = new double[6][n];
        for (int k = 0; k < n; k++) {
            for (int p = 0; p < 3; p++) {
                double th = th0 + w * k + off[p];
                ch[p][k] = 230 * Math.sqrt(2) * (Math.sin(th) + 0.04 * Math.sin(5 * th)) + 1.2 * r.nextGaussian();
                ch[3 + p][k] = ctSign[p] * 100 * Math.sqrt(2) * Math.sin(th - 0.3) + 0.2 * r.nextGaussian();
            }
        }
        return ch;
    }

    /** Runs the signal through a DSP in 2-sample frames; at every 100 ms of stream time, checks the latest. */
    private static List<FeedLossEvent> run(double[][] ch, WiringCheck check, long t0, List<Boolean> raisedAtTicks) {
        List<FeedLossEvent> events = new ArrayList<>();
        FeedDsp dsp = new FeedDsp(0, "A", null, 60, 230, RATE, DetectionSettings.defaults(), events::add);
        int n = ch[0].length;
        double[][] b = new double[6][2];
        int tick = (int) (0.1 * RATE);
        for (int off = 0; off < n; off += 2) {
            for (int c = 0; c < 6; c++) {
                System.arraycopy(ch[c], off, b[c], 0, 2);
            }
            long at = t0 + (long) (off * 1e9 / RATE);
            dsp.process(b[0], b[1], b[2], b[3], b[4], b[5], 2, at, RATE, 0);
            if ((off + 2) % tick == 0) {
                check.update("A", dsp.latest(), at);
                raisedAtTicks.add(!check.alarms().isEmpty());
            }
        }
        return events;
    }

    @Test
    void theDspMeasuresTheRotationBothWays() {
        FeedDsp dsp = new FeedDsp(0, "A", null, 60, 230, RATE, DetectionSettings.defaults(), e -> { });
        double[][] right = signal(1, 0.2, -120, new double[]{1, 1, 1});
        feed(dsp, right);
        assertThat(dsp.latest().rotation()).isCloseTo(Math.sin(Math.toRadians(120)), within(0.03));
        FeedDsp rev = new FeedDsp(0, "A", null, 60, 230, RATE, DetectionSettings.defaults(), e -> { });
        feed(rev, signal(2, 0.2, 120, new double[]{1, 1, 1}));
        assertThat(rev.latest().rotation()).isCloseTo(-Math.sin(Math.toRadians(120)), within(0.03));
    }

    private static void feed(FeedDsp dsp, double[][] ch) {
        int n = ch[0].length;
        dsp.process(ch[0], ch[1], ch[2], ch[3], ch[4], ch[5], n, 0, RATE, 0);
    }

    @Test
    void aReversedRotationIsRaisedAfterItsHoldAndNeverALoss() {
        for (long seed = 1; seed <= 5; seed++) {
            WiringCheck check = new WiringCheck(WiringCheck.Settings.defaults());
            List<Boolean> ticks = new ArrayList<>();
            List<FeedLossEvent> events = run(signal(seed, 3, 120, new double[]{1, 1, 1}), check, 0, ticks);
            assertThat(events).as("no loss, no phase loss, no sag").isEmpty();
            assertThat(check.rotationReversed("A")).isTrue();
            assertThat(check.alarms()).containsExactly("feed A: phase rotation reversed (L1-L3-L2) on its waveform "
                    + "stream: V L2 leads V L1; check the PT wiring (L2 and L3 swapped?)");
            // the first measurement comes after a cycle; 2 s of hold: not raised before 2 s, raised by 2.1 s
            assertThat(ticks.subList(0, 19)).containsOnly(false);
            assertThat(ticks.get(20)).isTrue();
        }
    }

    @Test
    void aRightRotationAndRightCtsRaiseNothing() {
        WiringCheck check = new WiringCheck(WiringCheck.Settings.defaults());
        List<Boolean> ticks = new ArrayList<>();
        assertThat(run(signal(9, 4, -120, new double[]{1, 1, 1}), check, 0, ticks)).isEmpty();
        assertThat(ticks).containsOnly(false);
    }

    @Test
    void aReversedCtIsRaisedOnItsPhaseOnlyAndClearsOnceRightForTheHold() {
        WiringCheck check = new WiringCheck(WiringCheck.Settings.defaults());
        List<Boolean> ticks = new ArrayList<>();
        assertThat(run(signal(4, 2.5, -120, new double[]{1, -1, 1}), check, 0, ticks)).isEmpty();
        assertThat(check.polarityReversed("A", 2)).isTrue();
        assertThat(check.polarityReversed("A", 1)).isFalse();
        assertThat(check.polarityReversed("A", 3)).isFalse();
        assertThat(check.rotationReversed("A")).isFalse();
        assertThat(check.alarms()).containsExactly("feed A L2: negative active power on a feed that imports: CT "
                + "polarity reversed (P1/P2 or S1/S2 swapped), or the CT is on another phase");
        // fixed: stays raised for the hold, then clears
        List<Boolean> after = new ArrayList<>();
        run(signal(5, 2.5, -120, new double[]{1, 1, 1}), check, 10 * S, after);
        assertThat(after.subList(0, 19)).containsOnly(true);
        assertThat(check.alarms()).isEmpty();
    }

    @Test
    void aConditionThatComesAndGoesFasterThanTheHoldRaisesNothing() {
        WiringCheck check = new WiringCheck(new WiringCheck.Settings(-0.5, 0.5, -0.3, 0, 1, 2 * S));
        FeedWaveformMeasurement reversed = measurement(-0.87, 1);
        FeedWaveformMeasurement right = measurement(0.87, 1);
        FeedWaveformMeasurement unclear = measurement(0.1, 1);
        for (int t = 0; t < 100; t++) { // 1.5 s reversed, 0.1 s right, ...
            check.update("A", t % 16 == 15 ? right : reversed, t * S / 10);
        }
        assertThat(check.alarms()).isEmpty();
        check.update("A", right, 19 * S);
        check.update("A", reversed, 20 * S);
        check.update("A", unclear, 21 * S); // unclear: the hold starts again
        check.update("A", reversed, 22 * S);
        check.update("A", reversed, 23 * S);
        assertThat(check.rotationReversed("A")).isFalse();
        check.update("A", reversed, 24 * S);
        assertThat(check.rotationReversed("A")).isTrue();
        check.update("A", unclear, 30 * S); // between the thresholds: stays raised
        check.update("A", null, 40 * S);    // nothing known: stays raised
        assertThat(check.rotationReversed("A")).isTrue();
        check.update("A", right, 41 * S);
        check.update("A", right, 43 * S);
        assertThat(check.rotationReversed("A")).isFalse();
    }

    @Test
    void aPhaseWithTooLittleCurrentSaysNothingOfItsCt() {
        WiringCheck check = new WiringCheck(WiringCheck.Settings.defaults());
        for (int t = 0; t < 50; t++) {
            check.update("A", measurement(0.87, -1, 0.5), t * S / 10);
        }
        assertThat(check.alarms()).isEmpty();
        for (int t = 50; t < 80; t++) {
            check.update("A", measurement(0.87, -1, 50), t * S / 10);
        }
        assertThat(check.alarms()).hasSize(3);
    }

    private static FeedWaveformMeasurement measurement(double rotation, double pSign) {
        return measurement(rotation, pSign, 100);
    }

    private static FeedWaveformMeasurement measurement(double rotation, double pSign, double amps) {
        double s = 230 * amps;
        double p = pSign * 0.95 * s;
        return new FeedWaveformMeasurement("A", 0, 10, 60, new double[]{230, 230, 230},
                new double[]{amps, amps, amps}, new double[]{p, p, p}, new double[]{0, 0, 0},
                new double[]{s, s, s}, new double[]{p / s, p / s, p / s}, 3 * p, 0, 3 * s, p / s, 0, false, rotation);
    }
}
