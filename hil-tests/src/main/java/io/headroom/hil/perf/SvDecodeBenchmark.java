package io.headroom.hil.perf;

import io.headroom.drivers.waveform.SampleBlock;
import io.headroom.drivers.waveform.StreamFormat;
import io.headroom.drivers.waveform.sv.ReplayFrameChannel;
import io.headroom.drivers.waveform.sv.SvEncoder;
import io.headroom.drivers.waveform.sv.SvFrames;
import io.headroom.drivers.waveform.sv.SvProfile;
import io.headroom.drivers.waveform.sv.SvSampleSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@code sv-decode}: IEC 61850-9-2 Sampled Values frames decoded through to the DSP's input, on one thread: a
 * whole second of a 50 Hz stream per profile (9-2LE 80 and 256 samples/cycle, IEC 61869-9 4800 and 14400 S/s;
 * VLAN-tagged, 8 channels of INT32 + quality) encoded once in memory and replayed through {@link SvSampleSource}
 * (selection by MAC/APPID/svID, BER parse, smpCnt continuity, quality check, 6 channels mapped and scaled) into a
 * {@link SampleBlock} of one frame's samples. {@value #WARMUP_MS} ms warm-up, then {@value #MEASURE_MS} ms measured
 * per profile. Samples are counted per dataset value (8 per ASDU: what the frames carry). Allocation is the
 * measuring thread's ({@code ThreadMXBean.getThreadAllocatedBytes}) over the measured frames. Figures per profile
 * ({@code sv-decode.le80.frames_per_s} …) and {@code sv-decode.frames_per_s} / {@code samples_per_s}, the
 * 61869-9 14400 S/s stream (6 ASDUs per frame) the goal is stated for (≥ 4.6e6 samples/s: 20 such streams in half
 * a core). A measurement, not a test.
 */
public final class SvDecodeBenchmark {

    static final int WARMUP_MS = 1000;
    static final int MEASURE_MS = 1500;

    private SvDecodeBenchmark() {
    }

    record Figures(double framesPerS, double samplesPerS, double allocBytesPerFrame) {
    }

    public static void run(PrintWriter out) {
        try {
            Figures headline = null;
            for (SvProfile p : SvProfile.values()) {
                Figures f = measure(p);
                String key = switch (p) {
                    case LE_80 -> "le80";
                    case LE_256 -> "le256";
                    case IEC61869_4800 -> "iec61869_4800";
                    case IEC61869_14400 -> "iec61869_14400";
                };
                out.printf(Locale.ROOT, "sv-decode.%s.frames_per_s %.4g frames/s%n", key, f.framesPerS());
                out.printf(Locale.ROOT, "sv-decode.%s.samples_per_s %.4g samples/s%n", key, f.samplesPerS());
                out.printf(Locale.ROOT, "sv-decode.%s.alloc_bytes_per_frame %.4f bytes%n", key,
                        f.allocBytesPerFrame());
                out.flush();
                if (p == SvProfile.IEC61869_14400) {
                    headline = f;
                }
            }
            out.printf(Locale.ROOT, "sv-decode.frames_per_s %.4g frames/s%n", headline.framesPerS());
            out.printf(Locale.ROOT, "sv-decode.samples_per_s %.4g samples/s%n", headline.samplesPerS());
            out.printf(Locale.ROOT, "sv-decode.alloc_bytes_per_frame %.4f bytes%n", headline.allocBytesPerFrame());
            out.println("sv-decode done");
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException("sv-decode: " + e.getMessage(), e);
        }
    }

    static Figures measure(SvProfile p) throws IOException {
        int asdus = p.asdusPerFrame();
        int modulus = p.smpCntModulus(50);
        String mac = "01-0C-CD-04-00-01";
        SvEncoder enc = new SvEncoder(SvFrames.parseMac(mac), SvFrames.parseMac("02-00-00-00-00-01"), 0x8000 | 7,
                0x4000, "HEADROOM/MU01LD/LLN0$SV$MSVCB01", 1, 2, modulus);
        int frames = modulus / asdus;
        byte[][] f = new byte[frames][];
        int[] len = new int[frames];
        int[] v = new int[asdus * 8];
        int[] q = new int[asdus * 8];
        byte[] buf = new byte[2000];
        for (int k = 0; k < frames; k++) {
            for (int a = 0; a < asdus; a++) {
                double th = 2 * Math.PI * 50.0 * (k * asdus + a) / modulus;
                for (int c = 0; c < 8; c++) {
                    double s = Math.sin(th - (c % 4) * 2 * Math.PI / 3);
                    v[a * 8 + c] = c % 4 == 3 ? 0 : (int) Math.round((c < 4 ? 141_400 : 32_530) * s);
                }
            }
            len[k] = enc.encode(buf, 0, asdus, k * asdus, false, v, q);
            f[k] = Arrays.copyOf(buf, len[k]);
        }
        SvSampleSource src = SvSampleSource.open(new ReplayFrameChannel(f, len, 0),
                StreamFormat.threePhaseFeed(1, p.sampleRate(50), "A"),
                SvSampleSource.Options.feed(p, 50, mac, 0x4000, "HEADROOM/MU01LD/LLN0$SV$MSVCB01"), System::nanoTime);
        SampleBlock block = new SampleBlock(6, asdus);
        double sink = 0;
        long end = System.nanoTime() + WARMUP_MS * 1_000_000L;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 1000; i++) {
                src.read(block);
                sink += block.channel(0)[0];
            }
        }
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        long framesBefore = src.stats().frames();
        long samplesBefore = src.stats().samples();
        long alloc0 = mx.getThreadAllocatedBytes(id);
        long t0 = System.nanoTime();
        end = t0 + MEASURE_MS * 1_000_000L;
        long t1;
        do {
            for (int i = 0; i < 1000; i++) {
                src.read(block);
                sink += block.channel(0)[0];
            }
            t1 = System.nanoTime();
        } while (t1 < end);
        long alloc = mx.getThreadAllocatedBytes(id) - alloc0;
        long framesDone = src.stats().frames() - framesBefore;
        long samplesDone = src.stats().samples() - samplesBefore;
        if (src.stats().samplesLost() != 0 || samplesDone != framesDone * asdus || sink == 42.4242) {
            throw new IllegalStateException("sv-decode: the replayed stream was not continuous: " + src.stats());
        }
        double s = (t1 - t0) / 1e9;
        return new Figures(framesDone / s, framesDone * asdus * (double) SvFrames.CHANNELS / s,
                (double) alloc / framesDone);
    }
}
