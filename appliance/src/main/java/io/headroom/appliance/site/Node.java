package io.headroom.appliance.site;

/**
 * A GPU server.
 *
 * @param gpus    number of GPUs
 * @param gpu     the GPUs' power-limit range
 * @param baseW   the server's non-GPU draw (CPUs, fans, NICs, PSU losses), W
 * @param floorW  per-GPU floor for a critical node (≥ the GPU's min); equal to min for other classes
 * @param agent   where its node agent listens
 */
public record Node(String id, String rackId, String groupId, int gpus, GpuModel gpu, double baseW, Priority priority,
                   double floorW, Endpoint agent) {

    public Node withAgent(Endpoint e) {
        return new Node(id, rackId, groupId, gpus, gpu, baseW, priority, floorW, e);
    }

    /** The node's draw with every GPU at its maximum, W. */
    public double peakW() {
        return baseW + gpus * gpu.maxW();
    }
}
