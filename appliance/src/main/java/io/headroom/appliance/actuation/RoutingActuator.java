package io.headroom.appliance.actuation;

import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One {@link Actuator} over several: each node is routed to the actuator that owns it (its node agent over CoAP, or
 * its BMC over Redfish). Flushes, arming and contingency holds go to every part, each with the whole group's node
 * list (plans are indexed by it; a part ignores the nodes it does not own). Closes the parts in reverse order.
 */
public final class RoutingActuator implements Actuator {

    private static final Logger log = LoggerFactory.getLogger(RoutingActuator.class);

    private final List<Actuator> parts = new ArrayList<>();
    private final Map<String, Actuator> byNode = new HashMap<>();

    /** Adds a part and the nodes it caps; a node may belong to one part only. */
    public RoutingActuator route(Actuator part, List<Node> nodes) {
        parts.add(part);
        for (Node n : nodes) {
            Actuator other = byNode.putIfAbsent(n.id(), part);
            if (other != null) {
                throw new IllegalArgumentException("node " + n.id() + " is routed twice");
            }
        }
        return this;
    }

    /** The part that caps {@code node}. */
    public Actuator partOf(Node node) {
        Actuator a = byNode.get(node.id());
        if (a == null) {
            throw new IllegalArgumentException("node " + node.id() + " has no actuator");
        }
        return a;
    }

    @Override
    public void command(Node node, double capPerGpuW) {
        partOf(node).command(node, capPerGpuW);
    }

    @Override
    public void flush(long nowNanos) {
        for (Actuator a : parts) {
            a.flush(nowNanos);
        }
    }

    @Override
    public void arm(ContingencyCaps plans, List<Node> groupNodes) {
        for (Actuator a : parts) {
            a.arm(plans, groupNodes);
        }
    }

    @Override
    public boolean carriesGpuSmoothing() {
        return parts.stream().anyMatch(Actuator::carriesGpuSmoothing);
    }

    @Override
    public void gpuSmoothing(double floorW, double rampUpWPerS, double rampDownWPerS) {
        for (Actuator a : parts) {
            a.gpuSmoothing(floorW, rampUpWPerS, rampDownWPerS);
        }
    }

    @Override
    public void holdContingency(int feedIndex, long nowNanos, long holdNanos) {
        for (Actuator a : parts) {
            a.holdContingency(feedIndex, nowNanos, holdNanos);
        }
    }

    @Override
    public Optional<NodeTelemetry> telemetry(Node node, long nowNanos) {
        return partOf(node).telemetry(node, nowNanos);
    }

    @Override
    public void close() {
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).close();
            } catch (RuntimeException e) {
                log.warn("closing an actuator: {}", e.toString());
            }
        }
    }
}
