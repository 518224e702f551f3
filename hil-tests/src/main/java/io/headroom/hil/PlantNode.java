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

    public PlantNode(Node node, double responseTauS) {
        this.node = node;
        this.responseTauS = responseTauS;
        int n = node.gpus();
        this.limitW = new double[n];
        this.demandW = new double[n];
        this.powerW = new double[n];
        java.util.Arrays.fill(limitW, node.gpu().defaultW());
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
        double a = responseTauS <= 0 ? 1 : 1 - Math.exp(-dtS / responseTauS);
        for (int i = 0; i < powerW.length; i++) {
            double target = Math.min(demandW[i], limitW[i]);
            // A GPU never exceeds its enforced limit: dropping is immediate at the limit, rising is gradual.
            powerW[i] = target < powerW[i] && powerW[i] > limitW[i] ? limitW[i] : powerW[i] + a * (target - powerW[i]);
        }
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

    /** The limit on GPU 0 (all GPUs of a node are capped alike by the appliance), W. */
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

    @Override
    public synchronized double powerW(int gpu) {
        return powerW[gpu];
    }

    @Override
    public synchronized double limitW(int gpu) {
        return limitW[gpu];
    }

    @Override
    public synchronized void setLimitW(int gpu, double watts) {
        limitW[gpu] = watts;
    }
}
