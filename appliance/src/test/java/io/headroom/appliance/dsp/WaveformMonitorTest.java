package io.headroom.appliance.dsp;

import io.headroom.drivers.waveform.SampleEncoding;
import io.headroom.drivers.waveform.SourceStats;
import io.headroom.drivers.waveform.StreamFormat;
import io.headroom.drivers.waveform.UdpFrameSender;
import io.headroom.drivers.waveform.UdpSampleSource;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The whole front end on loopback: UDP frames → source → DSP thread → ring → a protection-loop consumer. */
class WaveformMonitorTest {

    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final int FRAME = 100; // samples per channel per frame: 100 µs at 1 MS/s

    @Test
    void aLossOverUdpReachesTheProtectionRingWithinAQuarterCycleAndFrameFaultsDoNotTrip() throws Exception {
        double rate = 1_000_000;
        StreamFormat f = StreamFormat.threePhaseFeed(7, rate, "feed-C");
        FeedLossEventRing ring = new FeedLossEventRing(64);
        UdpSampleSource src = UdpSampleSource.open(new InetSocketAddress("127.0.0.1", 0), f,
                UdpSampleSource.Options.defaults(io.headroom.drivers.waveform.Senders.only(new InetSocketAddress("127.0.0.1", 0))), System::nanoTime);
        Waves w = new Waves(rate, 60, 230, 80, 25, 0.3, 0);
        int at = 250_000 + 3_217; // 0.25 s + 70°-ish
        w.collapse(at);
        try (WaveformMonitor m = new WaveformMonitor(src, 60,
                List.of(WaveformMonitor.FeedChannels.byName(f, "C", "feed-C", 230)), DetectionSettings.defaults(),
                ring, null, null, 256).start();
             UdpFrameSender tx = new UdpFrameSender(src.localAddress(), f, SampleEncoding.INT16,
                     new double[]{500, 500, 500, 200, 200, 200})) {
            ByteBuffer held = ByteBuffer.allocate(65_536);
            long expectedFrames = 0;
            for (int off = 0, frame = 0; off < w.n; off += FRAME, frame++) {
                long t = T0 + w.nanos(off);
                ByteBuffer buf = ByteBuffer.allocate(65_536);
                tx.encode(frame, w.ch, off, FRAME, t, buf);
                buf.flip();
                switch (frame) {
                    case 500 -> { // corrupted on the way: one byte flipped, CRC fails, the frame is lost
                        buf.put(200, (byte) (buf.get(200) ^ 0x5a));
                        tx.sendRaw(buf);
                    }
                    case 800 -> { // duplicated
                        tx.sendRaw(buf.duplicate());
                        tx.sendRaw(buf);
                        expectedFrames++;
                    }
                    case 1000 -> held.put(buf).flip(); // sent after the next one: reordered
                    case 1001 -> {
                        tx.sendRaw(buf);
                        tx.sendRaw(held);
                        expectedFrames += 2;
                    }
                    default -> {
                        tx.sendRaw(buf);
                        expectedFrames++;
                    }
                }
                if (frame % 100 == 99) { // pace on the receiver, so the socket buffer never overflows
                    long target = expectedFrames - 20;
                    await().pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(20))
                            .until(() -> src.stats().frames() >= target);
                }
            }
            long sentFrames = expectedFrames;
            await().atMost(Duration.ofSeconds(20)).until(() -> src.stats().frames() >= sentFrames);

            FeedLossEvent e = ring.take(5, TimeUnit.SECONDS);
            assertThat(e).isNotNull();
            assertThat(e.kind()).isEqualTo(FeedLossEvent.Kind.FEED_LOST);
            assertThat(e.feedId()).isEqualTo("C");
            assertThat(e.firstSampleNanos()).isCloseTo(T0 + w.nanos(at), org.assertj.core.api.Assertions.within(1L));
            assertThat(e.latencyNanos()).isLessThanOrEqualTo(1_000_000_000L / 60 / 4);
            assertThat(ring.poll()).isNull();

            SourceStats s = src.stats();
            assertThat(s.corrupt()).isEqualTo(1);
            assertThat(s.duplicates()).isEqualTo(1);
            assertThat(s.reordered()).isEqualTo(1);
            assertThat(s.framesLost()).isEqualTo(1);
            assertThat(s.samplesLost()).isEqualTo(FRAME);
            assertThat(m.failure()).isNull();
            assertThat(m.feeds().getFirst().latest().lost()).isTrue();
        }
    }
}
