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
class DtlsIT {

    private static final InetSocketAddress ANY_LOCAL = new InetSocketAddress("127.0.0.1", 0);
    private static final long SESSION = 0xD715L;

    private final SecureRandom random = new SecureRandom();
    private final SimulatedGpus gpus = new SimulatedGpus(2, 200, 700, 700);
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @TempDir
    static Path dir;

    private static X509Certificate ca;
    private static Dtls.Certificates agentCerts;
    private static Dtls.Certificates agentN2Certs;
    private static Dtls.Certificates applianceCerts;
    private static Dtls.Certificates rogueCerts;
    private static Dtls.Certificates anonymousCerts;

    /** One PKI for the class (keytool runs take seconds each). */
    @BeforeAll
    static void pki() throws Exception {
        TestCertificates pki = new TestCertificates(dir);
        ca = pki.ca("hall-ca");
        X509Certificate rogueCa = pki.ca("rogue-ca");
        agentCerts = pki.agent("n1", "hall-ca", ca);
        agentN2Certs = pki.agent("n2", "hall-ca", ca);
        applianceCerts = pki.appliance("appliance", "hall-ca", ca);
        // the rogue appliance trusts the agents' CA, but its own certificate comes from another CA
        rogueCerts = pki.appliance("rogue", "rogue-ca", ca, rogueCa);
        // from the hall's CA, but naming no role (issued before roles, or for something else)
        anonymousCerts = pki.leaf("anonymous", "hall-ca", ca);
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

    /** A client with certificates that expects node {@code nodeId}'s agent at {@code agent}. */
    private AgentClient client(Dtls.Certificates certs, InetSocketAddress agent, String nodeId) {
        return track(AgentClient.builder().timeout(Duration.ofSeconds(3))
                .endpoint(Dtls.clientEndpoint(ANY_LOCAL, Map.of(), certs, Map.of(agent, nodeId), null,
                        GpuProtocol.ACK_TIMEOUT_MS)).build());
    }

    private static void assertForbidden(java.util.concurrent.CompletableFuture<?> f, String who) {
        assertThat(f).failsWithin(Duration.ofSeconds(10))
                .withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOfSatisfying(AgentResponseException.class, e -> {
                    assertThat(e.codeText()).isEqualTo("4.03");
                    assertThat(e.diagnostic()).contains(who).contains("is not the appliance")
                            .contains(PeerIdentity.APPLIANCE);
                });
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
        AgentClient client = client(applianceCerts, agent.address(), "n1");

        CapAck ack = client.setCaps(agent.address(), CapCommand.uniform(SESSION, 1, 5000, 2, 450)).get();
        assertThat(ack.appliedLimitsW()).containsOnly(450.0);
        assertThat(gpus.limitsW()).containsOnly(450.0);
    }

    @Test
    void anAgentsCertificateCommandsNoAgentNotEvenItself() throws Exception {
        // root on GPU server n1 uses its agent's certificate (from the hall's CA) against n2's agent
        NodeAgent n2 = agent(Dtls.agentEndpoint(ANY_LOCAL, agentN2Certs, "dtls-agent"));
        AgentClient fromN1 = client(agentCerts, n2.address(), "n2");
        assertForbidden(fromN1.setCaps(n2.address(), CapCommand.uniform(SESSION, 1, 5000, 2, 450)),
                "CN=agent-n1 (role urn:headroom:role:agent, node n1)");
        assertForbidden(fromN1.arm(n2.address(), new ContingencyTable(SESSION, 1, 0, TriggerKey.random(random), 5000,
                List.of(new ContingencyTable.Contingency(0, List.of(200.0, 200.0))), null)), "n1");
        assertForbidden(fromN1.health(n2.address()), "n1");
        assertThat(gpus.limitsW()).as("still the safe cap").containsOnly(250.0);
        assertThat(n2.armedTable()).isNull();
        assertThat(n2.forbiddenRequests()).isEqualTo(3);
        // and against its own agent: agents never command
        NodeAgent n1 = agent(Dtls.agentEndpoint(ANY_LOCAL, agentCerts, "dtls-agent-n1"));
        AgentClient toItself = client(agentCerts, n1.address(), "n1");
        assertForbidden(toItself.setCaps(n1.address(), CapCommand.uniform(SESSION, 1, 5000, 2, 450)), "n1");
        // a hall certificate naming no role is not the appliance either
        AgentClient anonymous = client(anonymousCerts, n1.address(), "n1");
        assertForbidden(anonymous.setCaps(n1.address(), CapCommand.uniform(SESSION, 2, 5000, 2, 450)), "role none");
        assertThat(gpus.limitsW()).containsOnly(250.0);
    }

    @Test
    void theApplianceRefusesAnAgentPresentingAnotherNodesCertificate() throws Exception {
        // n1's address answers with n2's certificate (a swapped or stolen key): the appliance does not talk to it
        NodeAgent impostor = agent(Dtls.agentEndpoint(ANY_LOCAL, agentN2Certs, "dtls-agent"));
        AgentClient appliance = client(applianceCerts, impostor.address(), "n1");
        assertRefused(appliance.setCaps(impostor.address(), CapCommand.uniform(SESSION, 1, 5000, 2, 450)));
        // nor to an agent at an address the site does not name, nor to the appliance's own role
        NodeAgent unnamed = agent(Dtls.agentEndpoint(ANY_LOCAL, agentCerts, "dtls-agent-2"));
        assertRefused(appliance.setCaps(unnamed.address(), CapCommand.uniform(SESSION, 2, 5000, 2, 450)));
        NodeAgent posing = agent(Dtls.agentEndpoint(ANY_LOCAL, applianceCerts, "dtls-agent-3"));
        AgentClient toPosing = client(applianceCerts, posing.address(), "n1");
        assertRefused(toPosing.setCaps(posing.address(), CapCommand.uniform(SESSION, 3, 5000, 2, 450)));
        assertThat(gpus.limitsW()).as("nothing reached any of them").containsOnly(250.0);
        // the right node at the right address is accepted
        NodeAgent n2 = agent(Dtls.agentEndpoint(ANY_LOCAL, agentN2Certs, "dtls-agent-4"));
        assertThat(client(applianceCerts, n2.address(), "n2")
                .setCaps(n2.address(), CapCommand.uniform(SESSION, 4, 5000, 2, 450)).get().appliedLimitsW())
                .containsOnly(450.0);
    }

    @Test
    void aCertificateFromAnotherCaFailsTheHandshake() throws Exception {
        NodeAgent agent = agent(Dtls.agentEndpoint(ANY_LOCAL, agentCerts, "dtls-agent"));
        AgentClient rogue = client(rogueCerts, agent.address(), "n1");

        assertRefused(rogue.setCaps(agent.address(), CapCommand.uniform(SESSION, 1, 5000, 2, 450)));
        assertThat(gpus.limitsW()).containsOnly(250.0);
    }
}
