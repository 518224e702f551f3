package io.headroom.appliance.site;

import java.util.Objects;

/**
 * How the appliance talks to node agents.
 *
 * @param leaseMs     how long a cap holds before the agent falls back to its safe cap
 * @param safeCapW    per-GPU cap an agent falls back to; 0 means "computed by the planner" (the N-1 safe cap)
 * @param security    DTLS-PSK, DTLS with certificates, or plain CoAP
 */
public record AgentSettings(long leaseMs, double safeCapW, AgentSecurity security) {

    public AgentSettings {
        Objects.requireNonNull(security, "security");
    }

    /** Plain CoAP agents (sites built in code: tests and benchmarks whose agents have no DTLS). */
    public static AgentSettings plain(long leaseMs, double safeCapW) {
        return new AgentSettings(leaseMs, safeCapW, AgentSecurity.none());
    }

    public AgentSettings withSecurity(AgentSecurity s) {
        return new AgentSettings(leaseMs, safeCapW, s);
    }
}
