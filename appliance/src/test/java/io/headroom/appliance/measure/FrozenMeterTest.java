package io.headroom.appliance.measure;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A meter whose fresh reads keep repeating the same values is frozen; one whose values move, or is not read again, is not. */
class FrozenMeterTest {

    private static final long MS = 1_000_000L;

    @Test
    void tenIdenticalFreshReadsOverTwoSecondsAreFrozenAndAChangeThawsIt() {
        MeasurementPipeline.Flatline f = new MeasurementPipeline.Flatline();
        double[] v = {120.5, 121.25, 119.75, 82_000};
        long t = 1_000 * MS;
        assertThat(f.offer(v, t)).isFalse(); // the first read
        // polled every 250 ms: the 10th repeat comes at 2.5 s, past both bounds
        for (int k = 1; k <= 9; k++) {
            assertThat(f.offer(v.clone(), t + k * 250 * MS)).as("repeat %d", k).isTrue();
            assertThat(f.frozen()).as("after %d repeats", k).isFalse();
        }
        f.offer(v.clone(), t + 10 * 250 * MS);
        assertThat(f.frozen()).isTrue();
        // the last digit moves: live again, and the count starts over
        double[] moved = v.clone();
        moved[1] = Math.nextUp(moved[1]);
        assertThat(f.offer(moved, t + 11 * 250 * MS)).isFalse();
        assertThat(f.frozen()).isFalse();
    }

    @Test
    void theSameReadSeenAgainIsNoNewEvidenceAndFastPollsNeedTheTwoSeconds() {
        MeasurementPipeline.Flatline f = new MeasurementPipeline.Flatline();
        double[] v = {50, 50, 50, 30_000};
        f.offer(v, 0);
        // regulation ticks faster than the meter is polled: the same acquisition 30 times is one read
        for (int k = 0; k < 30; k++) {
            f.offer(v, 0);
        }
        assertThat(f.frozen()).isFalse();
        // polled every 100 ms: 10 repeats take 1 s, not enough; 20 (2 s) are
        for (int k = 1; k <= 10; k++) {
            f.offer(v, k * 100 * MS);
        }
        assertThat(f.frozen()).as("1 s of repeats: a meter may refresh its registers once a second").isFalse();
        for (int k = 11; k <= 20; k++) {
            f.offer(v, k * 100 * MS);
        }
        assertThat(f.frozen()).isTrue();
    }
}
