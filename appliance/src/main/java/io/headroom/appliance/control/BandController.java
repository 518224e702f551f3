package io.headroom.appliance.control;

import io.headroom.appliance.site.BandLimits;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Controller: keeps the site's import inside {@code control.bands} — the swing in each band at the point of
 * interconnection and the ramp limits (normal, or job start/stop) — with the cheapest means first:
 * <ol>
 *   <li><b>supercap banks</b>: the grid side follows a reference, the load low-passed twice (time constant
 *       {@link Settings#referenceTauS}, long enough to take the lowest band edge down 20-fold) and nudged towards mid
 *       SoC far below the band, slope-limited by the ramp limits; the banks carry the difference — they discharge on
 *       the load's peaks and charge in its valleys (seen from the grid: they charge while the grid side is above the
 *       load, on its peaks), never outside their SoC window nor past their converters' power. Energy: their losses
 *       alone;</li>
 *   <li><b>GPU power floors and ramp limits</b>, what the banks cannot carry: on GPUs with power smoothing (NVML's
 *       power floor and ramp rates, Blackwell) a floor that fills the valleys the banks cannot absorb and ramp rates
 *       that the site's ramp limits divide among the GPUs; on GPUs without it, the caps' ramp-up alone (a cap rises
 *       no faster than the site's ramp-up limit allows). Energy: what the floor burns;</li>
 *   <li><b>caps</b>, last: a GRID-tier site ceiling that holds the import within the band's swing above the
 *       reference (the banks' discharge counted). Compute: what the caps take.</li>
 * </ol>
 * <b>A contingency always wins</b>: while a feed is lost, in maintenance or its meter untrusted, the controller
 * stands aside — no ceiling, no floor (a floor would hold load up on the survivors), no ramp limits, no bank target
 * (the banks cover the feed's excess, {@link SupercapController}) — and afterwards starts again from the load as it is:
 * a feed loss is not an oscillation. Pure apart from its filter state; time comes from the input's monotonic clock.
 */
public final class BandController {

    /** The means the site has, cheapest first. */
    public enum Means {
        /** Supercap banks on the grid side. */
        BANKS,
        /** GPU power floors and ramp rates in the GPU (NVML power smoothing). */
        GPU_SMOOTHING,
        /** The caps' ramp-up only (GPUs without power smoothing). */
        CAP_RAMPS,
        /** A site ceiling through the arbiter (caps). */
        CAPS
    }

    /** What the controller does this tick. */
    public enum Mode {
        /** No band or ramp limit in the site file. */
        OFF,
        /** A contingency: the controller stands aside. */
        CONTINGENCY,
        /** The banks carry the swing alone. */
        BANKS,
        /** GPU floors or ramp limits help (the banks cannot carry it all, or there are none). */
        GPU,
        /** A site ceiling is needed (caps). */
        CAPS
    }

    /**
     * @param limits         the site's band and ramp limits
     * @param contractW      the contract import limit, W (for limits given in % of it; 0: none)
     * @param means          what the site has
     * @param bankEnergyWh   the banks' usable energy between SoC 0 and 1, Wh (0: none)
     * @param bankMaxPowerW  the banks' converter power, W, each way
     * @param socMin         never discharge below
     * @param socMax         never charge above
     * @param socTarget      the SoC the banks return to, far below the band
     * @param gpus           the GPUs that take floors and ramp limits
     * @param gpuMinW        the GPUs' lowest power limit, W
     * @param gpuMaxW        the GPUs' highest power limit, W
     * @param margin         the share of each limit the controller aims at (0.8: 20 % kept in hand)
     * @param referenceTauS  time constant of each of the reference's two low-passes, s
     */
    public record Settings(BandLimits limits, double contractW, Set<Means> means, double bankEnergyWh,
                           double bankMaxPowerW, double socMin, double socMax, double socTarget, int gpus,
                           double gpuMinW, double gpuMaxW, double margin, double referenceTauS) {

        public Settings {
            means = means.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(means));
            if (!(margin > 0 && margin <= 1)) {
                throw new IllegalArgumentException("margin must be in (0, 1], got " + margin);
            }
            if (!(referenceTauS > 0)) {
                throw new IllegalArgumentException("reference time constant must be > 0 s, got " + referenceTauS);
            }
        }

        /**
         * The reference's time constant for the lowest band edge: a twice low-passed swing at that edge comes out
         * 20 times smaller ({@code 1 / (1 + (2π f τ)²) = 1/20}); 5 s without bands.
         */
        public static double referenceTauFor(BandLimits limits) {
            double f = Double.POSITIVE_INFINITY;
            for (BandLimits.Band b : limits.bands()) {
                f = Math.min(f, b.lowHz());
            }
            return Double.isFinite(f) ? Math.sqrt(19) / (2 * Math.PI * f) : 5;
        }
    }

    /**
     * One tick's measurements.
     *
     * @param monoNanos     the monotonic clock, ns
     * @param loadW         the site's load-side power (import plus the banks' discharge), W
     * @param gpuW          the GPUs' part of it, W (NaN: unknown, taken as all of it)
     * @param bankSoc       the banks' mean state of charge, 0..1 (NaN: no usable bank)
     * @param contingency   a feed lost, in maintenance or unmeasured: the controller stands aside
     * @param jobTransition a training job starts, stops or checkpoints: the job ramp limits hold
     */
    public record Input(long monoNanos, double loadW, double gpuW, double bankSoc, boolean contingency,
                        boolean jobTransition) {
    }

    /**
     * What the GPUs are asked to do (per GPU). Absent values: NaN floor, infinite ramp rates.
     *
     * @param floorW            power floor, W (NaN: none)
     * @param rampUpWPerS       the most a GPU's power may rise per second (infinite: free)
     * @param rampDownWPerS     the most a GPU's power may fall per second (infinite: free)
     * @param inGpu             true: NVML power smoothing (floor and both ramps in the GPU); false: the caps' ramp-up
     */
    public record GpuCommand(double floorW, double rampUpWPerS, double rampDownWPerS, boolean inGpu) {
        public static final GpuCommand NONE = new GpuCommand(Double.NaN, Double.POSITIVE_INFINITY,
                Double.POSITIVE_INFINITY, false);

        public boolean none() {
            return Double.isNaN(floorW) && rampUpWPerS == Double.POSITIVE_INFINITY
                    && rampDownWPerS == Double.POSITIVE_INFINITY;
        }
    }

    /**
     * @param mode          what the controller does
     * @param gridTargetW   the grid side the banks are steered to, W (NaN: none; the banks' own smoothing)
     * @param bankW         the banks' total setpoint, W, positive = discharge (NaN with no target)
     * @param gpu           the GPUs' floor and ramp rates
     * @param ceiling       a site ceiling (caps, last resort), or null
     * @param notes         why, for the operator
     */
    public record Output(Mode mode, double gridTargetW, double bankW, GpuCommand gpu, Limit.SiteCeiling ceiling,
                         List<String> notes) {
        public List<Limit> limits() {
            return ceiling == null ? List.of() : List.of(ceiling);
        }
    }

    /** Limits of the band controller are named so. */
    public static final String SOURCE = "band";

    private final Settings s;
    /** The smallest peak-to-peak swing any band allows, W (infinite: no band). */
    private final double swingW;
    /** The lowest band edge, Hz (infinite: no band). */
    private final double lowestHz;
    /** How long a floor or a ceiling stays once needed, so that it does not chatter with the banks, ns. */
    static final long HOLD_NANOS = 2_000_000_000L;
    /** The reference's time constant around job events, s. */
    static final double JOB_TAU_S = 0.5;
    /** The span of the ramp limits: |P(t) − P(t − 1 s)|. */
    static final long RAMP_SPAN_NANOS = 1_000_000_000L;
    private static final int HISTORY = 512;

    private boolean started;
    private long lastNanos;
    private double ref1;
    private double ref2;
    private double fast1;
    private double fast2;
    private double grid;
    private double peak;
    private long floorUntil = Long.MIN_VALUE;
    private long lastJobNanos = Long.MIN_VALUE / 2;
    private long ceilingUntil = Long.MIN_VALUE;
    // The grid side over the last ramp span: a ring of (time, W), preallocated.
    private final long[] histNanos = new long[HISTORY];
    private final double[] histW = new double[HISTORY];
    private int histNext;
    private int histSize;

    public BandController(Settings settings) {
        this.s = settings;
        double w = Double.POSITIVE_INFINITY;
        for (BandLimits.Band b : settings.limits().bands()) {
            double lim = b.limitW(settings.contractW());
            // An RMS limit allows a sine of peak-to-peak 2·√2 × RMS.
            w = Math.min(w, b.measure() == BandLimits.Measure.RMS ? 2 * Math.sqrt(2) * lim : lim);
        }
        this.swingW = w;
        double f = Double.POSITIVE_INFINITY;
        for (BandLimits.Band b : settings.limits().bands()) {
            f = Math.min(f, b.lowHz());
        }
        this.lowestHz = f;
    }

    /** The smallest peak-to-peak swing the site's bands allow, W (infinite: no band limit). */
    public double allowedSwingW() {
        return swingW;
    }

    /** The grid side one ramp span ago (the oldest kept within it), or NaN. */
    private double gridSpanAgo(long now) {
        double w = Double.NaN;
        for (int k = 1; k <= histSize; k++) {
            int i = Math.floorMod(histNext - k, HISTORY);
            if (now - histNanos[i] > RAMP_SPAN_NANOS) {
                break;
            }
            w = histW[i];
        }
        return w;
    }

    private void remember(long now, double w) {
        histNanos[histNext] = now;
        histW[histNext] = w;
        histNext = (histNext + 1) % HISTORY;
        histSize = Math.min(HISTORY, histSize + 1);
    }

    public Output run(Input in) {
        if (s.limits().none()) {
            return new Output(Mode.OFF, Double.NaN, Double.NaN, GpuCommand.NONE, null, List.of());
        }
        double l = in.loadW();
        long now = in.monoNanos();
        if (in.contingency() || !Double.isFinite(l)) {
            started = false; // afterwards, start again from the load as it is
            histSize = 0;
            floorUntil = ceilingUntil = Long.MIN_VALUE;
            return new Output(Mode.CONTINGENCY, Double.NaN, Double.NaN, GpuCommand.NONE, null,
                    List.of("contingency: band and ramp limits stand aside"));
        }
        double dt = started ? Math.max(0, (now - lastNanos) / 1e9) : 0;
        lastNanos = now;
        if (!started) {
            started = true;
            ref1 = ref2 = fast1 = fast2 = grid = peak = l;
        }
        BandLimits.Ramp ramp = in.jobTransition() ? s.limits().jobRamp() : s.limits().normal();
        double up = ramp == null ? Double.POSITIVE_INFINITY : ramp.upWPerS() * s.margin();
        double down = ramp == null ? Double.POSITIVE_INFINITY : ramp.downWPerS() * s.margin();
        double half = swingW * s.margin() / 2;
        List<String> notes = new ArrayList<>(2);

        boolean banks = s.means().contains(Means.BANKS) && s.bankEnergyWh() > 0 && s.bankMaxPowerW() > 0
                && !Double.isNaN(in.bankSoc());
        // SoC management far below the band: a deviation from the target is worked off over 4 reference time
        // constants, through the same two low-passes (so it adds nothing in the band).
        double socCorrW = banks ? (in.bankSoc() - s.socTarget()) * s.bankEnergyWh() * 3600 / (4 * s.referenceTauS())
                : 0;
        // The reference: the load twice low-passed; around a job's start, stop or checkpoint it follows the load
        // twice low-passed with JOB_TAU_S instead (the job ramp limit, not the band, then binds the grid side; the
        // short filter keeps an iteration's swing out of the level it hands back).
        if (dt > 0) {
            double f = 1 - Math.exp(-dt / JOB_TAU_S);
            fast1 += (l - fast1) * f;
            fast2 += (fast1 - fast2) * f;
        }
        if (in.jobTransition()) {
            ref1 = ref2 = fast2;
        } else if (dt > 0) {
            double a = 1 - Math.exp(-dt / s.referenceTauS());
            ref1 += (l - socCorrW - ref1) * a;
            ref2 += (ref1 - ref2) * a;
        }
        // Without banks the grid side can only be held up (floors), never pushed down for free: the reference is
        // then the load's peak less half the swing, the peak falling no faster than the ramp-down limit allows.
        // Outside a job event it falls slower still: by at most the band's swing over half a period of the lowest
        // band edge (so that no valley of an iteration up to that long opens a swing wider than the band's).
        double decay = in.jobTransition() || !Double.isFinite(swingW) ? down
                : Math.min(down, swingW * s.margin() * lowestHz);
        peak = Math.max(l, peak - (Double.isFinite(decay) ? decay * dt : Double.POSITIVE_INFINITY));
        // (Not the low-passed load: with floors in place the load is the floor's own making.)
        double want = banks ? ref2 : Double.isFinite(half) ? peak - half : l;
        double next = grid + Math.clamp(want - grid, -down * dt, up * dt);
        double bankW = 0;
        if (banks) {
            bankW = Math.clamp(l - next, -s.bankMaxPowerW(), s.bankMaxPowerW());
            if (bankW > 0 && in.bankSoc() <= s.socMin()) {
                bankW = 0;
                notes.add("banks empty: the GPUs carry the swing");
            } else if (bankW < 0 && in.bankSoc() >= s.socMax()) {
                bankW = 0;
                notes.add("banks full: the GPUs carry the swing");
            }
        }
        double maxChargeW = banks && in.bankSoc() < s.socMax() ? s.bankMaxPowerW() : 0;
        double maxDischargeW = banks && in.bankSoc() > s.socMin() ? s.bankMaxPowerW() : 0;
        // The load's part that is not the GPUs' (fans, CPUs, network): a floor lifts only the GPUs.
        double nonGpuW = Double.isNaN(in.gpuW()) ? 0 : Math.max(0, l - in.gpuW());
        // Where the grid side must stay: within half the band's swing of the target, and within the ramp limits
        // of where it was one span ago.
        double gridIfNothingElse = l - bankW;
        double lowest = next - half;
        // Without banks the peak is the reference's top: only the ramp limit caps it.
        double highest = banks ? next + half : Math.max(next + half, peak);
        double ago = gridSpanAgo(now);
        if (!Double.isNaN(ago)) {
            lowest = Math.max(lowest, ago - down * RAMP_SPAN_NANOS / 1e9);
            highest = Math.min(highest, ago + up * RAMP_SPAN_NANOS / 1e9);
        }
        Mode mode = Mode.BANKS;
        GpuCommand gpu = GpuCommand.NONE;
        boolean smoothing = s.means().contains(Means.GPU_SMOOTHING) && s.gpus() > 0;
        boolean capRamps = !smoothing && s.means().contains(Means.CAP_RAMPS) && s.gpus() > 0;
        // GPU ramp rates, only around a job's start, stop or checkpoint (a scheduler says so, ahead): the banks take
        // what they can of the job's step, the GPUs' ramps the rest. Elsewhere a GPU ramp limit would slow every
        // iteration's compute phase; the band's floor and ceiling hold the ramp there.
        double rampUp = Double.POSITIVE_INFINITY;
        double rampDown = Double.POSITIVE_INFINITY;
        if (in.jobTransition()) {
            lastJobNanos = now;
        }
        // A job's load may still be arriving when the scheduler's window closes: for a hold time after it the
        // GPUs keep ramp rates, at the normal limits.
        // (and, without banks, after that within half a minute of it while the load still climbs at more than half
        // the ramp limit over the span).
        double agoW = gridSpanAgo(now);
        boolean climbing = !banks && !Double.isNaN(agoW) && Double.isFinite(up)
                && l - agoW > 0.5 * up * RAMP_SPAN_NANOS / 1e9 && now - lastJobNanos < 15 * HOLD_NANOS;
        boolean afterJob = !banks && !in.jobTransition() && (now - lastJobNanos < HOLD_NANOS || climbing);
        if ((smoothing || capRamps) && (in.jobTransition() || afterJob)) {
            // What may arrive (every GPU to its maximum) or leave (every GPU to its minimum), and the share of it
            // the banks cannot take.
            double gpuNowW = Double.isNaN(in.gpuW()) ? l : in.gpuW();
            double mayArriveW = Math.max(0, s.gpus() * s.gpuMaxW() - gpuNowW);
            double mayLeaveW = Math.max(0, gpuNowW - s.gpus() * s.gpuMinW());
            double upShare = mayArriveW > 0 ? Math.max(0, 1 - maxDischargeW / mayArriveW) : 0;
            double downShare = mayLeaveW > 0 ? Math.max(0, 1 - maxChargeW / mayLeaveW) : 0;
            // With banks, only the way the job goes: up while the GPUs idle (a start, a checkpoint's end), down
            // while they work (a stop, a checkpoint): an iteration's compute phase is never slowed.
            boolean idle = gpuNowW < 0.5 * s.gpus() * s.gpuMaxW();
            if (upShare > 0 && Double.isFinite(up) && (!banks || idle)) {
                rampUp = up / upShare / s.gpus();
            }
            if (downShare > 0 && Double.isFinite(down) && smoothing && (!banks || !idle)) {
                rampDown = down / downShare / s.gpus();
            }
        }
        double floorW = Double.NaN;
        if (smoothing && Double.isFinite(half)) {
            if (!banks || gridIfNothingElse < lowest) {
                floorUntil = now + HOLD_NANOS;
            }
            if (now < floorUntil) {
                // The load must not fall below lowest (the banks charging all they can): the GPUs' share of it.
                floorW = Math.clamp((lowest - maxChargeW - nonGpuW) / s.gpus(), s.gpuMinW(), s.gpuMaxW());
                notes.add(String.format(Locale.ROOT, banks ? "GPU power floor %.0f W: the valley is deeper than the "
                        + "banks absorb" : "no banks: GPU power floor %.0f W holds the swing", floorW));
            }
        }
        if (smoothing || capRamps) {
            gpu = new GpuCommand(floorW, rampUp, rampDown, smoothing);
            if (!gpu.none()) {
                mode = Mode.GPU;
            }
        }
        Limit.SiteCeiling ceiling = null;
        if (s.means().contains(Means.CAPS) && Double.isFinite(highest)) {
            if (gridIfNothingElse > highest + 1e-9) {
                ceilingUntil = now + HOLD_NANOS;
            }
            if (now < ceilingUntil) {
                double w = highest + maxDischargeW;
                ceiling = new Limit.SiteCeiling(w, Tier.GRID, SOURCE, String.format(Locale.ROOT,
                        "band and ramp limits: site import at most %.1f kW (the banks cannot cover the peak)",
                        w / 1000));
                mode = Mode.CAPS;
            }
        }
        grid = next;
        remember(now, Math.max(lowest, Math.min(highest, gridIfNothingElse)));
        return new Output(mode, next, banks ? bankW : Double.NaN, gpu, ceiling, List.copyOf(notes));
    }
}
