package io.headroom.drivers.waveform;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class UdpSampleSourceTest {

    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final double RATE = 14_400;
    private static final int N = 12;

    private final StreamFormat format = StreamFormat.threePhaseFeed(42, RATE, "feed-A");
    private UdpSampleSource source;
    private UdpFrameSender sender;
    private double[][] wave;

    @BeforeEach
    void open() throws IOException {
        source = UdpSampleSource.open(new InetSocketAddress("127.0.0.1", 0), format,
                new UdpSampleSource.Options(4, 200, 1 << 20, Senders.only(new InetSocketAddress("127.0.0.1", 0))), System::nanoTime);
        sender = new UdpFrameSender(source.localAddress(), format, SampleEncoding.INT16,
                new double[]{400, 400, 400, 100, 100, 100});
        wave = new double[6][N * 64];
        for (int c = 0; c < 6; c++) {
            for (int i = 0; i < wave[c].length; i++) {
                wave[c][i] = (c < 3 ? 325 : 80) * Math.sin(2 * Math.PI * 60 * i / RATE - c * 2.0944);
            }
        }
    }

    @AfterEach
    void close() {
        sender.close();
        source.close();
    }

    private ByteBuffer frame(long seq) {
        ByteBuffer b = ByteBuffer.allocate(65_536);
        sender.encode(seq, wave, (int) seq * N, N, T0 + Math.round(seq * N * 1e9 / RATE), b);
        return b.flip();
    }

    /** Reads until {@code frames} frames came through; returns the sequence of each block. */
    private List<long[]> readFrames(int frames) throws IOException {
        SampleBlock b = new SampleBlock(6, 64);
        List<long[]> got = new ArrayList<>();
        while (got.size() < frames) {
            int n = source.read(b);
            assertThat(n).as("a frame within the receive timeout").isPositive();
            got.add(new long[]{b.sequence(), b.samplesLostBefore(), b.firstSampleNanos(), n});
            for (int i = 0; i < n; i++) {
                long abs = b.sequence() * N + i;
                assertThat(b.channel(0)[i]).isCloseTo(wave[0][(int) abs], within(400.0 / 32767));
                assertThat(b.channel(5)[i]).isCloseTo(wave[5][(int) abs], within(100.0 / 32767));
            }
        }
        return got;
    }

    @Test
    void anOrderedStreamIsDeliveredSampleForSampleWithItsTimestamps() throws IOException {
        for (int s = 0; s < 10; s++) {
            sender.send(wave, s * N, N, T0 + Math.round(s * N * 1e9 / RATE));
        }
        List<long[]> got = readFrames(10);
        for (int s = 0; s < 10; s++) {
            assertThat(got.get(s)[0]).isEqualTo(s);
            assertThat(got.get(s)[1]).isZero();
            assertThat(got.get(s)[2]).isEqualTo(T0 + Math.round(s * N * 1e9 / RATE));
        }
        SourceStats st = source.stats();
        assertThat(st.frames()).isEqualTo(10);
        assertThat(st.samples()).isEqualTo(10 * N);
        assertThat(st.framesLost() + st.corrupt() + st.duplicates() + st.reordered()).isZero();
    }

    @Test
    void lostReorderedDuplicatedAndCorruptFramesAreDetectedAndCounted() throws IOException {
        // 0 1 3 2 (reordered) 4 4 (duplicate) 5 [6 corrupt] 7 8 9 10 11 12: 6 is lost; 1 (late duplicate)
        for (long s : new long[]{0, 1, 3, 2, 4, 4, 5}) {
            sender.sendRaw(frame(s));
        }
        ByteBuffer bad = frame(6);
        bad.put(60, (byte) (bad.get(60) ^ 1));
        sender.sendRaw(bad);
        for (long s : new long[]{7, 8, 9, 10, 11, 1, 12}) {
            sender.sendRaw(frame(s));
        }
        List<long[]> got = readFrames(12);
        assertThat(got).extracting(g -> g[0]).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 7L, 8L, 9L, 10L, 11L, 12L);
        assertThat(got.get(6)[1]).as("samples lost before frame 7").isEqualTo(N);
        SourceStats st = source.stats();
        assertThat(st.reordered()).isEqualTo(1);
        assertThat(st.duplicates()).isEqualTo(2);
        assertThat(st.corrupt()).isEqualTo(1);
        assertThat(st.framesLost()).isEqualTo(1);
        assertThat(st.samplesLost()).isEqualTo(N);
        assertThat(st.frames()).isEqualTo(12);
    }

    @Test
    void aGapAtTheEndOfABurstIsGivenUpOnAfterTheReceiveTimeout() throws IOException {
        sender.sendRaw(frame(0));
        sender.sendRaw(frame(2)); // 1 never comes, and nothing after 2 arrives to push the reorder window
        List<long[]> got = readFrames(2);
        assertThat(got).extracting(g -> g[0]).containsExactly(0L, 2L);
        assertThat(source.stats().framesLost()).isEqualTo(1);
    }

    @Test
    void framesOfAnotherStreamOrLayoutAreDroppedAndCounted() throws IOException {
        StreamFormat other = StreamFormat.threePhaseFeed(43, RATE, "feed-B");
        try (UdpFrameSender o = new UdpFrameSender(source.localAddress(), other, SampleEncoding.INT32,
                new double[]{400, 400, 400, 100, 100, 100})) {
            o.send(wave, 0, N, T0);
        }
        sender.sendRaw(frame(0));
        readFrames(1);
        assertThat(source.stats().foreign()).isEqualTo(1);
    }

    @Test
    void aClosedSourceReturnsEndOfStream() throws IOException {
        source.close();
        assertThat(source.read(new SampleBlock(6, 64))).isEqualTo(-1);
    }

    @Test
    void aLargeFrameIsSplitOverSmallBlocks() throws IOException {
        double[][] big = new double[6][1000];
        for (int i = 0; i < 1000; i++) {
            big[2][i] = i * 0.1;
        }
        sender.send(big, 0, 1000, T0);
        SampleBlock b = new SampleBlock(6, 300);
        int total = 0;
        while (total < 1000) {
            int n = source.read(b);
            assertThat(b.firstSampleNanos()).isEqualTo(T0 + Math.round(total * 1e9 / RATE));
            assertThat(b.channel(2)[0]).isCloseTo(total * 0.1, within(0.02));
            total += n;
        }
        assertThat(total).isEqualTo(1000);
    }
}
