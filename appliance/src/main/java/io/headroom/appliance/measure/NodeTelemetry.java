package io.headroom.appliance.measure;

/**
 * What a node's agent last reported.
 *
 * @param gpuPowerW  the node's GPUs' total draw, W
 * @param capPerGpuW the per-GPU limit the agent enforces, W
 * @param fresh      reported within the telemetry deadline
 */
public record NodeTelemetry(String nodeId, double gpuPowerW, double capPerGpuW, boolean fresh) {
}
