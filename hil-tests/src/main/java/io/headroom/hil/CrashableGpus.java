package io.headroom.hil;

import io.headroom.drivers.gpuprotocol.GpuBackend;

/**
 * A bench agent's view of its node's GPUs, which a crash cuts off: after {@link #crash()} nothing the agent process
 * does reaches the GPUs any more (no safe cap on its way out, no lease fallback), exactly as when the process is
 * killed, while the GPUs keep the limit they had. A restarted agent gets a new view.
 */
final class CrashableGpus implements GpuBackend {

    private final PlantNode node;
    private volatile boolean crashed;

    CrashableGpus(PlantNode node) {
        this.node = node;
    }

    /** The agent process is gone: its later writes (an orderly stop's safe cap included) do not happen. */
    void crash() {
        crashed = true;
    }

    @Override
    public int gpuCount() {
        return node.gpuCount();
    }

    @Override
    public double minW(int gpu) {
        return node.minW(gpu);
    }

    @Override
    public double maxW(int gpu) {
        return node.maxW(gpu);
    }

    @Override
    public double defaultW(int gpu) {
        return node.defaultW(gpu);
    }

    @Override
    public double powerW(int gpu) {
        return node.powerW(gpu);
    }

    @Override
    public double limitW(int gpu) {
        return node.limitW(gpu);
    }

    @Override
    public io.headroom.drivers.gpuprotocol.GpuActivity activity(int gpu) {
        return node.activity(gpu);
    }

    @Override
    public void setLimitW(int gpu, double watts) {
        if (!crashed) {
            node.setLimitW(gpu, watts);
        }
    }
}
