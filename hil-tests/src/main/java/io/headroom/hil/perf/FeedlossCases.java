package io.headroom.hil.perf;

import io.headroom.appliance.dsp.DetectionSettings;
import io.headroom.appliance.dsp.FeedDsp;
import io.headroom.appliance.dsp.FeedLossEvent;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Seeded realistic signals for the feed-loss detector, run through {@link FeedDsp} in stream time (no wall
 * clock): a 60 Hz, 230 V feed at 4800 S/s (IEC 61869-9, two ASDUs per SV frame: one frame = 2 samples =
 * 0.417 ms), its healthy part carrying PSU harmonics (3rd, 5th, 7th at a THDv drawn from 3..5 %, random
 * harmonic phases) and white noise (σ 0.5 % of nominal). Each trial is a fresh stream: 3 cycles healthy plus a
 * random fraction of a cycle (the onset's phase angle), then the disturbance, then 4 cycles. The detection time
 * of a trial is (end of the SV frame holding the deciding sample − first affected sample), the most a
 * merging unit makes the detector wait plus the detector's own persistence.
 *
 * <p>Cases are {@link Category#LOSS} (the feed is gone: the contingency must fire), {@link Category#ITIC_OUTSIDE}
 * (a dip below the ITIC/CBEMA curve: the load may drop, firing is right) and {@link Category#ITIC_RIDE_THROUGH}
 * (inside the ITIC no-interruption region: firing is a false fire). Only {@code FEED_LOST} fires the
 * contingency ({@code ProtectionLoop}); {@code PHASE_LOST} is recorded but fires nothing.
 */
public final class FeedlossCases {

    public static final double RATE = 4800;
    public static final double HZ = 60;
    public static final double UN = 230;
    public static final int FRAME = 2;
    /** The goal: a quarter cycle plus one SV frame, s. */
    public static final double GOAL_S = 1 / (4 * HZ) + FRAME / RATE;

    public enum Category { LOSS, ITIC_OUTSIDE, ITIC_RIDE_THROUGH }

    /**
     * A nominal frequency, a sample rate and the samples an SV frame carries; {@code name} prefixes the figures
     * (empty for the default, 60 Hz at 4800 S/s in 2-sample frames).
     */
    public record Profile(String name, double hz, double rate, int frame) {
        /** A quarter cycle plus one frame, s. */
        public double goalS() {
            return 1 / (4 * hz) + frame / rate;
        }
    }

    /** 60 Hz, IEC 61869-9 4800 S/s, two ASDUs a frame. */
    public static final Profile DEFAULT = new Profile("", HZ, RATE, FRAME);
    /** 50 Hz, IEC 61869-9 4800 S/s, two ASDUs a frame. */
    public static final Profile HZ50 = new Profile("50hz", 50, 4800, 2);
    /** 60 Hz, IEC 61869-9 14400 S/s (power quality), six ASDUs a frame. */
    public static final Profile RATE14K4 = new Profile("14k4", 60, 14400, 6);
    public static final List<Profile> PROFILES = List.of(DEFAULT, HZ50, RATE14K4);

    /** What happens from the onset on, {@code t} seconds after it. */
    public interface Disturbance {
        /** Amplitude of phase {@code p} (0..2) as a fraction of its healthy amplitude (0: only noise left). */
        double amp(int p, double t);

        /** Radians added to every phase's angle (a phase jump, a falling frequency). */
        default double shift(double t) {
            return 0;
        }
    }

    /** {@code durationS}: how long the disturbance lasts (then healthy again); infinite for a loss. */
    public record Case(String name, Category category, double durationS, Disturbance d) {
    }

    /** The result of a case over its trials. */
    public record Result(Case c, int trials, int fired, double[] detectS, int phaseLost, double[] phaseLostS,
                         int preFires) {
        public double quantileMs(double[] xs, double q) {
            if (xs.length == 0) {
                return Double.NaN;
            }
            double[] s = xs.clone();
            Arrays.sort(s);
            return 1e3 * s[Math.min(s.length - 1, Math.max(0, (int) Math.ceil(s.length * q) - 1))];
        }
    }

    private FeedlossCases() {
    }

    static Disturbance allPhases(double residual) {
        return (p, t) -> residual;
    }

    /** The standard set, at 60 Hz. */
    public static List<Case> all() {
        return all(DEFAULT);
    }

    /** The standard set at {@code pr}'s frequency (the IEC 61000-4-11 durations of that frequency in the names). */
    public static List<Case> all(Profile pr) {
        final double hz = pr.hz();
        double cyc = 1 / hz;
        boolean fifty = hz < 55;
        List<Case> l = new ArrayList<>();
        double inf = Double.POSITIVE_INFINITY;
        l.add(new Case("collapse", Category.LOSS, inf, allPhases(0)));
        l.add(new Case("single-phase", Category.LOSS, inf, (p, t) -> p == 0 ? 0 : 1));
        l.add(new Case("single-phase-l2", Category.LOSS, inf, (p, t) -> p == 1 ? 0 : 1));
        for (int n : new int[]{2, 5}) { // back-feed: to 5 % in n cycles, the frequency falling 2 Hz per cycle
            double tau = n * cyc / Math.log(20);
            double k = 2 * hz; // Hz/s
            l.add(new Case("decay-" + n + "c", Category.LOSS, inf, new Disturbance() {
                public double amp(int p, double t) {
                    return Math.exp(-t / tau);
                }

                public double shift(double t) {
                    return -Math.PI * k * t * t;
                }
            }));
        }
        l.add(new Case("jump30-to-40pct", Category.LOSS, inf, new Disturbance() { // a fault: sag and jump
            public double amp(int p, double t) {
                return 0.4;
            }

            public double shift(double t) {
                return Math.toRadians(-30);
            }
        }));
        // IEC 61000-4-11 class 3 (residual voltage for N cycles: 12/30/300 at 60 Hz, 10/25/250 at 50 Hz)
        int n40 = fifty ? 10 : 12;
        int n70 = fifty ? 25 : 30;
        int n80 = fifty ? 250 : 300;
        l.add(new Case("iec-0pct-0.5c", Category.ITIC_RIDE_THROUGH, 0.5 * cyc, allPhases(0)));
        l.add(new Case("iec-0pct-1c", Category.ITIC_RIDE_THROUGH, 1 * cyc, allPhases(0)));
        l.add(new Case("iec-40pct-" + n40 + "c", Category.ITIC_OUTSIDE, n40 * cyc, allPhases(0.4)));
        l.add(new Case("iec-70pct-" + n70 + "c", Category.ITIC_RIDE_THROUGH, n70 * cyc, allPhases(0.7)));
        l.add(new Case("iec-80pct-" + n80 + "c", Category.ITIC_RIDE_THROUGH, n80 * cyc, allPhases(0.8)));
        // more points inside the ITIC ride-through region
        l.add(new Case("itic-0pct-0.8ms", Category.ITIC_RIDE_THROUGH, 0.0008, allPhases(0)));
        l.add(new Case("itic-0pct-20ms", Category.ITIC_RIDE_THROUGH, 0.020, allPhases(0)));
        l.add(new Case("itic-70pct-0.4s", Category.ITIC_RIDE_THROUGH, 0.4, allPhases(0.72)));
        l.add(new Case("itic-80pct-2s", Category.ITIC_RIDE_THROUGH, 2, allPhases(0.82)));
        l.add(new Case("itic-1ph-0pct-1c", Category.ITIC_RIDE_THROUGH, cyc, (p, t) -> p == 2 ? 0 : 1));
        for (int deg : new int[]{10, 30}) {
            l.add(new Case("jump" + deg, Category.ITIC_RIDE_THROUGH, 1, new Disturbance() {
                public double amp(int p, double t) {
                    return 1;
                }

                public double shift(double t) {
                    return Math.toRadians(deg);
                }
            }));
        }
        // a 10 % sag (inside ITIC's steady-state band) and one that slides to 80 % over one cycle (motor start)
        l.add(new Case("itic-90pct-1s", Category.ITIC_RIDE_THROUGH, 1, allPhases(0.9)));
        l.add(new Case("ramp-to-80pct-1c", Category.ITIC_RIDE_THROUGH, 0.5,
                (p, t) -> Math.max(0.8, 1 - 0.2 * t * hz)));
        return l;
    }

    /** Runs {@code trials} seeded trials of {@code c} with the default detection settings. */
    public static Result run(Case c, int trials, long seed) {
        return run(c, trials, seed, DetectionSettings.defaults());
    }

    /** Runs {@code trials} seeded trials of {@code c} with {@code s}, at 60 Hz and 4800 S/s. */
    public static Result run(Case c, int trials, long seed, DetectionSettings s) {
        return run(c, trials, seed, s, DEFAULT);
    }

    /** Runs {@code trials} seeded trials of {@code c} with {@code s} at {@code pr}'s frequency, rate and frame. */
    public static Result run(Case c, int trials, long seed, DetectionSettings s, Profile pr) {
        final double RATE = pr.rate();
        final double HZ = pr.hz();
        final int FRAME = pr.frame();
        Random r = new Random(seed ^ c.name().hashCode());
        double cyc = 1 / HZ;
        double[] det = new double[trials];
        double[] ph = new double[trials];
        int fired = 0;
        int phase = 0;
        int pre = 0;
        for (int trial = 0; trial < trials; trial++) {
            int onset = (int) Math.round((3 + r.nextDouble()) * cyc * RATE);
            double dur = Double.isInfinite(c.durationS()) ? 4 * cyc : c.durationS() + 4 * cyc;
            int n = onset + (int) Math.ceil(dur * RATE);
            int end = Double.isInfinite(c.durationS()) ? n : onset + (int) Math.round(c.durationS() * RATE);
            double[][] ch = signal(r, n, onset, end, c.d(), pr);
            List<FeedLossEvent> events = new ArrayList<>();
            FeedDsp dsp = new FeedDsp(0, "A", null, HZ, UN, RATE, s, events::add);
            double[][] b = new double[6][FRAME];
            for (int off = 0; off < n; off += FRAME) {
                int m = Math.min(FRAME, n - off);
                for (int k = 0; k < 6; k++) {
                    System.arraycopy(ch[k], off, b[k], 0, m);
                }
                dsp.process(b[0], b[1], b[2], b[3], b[4], b[5], m, (long) Math.rint(off * 1e9 / RATE), RATE, 0);
            }
            boolean f = false;
            boolean pl = false;
            for (FeedLossEvent e : events) {
                long idx = Math.round(e.detectedNanos() * RATE / 1e9);
                double latency = ((idx / FRAME + 1) * FRAME - onset) / RATE;
                if (e.kind() == FeedLossEvent.Kind.FEED_LOST) {
                    if (idx < onset) {
                        pre++;
                    } else if (!f) {
                        f = true;
                        det[fired++] = latency;
                    }
                } else if (e.kind() == FeedLossEvent.Kind.PHASE_LOST && idx >= onset && !pl) {
                    pl = true;
                    ph[phase++] = latency;
                }
            }
        }
        return new Result(c, trials, fired, Arrays.copyOf(det, fired), phase, Arrays.copyOf(ph, phase), pre);
    }

    static long nanos(long index) {
        return (long) Math.rint(index * 1e9 / RATE);
    }

    /** va vb vc ia ib ic, healthy with harmonics and noise, disturbed over [onset, end). */
    static double[][] signal(Random r, int n, int onset, int end, Disturbance d) {
        return signal(r, n, onset, end, d, DEFAULT);
    }

    /** As above at {@code pr}'s frequency and rate. */
    static double[][] signal(Random r, int n, int onset, int end, Disturbance d, Profile pr) {
        final double RATE = pr.rate();
        final double HZ = pr.hz();
        double[] h = {0, 0, 0, 0.6 + 0.4 * r.nextDouble(), 0, 1, 0, 0.4 + 0.4 * r.nextDouble()}; // 3rd, 5th, 7th
        double thd = Math.sqrt(h[3] * h[3] + h[5] * h[5] + h[7] * h[7]);
        double target = 0.03 + 0.02 * r.nextDouble();
        double[] hp = new double[8];
        for (int k = 3; k <= 7; k += 2) {
            h[k] *= target / thd;
            hp[k] = 2 * Math.PI * r.nextDouble();
        }
        double peak = UN * Math.sqrt(2);
        double ipeak = 100 * Math.sqrt(2);
        double sigma = 0.005 * UN;
        double w = 2 * Math.PI * HZ / RATE;
        double[][] ch = new double[6][n];
        for (int k = 0; k < n; k++) {
            boolean in = k >= onset && k < end;
            double t = (k - onset) / RATE;
            double shift = in ? d.shift(t) : 0;
            for (int p = 0; p < 3; p++) {
                double a = in ? d.amp(p, t) : 1;
                double th = w * k - p * 2 * Math.PI / 3 + shift;
                double v = Math.sin(th);
                for (int hk = 3; hk <= 7; hk += 2) {
                    v += h[hk] * Math.sin(hk * th + hp[hk]);
                }
                ch[p][k] = a * peak * v + sigma * r.nextGaussian();
                ch[3 + p][k] = a * ipeak * Math.sin(th - 0.3) + 0.2 * r.nextGaussian();
            }
        }
        return ch;
    }
}
