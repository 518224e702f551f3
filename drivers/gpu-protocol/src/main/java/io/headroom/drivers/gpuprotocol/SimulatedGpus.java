package io.headroom.drivers.gpuprotocol;

import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A {@link GpuBackend} without hardware: {@code n} GPUs with fixed ranges, a settable demand
 * per GPU, and a reported draw of {@code min(demand, limit)}. Limits start at each GPU's
 * default, demand at 0 W. Thread-safe.
 *
 * <p>Like NVML, {@link #setLimitW} refuses a limit outside the GPU's range.
 *
 * <p>Power smoothing ({@link #setSmoothing}, on by default, off with {@link #setSmoothingSupported}): the draw
 * is held up to the floor ({@code max(demand, floor)}), a cap still wins ({@code min(…, limit)} at every instant), and
 * the draw moves towards that target no faster than the ramp limits as {@link #advance} moves the simulated time on.
 */
public final class SimulatedGpus implements GpuBackend {

    private final List<GpuLimits> ranges;
    private final double[] demandW;
    private final double[] limitW;
    private long limitWrites;
    private final GpuSmoothing[] smoothing;
    /** The smoothed draw of each GPU with smoothing on (before the cap), W. */
    private final double[] smoothedW;
    private boolean smoothingSupported = true;

    /** {@code count} identical GPUs. */
    public SimulatedGpus(int count, double minW, double maxW, double defaultW) {
        this(Collections.nCopies(requireCount(count), new GpuLimits(minW, maxW, defaultW)));
    }

    /** One GPU per range, index = GPU number. */
    public SimulatedGpus(List<GpuLimits> ranges) {
        this.ranges = List.copyOf(ranges);
        this.demandW = new double[this.ranges.size()];
        this.limitW = new double[this.ranges.size()];
        this.smoothing = new GpuSmoothing[this.ranges.size()];
        java.util.Arrays.fill(smoothing, GpuSmoothing.OFF);
        this.smoothedW = new double[this.ranges.size()];
        for (int i = 0; i < limitW.length; i++) {
            limitW[i] = this.ranges.get(i).defaultW();
        }
    }

    private static int requireCount(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count is negative (" + count + ")");
        }
        return count;
    }

    @Override
    public int gpuCount() {
        return ranges.size();
    }

    @Override
    public double minW(int gpu) {
        return range(gpu).minW();
    }

    @Override
    public double maxW(int gpu) {
        return range(gpu).maxW();
    }

    @Override
    public double defaultW(int gpu) {
        return range(gpu).defaultW();
    }

    @Override
    public synchronized double powerW(int gpu) {
        Objects.checkIndex(gpu, ranges.size());
        return Math.min(smoothing[gpu].enabled() ? smoothedW[gpu] : demandW[gpu], limitW[gpu]);
    }

    @Override
    public synchronized boolean supportsSmoothing(int gpu) {
        Objects.checkIndex(gpu, ranges.size());
        return smoothingSupported;
    }

    /** Whether the GPUs have power smoothing (default true; false models a GPU before Blackwell). */
    public synchronized void setSmoothingSupported(boolean supported) {
        this.smoothingSupported = supported;
    }

    @Override
    public synchronized void setSmoothing(int gpu, GpuSmoothing s) {
        Objects.checkIndex(gpu, ranges.size());
        Objects.requireNonNull(s, "smoothing");
        if (!smoothingSupported) {
            throw new UnsupportedOperationException("simulated GPU " + gpu + " has no power smoothing");
        }
        if (s.enabled() && !smoothing[gpu].enabled()) {
            smoothedW[gpu] = Math.min(demandW[gpu], limitW[gpu]); // from the draw now
        }
        smoothing[gpu] = s;
    }

    public synchronized GpuSmoothing smoothing(int gpu) {
        Objects.checkIndex(gpu, ranges.size());
        return smoothing[gpu];
    }

    /**
     * Moves the simulated time on by {@code seconds}: each GPU with smoothing on moves its draw towards
     * {@code min(max(demand, floor), limit)}, by at most its ramp rate times {@code seconds}.
     */
    public synchronized void advance(double seconds) {
        if (!(seconds >= 0) || Double.isInfinite(seconds)) {
            throw new IllegalArgumentException("seconds must be finite and >= 0, got " + seconds);
        }
        for (int i = 0; i < smoothing.length; i++) {
            GpuSmoothing s = smoothing[i];
            if (!s.enabled()) {
                continue;
            }
            double now = Math.min(smoothedW[i], limitW[i]); // a cap that fell took the draw down at once
            double target = Math.min(Math.max(demandW[i], s.floorW()), limitW[i]);
            double next = target >= now ? Math.min(target, now + s.rampUpWPerS() * seconds)
                    : Math.max(target, now - s.rampDownWPerS() * seconds);
            smoothedW[i] = next;
        }
    }

    @Override
    public synchronized double limitW(int gpu) {
        Objects.checkIndex(gpu, ranges.size());
        return limitW[gpu];
    }

    @Override
    public synchronized void setLimitW(int gpu, double watts) {
        GpuLimits r = range(gpu);
        if (!(watts >= r.minW() && watts <= r.maxW())) {
            throw new IllegalArgumentException("limit " + Wire.fmtW(watts) + " W for GPU " + gpu
                    + " outside " + r.rangeText());
        }
        limitW[gpu] = watts;
        limitWrites++;
    }

    /**
     * A GPU whose demand exceeds its limit draws its limit and reports power-cap throttling, its SM clock scaled
     * down by limit / demand; one drawing under 10 % of its maximum is idle. Utilisation and SM activity follow the
     * demand against the default limit; the temperature the draw (30 °C idle, 80 °C at the maximum).
     */
    @Override
    public synchronized GpuActivity activity(int gpu) {
        GpuLimits r = range(gpu);
        double d = demandW[gpu];
        double l = limitW[gpu];
        boolean throttled = d > l + 0.5;
        boolean idle = d < 0.1 * r.maxW();
        int util = (int) Math.round(Math.clamp(100 * d / r.defaultW(), 0, 100));
        int clock = (int) Math.round(SM_CLOCK_MHZ * (throttled ? l / d : 1) * (idle ? 0.25 : 1));
        int reasons = (throttled ? GpuActivity.THROTTLE_POWER_CAP : 0) | (idle ? GpuActivity.THROTTLE_IDLE : 0);
        int temp = (int) Math.round(30 + 50 * Math.min(d, l) / r.maxW());
        return new GpuActivity(util, util, clock, MEM_CLOCK_MHZ, temp, reasons);
    }

    /** The simulated GPUs' full SM and memory clocks, MHz (an H100 SXM's). */
    static final int SM_CLOCK_MHZ = 1980;
    static final int MEM_CLOCK_MHZ = 2619;

    /** Sets what GPU {@code gpu} would draw if it were not limited. */
    public synchronized void setDemandW(int gpu, double watts) {
        Objects.checkIndex(gpu, ranges.size());
        demandW[gpu] = requireDemand(watts);
    }

    /** Sets the same demand on every GPU. */
    public synchronized void setDemandW(double watts) {
        double w = requireDemand(watts);
        java.util.Arrays.fill(demandW, w);
    }

    public synchronized double demandW(int gpu) {
        Objects.checkIndex(gpu, ranges.size());
        return demandW[gpu];
    }

    /** How many times {@link #setLimitW} succeeded, for tests that check nothing was applied. */
    public synchronized long limitWrites() {
        return limitWrites;
    }

    /** The current limits, index = GPU number. */
    public synchronized List<Double> limitsW() {
        Double[] out = new Double[limitW.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = limitW[i];
        }
        return List.of(out);
    }

    private GpuLimits range(int gpu) {
        Objects.checkIndex(gpu, ranges.size());
        return ranges.get(gpu);
    }

    private static double requireDemand(double watts) {
        if (!Double.isFinite(watts) || watts < 0) {
            throw new IllegalArgumentException("demand must be finite and >= 0 W, got " + watts);
        }
        return watts;
    }
}
