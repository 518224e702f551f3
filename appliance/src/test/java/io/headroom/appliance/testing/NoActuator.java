package io.headroom.appliance.testing;

import io.headroom.appliance.actuation.Actuator;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Node;

import java.util.Optional;

/** An actuator that commands nothing and hears nothing: for tests of the loops around it. */
public final class NoActuator implements Actuator {
    @Override
    public void command(Node node, double capPerGpuW) {
    }

    @Override
    public void flush(long nowNanos) {
    }

    @Override
    public Optional<NodeTelemetry> telemetry(Node node, long nowNanos) {
        return Optional.empty();
    }

    @Override
    public void close() {
    }
}
