package io.headroom.hil;

import io.headroom.appliance.site.Node;
import io.headroom.drivers.gpuprotocol.GpuBackend;

/**
 * A simulated GPU server: each GPU's draw follows min(demand, limit) with a first-order response (a real
 * GPU settles to a new power limit in tens to hundreds of milliseconds). The node agent sets limits through
 * {@link GpuBackend}; the plant sets demand and advances time. Thread-safe: agent threads and the plant
 * thread meet under this object's lock, held for a few arithmetic operations.
 */
public final class PlantNode implements GpuBackend {

    private final Node node;
    private final double responseTauS;
    private final double[] limitW;
    private final double[] demandW;
    private final double[] powerW;
    /** A limit set but not yet enforced (NaN: none), and when it takes effect, in this node's step time. */
    private final double[] pendingW;
    private final double[] pendingAtS;
    private double clockS;
    private double capDelayS;
    private double capSettlingS;
    private double telemetryGain = 1;

    public PlantNode(Node node, double responseTauS) {
        this.node = node;
        this.responseTauS = responseTauS;
        int n = node.gpus();
        this.limitW = new double[n];
        this.demandW = new double[n];
        this.powerW = new double[n];
        this.pendingW = new double[n];
        this.pendingAtS = new double[n];
        java.util.Arrays.fill(limitW, node.gpu().defaultW());
        java.util.Arrays.fill(pendingW, Double.NaN);
    }

    /**
     * The cap-response model: a new limit is enforced {@code delayS} after it is set (the driver's and firmware's
     * latency), and a GPU above its new limit comes down to it with a first-order settling of {@code settlingS}
     * (0: at once); and the power the node reports reads {@code 1 + telemetryError} times the truth (per-board
     * sensor error). Defaults: 0, 0, 0.
     */
    public synchronized void capResponse(double delayS, double settlingS, double telemetryError) {
        this.capDelayS = Math.max(0, delayS);
        this.capSettlingS = Math.max(0, settlingS);
        this.telemetryGain = 1 + telemetryError;
    }

    public Node node() {
        return node;
    }

    /** Sets every GPU's demand (what the workload would draw uncapped), W. */
    public synchronized void setDemandPerGpu(double w) {
        java.util.Arrays.fill(demandW, Math.clamp(w, 0, node.gpu().maxW() * 1.2));
    }

    /** Advances the GPUs' power by {@code dtS} seconds towards min(demand, limit). */
    public synchronized void advance(double dtS) {
        clockS += dtS;
        double a = responseTauS <= 0 ? 1 : 1 - Math.exp(-dtS / responseTauS);
        double settle = capSettlingS <= 0 ? 1 : 1 - Math.exp(-dtS / capSettlingS);
        for (int i = 0; i < powerW.length; i++) {
            if (!Double.isNaN(pendingW[i]) && clockS >= pendingAtS[i]) {
                limitW[i] = pendingW[i];
                pendingW[i] = Double.NaN;
            }
            double target = Math.min(demandW[i], limitW[i]);
            if (powerW[i] > limitW[i]) {
                // Above its enforced limit a GPU comes down to it: at once, or settling with the model's time constant.
                powerW[i] = settle >= 1 ? limitW[i] : powerW[i] + settle * (limitW[i] - powerW[i]);
            } else {
                powerW[i] = powerW[i] + a * (target - powerW[i]);
            }
        }
    }

    /**
     * What each GPU is doing, as NVML would say: a GPU whose demand exceeds its enforced limit is power-cap throttled
     * (its SM clock scaled by limit / demand); one whose demand is under 10 % of its maximum is idle. Utilisation is the
     * demand against the default limit; the temperature follows the draw (30 °C idle, 80 °C at the maximum).
     */
    @Override
    public synchronized io.headroom.drivers.gpuprotocol.GpuActivity activity(int gpu) {
        double max = node.gpu().maxW();
        double d = demandW[gpu];
        double l = limitW[gpu];
        boolean throttled = d > l + 0.5;
        boolean idle = d < 0.1 * max;
        int util = (int) Math.round(Math.clamp(100 * d / node.gpu().defaultW(), 0, 100));
        int clock = (int) Math.round(1980 * (throttled ? l / d : 1) * (idle ? 0.25 : 1));
        int reasons = (throttled ? io.headroom.drivers.gpuprotocol.GpuActivity.THROTTLE_POWER_CAP : 0)
                | (idle ? io.headroom.drivers.gpuprotocol.GpuActivity.THROTTLE_IDLE : 0);
        int temp = (int) Math.round(30 + 50 * Math.min(powerW[gpu], max) / max);
        return new io.headroom.drivers.gpuprotocol.GpuActivity(util, util, clock, 2619, temp, reasons);
    }

    /** The node's whole draw: GPUs plus its base load, W. */
    public synchronized double totalW() {
        double w = node.baseW();
        for (double p : powerW) {
            w += p;
        }
        return w;
    }

    public synchronized double gpuPowerW() {
        double w = 0;
        for (double p : powerW) {
            w += p;
        }
        return w;
    }

    /** The limit enforced on GPU 0 now (all GPUs of a node are capped alike by the appliance), W. */
    public synchronized double limitPerGpuW() {
        return limitW[0];
    }

    @Override
    public int gpuCount() {
        return node.gpus();
    }

    @Override
    public double minW(int gpu) {
        return node.gpu().minW();
    }

    @Override
    public double maxW(int gpu) {
        return node.gpu().maxW();
    }

    @Override
    public double defaultW(int gpu) {
        return node.gpu().defaultW();
    }

    /** The power the node's sensors report (what the agent reads through NVML), W. */
    @Override
    public synchronized double powerW(int gpu) {
        return powerW[gpu] * telemetryGain;
    }

    @Override
    public synchronized double limitW(int gpu) {
        return limitW[gpu];
    }

    @Override
    public synchronized void setLimitW(int gpu, double watts) {
        if (capDelayS <= 0) {
            limitW[gpu] = watts;
            pendingW[gpu] = Double.NaN;
        } else {
            pendingW[gpu] = watts;
            pendingAtS[gpu] = clockS + capDelayS;
        }
    }
}
