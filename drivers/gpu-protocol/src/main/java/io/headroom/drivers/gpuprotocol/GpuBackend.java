package io.headroom.drivers.gpuprotocol;

/**
 * What the node agent needs from the GPUs of its server. NVML implements this later;
 * {@link SimulatedGpus} implements it for tests and the bench.
 *
 * <p>All watt values are in W. GPUs are indexed {@code 0 .. gpuCount()-1}; the count and the
 * per-GPU ranges ({@link #minW}, {@link #maxW}, {@link #defaultW}) must not change while an
 * agent runs. Implementations must be thread-safe: the agent calls them from its CoAP threads
 * and from its lease timer. Failures are reported as unchecked exceptions (for example an NVML
 * error); the agent catches them and answers 5.00 or logs them.
 */
public interface GpuBackend {

    /** Number of GPUs on this server. */
    int gpuCount();

    /** Lowest power limit the GPU accepts, W. */
    double minW(int gpu);

    /** Highest power limit the GPU accepts, W. */
    double maxW(int gpu);

    /** Power limit the GPU runs at when nobody caps it (the vendor default), W. */
    double defaultW(int gpu);

    /** Current power draw, W. */
    double powerW(int gpu);

    /** Power limit currently enforced by the GPU, W. */
    double limitW(int gpu);

    /**
     * Sets the enforced power limit. The agent only calls this with a value inside
     * {@code [minW(gpu), maxW(gpu)]}.
     */
    void setLimitW(int gpu, double watts);

    /**
     * What the GPU is doing now: utilisation, SM activity, clocks, temperature, throttle reasons. A backend that
     * cannot tell returns {@link GpuActivity#UNKNOWN} (the default). Called without the agent's lock, so at the same
     * time as the other methods: it must be thread-safe.
     */
    default GpuActivity activity(int gpu) {
        return GpuActivity.UNKNOWN;
    }

    /** Whether GPU {@code gpu} has power smoothing (a power floor and ramp limits). Default: none. */
    default boolean supportsSmoothing(int gpu) {
        return false;
    }

    /**
     * Sets GPU {@code gpu}'s power smoothing ({@link GpuSmoothing#OFF} turns it off). The power limit still wins over
     * the floor. The agent only calls this where {@link #supportsSmoothing} is true.
     *
     * @throws UnsupportedOperationException where the GPU has none (the default)
     */
    default void setSmoothing(int gpu, GpuSmoothing smoothing) {
        throw new UnsupportedOperationException("GPU " + gpu + " has no power smoothing");
    }
}
