package io.headroom.hil.perf;

import io.headroom.appliance.control.BandController;
import io.headroom.appliance.control.BandController.Means;
import io.headroom.appliance.dsp.BandPass;
import io.headroom.appliance.site.BandLimits;
import io.headroom.hil.study.SynchronousTraining;

import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./headroom perf band-limits}: one hall of synchronous training swinging ±30 % around its mean at 1 Hz, with a
 * checkpoint, a job stop and a restart, played in stream time (no clock, no sockets: the same seed gives the same
 * figures) under four strategies — none, banks only, GPU power smoothing only, both — with the real
 * {@link BandController} deciding every 20 ms. Figures per strategy: the peak-to-peak swing of the site power
 * band-passed to 0.1–2 Hz and 3–30 Hz (% of the hall's mean power without control), the largest ramp
 * |P(t) − P(t − 1 s)| (kW/s), the energy drawn beyond the uncontrolled hall's (%: floors burnt, bank losses, the
 * banks' net SoC change made good) and the GPU energy demanded but not delivered (% of the demand: ramp limits and
 * caps).
 *
 * <p>The plant: 256 nodes of 8 GPUs (200–1000 W, 1.5 kW of non-GPU load per node) in one job; 4 supercap banks of
 * 1 kWh and 450 kW each, 98 % efficient each way, whose converters hold the grid side at the controller's target
 * (10 ms response); GPUs follow demand within a step of 2 ms, or their floor and ramp rates when smoothing is on;
 * caps (a site ceiling) reach the GPUs one tick later. Limits: 0.1–2 Hz ≤ 5 % and 3–30 Hz ≤ 2 % of the mean,
 * peak-to-peak; ramps ±10 % of the mean per second, ±50 % around a job's start, stop or checkpoint.
 */
public final class BandLimitsBenchmark {

    public enum Strategy {
        NONE("none", Set.of()),
        BANKS("banks", EnumSet.of(Means.BANKS, Means.CAPS)),
        GPU_SMOOTHING("gpu_smoothing", EnumSet.of(Means.GPU_SMOOTHING, Means.CAPS)),
        BOTH("both", EnumSet.of(Means.BANKS, Means.GPU_SMOOTHING, Means.CAPS));

        final String label;
        final Set<Means> means;

        Strategy(String label, Set<Means> means) {
            this.label = label;
            this.means = means;
        }

        public String label() {
            return label;
        }
    }

    /** One strategy's figures. */
    public record Figures(double band01to2Pct, double band3to30Pct, double maxRampKwPerS, double maxJobRampKwPerS,
                          double energyOverheadPct, double computeLostPct, double meanKw, double socMin,
                          double socMax) {
    }

    static final int NODES = 256;
    static final int GPUS_PER_NODE = 8;
    static final double GPU_MIN_W = 200;
    static final double GPU_MAX_W = 1000;
    static final double NODE_BASE_W = 1500;
    static final double BANK_WH = 4 * 1000;
    static final double BANK_W = 4 * 200_000;
    static final double BANK_EFFICIENCY = 0.98;
    static final double CONVERTER_TAU_S = 0.002;
    static final double STEP_S = 0.002;
    static final double TICK_S = 0.020;
    static final double SERIES_HZ = 100;
    static final double WARMUP_S = 40;
    static final double SWING = 0.30;
    static final double COMPUTE_LEVEL = 0.9;
    /** Job events: a checkpoint, a stop and a restart. */
    static final double CHECKPOINT_AT_S = 100;
    static final double STOP_AT_S = 160;
    static final double START_AT_S = 190;
    /** The scheduler tells the appliance of a job event for this long: the job ramp limits hold meanwhile. */
    static final double JOB_WINDOW_S = 5;
    /** ... and this long before it (a scheduler knows when it stops a job or writes a checkpoint). */
    static final double JOB_LEAD_S = 1;
    /** Band figures leave out each job event's window and this long after it (the 0.1 Hz filter settling). */
    static final double SETTLE_S = 20;

    private BandLimitsBenchmark() {
    }

    /** The job's settings: a site swing of ±30 % around its mean at 1 Hz with the nodes' base load counted. */
    static SynchronousTraining.Settings job() {
        double base = NODES * NODE_BASE_W;
        int gpus = NODES * GPUS_PER_NODE;
        double hi = gpus * COMPUTE_LEVEL * GPU_MAX_W;
        // hi = g + SWING (base + g) for the GPUs' mean g; lo = g − SWING (base + g)
        double g = (hi - SWING * base) / (1 + SWING);
        double lo = g - SWING * (base + g);
        return new SynchronousTraining.Settings(1.0, 0.5, COMPUTE_LEVEL, hi / lo, 0.12, 0.030, 0.010, 8);
    }

    /** The hall's mean power with the job running and no control, W. */
    static double meanW() {
        SynchronousTraining.Settings s = job();
        return NODES * NODE_BASE_W + NODES * GPUS_PER_NODE * s.meanLevel() * GPU_MAX_W;
    }

    /** The site limits the run is held to. */
    public static BandLimits limits() {
        double mean = meanW();
        return new BandLimits(List.of(
                new BandLimits.Band(0.1, 2, BandLimits.Measure.PEAK_TO_PEAK, 0.05 * mean, Double.NaN),
                new BandLimits.Band(3, 30, BandLimits.Measure.PEAK_TO_PEAK, 0.02 * mean, Double.NaN)),
                new BandLimits.Ramp(0.10 * mean, 0.10 * mean), new BandLimits.Ramp(0.50 * mean, 0.50 * mean));
    }

    /** Every strategy on the same workload and seed, {@code seconds} long. */
    public static Map<Strategy, Figures> run(long seed, double seconds) {
        Map<Strategy, Figures> out = new EnumMap<>(Strategy.class);
        Sim none = new Sim(Strategy.NONE, seed, seconds);
        none.play();
        for (Strategy s : Strategy.values()) {
            Sim sim = s == Strategy.NONE ? none : new Sim(s, seed, seconds);
            if (sim != none) {
                sim.play();
            }
            out.put(s, sim.figures(none));
        }
        return out;
    }

    public static void run(PrintWriter out) {
        long seed = 42;
        double seconds = 240;
        Map<Strategy, Figures> figs = run(seed, seconds);
        BandLimits l = limits();
        out.printf(Locale.ROOT, "band-limits.seed %d -%n", seed);
        out.printf(Locale.ROOT, "band-limits.hall_mean_kw %.0f kW%n", meanW() / 1000);
        out.printf(Locale.ROOT, "band-limits.limit.band_0p1_2hz_pct %.1f %%%n", 5.0);
        out.printf(Locale.ROOT, "band-limits.limit.band_3_30hz_pct %.1f %%%n", 2.0);
        out.printf(Locale.ROOT, "band-limits.limit.ramp_kw_per_s %.0f kW/s%n", l.normal().upWPerS() / 1000);
        out.printf(Locale.ROOT, "band-limits.limit.job_ramp_kw_per_s %.0f kW/s%n", l.jobRamp().upWPerS() / 1000);
        for (Map.Entry<Strategy, Figures> e : figs.entrySet()) {
            String p = "band-limits." + e.getKey().label();
            Figures f = e.getValue();
            out.printf(Locale.ROOT, "%s.band_0p1_2hz_pct %.2f %%%n", p, f.band01to2Pct());
            out.printf(Locale.ROOT, "%s.band_3_30hz_pct %.2f %%%n", p, f.band3to30Pct());
            out.printf(Locale.ROOT, "%s.max_ramp_kw_per_s %.0f kW/s%n", p, f.maxRampKwPerS());
            out.printf(Locale.ROOT, "%s.max_job_ramp_kw_per_s %.0f kW/s%n", p, f.maxJobRampKwPerS());
            out.printf(Locale.ROOT, "%s.energy_overhead_pct %.2f %%%n", p, f.energyOverheadPct());
            out.printf(Locale.ROOT, "%s.compute_lost_pct %.3f %%%n", p, f.computeLostPct());
            out.flush();
        }
        out.println("band-limits done");
    }

    /** Receives the site power series as it is played. */
    @FunctionalInterface
    public interface Tracer {
        void sample(double tS, double gridW, double loadW, double floorW, double capW);
    }

    /** Plays one strategy and hands every 100 S/s sample of the site power to {@code tracer}. */
    public static void trace(Strategy strategy, long seed, double seconds, Tracer tracer) {
        Sim sim = new Sim(strategy, seed, seconds);
        sim.tracer = tracer;
        sim.play();
    }

    /** One strategy played from t = 0. */
    static final class Sim {
        final Strategy strategy;
        final double seconds;
        final SynchronousTraining job;
        final BandController ctl;
        final boolean banks;
        final double[] p = new double[NODES];
        final BandPass low = new BandPass(0.1, 2, SERIES_HZ);
        final BandPass high = new BandPass(3, 30, SERIES_HZ);
        final double[] history = new double[(int) SERIES_HZ];
        double gridJ;
        double demandJ;
        double shortJ;
        double soc = 0.5;
        double bankW;
        double lowMin = Double.POSITIVE_INFINITY;
        double lowMax = Double.NEGATIVE_INFINITY;
        double highMin = Double.POSITIVE_INFINITY;
        double highMax = Double.NEGATIVE_INFINITY;
        double maxRamp;
        double maxJobRamp;
        double socMin = 1;
        double socMax = 0;
        double measuredSumJ;
        double measuredSpanS;
        double lastLoadW = Double.NaN;
        double lastGpuW = Double.NaN;
        /** Told each 100 S/s sample: (t, grid W, load W); null for none. */
        Tracer tracer;

        Sim(Strategy strategy, long seed, double seconds) {
            this.strategy = strategy;
            this.seconds = seconds;
            this.job = new SynchronousTraining(job(), NODES, true, List.of(
                    new SynchronousTraining.Event(CHECKPOINT_AT_S, SynchronousTraining.EventKind.CHECKPOINT),
                    new SynchronousTraining.Event(STOP_AT_S, SynchronousTraining.EventKind.STOP),
                    new SynchronousTraining.Event(START_AT_S, SynchronousTraining.EventKind.START)), seed);
            this.banks = strategy.means.contains(Means.BANKS);
            BandLimits l = limits();
            this.ctl = strategy == Strategy.NONE ? null : new BandController(new BandController.Settings(l, 0,
                    strategy.means, banks ? BANK_WH : 0, banks ? BANK_W : 0, 0.05, 0.95, 0.5,
                    NODES * GPUS_PER_NODE, GPU_MIN_W, GPU_MAX_W, 0.8, BandController.Settings.referenceTauFor(l)));
        }

        void play() {
            int steps = (int) Math.round(seconds / STEP_S);
            int perTick = (int) Math.round(TICK_S / STEP_S);
            int perSample = (int) Math.round(1 / SERIES_HZ / STEP_S);
            double gridTarget = Double.NaN;
            BandController.GpuCommand gpu = BandController.GpuCommand.NONE;
            double capW = GPU_MAX_W;
            double pendingCapW = GPU_MAX_W;
            double tickLoadJ = 0;
            double tickGpuJ = 0;
            double sampleJ = 0;
            double sampleLoadJ = 0;
            int samples = 0;
            double base = NODES * NODE_BASE_W;
            for (int k = 0; k < steps; k++) {
                double t = k * STEP_S;
                job.advance(t);
                if (ctl != null && k % perTick == 0) {
                    if (k > 0) {
                        lastLoadW = tickLoadJ / TICK_S;
                        lastGpuW = tickGpuJ / TICK_S;
                    }
                    tickLoadJ = 0;
                    tickGpuJ = 0;
                    capW = pendingCapW; // caps set last tick reach the GPUs now
                    if (!Double.isNaN(lastLoadW)) {
                        BandController.Output o = ctl.run(new BandController.Input(Math.round(t * 1e9), lastLoadW,
                                lastGpuW, banks ? soc : Double.NaN, false, job.jobTransition(t, JOB_LEAD_S, JOB_WINDOW_S)));
                        gridTarget = o.gridTargetW();
                        gpu = o.gpu();
                        pendingCapW = o.ceiling() == null ? GPU_MAX_W : Math.clamp(
                                (o.ceiling().watts() - base) / (NODES * GPUS_PER_NODE), GPU_MIN_W, GPU_MAX_W);
                    }
                }
                double gpuW = 0;
                for (int i = 0; i < NODES; i++) {
                    double d = job.fraction(i, t) * GPU_MAX_W;
                    double target = Double.isNaN(gpu.floorW()) ? d : Math.max(d, gpu.floorW());
                    target = Math.min(target, capW);
                    double step = target - p[i];
                    if (k == 0) {
                        p[i] = target;
                    } else if (gpu.inGpu()) {
                        p[i] += Math.clamp(step, -gpu.rampDownWPerS() * STEP_S, gpu.rampUpWPerS() * STEP_S);
                    } else {
                        p[i] += Math.min(step, gpu.rampUpWPerS() * STEP_S);
                    }
                    demandJ += d * GPUS_PER_NODE * STEP_S;
                    shortJ += Math.max(0, d - p[i]) * GPUS_PER_NODE * STEP_S;
                    gpuW += p[i] * GPUS_PER_NODE;
                }
                double load = base + gpuW;
                tickLoadJ += load * STEP_S;
                tickGpuJ += gpuW * STEP_S;
                if (banks) {
                    double want = Double.isNaN(gridTarget) ? 0 : load - gridTarget;
                    bankW += (want - bankW) * (1 - Math.exp(-STEP_S / CONVERTER_TAU_S));
                    bankW = Math.clamp(bankW, -BANK_W, BANK_W);
                    if (bankW > 0 && soc <= 0.05 || bankW < 0 && soc >= 0.95) {
                        bankW = 0;
                    }
                    soc -= (bankW > 0 ? bankW / BANK_EFFICIENCY : bankW * BANK_EFFICIENCY) * STEP_S / 3600 / BANK_WH;
                }
                double grid = load - bankW;
                gridJ += grid * STEP_S;
                sampleJ += grid * STEP_S;
                sampleLoadJ += load * STEP_S;
                if (++samples == perSample) {
                    if (tracer != null) {
                        tracer.sample(t, sampleJ / (perSample * STEP_S), sampleLoadJ / (perSample * STEP_S),
                                gpu.floorW(), capW);
                    }
                    sampleLoadJ = 0;
                    sample(sampleJ / (perSample * STEP_S), t);
                    sampleJ = 0;
                    samples = 0;
                }
            }
        }

        private int sampleCount;

        private void sample(double w, double t) {
            double l = low.step(w);
            double h = high.step(w);
            int at = sampleCount % history.length;
            double before = history[at];
            history[at] = w;
            sampleCount++;
            if (t < WARMUP_S) {
                return;
            }
            double ramp = Math.abs(w - before); // over 1 s
            if (job.jobTransition(t, JOB_LEAD_S, JOB_WINDOW_S) || job.jobTransition(t - 1, JOB_LEAD_S, JOB_WINDOW_S)) {
                maxJobRamp = Math.max(maxJobRamp, ramp);
            } else {
                maxRamp = Math.max(maxRamp, ramp);
            }
            socMin = Math.min(socMin, soc);
            socMax = Math.max(socMax, soc);
            if (steady(t)) {
                lowMin = Math.min(lowMin, l);
                lowMax = Math.max(lowMax, l);
                highMin = Math.min(highMin, h);
                highMax = Math.max(highMax, h);
            }
        }

        /** Normal operation: after the warm-up, and neither in a job event's window nor settling after one. */
        static boolean steady(double t) {
            if (t < WARMUP_S) {
                return false;
            }
            for (double e : new double[]{CHECKPOINT_AT_S, CHECKPOINT_AT_S + job().checkpointS(), STOP_AT_S,
                    START_AT_S}) {
                if (t >= e - JOB_LEAD_S && t < e + JOB_WINDOW_S + SETTLE_S) {
                    return false;
                }
            }
            return t < STOP_AT_S - JOB_LEAD_S || t >= START_AT_S;
        }

        Figures figures(Sim none) {
            double mean = none.gridJ / seconds;
            // The banks' net change of stored energy, made good at the grid through their efficiency.
            double storedJ = (0.5 - soc) * BANK_WH * 3600;
            double madeGoodJ = !banks ? 0 : storedJ > 0 ? storedJ / BANK_EFFICIENCY : storedJ * BANK_EFFICIENCY;
            double overhead = (gridJ + madeGoodJ - none.gridJ) / none.gridJ;
            return new Figures(100 * (lowMax - lowMin) / mean, 100 * (highMax - highMin) / mean, maxRamp / 1000,
                    maxJobRamp / 1000, 100 * overhead, 100 * shortJ / demandJ, mean / 1000, banks ? socMin : Double.NaN,
                    banks ? socMax : Double.NaN);
        }
    }
}
