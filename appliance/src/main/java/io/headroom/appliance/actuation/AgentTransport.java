package io.headroom.appliance.actuation;

import io.headroom.appliance.site.AgentKeys;
import io.headroom.appliance.site.AgentSecurity;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.headroom.drivers.gpuprotocol.AgentClient;
import io.headroom.drivers.gpuprotocol.Dtls;
import io.headroom.drivers.gpuprotocol.GpuProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The appliance's client of its node agents, as the site's {@code agents.security} says: DTLS-PSK with each agent's
 * key (its own {@code pskKeyFile}, or its identity's line in {@code agents.pskKeys}), DTLS with the appliance's
 * certificate, or plain CoAP (only with {@code security: none}, and a warning).
 */
public final class AgentTransport {

    private static final Logger log = LoggerFactory.getLogger(AgentTransport.class);

    private AgentTransport() {
    }

    /**
     * @throws IllegalStateException when a key or certificate named by the site cannot be used (the message names
     *                               the file; never the key)
     */
    public static AgentClient client(Site site, Duration timeout) {
        AgentSecurity sec = site.agents().security();
        List<Node> agents = site.nodes().stream().filter(n -> n.agent() != null).toList();
        // CoAP retransmits a lost request (or answer) after a fifth of the request timeout, so a command is sent
        // about three times before it fails: at 20 % loss a lease renewal still gets through.
        int ackMs = ackTimeoutMs(timeout);
        AgentClient.Builder b = AgentClient.builder().timeout(timeout).configuration(GpuProtocol.configuration(ackMs));
        InetSocketAddress any = new InetSocketAddress(0);
        try {
            switch (sec.mode()) {
                case NONE -> {
                    if (!agents.isEmpty()) {
                        log.warn("agents.security: none: the appliance commands its {} agents over plain CoAP; anyone on "
                                + "the hall network can send them caps and read them (use psk or certificates)",
                                agents.size());
                    }
                }
                case PSK -> {
                    if (!agents.isEmpty()) {
                        Map<String, byte[]> keys = sec.pskKeys() == null ? Map.of() : AgentKeys.readKeysFile(sec.pskKeys());
                        Map<InetSocketAddress, Dtls.Psk> byAddress = new LinkedHashMap<>();
                        for (Node n : agents) {
                            byAddress.put(new InetSocketAddress(n.agent().host(), n.agent().port()), AgentKeys.psk(n, keys));
                        }
                        b.endpoint(Dtls.clientEndpoint(any, byAddress, null, null, ackMs));
                        log.info("agents over DTLS 1.2 with a PSK each ({} agents)", agents.size());
                    }
                }
                case CERTIFICATES -> {
                    Dtls.Certificates certs = AgentKeys.certificates(sec.keyStore(), sec.keyStorePasswordFile(),
                            sec.trustedCertificates());
                    // each agent must present its own node's certificate (role agent, urn:headroom:node:<id>)
                    b.endpoint(Dtls.clientEndpoint(any, Map.of(), certs, nodeByAgent(agents), null, ackMs));
                    log.info("agents over DTLS 1.2 with certificates ({}; {} agents, each checked against its node)",
                            certs, agents.size());
                }
            }
        } catch (AgentKeys.KeyFileException e) {
            throw new IllegalStateException("agent credentials: " + e.getMessage(), e);
        }
        return b.build();
    }

    /**
     * The interface whose address is {@code address} (the loopback for a 127.x address), or null for null (the
     * routing table chooses): where the contingency trigger sends its multicast from ({@code agents.multicastInterface}).
     *
     * @throws IllegalStateException when no interface of this machine has the address
     */
    public static java.net.NetworkInterface multicastInterface(String address) throws java.io.IOException {
        if (address == null) {
            return null;
        }
        java.net.InetAddress a = java.net.InetAddress.getByName(address);
        if (a.isLoopbackAddress()) {
            for (java.net.NetworkInterface nif : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                if (nif.isLoopback() && nif.isUp()) {
                    return nif;
                }
            }
        }
        java.net.NetworkInterface nif = java.net.NetworkInterface.getByInetAddress(a);
        if (nif == null) {
            throw new IllegalStateException("agents.multicastInterface: no network interface of this machine has the "
                    + "address " + address);
        }
        return nif;
    }

    /** The node the site places at each agent address. */
    static Map<InetSocketAddress, String> nodeByAgent(List<Node> agents) {
        Map<InetSocketAddress, String> m = new LinkedHashMap<>();
        for (Node n : agents) {
            m.put(new InetSocketAddress(n.agent().host(), n.agent().port()), n.id());
        }
        return m;
    }

    /** CoAP's initial retransmission timeout for a request timeout: a fifth of it, at least 20 ms. */
    static int ackTimeoutMs(Duration timeout) {
        return (int) Math.max(20, timeout.toMillis() / 5);
    }
}
