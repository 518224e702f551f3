package io.headroom.appliance.site;

import java.util.Objects;

/**
 * How the appliance talks to node agents.
 *
 * @param leaseMs            how long a cap holds before the agent falls back to its safe cap
 * @param safeCapW           per-GPU cap an agent falls back to; 0 means "computed by the planner" (the N-1 safe cap)
 * @param security           DTLS-PSK, DTLS with certificates, or plain CoAP
 * @param multicast          the multicast address and port a redundancy group's contingency is fired to (one
 *                           datagram for the whole group), or null: a datagram to each agent
 * @param multicastInterface the appliance's address on the agents' network, whose interface the group datagrams
 *                           leave by (and the loopback for a 127.x address), or null: the routing table's choice
 * @param gpuSmoothing       whether the cap commands carry the band controller's GPU power floors and ramp limits
 *                           (the agent protocol's smoothing extension; {@code agents.gpuSmoothing}, default false)
 */
public record AgentSettings(long leaseMs, double safeCapW, AgentSecurity security, Endpoint multicast,
                            String multicastInterface, boolean gpuSmoothing) {

    public AgentSettings {
        Objects.requireNonNull(security, "security");
    }

    /** Without GPU smoothing. */
    public AgentSettings(long leaseMs, double safeCapW, AgentSecurity security, Endpoint multicast,
                         String multicastInterface) {
        this(leaseMs, safeCapW, security, multicast, multicastInterface, false);
    }

    /** Without multicast triggers. */
    public AgentSettings(long leaseMs, double safeCapW, AgentSecurity security) {
        this(leaseMs, safeCapW, security, null, null);
    }

    /** Plain CoAP agents (sites built in code: tests and benchmarks whose agents have no DTLS). */
    public static AgentSettings plain(long leaseMs, double safeCapW) {
        return new AgentSettings(leaseMs, safeCapW, AgentSecurity.none());
    }

    public AgentSettings withSecurity(AgentSecurity s) {
        return new AgentSettings(leaseMs, safeCapW, s, multicast, multicastInterface, gpuSmoothing);
    }

    /** The same with contingencies fired to {@code group} out of {@code iface} (null group: unicast only). */
    public AgentSettings withMulticast(Endpoint group, String iface) {
        return new AgentSettings(leaseMs, safeCapW, security, group, group == null ? null : iface, gpuSmoothing);
    }

    /** The same with GPU floors and ramp limits carried to the agents, or not. */
    public AgentSettings withGpuSmoothing(boolean on) {
        return new AgentSettings(leaseMs, safeCapW, security, multicast, multicastInterface, on);
    }
}
