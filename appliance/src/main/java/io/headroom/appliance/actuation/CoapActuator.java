package io.headroom.appliance.actuation;

import io.headroom.appliance.control.NodeTelemetry;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.headroom.drivers.gpuprotocol.AgentClient;
import io.headroom.drivers.gpuprotocol.CapAck;
import io.headroom.drivers.gpuprotocol.CapCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Caps through the node agents over CoAP. One session id per appliance run (a restarted appliance is a new
 * session, which agents accept, so it re-acquires them at once); a sequence number per node; at most one
 * command in flight per node, so they arrive in order. A cap is sent when it changes and renewed every
 * {@link #renewFraction} of the lease, so an appliance that stops leaves every agent to fall back to its safe
 * cap within one lease. Each acknowledgement carries the node's GPU power, which is the telemetry regulation
 * uses.
 */
public final class CoapActuator implements Actuator {

    private static final Logger log = LoggerFactory.getLogger(CoapActuator.class);
    private static final double renewFraction = 0.25;

    private final AgentClient client;
    private final long session;
    private final int leaseMs;
    private final long telemetryDeadlineNanos;
    private final Map<String, Channel> channels = new HashMap<>();

    /** Per-node state; fields written by the regulation thread and the client's completion threads. */
    private static final class Channel {
        final Node node;
        final InetSocketAddress address;
        volatile double desired = Double.NaN;
        volatile double sent = Double.NaN;
        volatile long sentAtNanos = Long.MIN_VALUE / 2;
        volatile boolean inFlight;
        volatile long sequence;
        volatile NodeTelemetry telemetry;
        volatile long telemetryAtNanos = Long.MIN_VALUE / 2;
        volatile long failures;

        Channel(Node node) {
            this.node = node;
            this.address = new InetSocketAddress(node.agent().host(), node.agent().port());
        }
    }

    public CoapActuator(Site site, AgentClient client) {
        this.client = client;
        this.session = new SecureRandom().nextLong() & Long.MAX_VALUE;
        this.leaseMs = (int) site.agents().leaseMs();
        this.telemetryDeadlineNanos = Math.max(1_000L, site.agents().leaseMs()) * 1_000_000L;
        for (Node n : site.nodes()) {
            channels.put(n.id(), new Channel(n));
        }
    }

    public long session() {
        return session;
    }

    @Override
    public void command(Node node, double capPerGpuW) {
        channels.get(node.id()).desired = capPerGpuW;
    }

    @Override
    public void flush(long nowNanos) {
        long renewNanos = (long) (leaseMs * renewFraction) * 1_000_000L;
        for (Channel c : channels.values()) {
            double want = c.desired;
            if (c.inFlight || Double.isNaN(want)) {
                continue;
            }
            boolean changed = Double.isNaN(c.sent) || Math.abs(want - c.sent) >= 0.5;
            if (changed || nowNanos - c.sentAtNanos >= renewNanos) {
                send(c, want, nowNanos);
            }
        }
    }

    private void send(Channel c, double cap, long nowNanos) {
        c.inFlight = true;
        c.sentAtNanos = nowNanos;
        long seq = ++c.sequence;
        CapCommand cmd = CapCommand.uniform(session, seq, leaseMs, c.node.gpus(), cap);
        client.setCaps(c.address, cmd).whenComplete((CapAck ack, Throwable err) -> {
            if (err == null) {
                c.sent = cap;
                c.telemetry = new NodeTelemetry(c.node.id(), ack.totalPowerW(),
                        ack.appliedLimitsW().isEmpty() ? cap : ack.appliedLimitsW().getFirst(), true);
                c.telemetryAtNanos = System.nanoTime();
                if (c.failures > 0) {
                    log.info("agent {} at {} answers again after {} failures", c.node.id(), c.address, c.failures);
                    c.failures = 0;
                }
            } else {
                c.failures++;
                if (c.failures == 1 || Long.bitCount(c.failures) == 1) {
                    log.warn("agent {} at {}: cap {} W not acknowledged: {} (failure {})", c.node.id(), c.address,
                            Math.round(cap), rootMessage(err), c.failures);
                }
            }
            c.inFlight = false;
        });
    }

    @Override
    public Optional<NodeTelemetry> telemetry(Node node, long nowNanos) {
        Channel c = channels.get(node.id());
        NodeTelemetry t = c.telemetry;
        if (t == null) {
            return Optional.empty();
        }
        boolean fresh = nowNanos - c.telemetryAtNanos <= telemetryDeadlineNanos;
        return Optional.of(fresh ? t : new NodeTelemetry(t.nodeId(), t.gpuPowerW(), t.capPerGpuW(), false));
    }

    private static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null) {
            r = r.getCause();
        }
        return r.getClass().getSimpleName() + ": " + r.getMessage();
    }

    @Override
    public void close() {
        client.close();
    }
}
