package io.headroom.drivers.waveform.spi;

import io.headroom.drivers.waveform.ChannelKind;
import io.headroom.drivers.waveform.SampleBlock;
import io.headroom.drivers.waveform.SourceStats;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SpiAdcSampleSourceTest {

    private static final double RATE = 4000;           // ADS131M08 default: 8.192 MHz / (2 × 1024)
    private static final long PERIOD = 250_000;        // ns
    private static final long T0 = 5_000_000_000L;     // first DRDY edge, nanoTime clock
    private static final WordLength WL = WordLength.BITS_24;
    private static final double VPEAK = 230 * Math.sqrt(2);
    private static final double IPEAK = 100 * Math.sqrt(2);

    /** 3 V + 3 I of a feed on an ADS131M08, the currents on inputs 7, 6, 5 to check the mapping. */
    private static final List<AdcChannel> CHANNELS = List.of(
            AdcChannel.voltage("feed-A/voltage-L1", 1, 0, 1.2, 1, 1000, 1),
            AdcChannel.voltage("feed-A/voltage-L2", 2, 1, 1.2, 1, 1000, 1),
            AdcChannel.voltage("feed-A/voltage-L3", 3, 2, 1.2, 1, 1000, 1),
            AdcChannel.current("feed-A/current-L1", 1, 7, 1.2, 1, 2.0, 400),
            AdcChannel.current("feed-A/current-L2", 2, 6, 1.2, 1, 2.0, 400),
            AdcChannel.current("feed-A/current-L3", 3, 5, 1.2, 1, 2.0, 400));

    private static double expected(int ch, long i) {
        double w = 2 * Math.PI * 50 * i / RATE;
        double phase = -2 * Math.PI / 3 * (ch % 3);
        return ch < 3 ? VPEAK * Math.sin(w + phase) : IPEAK * Math.sin(w + phase - Math.PI / 6);
    }

    /** The frame the ADC sends for sample i: every channel's ideal code, input 3 and 4 idle at zero. */
    private static byte[] frame(long i) {
        int[] codes = new int[8];
        for (int c = 0; c < CHANNELS.size(); c++) {
            AdcChannel ch = CHANNELS.get(c);
            codes[ch.input()] = (int) Math.round(expected(c, i) / ch.unitsPerCode());
        }
        byte[] f = new byte[Ads131mFrame.frameBytes(8, WL)];
        Ads131mFrame.encode(f, Ads131mFrame.healthyStatus(8, WL), codes, 8, WL);
        return f;
    }

    private static SpiAdcSampleSource source(ScriptedAdcLink link) {
        return new SpiAdcSampleSource(SpiAdcSampleSource.Config.ads131m08(7, RATE, CHANNELS), link);
    }

    private record Block(int n, long firstNanos, long seq, long lostBefore, double[][] values) {
    }

    private static List<Block> drain(SpiAdcSampleSource s, int capacity) throws IOException {
        SampleBlock b = new SampleBlock(6, capacity);
        List<Block> out = new ArrayList<>();
        int n;
        while ((n = s.read(b)) > 0) {
            double[][] v = new double[6][];
            for (int c = 0; c < 6; c++) {
                v[c] = java.util.Arrays.copyOf(b.channel(c), n);
            }
            out.add(new Block(n, b.firstSampleNanos(), b.sequence(), b.samplesLostBefore(), v));
            assertThat(b.sampleRateHz()).isEqualTo(RATE);
        }
        assertThat(n).isZero(); // the script ran out: a DRDY timeout, not the end
        return out;
    }

    @Test
    void aScriptedStreamOfFramesGivesTheKnownSineWithDrdyTimestamps() throws IOException {
        ScriptedAdcLink link = new ScriptedAdcLink();
        int total = 800; // ten cycles of 50 Hz
        for (int i = 0; i < total; i++) {
            link.edge(T0 + i * PERIOD + (i % 3) * 1_000, frame(i)); // a little edge jitter
        }
        try (SpiAdcSampleSource s = source(link)) {
            assertThat(s.format().channels()).extracting(c -> c.kind()).containsExactly(ChannelKind.VOLTAGE,
                    ChannelKind.VOLTAGE, ChannelKind.VOLTAGE, ChannelKind.CURRENT, ChannelKind.CURRENT,
                    ChannelKind.CURRENT);
            assertThat(s.format().sampleRateHz()).isEqualTo(RATE);
            List<Block> blocks = drain(s, 64);
            long i = 0;
            for (Block b : blocks) {
                assertThat(b.lostBefore()).isZero();
                assertThat(b.seq()).isEqualTo(i);
                assertThat(b.firstNanos()).isEqualTo(T0 + i * PERIOD + (i % 3) * 1_000);
                for (int k = 0; k < b.n(); k++) {
                    for (int c = 0; c < 6; c++) {
                        double lsb = CHANNELS.get(c).unitsPerCode();
                        assertThat(b.values()[c][k]).as("channel %d sample %d", c, i + k)
                                .isCloseTo(expected(c, i + k), within(lsb / 2 + 1e-9));
                    }
                }
                i += b.n();
            }
            assertThat(i).isEqualTo(total);
            assertThat(blocks).hasSize(13); // 12 × 64 + 32
            SourceStats st = s.stats();
            assertThat(st.frames()).isEqualTo(total);
            assertThat(st.samples()).isEqualTo(total);
            assertThat(st.corrupt()).isZero();
            assertThat(st.framesLost()).isZero();
            assertThat(st.samplesLost()).isZero();
            assertThat(st.lastFrameNanos()).isEqualTo(T0 + (total - 1) * PERIOD + ((total - 1) % 3) * 1_000);
            assertThat(s.lastStatus()).isEqualTo(0x01FF); // WLENGTH 24 bits, every DRDY bit set
        }
        // each frame was clocked with the NULL command and zeros, 30 bytes
        assertThat(link.sent).hasSize(total).allSatisfy(tx -> assertThat(tx).hasSize(30).containsOnly(0));
        assertThat(link.closed).isTrue();
    }

    @Test
    void aCorruptedFrameIsCountedAsAGapAndNeverDelivered() throws IOException {
        ScriptedAdcLink link = new ScriptedAdcLink();
        for (int i = 0; i < 100; i++) {
            byte[] f = frame(i);
            if (i == 40) {
                f[3 + 1] ^= 0x10; // one bit of channel 0's code, as SPI noise would flip it
            }
            link.edge(T0 + i * PERIOD, f);
        }
        try (SpiAdcSampleSource s = source(link)) {
            List<Block> blocks = drain(s, 32);
            // 0..31, 32..39 (ends before the gap), 41..72, 73..99
            assertThat(blocks).extracting(Block::n).containsExactly(32, 8, 32, 27);
            assertThat(blocks).extracting(Block::lostBefore).containsExactly(0L, 0L, 1L, 0L);
            assertThat(blocks).extracting(Block::seq).containsExactly(0L, 32L, 41L, 73L);
            assertThat(blocks.get(2).firstNanos()).isEqualTo(T0 + 41 * PERIOD);
            assertThat(blocks.get(2).values()[0][0]).isCloseTo(expected(0, 41), within(1e-3));
            long delivered = 0;
            for (Block b : blocks) {
                for (int k = 0; k < b.n(); k++) {
                    long idx = b.seq() + k;
                    assertThat(idx).isNotEqualTo(40);
                    assertThat(b.values()[0][k]).isCloseTo(expected(0, idx), within(1e-3));
                }
                delivered += b.n();
            }
            assertThat(delivered).isEqualTo(99);
            SourceStats st = s.stats();
            assertThat(st.corrupt()).isEqualTo(1);
            assertThat(st.framesLost()).isEqualTo(1);
            assertThat(st.samplesLost()).isEqualTo(1);
            assertThat(st.frames()).isEqualTo(99);
            assertThat(st.samples()).isEqualTo(99);
        }
    }

    @Test
    void missedDrdyEdgesAreLostSamplesAndStartANewBlock() throws IOException {
        ScriptedAdcLink link = new ScriptedAdcLink();
        for (int i = 0; i < 20; i++) {
            if (i == 10 || i == 11) {
                continue; // the reader was late: two conversions overwritten
            }
            link.edge(T0 + i * PERIOD, frame(i));
        }
        try (SpiAdcSampleSource s = source(link)) {
            List<Block> blocks = drain(s, 64);
            assertThat(blocks).extracting(Block::n).containsExactly(10, 8);
            assertThat(blocks).extracting(Block::lostBefore).containsExactly(0L, 2L);
            assertThat(blocks.get(1).seq()).isEqualTo(12);
            assertThat(blocks.get(1).firstNanos()).isEqualTo(T0 + 12 * PERIOD);
            assertThat(blocks.get(1).values()[3][0]).isCloseTo(expected(3, 12), within(1e-3));
            assertThat(s.stats().framesLost()).isEqualTo(2);
            assertThat(s.stats().samplesLost()).isEqualTo(2);
            assertThat(s.stats().corrupt()).isZero();
        }
    }

    @Test
    void readingAllocatesNothingPerSample() throws IOException {
        byte[][] frames = new byte[80][];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = frame(i);
        }
        int total = 200_000;
        AdcLink cycling = new AdcLink() { // an endless 50 Hz stream that allocates nothing itself
            long i;

            @Override
            public long awaitDataReady(long timeoutNanos) {
                return i < total ? T0 + i * PERIOD : NO_EDGE;
            }

            @Override
            public void transfer(byte[] tx, byte[] rx, int len) {
                System.arraycopy(frames[(int) (i++ % frames.length)], 0, rx, 0, len);
            }

            @Override
            public void close() {
            }
        };
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (SpiAdcSampleSource s = new SpiAdcSampleSource(SpiAdcSampleSource.Config.ads131m08(7, RATE, CHANNELS),
                cycling)) {
            SampleBlock b = new SampleBlock(6, 100);
            for (int k = 0; k < 200; k++) {
                s.read(b); // warm-up
            }
            long before = mx.getCurrentThreadAllocatedBytes();
            long n = 0;
            int r;
            while ((r = s.read(b)) > 0) {
                n += r;
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            assertThat(n).isEqualTo(total - 200 * 100);
            assertThat(b.channel(0)[0]).isCloseTo(expected(0, total - 100), within(1e-3));
            assertThat(allocated).as("bytes allocated for %d samples", n).isLessThan(4096);
        }
    }

    @Test
    void aQuietDrdyReturnsWhatWasReadThenZeroAndCloseEndsTheStream() throws IOException {
        ScriptedAdcLink link = new ScriptedAdcLink();
        for (int i = 0; i < 5; i++) {
            link.edge(T0 + i * PERIOD, frame(i));
        }
        SpiAdcSampleSource s = source(link);
        SampleBlock b = new SampleBlock(6, 64);
        assertThat(s.read(b)).isEqualTo(5);
        assertThat(b.length()).isEqualTo(5);
        assertThat(s.read(b)).isZero();
        assertThat(s.stats().frames()).isEqualTo(5);
        s.close();
        assertThat(link.closed).isTrue();
        assertThat(s.read(b)).isEqualTo(-1);
    }
}
