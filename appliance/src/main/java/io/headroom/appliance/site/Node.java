package io.headroom.appliance.site;

import java.nio.file.Path;

/**
 * A GPU server, capped through its node agent ({@code agent}) or through its BMC ({@code redfish}); exactly one
 * of the two is set.
 *
 * @param gpus        number of GPUs
 * @param gpu         the GPUs' power-limit range
 * @param baseW       the server's non-GPU draw (CPUs, fans, NICs, PSU losses), W
 * @param floorW      per-GPU floor for a critical node (≥ the GPU's min); equal to min for other classes
 * @param agent       where its node agent listens; null for a Redfish node
 * @param pskIdentity the agent's DTLS-PSK identity (default: the node id); null for a Redfish node
 * @param pskKeyFile  the agent's own PSK file (hex), or null when the key comes from {@code agents.pskKeys}
 * @param redfish     its BMC, or null for a node with an agent
 */
public record Node(String id, String rackId, String groupId, int gpus, GpuModel gpu, double baseW, Priority priority,
                   double floorW, Endpoint agent, String pskIdentity, Path pskKeyFile, RedfishBmc redfish) {

    public Node {
        if ((agent == null) == (redfish == null)) {
            throw new IllegalArgumentException("node " + id + " needs exactly one of an agent and a Redfish BMC");
        }
        if (agent != null && pskIdentity == null) {
            pskIdentity = id;
        }
    }

    /** A node with an agent, whose PSK identity is its id. */
    public Node(String id, String rackId, String groupId, int gpus, GpuModel gpu, double baseW, Priority priority,
                double floorW, Endpoint agent) {
        this(id, rackId, groupId, gpus, gpu, baseW, priority, floorW, agent, id, null, null);
    }

    public Node withAgent(Endpoint e) {
        return new Node(id, rackId, groupId, gpus, gpu, baseW, priority, floorW, e, pskIdentity, pskKeyFile, null);
    }

    /** The same node with another DTLS-PSK identity and key file (null: its identity's line in agents.pskKeys). */
    public Node withPsk(String identity, Path keyFile) {
        return new Node(id, rackId, groupId, gpus, gpu, baseW, priority, floorW, agent, identity, keyFile, null);
    }

    public Node withRedfish(RedfishBmc bmc) {
        return new Node(id, rackId, groupId, gpus, gpu, baseW, priority, floorW, null, null, null, bmc);
    }

    /** Whether it is capped through its BMC rather than a node agent. */
    public boolean viaRedfish() {
        return redfish != null;
    }

    /** The node's draw with every GPU at its maximum, W. */
    public double peakW() {
        return baseW + gpus * gpu.maxW();
    }
}
