package io.headroom.appliance.actuation;

import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.protection.ContingencyHold;
import io.headroom.appliance.site.Node;

import java.util.Optional;

/**
 * Sets GPU power caps on nodes (through their node agents, or their BMCs). Never blocks the caller: a command
 * is recorded and sent by the actuator's own I/O; the latest telemetry is read without waiting.
 */
public interface Actuator extends ContingencyHold, AutoCloseable {

    /** The cap every GPU of {@code node} should hold from now on, W. Re-sent before its lease runs out. */
    void command(Node node, double capPerGpuW);

    /** Sends what changed since the last flush, and renews leases that are due. Called once per regulation tick. */
    void flush(long nowNanos);

    /**
     * Arms a group's contingency plans on its nodes (epoch-stamped), so that a feed loss is answered by a
     * trigger rather than by regulation. Non-blocking. Actuators without a fast path ignore it.
     */
    default void arm(ContingencyCaps plans, java.util.List<Node> groupNodes) {
    }

    /**
     * After contingency {@code feedIndex} was triggered: hold the group's nodes at or below that contingency's
     * caps for {@code holdNanos}, so that a regulation command computed before the loss cannot undo them.
     */
    @Override
    default void holdContingency(int feedIndex, long nowNanos, long holdNanos) {
    }

    /**
     * Whether this actuator carries GPU power floors and ramp limits to the GPUs ({@link #gpuSmoothing}: the agents'
     * smoothing extension, NVML power smoothing). Default no.
     */
    default boolean carriesGpuSmoothing() {
        return false;
    }

    /**
     * The power floor and ramp limits every GPU should hold from the next command on (the band controller's), per
     * GPU: {@code floorW} NaN for none, a ramp infinite for free; all absent turns smoothing off. A cap always wins
     * over the floor. Actuators that do not carry it ignore it.
     */
    default void gpuSmoothing(double floorW, double rampUpWPerS, double rampDownWPerS) {
    }

    /** What the node last reported, if anything. */
    Optional<NodeTelemetry> telemetry(Node node, long nowNanos);

    @Override
    void close();
}
