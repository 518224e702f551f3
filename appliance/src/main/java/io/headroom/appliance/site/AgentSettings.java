package io.headroom.appliance.site;

/**
 * How the appliance talks to node agents.
 *
 * @param leaseMs     how long a cap holds before the agent falls back to its safe cap
 * @param safeCapW    per-GPU cap an agent falls back to; 0 means "computed by the planner" (the N-1 safe cap)
 */
public record AgentSettings(long leaseMs, double safeCapW) {
}
