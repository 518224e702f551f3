package io.headroom.appliance.actuation;

import io.headroom.appliance.control.NodeTelemetry;
import io.headroom.appliance.site.Node;

import java.util.Optional;

/**
 * Sets GPU power caps on nodes (through their node agents, or their BMCs). Never blocks the caller: a command
 * is recorded and sent by the actuator's own I/O; the latest telemetry is read without waiting.
 */
public interface Actuator extends AutoCloseable {

    /** The cap every GPU of {@code node} should hold from now on, W. Re-sent before its lease runs out. */
    void command(Node node, double capPerGpuW);

    /** Sends what changed since the last flush, and renews leases that are due. Called once per regulation tick. */
    void flush(long nowNanos);

    /** What the node last reported, if anything. */
    Optional<NodeTelemetry> telemetry(Node node, long nowNanos);

    @Override
    void close();
}
