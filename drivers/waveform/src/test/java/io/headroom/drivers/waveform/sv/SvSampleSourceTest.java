package io.headroom.drivers.waveform.sv;

import io.headroom.drivers.waveform.SampleBlock;
import io.headroom.drivers.waveform.SourceStats;
import io.headroom.drivers.waveform.StreamFormat;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SvSampleSourceTest {

    static final String MAC = "01-0C-CD-04-00-01";
    static final byte[] DST = SvFrames.parseMac(MAC);
    static final byte[] SRC = SvFrames.parseMac("02-00-00-00-00-0A");

    final MemoryFrameChannel channel = new MemoryFrameChannel();
    final AtomicLong clock = new AtomicLong(1_000_000_000L);
    final byte[] frame = new byte[2000];

    /** Publishes frames of a 50 Hz three-phase stream: Va = 325 V peak (counts of 10 mV), Ia = 10 A (1 mA). */
    final class Mu {
        final SvProfile profile;
        final SvEncoder enc;
        final int modulus;
        int smpCnt;
        final int[] v;
        final int[] q;
        boolean simulation;

        Mu(SvProfile profile, int firstSmpCnt, String svId) {
            this.profile = profile;
            this.modulus = profile.smpCntModulus(50);
            this.enc = new SvEncoder(DST, SRC, 0x8000 | 5, 0x4000, svId, 1, 2, modulus);
            this.smpCnt = firstSmpCnt;
            v = new int[profile.asdusPerFrame() * 8];
            q = new int[profile.asdusPerFrame() * 8];
        }

        static int count(int channel, int smpCnt, int modulus) {
            double phase = 2 * Math.PI * 50.0 * smpCnt / modulus - (channel % 4) * 2 * Math.PI / 3;
            return channel == 3 || channel == 7 ? 0
                    : channel < 4 ? (int) Math.round(10_000 * Math.sin(phase))
                    : (int) Math.round(32_500 * Math.sin(phase));
        }

        /** Encodes the next frame (the caller may change v/q first through {@link #fill}). */
        int next() {
            fill();
            int n = enc.encode(frame, 0, profile.asdusPerFrame(), smpCnt, simulation, v, q);
            smpCnt = (smpCnt + profile.asdusPerFrame()) % modulus;
            return n;
        }

        void fill() {
            for (int a = 0; a < profile.asdusPerFrame(); a++) {
                for (int c = 0; c < 8; c++) {
                    v[a * 8 + c] = count(c, (smpCnt + a) % modulus, modulus);
                }
            }
        }

        void send() {
            int n = next();
            channel.offer(frame, n);
        }

        void skip() {
            smpCnt = (smpCnt + profile.asdusPerFrame()) % modulus;
        }
    }

    SvSampleSource source(SvProfile profile, SvSampleSource.Options o) {
        return SvSampleSource.open(channel, StreamFormat.threePhaseFeed(1, o.sampleRate(), "A"), o, clock::get);
    }

    SvSampleSource.Options options(SvProfile p) {
        return SvSampleSource.Options.feed(p, 50, MAC, 0x4000, "MU01");
    }

    @Test
    void aStreamAcrossTheSmpCntWrapIsDeliveredScaledAndContinuous() throws Exception {
        SvProfile p = SvProfile.IEC61869_4800;
        Mu mu = new Mu(p, 4700, "MU01");
        SvSampleSource src = source(p, options(p));
        for (int i = 0; i < 100; i++) {
            mu.send();
        }
        SampleBlock b = new SampleBlock(6, 16);
        int cnt = 4700;
        long t = -1;
        int total = 0;
        while (true) {
            int n = src.read(b);
            if (n == 0) {
                break;
            }
            assertThat(b.samplesLostBefore()).isZero();
            assertThat(b.sampleRateHz()).isEqualTo(4800.0);
            if (t >= 0) {
                assertThat(b.firstSampleNanos()).isCloseTo(t, within(1L));
            }
            for (int i = 0; i < n; i++) {
                int c = (cnt + i) % 4800;
                assertThat(b.channel(0)[i]).isCloseTo(Mu.count(4, c, 4800) * 0.01, within(1e-9));
                assertThat(b.channel(2)[i]).isCloseTo(Mu.count(6, c, 4800) * 0.01, within(1e-9));
                assertThat(b.channel(3)[i]).isCloseTo(Mu.count(0, c, 4800) * 0.001, within(1e-9));
                assertThat(b.channel(5)[i]).isCloseTo(Mu.count(2, c, 4800) * 0.001, within(1e-9));
            }
            t = b.timestampNanos(n - 1) + Math.round(1e9 / 4800);
            cnt += n;
            total += n;
        }
        assertThat(total).isEqualTo(200);
        SourceStats s = src.stats();
        assertThat(s.frames()).isEqualTo(100);
        assertThat(s.samples()).isEqualTo(200);
        assertThat(s.samplesLost()).isZero();
        assertThat(s.lastFrameNanos()).isEqualTo(clock.get());
        // the 9-2LE profiles: 80 per cycle at 60 Hz = 4800 S/s, 1 ASDU; 256 per cycle at 50 Hz, 8 ASDUs
        assertThat(SvProfile.LE_80.sampleRate(60)).isEqualTo(4800);
        assertThat(SvProfile.LE_256.sampleRate(50)).isEqualTo(12_800);
    }

    @Test
    void gapsAndTheWrapAreCountedAsLostSamples() throws Exception {
        SvProfile p = SvProfile.LE_256; // 8 ASDUs, modulus 12800
        Mu mu = new Mu(p, 12_784, "MU01");
        SvSampleSource src = source(p, options(p));
        mu.send();          // 12784..12791
        mu.skip();          // 12792..12799 lost
        mu.skip();          // 0..7 lost (across the wrap)
        mu.send();          // 8..15
        SampleBlock b = new SampleBlock(6, 64);
        assertThat(src.read(b)).isEqualTo(8);
        assertThat(b.samplesLostBefore()).isZero();
        long t0 = b.firstSampleNanos();
        assertThat(src.read(b)).isEqualTo(8);
        assertThat(b.samplesLostBefore()).isEqualTo(16);
        assertThat(b.firstSampleNanos() - t0).isCloseTo(Math.round(24 * 1e9 / 12_800), within(2L));
        assertThat(src.stats().samplesLost()).isEqualTo(16);
        assertThat(src.stats().framesLost()).isEqualTo(2);
        // a frame sent twice is dropped
        channel.offer(frame, mu.enc.frameBytes(8));
        assertThat(src.read(b)).isZero();
        assertThat(src.stats().duplicates()).isEqualTo(8);
        mu.send();
        assertThat(src.read(b)).isEqualTo(8);
        assertThat(b.samplesLostBefore()).isZero();
    }

    @Test
    void aRestartedMergingUnitIsFollowedAfterItsFramesContinueEachOther() throws Exception {
        SvProfile p = SvProfile.LE_80; // 1 ASDU, modulus 4000
        Mu mu = new Mu(p, 3000, "MU01");
        SvSampleSource src = source(p, options(p));
        SampleBlock b = new SampleBlock(6, 8);
        mu.send();
        assertThat(src.read(b)).isEqualTo(1);
        mu.smpCnt = 2000; // half a second behind: not a gap
        for (int i = 0; i < 7; i++) {
            mu.send();
            assertThat(src.read(b)).isZero();
        }
        mu.send();
        assertThat(src.read(b)).isEqualTo(1);
        assertThat(b.samplesLostBefore()).isEqualTo(1);
        assertThat(src.stats().resyncs()).isEqualTo(1);
        assertThat(src.stats().suspect()).isEqualTo(7);
        assertThat(b.channel(0)[0]).isCloseTo(Mu.count(4, 2007, 4000) * 0.01, within(1e-9));
    }

    @Test
    void strayFramesFarFromTheCountDoNotMoveTheStreamButAContinuingRunDoes() throws Exception {
        SvProfile p = SvProfile.IEC61869_4800; // 2 ASDUs: a gap of at most 64 frames = 128 samples
        Mu mu = new Mu(p, 0, "MU01");
        Mu forger = new Mu(p, 2000, "MU01");
        SvSampleSource src = source(p, options(p));
        SampleBlock b = new SampleBlock(6, 2);
        for (int i = 0; i < 20; i++) {
            mu.send();
            forger.send(); // far ahead, continuing each other, but the genuine stream keeps arriving between them
            assertThat(src.read(b)).isEqualTo(2);
            assertThat(b.samplesLostBefore()).isZero();
            assertThat(src.read(b)).isZero();
        }
        assertThat(src.stats().suspect()).isEqualTo(40);
        assertThat(src.stats().resyncs()).isZero();

        // 65 frames lost is beyond a gap: suspect until 8 frames continue each other, then followed
        for (int i = 0; i < 65; i++) {
            mu.skip();
        }
        int first = mu.smpCnt;
        for (int i = 0; i < 7; i++) {
            mu.send();
            assertThat(src.read(b)).isZero();
        }
        mu.send();
        assertThat(src.read(b)).isEqualTo(1);           // the 8th frame's second ASDU completes the run of 8 × 2
        assertThat(b.samplesLostBefore()).isEqualTo(65 * 2 + 15);
        assertThat(b.channel(0)[0]).isCloseTo(Mu.count(4, first + 15, 4800) * 0.01, within(1e-9));
        assertThat(src.stats().resyncs()).isEqualTo(1);

        // 64 frames lost is a gap
        for (int i = 0; i < 64; i++) {
            mu.skip();
        }
        mu.send();
        assertThat(src.read(b)).isEqualTo(2);
        assertThat(b.samplesLostBefore()).isEqualTo(128);
    }

    @Test
    void invalidOrQuestionableSamplesAreWithheldNeverReadAsZeroNorAsHealthy() throws Exception {
        SvProfile p = SvProfile.IEC61869_4800;
        Mu mu = new Mu(p, 0, "MU01");
        SvSampleSource src = source(p, options(p));
        SampleBlock b = new SampleBlock(6, 16);
        mu.send();
        assertThat(src.read(b)).isEqualTo(2);

        mu.q[8 + 4] = SvFrames.Q_INVALID | SvFrames.Q_FAILURE; // Va of the second ASDU
        mu.send();
        assertThat(src.read(b)).isEqualTo(1);
        assertThat(b.samplesLostBefore()).isZero();
        assertThat(src.qualityDegraded()).isTrue();
        mu.q[8 + 4] = 0;

        mu.q[1] = SvFrames.Q_QUESTIONABLE | SvFrames.Q_OLD_DATA; // Ib of the first ASDU
        mu.q[8 + 5] = SvFrames.Q_TEST;                            // Vb of the second
        mu.send();
        assertThat(src.read(b)).isZero(); // nothing usable in this frame
        assertThat(src.qualityDegraded()).isTrue();
        mu.q[1] = 0;
        mu.q[8 + 5] = 0;

        mu.q[3] = SvFrames.Q_INVALID; // In and Vn are not mapped: their quality does not matter
        mu.q[7] = SvFrames.Q_INVALID;
        mu.q[8 + 7] = SvFrames.Q_DERIVED | SvFrames.Q_SUBSTITUTED;
        mu.send();
        assertThat(src.read(b)).isEqualTo(2);
        assertThat(b.samplesLostBefore()).isEqualTo(3); // the three withheld samples are a gap
        assertThat(b.channel(0)[0]).isCloseTo(Mu.count(4, 6, 4800) * 0.01, within(1e-9));
        assertThat(src.qualityDegraded()).isFalse();
        assertThat(src.svStats().qualityWithheld()).isEqualTo(3);
        assertThat(src.stats().samples()).isEqualTo(5);

        // a merging unit whose every sample is invalid delivers nothing at all (the stream goes silent: alarmed)
        java.util.Arrays.fill(mu.q, SvFrames.Q_INVALID);
        for (int i = 0; i < 50; i++) {
            mu.send();
            assertThat(src.read(b)).isZero();
        }
        assertThat(src.qualityDegraded()).isTrue();
        assertThat(src.stats().samples()).isEqualTo(5);
    }

    @Test
    void simulatedFramesAreRefusedUnlessAllowed() throws Exception {
        SvProfile p = SvProfile.LE_80;
        Mu mu = new Mu(p, 0, "MU01");
        mu.simulation = true;
        SvSampleSource src = source(p, options(p));
        SampleBlock b = new SampleBlock(6, 8);
        mu.send();
        assertThat(src.read(b)).isZero();
        assertThat(src.svStats().simulationRefused()).isEqualTo(1);
        assertThat(src.stats().frames()).isZero();

        SvSampleSource allowed = SvSampleSource.open(channel, StreamFormat.threePhaseFeed(1, 4000, "A"),
                options(p).withSimulationAllowed(true), clock::get);
        mu.send();
        assertThat(allowed.read(b)).isEqualTo(1);
    }

    @Test
    void foreignMalformedAndOtherFramesAreCountedNeverThrown() throws Exception {
        SvProfile p = SvProfile.LE_80;
        Mu other = new Mu(p, 0, "MU02");
        Mu mu = new Mu(p, 0, "MU01");
        SvSampleSource src = source(p, options(p).withScale(0.1, 0.01));
        SampleBlock b = new SampleBlock(6, 8);
        mu.send();
        assertThat(src.read(b)).isEqualTo(1);
        other.send();
        int n = mu.next();
        frame[54] = (byte) 0x99; // seqData's tag (after the 802.1Q tag)
        channel.offer(frame, n);
        byte[] ip = new byte[60];
        ip[12] = 0x08;
        channel.offer(ip, 60);
        channel.offer(ip, 3);
        mu.send();
        for (int i = 0; i < 4; i++) {
            assertThat(src.read(b)).isZero();
        }
        assertThat(src.read(b)).isEqualTo(1);
        assertThat(b.samplesLostBefore()).isEqualTo(1); // the malformed frame's sample
        assertThat(b.channel(0)[0]).isCloseTo(Mu.count(4, 2, 4000) * 0.1, within(1e-9));
        assertThat(b.channel(3)[0]).isCloseTo(Mu.count(0, 2, 4000) * 0.01, within(1e-9));
        SourceStats s = src.stats();
        assertThat(s.foreign()).isEqualTo(1);
        assertThat(s.corrupt()).isEqualTo(1);
        assertThat(src.svStats().notSv()).isEqualTo(2);
        assertThat(src.svStats().lastError()).isEqualTo("byte 54: unexpected BER tag (153)");
        channel.close();
        assertThat(src.read(b)).isEqualTo(-1);
    }

    @Test
    void aLongSilenceIsCountedLostAndTheStreamStartsAgain() throws Exception {
        SvProfile p = SvProfile.IEC61869_14400;
        Mu mu = new Mu(p, 0, "MU01");
        SvSampleSource src = source(p, options(p));
        SampleBlock b = new SampleBlock(6, 6);
        mu.send();
        assertThat(src.read(b)).isEqualTo(6);
        clock.addAndGet(1_000_000_000L); // a second later, the same smpCnt again
        mu.smpCnt = 6;
        mu.send();
        assertThat(src.read(b)).isEqualTo(6);
        assertThat(b.samplesLostBefore()).isCloseTo(14_400 - 6, within(1L));
        assertThat(b.firstSampleNanos()).isCloseTo(clock.get() - Math.round(5 * 1e9 / 14_400), within(2L));
    }

    @Test
    void decodingAllocatesNothingPerFrame() throws Exception {
        SvProfile p = SvProfile.IEC61869_14400;
        Mu mu = new Mu(p, 0, "MU01");
        int frames = p.smpCntModulus(50) / p.asdusPerFrame();
        byte[][] f = new byte[frames][];
        int[] len = new int[frames];
        for (int i = 0; i < frames; i++) {
            len[i] = mu.next();
            f[i] = java.util.Arrays.copyOf(frame, len[i]);
        }
        SvSampleSource src = SvSampleSource.open(new ReplayFrameChannel(f, len, 0),
                StreamFormat.threePhaseFeed(1, 14_400, "A"), options(p), clock::get);
        SampleBlock b = new SampleBlock(6, 6);
        for (int i = 0; i < 20_000; i++) {
            src.read(b); // warm up
        }
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        long before = mx.getThreadAllocatedBytes(id);
        int bad = 0;
        for (int i = 0; i < 100_000; i++) {
            if (src.read(b) != 6 || b.samplesLostBefore() != 0) {
                bad++;
            }
        }
        long allocated = mx.getThreadAllocatedBytes(id) - before;
        assertThat(bad).isZero();
        assertThat(allocated).as("bytes allocated over 100,000 frames").isLessThan(100_000);
        assertThat(src.stats().samplesLost()).isZero();
    }
}
