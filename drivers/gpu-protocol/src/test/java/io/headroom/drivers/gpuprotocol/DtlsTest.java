package io.headroom.drivers.gpuprotocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DTLS 1.2 (Scandium) between the client and agents: PSK and certificates, right and wrong credentials. */
class DtlsTest {

    private static final InetSocketAddress ANY_LOCAL = new InetSocketAddress("127.0.0.1", 0);
    private static final long SESSION = 0xD715L;

    private final SecureRandom random = new SecureRandom();
    private final SimulatedGpus gpus = new SimulatedGpus(2, 200, 700, 700);
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @TempDir
    static Path dir;

    private static X509Certificate ca;
    private static Dtls.Certificates agentCerts;
    private static Dtls.Certificates applianceCerts;
    private static Dtls.Certificates rogueCerts;

    /** One PKI for the class (keytool runs take seconds each). */
    @BeforeAll
    static void pki() throws Exception {
        TestCertificates pki = new TestCertificates(dir);
        ca = pki.ca("hall-ca");
        X509Certificate rogueCa = pki.ca("rogue-ca");
        agentCerts = pki.leaf("agent-n1", "hall-ca", ca);
        applianceCerts = pki.leaf("appliance", "hall-ca", ca);
        // the rogue appliance trusts the agents' CA, but its own certificate comes from another CA
        rogueCerts = pki.leaf("rogue", "rogue-ca", ca, rogueCa);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        closeables.add(c);
        return c;
    }

    private byte[] key() {
        byte[] k = new byte[32];
        random.nextBytes(k);
        return k;
    }

    private NodeAgent agent(org.eclipse.californium.core.network.CoapEndpoint endpoint) {
        return track(NodeAgent.builder(gpus).name("dtls-agent").endpoint(endpoint)
                .powerPublishInterval(Duration.ZERO).safeCapW(250).start());
    }

    private AgentClient client(Map<InetSocketAddress, Dtls.Psk> psks, Dtls.Certificates certs) {
        return track(AgentClient.builder().timeout(Duration.ofSeconds(3))
                .endpoint(Dtls.clientEndpoint(ANY_LOCAL, psks, certs, null)).build());
    }

    private static void assertRefused(java.util.concurrent.CompletableFuture<?> f) {
        assertThat(f).failsWithin(Duration.ofSeconds(10))
                .withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOf(AgentException.class);
    }

    @Test
    void perAgentPskCapsTheAgent() throws Exception {
        byte[] k = key();
        NodeAgent agent = agent(Dtls.agentEndpoint(ANY_LOCAL, new Dtls.Psk("agent-n1", k), "dtls-agent"));
        AgentClient client = client(Map.of(agent.address(), new Dtls.Psk("agent-n1", k)), null);

        assertThat(client.inventory(agent.address()).get().gpuCount()).isEqualTo(2);
        CapAck ack = client.setCaps(agent.address(), CapCommand.uniform(SESSION, 1, 5000, 2, 400)).get();
        assertThat(ack.sequence()).isEqualTo(1);
        assertThat(gpus.limitsW()).containsOnly(400.0);
    }

    @Test
    void aWrongPskFailsTheHandshakeAndChangesNothing() {
        NodeAgent agent = agent(Dtls.agentEndpoint(ANY_LOCAL, new Dtls.Psk("agent-n1", key()), "dtls-agent"));
        AgentClient wrongKey = client(Map.of(agent.address(), new Dtls.Psk("agent-n1", key())), null);
        assertRefused(wrongKey.setCaps(agent.address(), CapCommand.uniform(SESSION, 1, 5000, 2, 400)));

        AgentClient wrongIdentity = client(Map.of(agent.address(), new Dtls.Psk("agent-n2", key())), null);
        assertRefused(wrongIdentity.setCaps(agent.address(), CapCommand.uniform(SESSION, 2, 5000, 2, 400)));

        assertThat(gpus.limitsW()).as("still the safe cap").containsOnly(250.0);
        assertThat(agent.health().lastSequence()).isEqualTo(Health.NO_SEQUENCE);
    }

    @Test
    void aRestartedAgentIsReachedAgainThroughANewHandshake() throws Exception {
        byte[] k = key();
        NodeAgent first = agent(Dtls.agentEndpoint(ANY_LOCAL, new Dtls.Psk("agent-n1", k), "dtls-agent"));
        InetSocketAddress address = first.address();
        AgentClient client = track(AgentClient.builder().timeout(Duration.ofMillis(400))
                .endpoint(Dtls.clientEndpoint(ANY_LOCAL, Map.of(address, new Dtls.Psk("agent-n1", k)), null, null, 80))
                .build());
        assertThat(client.setCaps(address, CapCommand.uniform(SESSION, 1, 5000, 2, 400)).get().sequence()).isEqualTo(1);

        // The agent's process restarts on the same port: its DTLS session is gone, and it drops what the old one
        // encrypts without an answer.
        first.close();
        NodeAgent restarted = agent(Dtls.agentEndpoint(address, new Dtls.Psk("agent-n1", k), "dtls-agent"));
        assertThat(restarted.leaseState()).isEqualTo(LeaseState.SAFE_CAP);
        int unanswered = 0;
        CapAck ack = null;
        for (long seq = 2; seq < 12 && ack == null; seq++) {
            try {
                ack = client.setCaps(address, CapCommand.uniform(SESSION, seq, 5000, 2, 420)).get();
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(AgentTimeoutException.class);
                unanswered++;
            }
        }
        assertThat(ack).as("answered again").isNotNull();
        assertThat(unanswered).as("requests lost to the dead session before the new handshake")
                .isBetween(1, AgentClient.REHANDSHAKE_AFTER_TIMEOUTS);
        assertThat(restarted.leaseState()).isEqualTo(LeaseState.CAPPED);
        assertThat(gpus.limitsW()).containsOnly(420.0);
    }

    @Test
    void plainUdpGetsNothingFromADtlsAgent() {
        NodeAgent agent = agent(Dtls.agentEndpoint(ANY_LOCAL, new Dtls.Psk("agent-n1", key()), "dtls-agent"));
        AgentClient plain = track(AgentClient.builder().timeout(Duration.ofMillis(800)).build());
        assertRefused(plain.setCaps(agent.address(), CapCommand.uniform(SESSION, 1, 5000, 2, 400)));
        assertThat(gpus.limitsW()).containsOnly(250.0);
    }

    @Test
    void certificatesSignedByTheTrustedCaWork() throws Exception {
        NodeAgent agent = agent(Dtls.agentEndpoint(ANY_LOCAL, agentCerts, "dtls-agent"));
        AgentClient client = client(Map.of(), applianceCerts);

        CapAck ack = client.setCaps(agent.address(), CapCommand.uniform(SESSION, 1, 5000, 2, 450)).get();
        assertThat(ack.appliedLimitsW()).containsOnly(450.0);
        assertThat(gpus.limitsW()).containsOnly(450.0);
    }

    @Test
    void aCertificateFromAnotherCaFailsTheHandshake() throws Exception {
        NodeAgent agent = agent(Dtls.agentEndpoint(ANY_LOCAL, agentCerts, "dtls-agent"));
        AgentClient rogue = client(Map.of(), rogueCerts);

        assertRefused(rogue.setCaps(agent.address(), CapCommand.uniform(SESSION, 1, 5000, 2, 450)));
        assertThat(gpus.limitsW()).containsOnly(250.0);
    }
}
