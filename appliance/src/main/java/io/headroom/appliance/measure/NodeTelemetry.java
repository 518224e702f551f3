package io.headroom.appliance.measure;

/**
 * What a node's agent last reported.
 *
 * @param gpuPowerW  the node's GPUs' total draw, W
 * @param capPerGpuW the per-GPU limit the agent enforces, W
 * @param fresh      reported within the telemetry deadline
 * @param activity   what its GPUs are doing (busy, idle, power-throttled), {@link NodeActivity#UNKNOWN} where the
 *                   agent does not say
 */
public record NodeTelemetry(String nodeId, double gpuPowerW, double capPerGpuW, boolean fresh, NodeActivity activity) {

    public NodeTelemetry {
        if (activity == null) {
            activity = NodeActivity.UNKNOWN;
        }
    }

    /** Telemetry without activity (a version-1 agent, a BMC). */
    public NodeTelemetry(String nodeId, double gpuPowerW, double capPerGpuW, boolean fresh) {
        this(nodeId, gpuPowerW, capPerGpuW, fresh, NodeActivity.UNKNOWN);
    }
}
