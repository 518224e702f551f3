package io.headroom.hil.perf;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.dsp.WaveformState;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.hil.Bench;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code waveform-rate}: the highest CT/PT stream rate this machine sustains with the whole bench running (the
 * example hall: 4 feeds, so 4 streams of 3 V + 3 I at the rate, the plant, 64 agents, the appliance with its DSP
 * on every stream, regulation and the API). For each rate a fresh bench runs {@value #WARMUP_S} s, then for
 * {@value #WINDOW_S} s the appliance's own counters of every stream are read: samples delivered and samples lost in
 * gaps (frames that never came, on the sender's or the receiver's side). A rate is sustained when nothing is lost
 * in the window. Figures: {@code waveform-rate.lost_pct.rN} per rate, {@code waveform-rate.max_sustained} the
 * highest rate with no loss (S/s per channel).
 */
public final class WaveformRate {

    static final double[] RATES = {4_800, 48_000, 96_000, 192_000, 384_000, 1_000_000};
    static final int WARMUP_S = 4;
    static final int WINDOW_S = 10;

    private WaveformRate() {
    }

    public static void run(PrintWriter out) {
        try {
            measure(out);
        } catch (Exception e) {
            throw new IllegalStateException("waveform-rate: " + e.getMessage(), e);
        }
    }

    private static void measure(PrintWriter out) throws Exception {
        Path home = Path.of(System.getProperty("headroom.home", "."));
        Site site = SiteLoader.load(home.resolve("sites/example-4feed.yaml"));
        double sustained = Double.NaN;
        for (double rate : RATES) {
            Path data = Files.createTempDirectory("headroom-waveform-rate");
            long[] before;
            long[] after;
            try (Bench bench = Bench.start(site, Bench.Options.forTests(data).withWaveformRate(rate))) {
                bench.plant().sleepUntil(bench.plant().nowS() + WARMUP_S);
                before = counters(bench);
                bench.plant().sleepUntil(bench.plant().nowS() + WINDOW_S);
                after = counters(bench);
            }
            long delivered = after[0] - before[0];
            long lost = after[1] - before[1];
            double lostPct = delivered + lost == 0 ? 100 : 100.0 * lost / (delivered + lost);
            double expected = rate * WINDOW_S * site.feeds().size();
            out.printf(Locale.ROOT, "waveform-rate.lost_pct.r%d %.4f %%%n", Math.round(rate), lostPct);
            out.printf(Locale.ROOT, "waveform-rate.delivered_fraction.r%d %.4f fraction%n", Math.round(rate),
                    delivered / expected);
            out.flush();
            if (lost == 0 && delivered > 0.9 * expected) {
                sustained = rate;
            }
        }
        out.printf(Locale.ROOT, "waveform-rate.max_sustained %.0f S/s%n", sustained);
        out.println("waveform-rate done");
        out.flush();
    }

    /** Samples delivered and lost, summed over every stream (per channel), as the appliance counts them. */
    private static long[] counters(Bench bench) {
        SiteState s = bench.appliance().state();
        long samples = 0;
        long lost = 0;
        for (WaveformState.FeedStream f : s.waveforms().feeds().values()) {
            samples += f.samples();
            lost += f.samplesLost();
        }
        return new long[]{samples, lost};
    }
}
