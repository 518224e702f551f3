package io.headroom.appliance.dsp;

import io.headroom.drivers.waveform.SampleBlock;
import io.headroom.drivers.waveform.StreamFormat;
import io.headroom.drivers.waveform.comtrade.ComtradeReader;
import io.headroom.drivers.waveform.comtrade.ComtradeRecord;
import io.headroom.drivers.waveform.comtrade.DataFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

class DisturbanceRecorderTest {

    private static final long T0 = 1_700_000_000_000_000_000L;

    @Test
    void aTriggerWritesAComtradeRecordWithPreAndPostTriggerSamples(@TempDir Path dir) throws Exception {
        double rate = 14400;
        StreamFormat f = StreamFormat.threePhaseFeed(1, rate, "feed-A");
        List<Path> written = new CopyOnWriteArrayList<>();
        try (DisturbanceRecorder r = new DisturbanceRecorder(f, 60,
                new DisturbanceRecorder.Settings(0.1, 0.05, dir, DataFormat.BINARY, "hall-1"))) {
            r.onWritten(written::add);
            Waves w = new Waves(rate, 60, 230, 80, 25, 2.0, 0); // 2 s through a 0.15 s ring
            int trig = 20_000;
            SampleBlock b = new SampleBlock(6, 96);
            for (int off = 0; off < w.n; off += 96) {
                for (int c = 0; c < 6; c++) {
                    System.arraycopy(w.ch[c], off, b.channel(c), 0, 96);
                }
                b.set(96, T0 + w.nanos(off), rate, off / 96, 0);
                if (off == 19_968) {
                    r.trigger(T0 + w.nanos(trig), "feed-A-FEED_LOST");
                }
                r.append(b);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> !written.isEmpty());
            assertThat(r.records()).isEqualTo(1);
            assertThat(r.dropped()).isZero();

            ComtradeRecord rec = ComtradeReader.read(written.getFirst());
            int pre = (int) Math.ceil(0.1 * rate);
            int post = (int) Math.ceil(0.05 * rate);
            assertThat(rec.sampleCount()).isEqualTo(pre + post + 1);
            assertThat(rec.revisionYear()).isEqualTo(2013);
            assertThat(rec.stationName()).isEqualTo("hall-1");
            assertThat(rec.sampleRateHz()).isEqualTo(rate);
            assertThat(rec.analogChannels()).extracting(a -> a.id()).containsExactly("feed-A/voltage-L1",
                    "feed-A/voltage-L2", "feed-A/voltage-L3", "feed-A/current-L1", "feed-A/current-L2",
                    "feed-A/current-L3");
            Instant trigger = Instant.ofEpochSecond(0, T0 + w.nanos(trig));
            assertThat(Duration.between(trigger, rec.trigger()).abs()).isLessThan(Duration.ofNanos(1000));
            assertThat(Duration.between(rec.firstSample(), rec.trigger()).toNanos())
                    .isCloseTo(w.nanos(pre), within(1000L));
            for (int c = 0; c < 6; c++) {
                for (int i = 0; i < rec.sampleCount(); i += 37) {
                    assertThat(rec.analog()[c][i]).isCloseTo(w.ch[c][trig - pre + i], within(0.05));
                }
            }
        }
    }

    /**
     * A stream stamped by the sender's monotonic clock (the bench's plant, a front-end without time sync): the
     * record's times are put on UTC through the wall clock, not written as 1970; a UTC-stamped stream is kept as is.
     */
    @Test
    void aMonotonicStreamsRecordIsTimedInUtc(@TempDir Path dir) throws Exception {
        double rate = 4800;
        StreamFormat f = StreamFormat.threePhaseFeed(1, rate, "feed-C");
        Instant wall = Instant.parse("2026-12-07T19:00:00Z");
        for (long base : new long[]{13_321_000_000_000L, wall.getEpochSecond() * 1_000_000_000L - 3_000_000_000L}) {
            Path out = dir.resolve("base-" + base);
            List<DisturbanceRecorder.Written> written = new CopyOnWriteArrayList<>();
            try (DisturbanceRecorder r = new DisturbanceRecorder(f, 50,
                    new DisturbanceRecorder.Settings(0.05, 0.05, out, DataFormat.BINARY, "hall-1", "headroom/C"),
                    java.time.Clock.fixed(wall, java.time.ZoneOffset.UTC))) {
                r.onRecord(written::add);
                SampleBlock b = new SampleBlock(6, 48);
                for (int k = 0; k < 200; k++) { // 2 s of 10 ms blocks
                    long t = base + k * 10_000_000L;
                    b.set(48, t, rate, k, 0);
                    if (k == 100) {
                        r.trigger(t, "ON_DEMAND");
                    }
                    r.append(b);
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> !written.isEmpty());
            }
            ComtradeRecord rec = ComtradeReader.read(written.getFirst().cfg());
            assertThat(rec.deviceId()).isEqualTo("headroom/C");
            Instant expected = base < 1_000_000_000_000_000L
                    ? wall.minusMillis(50)   // the capture completes at block 105, which arrives at the wall clock's time
                    : Instant.ofEpochSecond(0, base + 100 * 10_000_000L);     // the stream's own UTC
            assertThat(Duration.between(expected, rec.trigger()).abs()).as("base %d", base).isLessThan(Duration.ofMillis(1));
            assertThat(written.getFirst().cfg().getFileName().toString())
                    .startsWith("dr-" + (expected.getEpochSecond() * 1_000_000_000L + expected.getNano()) / 1_000_000_000L);
        }
    }

    @Test
    void memoryIsBoundedWhateverTheStreamLength(@TempDir Path dir) {
        StreamFormat f = StreamFormat.threePhaseFeed(1, 1_000_000, "feed-A");
        try (DisturbanceRecorder r = new DisturbanceRecorder(f, 50,
                new DisturbanceRecorder.Settings(0.02, 0.02, dir, DataFormat.BINARY, "x"))) {
            SampleBlock b = new SampleBlock(6, 1000);
            for (int k = 0; k < 3000; k++) { // 3 s at 1 MS/s through a 40 ms ring
                b.set(1000, T0 + k * 1_000_000L, 1_000_000, k, 0);
                r.append(b);
            }
            assertThat(r.records()).isZero();
            assertThat(r.dropped()).isZero();
        }
    }
}
