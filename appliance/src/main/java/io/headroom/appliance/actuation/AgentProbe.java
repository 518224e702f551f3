package io.headroom.appliance.actuation;

import io.headroom.appliance.clock.Clocks;
import io.headroom.appliance.site.AgentSecurity;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.headroom.drivers.gpuprotocol.AgentClient;
import io.headroom.drivers.gpuprotocol.AgentResponseException;
import io.headroom.drivers.gpuprotocol.Health;
import io.headroom.drivers.gpuprotocol.Inventory;
import io.headroom.drivers.gpuprotocol.PowerReport;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Commissioning: asks one node's agent, as the appliance reaches it (the site's {@code agents.security}: its PSK, the
 * appliance's certificate, or plain CoAP; {@link AgentTransport#client}), for its inventory (each GPU's power-limit
 * range and default), its health (lease state, safe caps, the last refused command, its loops) and its power report
 * (each GPU's power and current limit), without commanding anything: nothing is written to the agent.
 */
public final class AgentProbe {

    private AgentProbe() {
    }

    /** How the agent answered. */
    public enum Outcome {
        /** It answered all three. */
        OK,
        /** It answered with an error (a CoAP error code, a message that does not decode). */
        FAILED,
        /** No answer within the timeout, or the transport failed (with DTLS: a handshake that fails looks like this). */
        UNREACHABLE
    }

    /**
     * @param security  the site's {@code agents.security} mode ({@code none}, {@code psk}, {@code certificates})
     * @param identity  the PSK identity used (psk only), else null
     * @param roundTripMs the inventory request's round trip (the DTLS handshake included), or -1 without an answer
     * @param inventory, health, power what the agent answered (null for what it did not)
     */
    public record Result(String node, String address, String security, String identity, long roundTripMs,
                         Outcome outcome, String error, Inventory inventory, Health health, PowerReport power) {
    }

    /** A probe cannot start: the node is not in the site, or has no agent (the message names those that do). */
    public static final class UnknownNodeException extends IllegalArgumentException {
        public UnknownNodeException(String message) {
            super(message);
        }
    }

    /** The ids of the site's nodes that have an agent. */
    public static List<String> agentNodes(Site site) {
        return site.nodes().stream().filter(n -> n.agent() != null).map(Node::id).toList();
    }

    /**
     * Probes node {@code nodeId}'s agent.
     *
     * @throws UnknownNodeException  when the site has no such node with an agent
     * @throws IllegalStateException when the site's credentials cannot be used (the message names the file)
     */
    public static Result probe(Site site, String nodeId, Duration timeout, Clocks clocks) {
        Node node = site.nodes().stream().filter(n -> n.id().equals(nodeId)).findFirst().orElse(null);
        if (node == null || node.agent() == null) {
            List<String> ids = agentNodes(site);
            String known = ids.isEmpty() ? "none" : ids.size() <= 24 ? String.join(", ", ids)
                    : String.join(", ", ids.subList(0, 24)) + ", … (" + ids.size() + " in all)";
            throw new UnknownNodeException((node == null ? "no node " + nodeId + " in the site"
                    : "node " + nodeId + " has no agent (it is capped through its Redfish BMC)")
                    + "; nodes with an agent: " + known);
        }
        AgentSecurity sec = site.agents().security();
        String security = sec.mode().name().toLowerCase(java.util.Locale.ROOT);
        String identity = sec.mode() == AgentSecurity.Mode.PSK ? node.pskIdentity() : null;
        InetSocketAddress at = new InetSocketAddress(node.agent().host(), node.agent().port());
        Inventory inventory = null;
        Health health = null;
        PowerReport power = null;
        long rtt = -1;
        try (AgentClient client = AgentTransport.client(site, timeout)) {
            long t0 = clocks.monotonic().getAsLong();
            inventory = get(client.inventory(at));
            rtt = (clocks.monotonic().getAsLong() - t0) / 1_000_000;
            health = get(client.health(at));
            power = get(client.power(at));
            return new Result(node.id(), node.agent().toString(), security, identity, rtt, Outcome.OK, null,
                    inventory, health, power);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            Outcome o = c instanceof io.headroom.drivers.gpuprotocol.AgentTimeoutException
                    || c instanceof io.headroom.drivers.gpuprotocol.AgentTransportException
                    ? Outcome.UNREACHABLE : Outcome.FAILED;
            String why = c.getMessage() == null ? c.toString() : c.getMessage();
            if (c instanceof AgentResponseException r && r.diagnostic() != null && !why.contains(r.diagnostic())) {
                why = why + ": " + r.diagnostic();
            }
            if (o == Outcome.UNREACHABLE && sec.mode() != AgentSecurity.Mode.NONE) {
                why = why + " (over DTLS " + security + ": a wrong key or certificate looks like no answer too)";
            }
            return new Result(node.id(), node.agent().toString(), security, identity, rtt, o, why, inventory, health,
                    power);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static <T> T get(CompletableFuture<T> f) throws ExecutionException, InterruptedException {
        return f.get();
    }
}
