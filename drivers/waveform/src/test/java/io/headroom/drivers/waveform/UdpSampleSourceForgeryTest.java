package io.headroom.drivers.waveform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Forged and stray frames on real UDP sockets over loopback: from a sender that is not allowed, with a sequence
 * number far ahead of the stream (and far behind: a front-end that restarted), with another sample rate. The
 * resync rule's clock is the test's: it moves only when the test says time passed.
 */
class UdpSampleSourceForgeryTest {

    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final double RATE = 4_800;
    private static final int N = 10;
    private static final double[] FULL_SCALE = {400, 400, 400, 100, 100, 100};

    private final StreamFormat format = StreamFormat.threePhaseFeed(7, RATE, "feed-A");
    private final AtomicLong now = new AtomicLong();
    /** How far the clock moves each time the source reads it (once per frame it weighs): 0, the test moves it. */
    private final AtomicLong step = new AtomicLong();
    private final List<AutoCloseable> open = new ArrayList<>();
    private UdpSampleSource source;
    private final double[][] genuine = wave(325, 80);
    private final double[][] forged = wave(0, 0);

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private static double[][] wave(double v, double i) {
        double[][] w = new double[6][N * 4096];
        for (int c = 0; c < 6; c++) {
            for (int k = 0; k < w[c].length; k++) {
                w[c][k] = (c < 3 ? v : i) * Math.sin(2 * Math.PI * 60 * k / RATE - c * 2.0944);
            }
        }
        return w;
    }

    private UdpSampleSource source(Senders senders) throws IOException {
        source = UdpSampleSource.open(new InetSocketAddress("127.0.0.1", 0), format,
                UdpSampleSource.Options.defaults(senders).withResync(64, 8, 100), () -> now.addAndGet(step.get()));
        open.add(source);
        return source;
    }

    private UdpFrameSender sender(String host, StreamFormat f) throws IOException {
        UdpFrameSender s = new UdpFrameSender(new InetSocketAddress(host, 0), source == null
                ? new InetSocketAddress("127.0.0.1", 9) : source.localAddress(), f, SampleEncoding.INT16, FULL_SCALE);
        open.add(s);
        return s;
    }

    private static ByteBuffer frame(UdpFrameSender s, long seq, double[][] w, long sampleIndex) {
        ByteBuffer b = ByteBuffer.allocate(65_536);
        s.encode(seq, w, (int) (sampleIndex % (w[0].length - N)), N, T0 + Math.round(sampleIndex * 1e9 / RATE), b);
        return b.flip();
    }

    /** Reads {@code frames} frames; each must be the genuine wave (not the forged one), in this sequence. */
    private List<Long> readGenuine(int frames) throws IOException {
        SampleBlock b = new SampleBlock(6, 64);
        List<Long> seqs = new ArrayList<>();
        while (seqs.size() < frames) {
            int n = source.read(b);
            assertThat(n).as("a frame within the receive timeout (after %s)", seqs).isPositive();
            seqs.add(b.sequence());
            long index = Math.round((b.firstSampleNanos() - T0) * RATE / 1e9);
            for (int i = 0; i < n; i++) {
                assertThat(b.channel(0)[i]).as("frame %d sample %d: the genuine wave", b.sequence(), i)
                        .isCloseTo(genuine[0][(int) ((index % (genuine[0].length - N)) + i)], within(400.0 / 32767));
            }
        }
        return seqs;
    }

    @Test
    void framesFromASenderThatIsNotAllowedAreNeverReadAndAreCounted() throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        UdpFrameSender frontEnd = new UdpFrameSender(new InetSocketAddress(loopback, 0),
                new InetSocketAddress(loopback, 9), format, SampleEncoding.INT16, FULL_SCALE);
        open.add(frontEnd);
        source(Senders.only(frontEnd.localAddress()));
        frontEnd.retarget(source.localAddress());
        UdpFrameSender otherHost = sender("127.0.0.2", format);
        UdpFrameSender otherPort = sender("127.0.0.1", format); // the front-end's address, another port
        for (int s = 0; s < 5; s++) {
            otherHost.sendRaw(frame(otherHost, s, forged, (long) s * N));
            otherPort.sendRaw(frame(otherPort, s, forged, (long) s * N));
            frontEnd.sendRaw(frame(frontEnd, s, genuine, (long) s * N));
        }
        assertThat(readGenuine(5)).containsExactly(0L, 1L, 2L, 3L, 4L);
        SourceStats st = source.stats();
        assertThat(st.unknownSender()).isEqualTo(10);
        assertThat(st.frames()).isEqualTo(5);
        assertThat(st.duplicates() + st.corrupt() + st.foreign()).isZero();
        assertThat(st.refused()).isEqualTo(10);
    }

    @Test
    void anAddressWithoutAPortAllowsEveryPortOfIt() throws Exception {
        source(Senders.only(new InetSocketAddress("127.0.0.1", 0)));
        UdpFrameSender a = sender("127.0.0.1", format);
        UdpFrameSender stranger = sender("127.0.0.2", format);
        stranger.sendRaw(frame(stranger, 0, forged, 0));
        a.sendRaw(frame(a, 0, genuine, 0));
        assertThat(readGenuine(1)).containsExactly(0L);
        assertThat(source.stats().unknownSender()).isEqualTo(1);
    }

    @Test
    void aForgedFarAheadSequenceCannotBlindTheStreamWhileGenuineFramesFlow() throws Exception {
        source(Senders.only(new InetSocketAddress("127.0.0.1", 0)));
        UdpFrameSender frontEnd = sender("127.0.0.1", format);
        UdpFrameSender spoofer = sender("127.0.0.1", format); // an allowed address, forged
        long forgedSeq = 1_000_000;
        List<Long> expected = new ArrayList<>();
        for (long s = 0; s < 40; s++) {
            now.addAndGet(2_000_000); // a genuine frame every 2 ms
            frontEnd.sendRaw(frame(frontEnd, s, genuine, s * N));
            expected.add(s);
            // between two genuine frames, a run of 20 forged frames that continue each other, far ahead
            for (int k = 0; k < 20; k++) {
                spoofer.sendRaw(frame(spoofer, forgedSeq++, forged, forgedSeq * N));
            }
            assertThat(readGenuine(1)).containsExactly(s);
        }
        // and extremes: the largest sequence, one whose distance wraps, and the window's edges either way
        for (long extreme : new long[]{Long.MAX_VALUE, Long.MIN_VALUE, 40 + 64, 40 - 65}) {
            spoofer.sendRaw(frame(spoofer, extreme, forged, 0));
        }
        frontEnd.sendRaw(frame(frontEnd, 40, genuine, 40L * N));
        assertThat(readGenuine(1)).containsExactly(40L);
        SourceStats st = source.stats();
        assertThat(st.suspect()).isEqualTo(40 * 20 + 4);
        assertThat(st.resyncs()).isZero();
        assertThat(st.framesLost()).isZero();
        assertThat(st.samplesLost()).isZero();
        assertThat(st.frames()).isEqualTo(41);
    }

    @Test
    void aFrontEndThatRestartedFromZeroIsFollowedOnceItsRunOutlastsTheQuietTime() throws Exception {
        source(Senders.only(new InetSocketAddress("127.0.0.1", 0)));
        UdpFrameSender frontEnd = sender("127.0.0.1", format);
        for (long s = 5_000; s < 5_010; s++) {
            now.addAndGet(2_000_000);
            frontEnd.sendRaw(frame(frontEnd, s, genuine, (s - 5_000) * N));
        }
        assertThat(readGenuine(10)).hasSize(10);
        // the front-end restarts: 300 ms without frames, then its sequence starts again at 0, a frame every 15 ms
        now.addAndGet(300_000_000);
        step.set(15_000_000);
        long restartIndex = 300 * (long) RATE / 1000 + 10L * N;
        for (long s = 0; s < 20; s++) {
            frontEnd.sendRaw(frame(frontEnd, s, genuine, restartIndex + s * N));
        }
        // the first 7 are suspect; the 8th completes the run, read over 105 ms: followed from it on
        assertThat(readGenuine(13)).containsExactly(7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L);
        SourceStats st = source.stats();
        assertThat(st.resyncs()).isEqualTo(1);
        assertThat(st.suspect()).isEqualTo(7);
        assertThat(st.samplesLost()).as("the outage and the 7 suspect frames, from the timestamps")
                .isEqualTo(restartIndex + 7L * N - 10L * N);
    }

    @Test
    void aRunOfFarFramesReadInLessThanTheQuietTimeIsNotFollowedHoweverLong() throws Exception {
        source(Senders.only(new InetSocketAddress("127.0.0.1", 0)));
        UdpFrameSender frontEnd = sender("127.0.0.1", format);
        frontEnd.sendRaw(frame(frontEnd, 0, genuine, 0));
        assertThat(readGenuine(1)).containsExactly(0L);
        now.addAndGet(500_000_000); // the front-end was quiet for 500 ms (a stall, say) ...
        step.set(900_000); // ... then 100 forged frames that continue each other arrive, read in 89 ms
        for (long s = 900; s < 1_000; s++) {
            frontEnd.sendRaw(frame(frontEnd, s, forged, 0));
        }
        frontEnd.sendRaw(frame(frontEnd, 1, genuine, N));
        assertThat(readGenuine(1)).containsExactly(1L);
        assertThat(source.stats().suspect()).isEqualTo(100);
        assertThat(source.stats().resyncs()).isZero();
    }

    @Test
    void aFrameAnnouncingAnotherSampleRateIsRefusedAndCounted() throws Exception {
        source(Senders.only(new InetSocketAddress("127.0.0.1", 0)));
        UdpFrameSender frontEnd = sender("127.0.0.1", format);
        UdpFrameSender fast = sender("127.0.0.1", StreamFormat.threePhaseFeed(7, RATE * 2, "feed-A"));
        UdpFrameSender slightlyOff = sender("127.0.0.1", StreamFormat.threePhaseFeed(7, RATE * (1 + 2e-4), "feed-A"));
        UdpFrameSender withinTolerance = sender("127.0.0.1", StreamFormat.threePhaseFeed(7, RATE * (1 + 5e-5), "feed-A"));
        for (long s = 0; s < 3; s++) {
            fast.sendRaw(frame(fast, s, forged, s * N));
            slightlyOff.sendRaw(frame(slightlyOff, s, forged, s * N));
            frontEnd.sendRaw(frame(frontEnd, s, genuine, s * N));
        }
        withinTolerance.sendRaw(frame(withinTolerance, 3, genuine, 3L * N));
        assertThat(readGenuine(4)).containsExactly(0L, 1L, 2L, 3L);
        SourceStats st = source.stats();
        assertThat(st.rateMismatch()).isEqualTo(6);
        assertThat(st.refused()).isEqualTo(6);
    }

    @Test
    void optionsWithoutSendersOrWithAnEmptyListAreRefused() {
        assertThatThrownBy(() -> UdpSampleSource.Options.defaults(null)).hasMessageContaining("Senders.any()");
        assertThatThrownBy(() -> Senders.only(List.of())).hasMessageContaining("no allowed sender");
        assertThatThrownBy(() -> UdpSampleSource.Options.defaults(Senders.any()).withResync(4, 8, 100))
                .hasMessageContaining("resyncWindow must be 5..");
        assertThatThrownBy(() -> UdpSampleSource.Options.defaults(Senders.any()).withResync(64, 1, 100))
                .hasMessageContaining("resyncFrames must be 2..1024");
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "127.0.0.1;        127.0.0.1; 5000; true",
            "127.0.0.1;        127.0.0.2; 5000; false",
            "127.0.0.1:5000;   127.0.0.1; 5000; true",
            "127.0.0.1:5000;   127.0.0.1; 5001; false",
            "[::1]:5000;       ::1;       5000; true",
            "::1;              ::1;       6000; true"})
    void sendersParseFromHostOrHostPort(String entry, String from, int port, boolean allowed) throws Exception {
        assertThat(Senders.parse(List.of(entry)).allows(InetAddress.getByName(from), port)).isEqualTo(allowed);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "localhost;       an IP address is needed",
            "abc;             an IP address is needed",
            "127.0.0.1:0;     port must be 1..65535, was '0'",
            "127.0.0.1:70000; port must be 1..65535",
            "127.0.0.1:x;     port must be 1..65535, was 'x'",
            "[::1;            missing ']'",
            "'';              an IP address is needed"})
    void aBadSenderEntrySaysWhichAndWhy(String entry, String message) {
        assertThatThrownBy(() -> Senders.parse(List.of(entry)))
                .hasMessageContaining("sender '" + entry + "'").hasMessageContaining(message);
    }
}
