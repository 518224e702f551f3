package io.headroom.appliance;

import io.headroom.appliance.actuation.Actuator;
import io.headroom.appliance.dsp.DetectionSettings;
import io.headroom.appliance.dsp.FeedLossEvent;
import io.headroom.appliance.dsp.WaveformMonitor;
import io.headroom.appliance.dsp.WaveformWatch;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.journal.JournalEntry;
import io.headroom.appliance.measure.MeasurementPipeline;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.operator.ActiveAlarms;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.drivers.waveform.SampleBlock;
import io.headroom.drivers.waveform.SampleSource;
import io.headroom.drivers.waveform.SourceStats;
import io.headroom.drivers.waveform.StreamFormat;
import io.headroom.grid.CommitmentBook;
import io.headroom.testsupport.TestClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The wiring alarms through regulation, tick by tick in test time: feed A's stream (its L2 and L3 swapped, PTs
 * and CTs together) is a reversed-rotation alarm once it has held for the check's 2 s and regulation's 1 s raise
 * delay, journaled as {@code alarm.raised} and in the published state; fixed, it clears after 2 s and 3 s,
 * journaled as {@code alarm.cleared}; no feed loss comes of it.
 */
class RegulationLoopWiringAlarmTest {

    static final double RATE = 4800;
    static final String ROTATION = "feed A: phase rotation reversed (L1-L3-L2) on its waveform stream: V L2 leads "
            + "V L1; check the PT wiring (L2 and L3 swapped?)";

    /** A source the test steps itself: only its format counts. */
    record Stepped(StreamFormat format) implements SampleSource {
        @Override
        public int read(SampleBlock into) {
            return 0;
        }

        @Override
        public SourceStats stats() {
            return SourceStats.NONE;
        }

        @Override
        public void close() {
        }
    }

    record Quiet() implements Actuator {
        @Override
        public void command(Node node, double capPerGpuW) {
        }

        @Override
        public void flush(long nowNanos) {
        }

        @Override
        public Optional<NodeTelemetry> telemetry(Node node, long nowNanos) {
            return Optional.empty();
        }

        @Override
        public void close() {
        }
    }

    /** 100 ms of a 60 Hz, 240 V, 100 A feed from sample {@code from}; {@code swapped}: L2 and L3 exchanged. */
    static void fill(SampleBlock b, long from, boolean swapped, long nanos) {
        int n = (int) (RATE / 10);
        for (int i = 0; i < n; i++) {
            double t = (from + i) / RATE;
            for (int k = 0; k < 3; k++) {
                int ph = swapped && k > 0 ? 3 - k : k;
                double a = 2 * Math.PI * 60 * t - ph * 2 * Math.PI / 3;
                b.channel(k)[i] = 240 * Math.sqrt(2) * Math.sin(a);
                b.channel(3 + k)[i] = 100 * Math.sqrt(2) * Math.sin(a - 0.2);
            }
        }
        b.set(n, nanos, RATE, from / n, 0);
    }

    @Test
    void aReversedRotationIsRaisedJournaledAndClearedWithItsHoldsAndNeverALoss(@TempDir Path dir) throws Exception {
        Site site = SiteLoader.load(Path.of("src/test/resources/sites/minimal-2feed.yaml"));
        TestClock clock = new TestClock(TestClock.EPOCH);
        StreamFormat f = StreamFormat.threePhaseFeed(1, RATE, "A");
        List<FeedLossEvent> events = new ArrayList<>();
        ActiveAlarms alarms = new ActiveAlarms();
        alarms.hysteresis(ActiveAlarms.REGULATION, RegulationLoop.ALARM_RAISE_AFTER, RegulationLoop.ALARM_CLEAR_AFTER);
        try (WaveformMonitor monitor = new WaveformMonitor(new Stepped(f), 60,
                List.of(WaveformMonitor.FeedChannels.byName(f, "A", "A", 240)), DetectionSettings.defaults(),
                events::add, null, null, 480, clock::nanoTime);
             Journal journal = Journal.open(dir.resolve("j.db"), clock, 3600, 1000);
             MeasurementPipeline never = new MeasurementPipeline(site, clock);
             RegulationLoop loop = new RegulationLoop(site, never, new Quiet(), new CommitmentBook(), journal, clock,
                     clock, RegulationLoop.Wiring.none().withAlarms(alarms)
                     .withWaveforms(new WaveformWatch(List.of(monitor), null, 200_000_000L)))) {
            SampleBlock b = new SampleBlock(6, 480);
            long sample = 0;
            List<Boolean> shown = new ArrayList<>();
            List<Boolean> active = new ArrayList<>();
            for (int tick = 0; tick < 80; tick++) { // 8 s swapped, 100 ms a tick
                fill(b, sample, true, clock.nanoTime());
                sample += 480;
                monitor.step(b);
                clock.advance(Duration.ofMillis(100));
                shown.add(loop.tick().alarms().contains(ROTATION));
                active.add(loop.alarms().list().stream().anyMatch(a -> a.message().equals(ROTATION)));
            }
            // the state shows the condition once the check has held it 2 s (the first measurement comes after a
            // cycle); the alarm (API, journal) comes 1 s later, regulation's raise delay
            assertThat(shown.subList(0, 19)).containsOnly(false);
            assertThat(shown.subList(22, 80)).containsOnly(true);
            assertThat(active.subList(0, 29)).containsOnly(false);
            assertThat(active.subList(33, 80)).containsOnly(true);
            assertThat(loop.alarms().list()).extracting(ActiveAlarms.Alarm::message).contains(ROTATION);
            for (int tick = 0; tick < 80; tick++) { // fixed
                fill(b, sample, false, clock.nanoTime());
                sample += 480;
                monitor.step(b);
                clock.advance(Duration.ofMillis(100));
                loop.tick();
            }
            assertThat(loop.alarms().list()).extracting(ActiveAlarms.Alarm::message).doesNotContain(ROTATION);
            // the journal writes on its own thread: wait for the clearing to be written
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    journal.entries(Instant.EPOCH, clock.instant().plusSeconds(1), null, 10_000))
                    .filteredOn(e -> e.message().equals(ROTATION)).extracting(JournalEntry::kind)
                    .containsExactly("alarm.raised", "alarm.cleared"));
            assertThat(events).as("no loss, phase loss or dip").isEmpty();
        }
    }
}
