package io.headroom.drivers.gpuprotocol;

import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;

import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.CertificateAuthenticationMode;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.Handshaker;
import org.eclipse.californium.scandium.dtls.SessionAdapter;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedMultiPskStore;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DTLS 1.2 endpoints (Eclipse Scandium) for both sides, with a pre-shared key per agent or with
 * X.509 certificates (ECDSA), mutual in both cases: an agent serves only an appliance that holds
 * its PSK or a certificate its trust anchors accept, and the appliance talks only to agents that
 * prove the same. A peer with a wrong key fails the handshake; nothing it sends reaches a
 * resource. The endpoints are not started; hand them to {@link NodeAgent.Builder#endpoint} or
 * {@link AgentClient.Builder#endpoint}.
 */
public final class Dtls {

    private static final Logger LOG = LoggerFactory.getLogger(Dtls.class);

    /** Default CoAPS port. */
    public static final int DEFAULT_PORT = 5684;

    private Dtls() {
    }

    /** A pre-shared key and the identity that names it (the agent's, e.g. {@code "agent-n17"}). */
    public record Psk(String identity, byte[] key) {
        public Psk {
            Objects.requireNonNull(identity, "identity");
            if (identity.isEmpty()) {
                throw new IllegalArgumentException("PSK identity is empty");
            }
            if (key == null || key.length < 16) {
                throw new IllegalArgumentException("PSK for " + identity + " must be at least 16 bytes, got "
                        + (key == null ? "none" : key.length));
            }
            key = key.clone();
        }

        @Override
        public byte[] key() {
            return key.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Psk p && p.identity.equals(identity) && MessageDigest.isEqual(p.key, key);
        }

        @Override
        public int hashCode() {
            return identity.hashCode() * 31 + Arrays.hashCode(key);
        }

        /** Never prints the key. */
        @Override
        public String toString() {
            return "Psk[identity=" + identity + ", key=redacted]";
        }
    }

    /**
     * Own private key and certificate chain (leaf first), and the certificates trusted as anchors
     * for the peer's chain.
     */
    public record Certificates(PrivateKey privateKey, List<X509Certificate> chain, List<X509Certificate> trusted) {
        public Certificates {
            Objects.requireNonNull(privateKey, "privateKey");
            chain = List.copyOf(chain);
            trusted = List.copyOf(trusted);
            if (chain.isEmpty()) {
                throw new IllegalArgumentException("certificate chain is empty");
            }
            if (trusted.isEmpty()) {
                throw new IllegalArgumentException("no trusted certificates: every peer would be refused");
            }
        }

        @Override
        public String toString() {
            return "Certificates[subject=" + chain.getFirst().getSubjectX500Principal() + ", trusted="
                    + trusted.size() + "]";
        }
    }

    /**
     * The Californium configuration for a DTLS endpoint: {@link GpuProtocol#configuration()}
     * plus Scandium's settings with one receiver thread and one handshake thread.
     */
    public static Configuration configuration(boolean server, int maxConnections) {
        return configuration(server, maxConnections, GpuProtocol.ACK_TIMEOUT_MS);
    }

    /**
     * The same with CoAP's initial retransmission timeout at {@code ackTimeoutMs}; a DTLS handshake flight is
     * retransmitted after twice that (at least 100 ms; Scandium's default is 1 s), so that a handshake survives a
     * lost flight within a lease.
     */
    public static Configuration configuration(boolean server, int maxConnections, int ackTimeoutMs) {
        DtlsConfig.register();
        Configuration c = GpuProtocol.configuration(ackTimeoutMs);
        c.set(DtlsConfig.DTLS_RETRANSMISSION_TIMEOUT, Math.max(100, 2 * ackTimeoutMs), java.util.concurrent.TimeUnit.MILLISECONDS);
        c.set(DtlsConfig.DTLS_ROLE, server ? DtlsConfig.DtlsRole.SERVER_ONLY : DtlsConfig.DtlsRole.CLIENT_ONLY);
        c.set(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT, 1);
        c.set(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT, 1);
        c.set(DtlsConfig.DTLS_MAX_CONNECTIONS, maxConnections);
        c.set(DtlsConfig.DTLS_CLIENT_AUTHENTICATION_MODE, CertificateAuthenticationMode.NEEDED);
        c.set(DtlsConfig.DTLS_VERIFY_SERVER_CERTIFICATES_SUBJECT, false);
        return c;
    }

    /** An agent's endpoint that accepts only an appliance holding {@code psk}. */
    public static CoapEndpoint agentEndpoint(InetSocketAddress bind, Psk psk, String tag) {
        AdvancedMultiPskStore store = new AdvancedMultiPskStore();
        store.setKey(psk.identity(), psk.key);
        return endpoint(bind, true, 64, store, null, tag, null, GpuProtocol.ACK_TIMEOUT_MS, null);
    }

    /**
     * An agent's endpoint with certificates (the peer must present a chain the agent trusts). Which peer may do what
     * is the agent's call, per request: only a certificate with {@link PeerIdentity#APPLIANCE} is served
     * ({@link NodeAgent}); any other gets 4.03.
     */
    public static CoapEndpoint agentEndpoint(InetSocketAddress bind, Certificates certificates, String tag) {
        return endpoint(bind, true, 64, null, certificates, tag, null, GpuProtocol.ACK_TIMEOUT_MS, null);
    }

    /**
     * The appliance's endpoint: {@code pskByAgent} gives the PSK to use with each agent address
     * (may be empty), {@code certificates} the appliance's certificate for agents without a PSK
     * (may be null). {@code handshakeExecutor}, if not null, runs the handshakes (shared; not shut down).
     */
    public static CoapEndpoint clientEndpoint(InetSocketAddress bind, Map<InetSocketAddress, Psk> pskByAgent,
                                              Certificates certificates, ExecutorService handshakeExecutor) {
        return clientEndpoint(bind, pskByAgent, certificates, handshakeExecutor, GpuProtocol.ACK_TIMEOUT_MS);
    }

    /** The same with CoAP's initial retransmission timeout at {@code ackTimeoutMs} ({@link #configuration(boolean, int, int)}). */
    public static CoapEndpoint clientEndpoint(InetSocketAddress bind, Map<InetSocketAddress, Psk> pskByAgent,
                                              Certificates certificates, ExecutorService handshakeExecutor,
                                              int ackTimeoutMs) {
        return clientEndpoint(bind, pskByAgent, certificates, Map.of(), handshakeExecutor, ackTimeoutMs);
    }

    /**
     * The appliance's endpoint, where {@code nodeByAgent} names the node expected at each agent address: with
     * certificates, an agent is accepted only when its certificate carries {@link PeerIdentity#AGENT} and that node
     * ({@code urn:headroom:node:<id>}); one at an address not in the map is refused. The handshake fails with
     * {@code bad_certificate} and a warning naming what the certificate said and what was expected.
     */
    public static CoapEndpoint clientEndpoint(InetSocketAddress bind, Map<InetSocketAddress, Psk> pskByAgent,
                                              Certificates certificates, Map<InetSocketAddress, String> nodeByAgent,
                                              ExecutorService handshakeExecutor, int ackTimeoutMs) {
        AdvancedMultiPskStore store = null;
        if (!pskByAgent.isEmpty()) {
            store = new AdvancedMultiPskStore();
            for (Map.Entry<InetSocketAddress, Psk> e : pskByAgent.entrySet()) {
                store.addKnownPeer(e.getKey(), e.getValue().identity(), e.getValue().key);
            }
        }
        if (store == null && certificates == null) {
            throw new IllegalArgumentException("a DTLS client needs PSKs or a certificate");
        }
        return endpoint(bind, false, Math.max(1024, pskByAgent.size() * 2), store, certificates, "agent-client-dtls",
                handshakeExecutor, ackTimeoutMs, Map.copyOf(nodeByAgent));
    }

    /**
     * A DTLS endpoint for agents sharing a process ({@code handshakeExecutor}: their handshakes
     * run there instead of one thread per agent; not shut down by the endpoint).
     */
    public static CoapEndpoint agentEndpoint(InetSocketAddress bind, Psk psk, String tag,
                                             ExecutorService handshakeExecutor) {
        AdvancedMultiPskStore store = new AdvancedMultiPskStore();
        store.setKey(psk.identity(), psk.key);
        return endpoint(bind, true, 64, store, null, tag, handshakeExecutor, GpuProtocol.ACK_TIMEOUT_MS, null);
    }

    private static CoapEndpoint endpoint(InetSocketAddress bind, boolean server, int maxConnections,
                                         AdvancedMultiPskStore psk, Certificates certs, String tag,
                                         ExecutorService executor, int ackTimeoutMs,
                                         Map<InetSocketAddress, String> nodeByAgent) {
        Configuration config = configuration(server, maxConnections, ackTimeoutMs);
        DtlsConnectorConfig.Builder b = DtlsConnectorConfig.builder(config).setAddress(bind).setLoggingTag(tag);
        if (psk != null) {
            b.setAdvancedPskStore(psk);
        }
        if (certs != null) {
            b.setCertificateIdentityProvider(new SingleCertificateProvider(certs.privateKey(),
                    certs.chain().toArray(new X509Certificate[0]), CertificateType.X_509));
            StaticNewAdvancedCertificateVerifier chains = (StaticNewAdvancedCertificateVerifier)
                    StaticNewAdvancedCertificateVerifier.builder()
                            .setTrustedCertificates(certs.trusted().toArray(new X509Certificate[0])).build();
            b.setAdvancedCertificateVerifier(nodeByAgent == null ? chains : new AgentIdentityVerifier(chains, nodeByAgent, tag));
        }
        DTLSConnector connector = new LoggingConnector(b.build(), tag);
        if (executor != null) {
            connector.setExecutor(executor);
        }
        return CoapEndpoint.builder().setConfiguration(config).setConnector(connector).setLoggingTag(tag).build();
    }

    /**
     * The appliance's check of an agent's certificate: the chain first (the trusted anchors), then the identity: the
     * agent role and the node expected at the address the appliance is talking to.
     */
    private static final class AgentIdentityVerifier implements org.eclipse.californium.scandium.dtls.x509.NewAdvancedCertificateVerifier {
        private final StaticNewAdvancedCertificateVerifier chains;
        private final Map<InetSocketAddress, String> nodeByAgent;
        private final String tag;

        AgentIdentityVerifier(StaticNewAdvancedCertificateVerifier chains, Map<InetSocketAddress, String> nodeByAgent,
                              String tag) {
            this.chains = chains;
            this.nodeByAgent = nodeByAgent;
            this.tag = tag;
        }

        @Override
        public List<CertificateType> getSupportedCertificateTypes() {
            return chains.getSupportedCertificateTypes();
        }

        @Override
        public org.eclipse.californium.scandium.dtls.CertificateVerificationResult verifyCertificate(
                org.eclipse.californium.scandium.dtls.ConnectionId cid,
                org.eclipse.californium.scandium.util.ServerNames serverName, InetSocketAddress remotePeer,
                boolean clientUsage, boolean verifySubject, boolean truncateCertificatePath,
                org.eclipse.californium.scandium.dtls.CertificateMessage message) {
            org.eclipse.californium.scandium.dtls.CertificateVerificationResult r = chains.verifyCertificate(cid,
                    serverName, remotePeer, clientUsage, verifySubject, truncateCertificatePath, message);
            if (r.getException() != null || r.getCertificatePath() == null
                    || r.getCertificatePath().getCertificates().isEmpty()) {
                return r;
            }
            X509Certificate leaf = (X509Certificate) r.getCertificatePath().getCertificates().getFirst();
            String expected = nodeByAgent.get(remotePeer);
            if (expected != null && PeerIdentity.of(leaf).agentOf(expected)) {
                return r;
            }
            String why = "agent at " + remotePeer + " presented " + PeerIdentity.describe(leaf) + "; expected "
                    + (expected == null ? "no agent at that address (not in the site)"
                    : PeerIdentity.AGENT + " and " + PeerIdentity.NODE_PREFIX + expected);
            LOG.warn("{}: refused: {}", tag, why);
            return new org.eclipse.californium.scandium.dtls.CertificateVerificationResult(cid,
                    new org.eclipse.californium.scandium.dtls.HandshakeException(why,
                            new org.eclipse.californium.scandium.dtls.AlertMessage(
                                    org.eclipse.californium.scandium.dtls.AlertMessage.AlertLevel.FATAL,
                                    org.eclipse.californium.scandium.dtls.AlertMessage.AlertDescription.BAD_CERTIFICATE)),
                    null);
        }

        @Override
        public List<javax.security.auth.x500.X500Principal> getAcceptedIssuers() {
            return chains.getAcceptedIssuers();
        }

        @Override
        public void setResultHandler(org.eclipse.californium.scandium.dtls.HandshakeResultHandler resultHandler) {
            chains.setResultHandler(resultHandler);
        }
    }

    /** Logs every failed handshake (a wrong key or an untrusted certificate) as a warning. */
    private static final class LoggingConnector extends DTLSConnector {
        private final String tag;

        LoggingConnector(DtlsConnectorConfig config, String tag) {
            super(config);
            this.tag = tag;
        }

        @Override
        protected void onInitializeHandshaker(Handshaker handshaker) {
            super.onInitializeHandshaker(handshaker);
            handshaker.addSessionListener(new SessionAdapter() {
                @Override
                public void handshakeFailed(Handshaker h, Throwable error) {
                    LOG.warn("{}: DTLS handshake with {} failed, nothing it sent is served: {}", tag, h.getPeerAddress(),
                            error.getMessage());
                }
            });
        }
    }
}
