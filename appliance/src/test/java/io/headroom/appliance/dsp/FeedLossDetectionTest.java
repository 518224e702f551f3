package io.headroom.appliance.dsp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class FeedLossDetectionTest {

    private static final long T0 = 1_700_000_000_000_000_000L;

    private static FeedDsp dsp(double hz, double rate, List<FeedLossEvent> events) {
        return new FeedDsp(3, "B", null, hz, 230, rate, DetectionSettings.defaults(), events::add);
    }

    private static List<FeedLossEvent> of(List<FeedLossEvent> events, FeedLossEvent.Kind kind) {
        return events.stream().filter(e -> e.kind() == kind).toList();
    }

    @ParameterizedTest(name = "{1} Hz at {0} S/s")
    @CsvSource({"1000000, 60", "14400, 60", "4800, 60", "4800, 50", "1000000, 50"})
    void aCollapseAtEveryPhaseAngleIsSeenWithinAQuarterCycle(double rate, double hz) {
        Random r = new Random(42);
        double quarterNs = 1e9 / hz / 4;
        for (int trial = 0; trial < 40; trial++) {
            double angle = trial < 24 ? trial * 15 : r.nextDouble() * 360; // every 15°, then random
            List<FeedLossEvent> events = new ArrayList<>();
            FeedDsp d = dsp(hz, rate, events);
            Waves w = new Waves(rate, hz, 230, 80, 25, 0.2, 0);
            // collapse at the first sample at or after 5 cycles + angle
            int at = (int) Math.ceil((5 + angle / 360) / hz * rate);
            w.collapse(at).noise(trial, 0.01);
            w.feed(d, rate >= 100_000 ? 128 : 4, T0);

            List<FeedLossEvent> lost = of(events, FeedLossEvent.Kind.FEED_LOST);
            assertThat(lost).as("angle %.1f°", angle).hasSize(1);
            FeedLossEvent e = lost.getFirst();
            assertThat(e.firstSampleNanos()).as("first collapsed sample, angle %.1f°", angle)
                    .isCloseTo(T0 + w.nanos(at), within(1L)); // ns rounding
            assertThat((double) e.detectedNanos() - (T0 + w.nanos(at))).as("latency, angle %.1f°", angle)
                    .isLessThanOrEqualTo(quarterNs);
            assertThat(e.feedIndex()).isEqualTo(3);
            assertThat(e.feedId()).isEqualTo("B");
            assertThat(e.residual()).isLessThan(0.1);
            assertThat(d.lost()).isTrue();
            assertThat(of(events, FeedLossEvent.Kind.PHASE_LOST)).isEmpty();
        }
    }

    @Test
    void aTwentyPercentSagWithNoiseDoesNotTripButIsRecordedAsADip() {
        List<FeedLossEvent> events = new ArrayList<>();
        FeedDsp d = dsp(60, 14400, events);
        Waves w = new Waves(14400, 60, 230, 80, 25, 2.0, 33);
        w.scale(14400 / 2, 14400, 0.8, true, true, true).noise(7, 0.05);
        w.feed(d, 48, T0);

        assertThat(of(events, FeedLossEvent.Kind.FEED_LOST)).isEmpty();
        assertThat(of(events, FeedLossEvent.Kind.PHASE_LOST)).isEmpty();
        assertThat(of(events, FeedLossEvent.Kind.SAG_START)).hasSize(1);
        List<FeedLossEvent> end = of(events, FeedLossEvent.Kind.SAG_END);
        assertThat(end).hasSize(1);
        assertThat(end.getFirst().residual()).isBetween(0.77, 0.83);
        assertThat(end.getFirst().detectedNanos() - end.getFirst().firstSampleNanos()).isBetween(480_000_000L,
                540_000_000L);
    }

    @Test
    void heavyNoiseNeverTrips() {
        for (long seed = 1; seed <= 5; seed++) {
            List<FeedLossEvent> events = new ArrayList<>();
            FeedDsp d = dsp(50, 1_000_000, events);
            new Waves(1_000_000, 50, 230, 80, 25, 0.5, seed * 40).noise(seed, 0.15).feed(d, 1000, T0);
            assertThat(of(events, FeedLossEvent.Kind.FEED_LOST)).as("seed %d", seed).isEmpty();
        }
    }

    @Test
    void aSingleZeroedFrameShorterThanThePersistenceDoesNotTrip() {
        List<FeedLossEvent> events = new ArrayList<>();
        FeedDsp d = dsp(60, 1_000_000, events);
        Waves w = new Waves(1_000_000, 60, 230, 80, 25, 0.2, 0);
        for (int start : new int[]{50_000, 70_833, 91_000}) { // at various angles, 110 samples (one frame) of 0
            w.scale(start, start + 110, 0, true, true, true);
        }
        w.feed(d, 110, T0);
        assertThat(of(events, FeedLossEvent.Kind.FEED_LOST)).isEmpty();
    }

    @Test
    void aRestoredFeedIsReportedAndCanBeLostAgain() {
        List<FeedLossEvent> events = new ArrayList<>();
        FeedDsp d = dsp(60, 14400, events);
        Waves w = new Waves(14400, 60, 230, 80, 25, 1.0, 0);
        w.scale(2000, 4000, 0, true, true, true).scale(8000, 14400, 0, true, true, true);
        w.feed(d, 24, T0);
        assertThat(events).extracting(FeedLossEvent::kind).containsExactly(FeedLossEvent.Kind.FEED_LOST,
                FeedLossEvent.Kind.FEED_RESTORED, FeedLossEvent.Kind.FEED_LOST);
        assertThat(events.get(1).firstSampleNanos()).isCloseTo(T0 + w.nanos(4000), within(1L));
        assertThat(events).extracting(FeedLossEvent::sequence).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aSinglePhaseLossFiresTheContingencyAfterOneAndAHalfCyclesByDefaultAfterItsPhaseLoss() {
        List<FeedLossEvent> events = new ArrayList<>();
        FeedDsp d = dsp(50, 4800, events);
        Waves w = new Waves(4800, 50, 230, 80, 25, 1.0, 0);
        int at = 1234;
        w.scale(at, w.n, 0, false, true, false);
        w.feed(d, 8, T0);
        List<FeedLossEvent> lost = of(events, FeedLossEvent.Kind.FEED_LOST);
        assertThat(lost).hasSize(1);
        assertThat(lost.getFirst().phaseMask()).isEqualTo(2);
        // 1.5 cycles of 20 ms from the last time V L2 was beyond half its peak (at most 1/6 cycle before)
        assertThat(lost.getFirst().detectedNanos() - (T0 + w.nanos(at))).isBetween(26_000_000L, 30_300_000L);
        assertThat(of(events, FeedLossEvent.Kind.FEED_RESTORED)).as("never restored while L2 is out").isEmpty();
        List<FeedLossEvent> ph = of(events, FeedLossEvent.Kind.PHASE_LOST);
        assertThat(ph).hasSize(1);
        assertThat(ph.getFirst().detectedNanos()).isLessThan(lost.getFirst().detectedNanos());
    }

    @Test
    void aSinglePhaseLossIsAPhaseLossSeenWithinTwoCyclesAndNothingMoreWhenTheSiteAsksForAnAlarm() {
        List<FeedLossEvent> events = new ArrayList<>();
        FeedDsp d = new FeedDsp(3, "B", null, 50, 230, 4800, DetectionSettings.defaults()
                .withSinglePhase(DetectionSettings.SinglePhase.ALARM, 1.5), events::add);
        Waves w = new Waves(4800, 50, 230, 80, 25, 1.0, 0);
        int at = 1234;
        w.scale(at, w.n, 0, false, true, false);
        w.feed(d, 8, T0);
        assertThat(of(events, FeedLossEvent.Kind.FEED_LOST)).isEmpty();
        List<FeedLossEvent> ph = of(events, FeedLossEvent.Kind.PHASE_LOST);
        assertThat(ph).hasSize(1);
        assertThat(ph.getFirst().phaseMask()).isEqualTo(2);
        assertThat(ph.getFirst().detectedNanos() - (T0 + w.nanos(at))).isLessThanOrEqualTo(40_000_000L);
    }

    @Test
    void aPhaseBackAfterASinglePhaseLossRestoresTheFeed() {
        List<FeedLossEvent> events = new ArrayList<>();
        FeedDsp d = dsp(60, 4800, events);
        Waves w = new Waves(4800, 60, 230, 80, 25, 1.0, 0);
        w.scale(1000, 1600, 0, true, false, false);
        w.feed(d, 2, T0);
        assertThat(events).extracting(FeedLossEvent::kind).containsSubsequence(FeedLossEvent.Kind.FEED_LOST,
                FeedLossEvent.Kind.FEED_RESTORED);
        assertThat(of(events, FeedLossEvent.Kind.FEED_LOST)).hasSize(1);
    }

    @Test
    void aStreamGapIsNotALoss() {
        List<FeedLossEvent> events = new ArrayList<>();
        FeedDsp d = dsp(60, 14400, events);
        Waves w = new Waves(14400, 60, 230, 80, 25, 0.5, 0);
        double[][] b = new double[6][48];
        for (int off = 0; off < w.n; off += 48) {
            if (off == 48 * 40) {
                continue; // this frame never arrives
            }
            for (int c = 0; c < 6; c++) {
                System.arraycopy(w.ch[c], off, b[c], 0, 48);
            }
            d.process(b[0], b[1], b[2], b[3], b[4], b[5], 48, T0 + w.nanos(off), 14400, off == 48 * 41 ? 48 : 0);
        }
        assertThat(events).isEmpty();
        assertThat(d.latest().urms()[0]).isCloseTo(230, within(0.5));
    }
}
