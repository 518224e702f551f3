package io.headroom.appliance.dsp;

import io.headroom.drivers.waveform.SampleBlock;
import io.headroom.drivers.waveform.StreamFormat;
import io.headroom.drivers.waveform.comtrade.ComtradeReader;
import io.headroom.drivers.waveform.comtrade.ComtradeRecord;
import io.headroom.drivers.waveform.comtrade.DataFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/** A {@link WaveformMonitor} with a real {@link DisturbanceRecorder}: detections and on-demand triggers write COMTRADE. */
class WaveformMonitorRecorderTest {

    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final double RATE = 14_400;

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(0, nanos);
    }

    @Test
    void aFeedLossOverTheMonitorWritesARecordWithTheConfiguredPreAndPostTrigger(@TempDir Path dir) throws Exception {
        StreamFormat f = StreamFormat.threePhaseFeed(3, RATE, "feed-C");
        Waves w = new Waves(RATE, 60, 230, 80, 25, 2.0, 0);
        int at = 14_400 + 77; // 1 s and a bit into the stream, at an arbitrary angle
        w.collapse(at);
        List<FeedLossEvent> events = new CopyOnWriteArrayList<>();
        List<DisturbanceRecorder.Written> written = new CopyOnWriteArrayList<>();
        DisturbanceRecorder rec = new DisturbanceRecorder(f, 60,
                new DisturbanceRecorder.Settings(0.2, 0.5, dir.resolve("disturbances"), DataFormat.BINARY, "hall-1"));
        rec.onRecord(written::add);
        try (WaveformMonitor m = new WaveformMonitor(new ReplaySource(f, w, 144, T0), 60,
                List.of(WaveformMonitor.FeedChannels.byName(f, "C", "feed-C", 230)), DetectionSettings.defaults(),
                events::add, rec, null, 256).start()) {
            await().atMost(Duration.ofSeconds(20)).until(() -> !written.isEmpty());
            assertThat(m.failure()).isNull();
        }
        assertThat(events).extracting(FeedLossEvent::kind).containsExactly(FeedLossEvent.Kind.FEED_LOST);
        FeedLossEvent loss = events.getFirst();
        assertThat(loss.firstSampleNanos()).isEqualTo(T0 + w.nanos(at));

        assertThat(written).hasSize(1);
        DisturbanceRecorder.Written wr = written.getFirst();
        int pre = (int) Math.ceil(0.2 * RATE);
        int post = (int) Math.ceil(0.5 * RATE);
        assertThat(wr.reason()).isEqualTo("C-FEED_LOST");
        assertThat(wr.cfg().getFileName().toString()).isEqualTo("dr-" + (T0 + w.nanos(at)) + "-C-FEED_LOST.cfg");
        assertThat(wr.dat()).exists();
        assertThat(wr.preSamples()).isEqualTo(pre);
        assertThat(wr.postSamples()).isEqualTo(post);

        ComtradeRecord r = ComtradeReader.read(wr.cfg());
        assertThat(r.sampleCount()).isEqualTo(pre + post + 1);
        assertThat(r.stationName()).isEqualTo("hall-1");
        assertThat(Duration.between(instant(T0 + w.nanos(at)), r.trigger()).abs()).isLessThan(Duration.ofNanos(1000));
        assertThat(Duration.between(r.firstSample(), r.trigger()).toNanos()).isCloseTo(w.nanos(pre), within(1000L));
        // before the trigger sample: the healthy wave; from it on: the collapse
        for (int i = 0; i < pre; i += 53) {
            assertThat(r.analog()[0][i]).isCloseTo(w.ch[0][at - pre + i], within(0.05));
        }
        assertThat(Math.abs(r.analog()[0][pre - 30]) + Math.abs(r.analog()[1][pre - 30])).isGreaterThan(100);
        for (int i = pre; i < r.sampleCount(); i += 53) {
            for (int c = 0; c < 6; c++) {
                assertThat(r.analog()[c][i]).isCloseTo(0, within(0.05));
            }
        }
    }

    @Test
    void anOnDemandTriggerWritesOneRecordAndASecondDuringTheCaptureIsRefused(@TempDir Path dir) throws Exception {
        StreamFormat f = StreamFormat.threePhaseFeed(3, RATE, "feed-A");
        Waves w = new Waves(RATE, 60, 230, 80, 25, 1.5, 33);
        List<DisturbanceRecorder.Written> written = new CopyOnWriteArrayList<>();
        List<FeedLossEvent> events = new CopyOnWriteArrayList<>();
        ReplaySource src = new ReplaySource(f, w, 96, T0);
        try (DisturbanceRecorder rec = new DisturbanceRecorder(f, 60,
                new DisturbanceRecorder.Settings(0.1, 0.25, dir, DataFormat.ASCII, "hall-1"));
             WaveformMonitor m = new WaveformMonitor(src, 60,
                     List.of(WaveformMonitor.FeedChannels.byName(f, "A", "feed-A", 230)), DetectionSettings.defaults(),
                     events::add, rec, null, 96)) {
            rec.onRecord(written::add);
            SampleBlock b = new SampleBlock(6, 96);
            int block = 0;
            long requestedAt = 0;
            while (src.next(b)) {
                if (block == 100) { // 9,600 samples in: the next sample is the trigger
                    assertThat(rec.trigger(Long.MAX_VALUE, "A-ON_DEMAND")).isTrue();
                    requestedAt = b.firstSampleNanos();
                }
                if (block == 110) {
                    assertThat(rec.trigger(Long.MAX_VALUE, "A-ON_DEMAND-again")).as("capture in progress").isFalse();
                }
                m.step(b);
                block++;
            }
            // every block went through the detection thread (this one): the refused request started no capture
            assertThat(rec.completed()).as("captures completed").isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> !written.isEmpty());
            assertThat(events).isEmpty();
            assertThat(written).hasSize(1);
            DisturbanceRecorder.Written wr = written.getFirst();
            assertThat(wr.reason()).isEqualTo("A-ON_DEMAND");
            assertThat(wr.triggerNanos()).isEqualTo(requestedAt);
            int pre = (int) Math.ceil(0.1 * RATE);
            int post = (int) Math.ceil(0.25 * RATE);
            ComtradeRecord r = ComtradeReader.read(wr.cfg());
            assertThat(r.sampleCount()).isEqualTo(pre + post + 1);
            assertThat(Files.readString(wr.cfg())).contains("ASCII");
            assertThat(Duration.between(r.firstSample(), r.trigger()).toNanos()).isCloseTo(w.nanos(pre), within(1000L));
            int trig = 100 * 96;
            for (int i = 0; i < r.sampleCount(); i += 41) {
                assertThat(r.analog()[3][i]).isCloseTo(w.ch[3][trig - pre + i], within(0.05));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> rec.records() == 1);
        }
    }
}
