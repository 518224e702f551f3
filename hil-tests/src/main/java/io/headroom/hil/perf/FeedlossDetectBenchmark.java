package io.headroom.hil.perf;

import io.headroom.appliance.dsp.DetectionSettings;
import io.headroom.appliance.dsp.FeedLossEvent;
import io.headroom.appliance.dsp.FeedLossEventRing;
import io.headroom.appliance.dsp.WaveformMonitor;
import io.headroom.drivers.waveform.SampleEncoding;
import io.headroom.drivers.waveform.StreamFormat;
import io.headroom.drivers.waveform.UdpFrameSender;
import io.headroom.drivers.waveform.UdpSampleSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * {@code feedloss-detect}: feed losses injected at random phase angles into a 60 Hz, 1 MS/s, 3 V + 3 I stream
 * sent in real time over UDP on loopback (100-sample frames, one every 100 µs, as an ADC front-end sends
 * them), through {@link UdpSampleSource} and the {@link WaveformMonitor} thread into the protection ring,
 * drained by a consumer thread. Latency of each loss = (end of the frame holding the deciding sample − first
 * collapsed sample) in stream time, i.e. what the front-end must accumulate before it can send, plus (event
 * taken from the ring − that frame sent) in wall time. Printed: p50, p99 and max over the losses, ms, and the
 * largest stream-time part alone ({@code stream_max_ms}: the detector's own latency, free of scheduling).
 * The first {@link #WARMUP} losses warm the JIT up and are not counted (before that, the DSP runs slower than
 * the stream for a moment and the socket's backlog, not the detector, sets the latency: tens of ms).
 */
public final class FeedlossDetectBenchmark {

    static final double RATE = 1_000_000;
    static final double HZ = 60;
    static final int FRAME = 100;
    static final int LOSSES = 300;
    static final int WARMUP = 100;

    private FeedlossDetectBenchmark() {
    }

    /** Seeded trials per {@link FeedlossCases} case (stream time: p99 is the 3rd largest of 200). */
    static final int CASE_TRIALS = 200;

    public static void run(PrintWriter out) {
        cases(out, CASE_TRIALS);
        try {
            measure(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The realistic cases of {@link FeedlossCases}, in stream time: per case {@code fired} (trials whose
     * {@code FEED_LOST}, the contingency, came), p50/p99/max detection time, and for the cases where a
     * {@code PHASE_LOST} came, its p99/max; then over the dips and ride-through points, {@code false_fires}
     * (contingencies fired on the ITIC ride-through cases, by the policy for dips below 50 % included) and
     * {@code false_fires_outside_policy} (those on ride-through dips that stay at or above 50 %).
     */
    static void cases(PrintWriter out, int trials) {
        for (FeedlossCases.Profile pr : FeedlossCases.PROFILES) {
            cases(out, trials, pr);
        }
    }

    /**
     * The cases at one profile: the default's figures are {@code feedloss-detect.CASE.*} and
     * {@code feedloss-detect.false_fires}, the others' {@code feedloss-detect.PROFILE.CASE.*} and
     * {@code feedloss-detect.PROFILE.false_fires} ({@code 50hz}: 50 Hz at 4800 S/s in 2-sample frames; {@code 14k4}:
     * 60 Hz at 14400 S/s in 6-sample frames).
     */
    static void cases(PrintWriter out, int trials, FeedlossCases.Profile pr) {
        int falseFires = 0;
        int outsidePolicy = 0;
        String base = pr.name().isEmpty() ? "feedloss-detect." : "feedloss-detect." + pr.name() + ".";
        for (FeedlossCases.Case c : FeedlossCases.all(pr)) {
            int n = Double.isFinite(c.durationS()) && c.durationS() > 1 ? Math.max(10, trials / 10) : trials; // long dips: fewer
            FeedlossCases.Result r = FeedlossCases.run(c, n, 2024, DetectionSettings.defaults(), pr);
            String p = base + c.name();
            out.printf(Locale.ROOT, "%s.trials %d count%n", p, n);
            out.printf(Locale.ROOT, "%s.fired %d count%n", p, r.fired());
            if (r.fired() > 0) {
                out.printf(Locale.ROOT, "%s.p50_ms %.3f ms%n", p, r.quantileMs(r.detectS(), 0.5));
                out.printf(Locale.ROOT, "%s.p99_ms %.3f ms%n", p, r.quantileMs(r.detectS(), 0.99));
                out.printf(Locale.ROOT, "%s.max_ms %.3f ms%n", p, r.quantileMs(r.detectS(), 1));
            }
            if (r.phaseLost() > 0) {
                out.printf(Locale.ROOT, "%s.phase_lost %d count%n", p, r.phaseLost());
                out.printf(Locale.ROOT, "%s.phase_lost.p99_ms %.3f ms%n", p, r.quantileMs(r.phaseLostS(), 0.99));
                out.printf(Locale.ROOT, "%s.phase_lost.max_ms %.3f ms%n", p, r.quantileMs(r.phaseLostS(), 1));
            }
            if (r.preFires() > 0) {
                out.printf(Locale.ROOT, "%s.healthy_fires %d count%n", p, r.preFires());
            }
            falseFires += r.preFires();
            if (c.category() == FeedlossCases.Category.ITIC_RIDE_THROUGH) {
                falseFires += r.fired();
                boolean policy = minResidual(c) < DetectionSettings.defaults().lossFraction();
                if (!policy) {
                    outsidePolicy += r.fired();
                }
            }
        }
        out.printf(Locale.ROOT, "%sgoal_ms %.3f ms%n", base, pr.goalS() * 1e3);
        out.printf(Locale.ROOT, "%sfalse_fires %d count%n", base, falseFires);
        out.printf(Locale.ROOT, "%sfalse_fires_outside_policy %d count%n", base, outsidePolicy);
        out.flush();
    }

    private static double minResidual(FeedlossCases.Case c) {
        double min = 1;
        for (int p = 0; p < 3; p++) {
            min = Math.min(min, c.d().amp(p, 0));
        }
        return min;
    }

    private static void measure(PrintWriter out) throws IOException {
        StreamFormat f = StreamFormat.threePhaseFeed(1, RATE, "feed-A");
        FeedLossEventRing ring = new FeedLossEventRing(1024);
        UdpSampleSource src = UdpSampleSource.open(new InetSocketAddress("127.0.0.1", 0), f,
                UdpSampleSource.Options.defaults(io.headroom.drivers.waveform.Senders.only(new InetSocketAddress("127.0.0.1", 0))), System::nanoTime);
        int healthy = (int) (3 * RATE / HZ);       // 3 cycles: ≥ 2 cycles healthy between losses (restore: 20 ms)
        int dead = (int) (0.5 * RATE / HZ);        // then half a cycle dead
        int perTrial = ((healthy + dead) / FRAME + 1) * FRAME;
        int trials = WARMUP + LOSSES;
        long total = (long) perTrial * trials;
        long frames = total / FRAME;
        long[] sentWall = new long[(int) frames];
        long[] takenWall = new long[trials + 16];
        FeedLossEvent[] taken = new FeedLossEvent[trials + 16];
        long[] collapseIndex = new long[trials];
        long t0 = 1_700_000_000_000_000_000L;
        Random rnd = new Random(2024);

        try (WaveformMonitor m = new WaveformMonitor(src, HZ,
                List.of(WaveformMonitor.FeedChannels.byName(f, "A", "feed-A", 230)), DetectionSettings.defaults(),
                ring, null, null, 256).start();
             UdpFrameSender tx = new UdpFrameSender(src.localAddress(), f, SampleEncoding.INT16,
                     new double[]{500, 500, 500, 300, 300, 300})) {
            int[] count = {0};
            Thread consumer = Thread.ofPlatform().name("protection-consumer").start(() -> {
                while (count[0] < trials) {
                    FeedLossEvent e = ring.take(2, TimeUnit.SECONDS);
                    if (e == null) {
                        return;
                    }
                    if (e.kind() == FeedLossEvent.Kind.FEED_LOST) {
                        takenWall[count[0]] = System.nanoTime();
                        taken[count[0]++] = e;
                    }
                }
            });
            double[][] buf = new double[6][FRAME];
            double w = 2 * Math.PI * HZ / RATE;
            long sample = 0;
            long frame = 0;
            long start = System.nanoTime();
            for (int trial = 0; trial < trials; trial++) {
                // the collapse begins at a random phase angle within the third cycle of the trial
                long trialStart = sample;
                long collapseAt = trialStart + healthy + (long) (rnd.nextDouble() * RATE / HZ) - (long) (RATE / HZ);
                collapseIndex[trial] = collapseAt;
                long collapseEnd = collapseAt + dead;
                for (int fr = 0; fr < perTrial / FRAME; fr++) {
                    for (int k = 0; k < FRAME; k++) {
                        long s = sample + k;
                        boolean off = s >= collapseAt && s < collapseEnd;
                        for (int p = 0; p < 3; p++) {
                            double th = w * s - p * 2 * Math.PI / 3;
                            buf[p][k] = off ? 0.5 * rnd.nextGaussian() : 325.3 * Math.sin(th);
                            buf[3 + p][k] = off ? 0 : 141.4 * Math.sin(th - 0.4);
                        }
                    }
                    long due = start + Math.round(sample * 1e9 / RATE) + FRAME * 1000L; // frame full: send
                    while (System.nanoTime() < due) {
                        Thread.onSpinWait();
                    }
                    tx.send(buf, 0, FRAME, t0 + sample * 1000L);
                    sentWall[(int) frame++] = System.nanoTime();
                    sample += FRAME;
                }
            }
            try {
                consumer.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            int seen = Math.min(count[0], trials);
            double[] ms = new double[seen];
            int n = 0;
            double streamMax = 0;
            for (int i = 0; i < seen; i++) {
                FeedLossEvent e = taken[i];
                long detectedIndex = (e.detectedNanos() - t0) / 1000L;
                long frameOf = detectedIndex / FRAME;
                long frameEndIndex = (frameOf + 1) * FRAME;
                int trial = Arrays.binarySearch(collapseIndex, detectedIndex);
                trial = trial >= 0 ? trial : -trial - 2; // the last collapse at or before the decision
                if (trial < WARMUP) {
                    continue;
                }
                long firstIndex = collapseIndex[Math.max(0, trial)];
                double streamMs = (frameEndIndex - firstIndex) / RATE * 1e3;
                double wallMs = (takenWall[i] - sentWall[(int) frameOf]) / 1e6;
                ms[n++] = streamMs + wallMs;
                streamMax = Math.max(streamMax, streamMs);
            }
            ms = Arrays.copyOf(ms, n);
            Arrays.sort(ms);
            out.printf(Locale.ROOT, "feedloss-detect.losses %d count%n", n);
            out.printf(Locale.ROOT, "feedloss-detect.missed %d count%n", trials - seen);
            out.printf(Locale.ROOT, "feedloss-detect.p50_ms %.3f ms%n", n == 0 ? Double.NaN : ms[n / 2]);
            out.printf(Locale.ROOT, "feedloss-detect.p99_ms %.3f ms%n",
                    n == 0 ? Double.NaN : ms[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)]);
            out.printf(Locale.ROOT, "feedloss-detect.max_ms %.3f ms%n", n == 0 ? Double.NaN : ms[n - 1]);
            out.printf(Locale.ROOT, "feedloss-detect.stream_max_ms %.3f ms%n", streamMax);
            out.printf(Locale.ROOT, "feedloss-detect.frames_lost %d count%n", src.stats().framesLost());
            out.println("feedloss-detect done");
            out.flush();
        }
    }
}
