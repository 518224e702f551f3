package io.headroom.hil.perf;

import io.headroom.appliance.dsp.DetectionSettings;
import io.headroom.appliance.dsp.FeedDsp;
import io.headroom.appliance.dsp.FeedLossListener;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.io.PrintWriter;
import java.util.Collection;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code dsp-throughput}: the full per-feed pipeline ({@link FeedDsp}: feed-loss detector on every sample,
 * half-cycle sums, zero crossings, per-half-cycle Urms/Irms/P/Q/S/PF/f/dPdt) on 3 V + 3 I channels at 1 MS/s,
 * 50 Hz, one cycle (20,000 samples per channel) per operation, on one thread; and in the same run a baseline
 * that only sums the same buffer. Samples counted per channel value (6 per instant).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DspThroughputBenchmark {

    static final double RATE = 1_000_000;
    static final int N = 20_000; // one 50 Hz cycle at 1 MS/s
    static final int CHANNELS = 6;

    double[][] ch;
    FeedDsp dsp;
    long t;

    @Setup
    public void setUp() {
        ch = new double[CHANNELS][N];
        java.util.Random r = new java.util.Random(1);
        for (int k = 0; k < N; k++) {
            for (int p = 0; p < 3; p++) {
                double th = 2 * Math.PI * 50 * k / RATE - p * 2 * Math.PI / 3;
                ch[p][k] = 325.3 * Math.sin(th) + r.nextGaussian();
                ch[3 + p][k] = 141.4 * Math.sin(th - 0.4) + 0.1 * r.nextGaussian();
            }
        }
        dsp = new FeedDsp(0, "A", null, 50, 230, RATE, DetectionSettings.defaults(), FeedLossListener.NONE);
    }

    @Benchmark
    public double pipeline() {
        dsp.process(ch[0], ch[1], ch[2], ch[3], ch[4], ch[5], N, t, RATE, 0);
        t += 20_000_000L;
        return dsp.lastP3();
    }

    @Benchmark
    public double sumBaseline() {
        double s = 0;
        for (double[] c : ch) {
            for (int k = 0; k < N; k++) {
                s += c[k];
            }
        }
        return s;
    }

    /** Runs both benchmarks (1 fork, 3 × 1 s warm-up, 5 × 1 s measurement) and prints the figures. */
    public static void run(PrintWriter out) {
        Options opt = new OptionsBuilder()
                .include(DspThroughputBenchmark.class.getName() + "\\.")
                .verbosity(VerboseMode.SILENT)
                .build();
        Collection<RunResult> results;
        try {
            results = new Runner(opt).run();
        } catch (RunnerException e) {
            throw new IllegalStateException("dsp-throughput: JMH failed: " + e.getMessage(), e);
        }
        double pipeline = Double.NaN;
        double sum = Double.NaN;
        for (RunResult r : results) {
            double samplesPerS = r.getPrimaryResult().getScore() * N * CHANNELS;
            if (r.getParams().getBenchmark().endsWith(".pipeline")) {
                pipeline = samplesPerS;
            } else if (r.getParams().getBenchmark().endsWith(".sumBaseline")) {
                sum = samplesPerS;
            }
        }
        out.printf(Locale.ROOT, "dsp-throughput.samples_per_s %.4g samples/s%n", pipeline);
        out.printf(Locale.ROOT, "dsp-throughput.sum_baseline_samples_per_s %.4g samples/s%n", sum);
        out.printf(Locale.ROOT, "dsp-throughput.ratio_to_sum %.3f ratio%n", pipeline / sum);
        out.println("dsp-throughput done");
        out.flush();
    }
}
