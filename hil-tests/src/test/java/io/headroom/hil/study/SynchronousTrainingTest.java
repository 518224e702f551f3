package io.headroom.hil.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SynchronousTrainingTest {

    /** The job's total power (sum over nodes) sampled at {@code rate} from {@code fromS} for {@code spanS}. */
    private static double[] hall(SynchronousTraining job, double fromS, double spanS, double rate) {
        int n = (int) Math.round(spanS * rate);
        double[] out = new double[n];
        for (int k = 0; k < n; k++) {
            double t = fromS + k / rate;
            job.advance(t);
            double sum = 0;
            for (int i = 0; i < job.nodes(); i++) {
                sum += job.fraction(i, t);
            }
            out[k] = sum / job.nodes();
        }
        return out;
    }

    @Test
    void theIssuesHallSwingsThirtyPercentAroundItsMeanAtOneHertz() {
        SynchronousTraining.Settings s = SynchronousTraining.Settings.swing30At1Hz();
        SynchronousTraining job = new SynchronousTraining(s, 256, true, List.of(), 7);
        double[] p = hall(job, 0, 10, 1000);
        double mean = java.util.Arrays.stream(p).average().orElseThrow();
        double max = java.util.Arrays.stream(p).max().orElseThrow();
        double min = java.util.Arrays.stream(p).min().orElseThrow();
        assertThat(mean).isCloseTo(s.meanLevel(), within(0.01));
        assertThat((max - mean) / mean).isCloseTo(0.30, within(0.02));
        assertThat((mean - min) / mean).isCloseTo(0.30, within(0.02));
        // period: the level one iteration later is the same
        assertThat(p[2345]).isCloseTo(p[3345], within(1e-9));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.5, 1, 2.5, 5})
    void computePhaseTakesItsShareOfEachIteration(double period) {
        SynchronousTraining.Settings s = new SynchronousTraining.Settings(period, 0.6, 0.9, 2, 0.1, 0, 0, 5);
        SynchronousTraining job = new SynchronousTraining(s, 1, true, List.of(), 1);
        double[] p = hall(job, 0, period * 4, 1000);
        long high = java.util.Arrays.stream(p).filter(v -> v > 0.7).count();
        assertThat(high / (double) p.length).isCloseTo(0.6, within(0.06));
        assertThat(s.commLevel()).isEqualTo(0.45);
    }

    @Test
    void startStopAndCheckpointMoveTheWholeJobAtOnce() {
        SynchronousTraining.Settings s = new SynchronousTraining.Settings(1, 0.5, 0.9, 2, 0.1, 0, 0, 2);
        SynchronousTraining job = new SynchronousTraining(s, 10, false, List.of(
                new SynchronousTraining.Event(20, SynchronousTraining.EventKind.STOP),
                new SynchronousTraining.Event(5, SynchronousTraining.EventKind.START),
                new SynchronousTraining.Event(10, SynchronousTraining.EventKind.CHECKPOINT)), 3);
        job.advance(1);
        assertThat(job.running()).isFalse();
        assertThat(job.fraction(0, 1)).isEqualTo(0.1);
        assertThat(job.jobTransition(1, 1)).isFalse();
        job.advance(5.2);
        assertThat(job.running()).isTrue();
        assertThat(job.fraction(3, 5.2)).isGreaterThan(0.85);
        assertThat(job.jobTransition(5.2, 1)).isTrue();
        job.advance(10.5);
        assertThat(job.fraction(3, 10.5)).isEqualTo(0.1); // checkpoint: near idle
        assertThat(job.jobTransition(10.5, 1)).isTrue();
        job.advance(12.5);
        assertThat(job.fraction(3, 12.2)).isGreaterThan(0.85); // back to compute after 2 s
        assertThat(job.jobTransition(14, 1)).isFalse();
        job.advance(20);
        assertThat(job.running()).isFalse();
        assertThat(job.fraction(3, 20.2)).isEqualTo(0.1);
    }

    @Test
    void sameSeedSameDemand() {
        SynchronousTraining.Settings s = SynchronousTraining.Settings.swing30At1Hz();
        double[] a = hall(new SynchronousTraining(s, 50, true, List.of(), 11), 0, 3, 200);
        double[] b = hall(new SynchronousTraining(s, 50, true, List.of(), 11), 0, 3, 200);
        double[] c = hall(new SynchronousTraining(s, 50, true, List.of(), 12), 0, 3, 200);
        assertThat(a).containsExactly(b);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void rejectsAnIterationOutsideHalfASecondToFiveSeconds() {
        assertThatThrownBy(() -> new SynchronousTraining.Settings(0.2, 0.5, 0.9, 2, 0.1, 0, 0, 1))
                .hasMessageContaining("0.5–5 s");
        assertThatThrownBy(() -> new SynchronousTraining.Settings(1, 0.5, 0.9, 0.5, 0.1, 0, 0, 1))
                .hasMessageContaining("≥ 1");
    }
}
