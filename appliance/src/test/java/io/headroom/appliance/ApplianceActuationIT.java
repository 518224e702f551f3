package io.headroom.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.drivers.gpuprotocol.Dtls;
import io.headroom.drivers.gpuprotocol.Health;
import io.headroom.drivers.gpuprotocol.LeaseState;
import io.headroom.drivers.gpuprotocol.NodeAgent;
import io.headroom.drivers.gpuprotocol.SimulatedGpus;
import io.headroom.drivers.redfish.RedfishMock;
import io.headroom.testsupport.TestPki;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@link Appliance} started from a site file commands real {@link NodeAgent}s over DTLS-PSK with the keys
 * the file names, and caps a server without an agent through its BMC (the Redfish mock) in the same run. The site
 * is {@code sites/minimal-2feed.yaml} (nodes n1, n2 of 8 GPUs, base 1500 W) with its agents on ephemeral ports and
 * its meters on closed ports: no usable meter, so regulation holds every node at its N-1 safe cap (set to 300 W;
 * n1, critical, at its 600 W floor).
 */
class ApplianceActuationIT {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final double SAFE_W = 300;

    @TempDir
    Path dir;
    final List<AutoCloseable> open = new ArrayList<>();
    final SecureRandom random = new SecureRandom();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

    private byte[] key() {
        byte[] k = new byte[32];
        random.nextBytes(k);
        return k;
    }

    private NodeAgent agent(String name, Dtls.Psk psk) {
        NodeAgent.Builder b = NodeAgent.builder(new SimulatedGpus(8, 200, 700, 700)).name(name)
                .powerPublishInterval(Duration.ZERO).safeCapW(250);
        InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
        return track(psk == null ? b.bindAddress(any).start() : b.endpoint(Dtls.agentEndpoint(any, psk, name)).start());
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The minimal site with these agents, no banks, unreachable meters, and {@code agents} as given. */
    private String site(NodeAgent n1, NodeAgent n2, String agents) throws Exception {
        String text;
        try (InputStream in = getClass().getResourceAsStream("/sites/minimal-2feed.yaml")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        text = text.replace("127.0.0.1:57001", "127.0.0.1:" + n1.port()).replace("127.0.0.1:57002", "127.0.0.1:" + n2.port())
                .replace("127.0.0.1:15021", "127.0.0.1:" + closedPort()).replace("127.0.0.1:15022", "127.0.0.1:" + closedPort());
        text = text.substring(0, text.indexOf("supercaps:")) + text.substring(text.indexOf("control:"));
        return text + agents;
    }

    private Appliance start(String siteText) throws Exception {
        Path file = dir.resolve("site.yaml");
        Files.writeString(file, siteText);
        Site site = SiteLoader.load(file);
        return track(Appliance.start(site, Appliance.Options.of("127.0.0.1", 0, dir.resolve("data"))));
    }

    /** Capped at the safe cap (n2, standard) or at its floor above it (n1 is critical with a 600 W floor). */
    private static void awaitCapped(NodeAgent a) {
        double w = a.name().equals("n1") ? 600 : SAFE_W;
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(a.leaseState()).isEqualTo(LeaseState.CAPPED);
            assertThat(a.powerReport().gpus()).allSatisfy(g -> assertThat(g.limitW()).isEqualTo(w));
        });
    }

    @Test
    void agentsAreCommandedOverDtlsPskWithTheSiteFilesKeysAndAWrongKeyGetsNothing() throws Exception {
        byte[] k1 = key();
        NodeAgent n1 = agent("n1", new Dtls.Psk("n1", k1));
        NodeAgent n2 = agent("n2", new Dtls.Psk("agent-n2", key())); // holds a key the site does not have
        Files.writeString(dir.resolve("agents.keys"), "n1 " + HexFormat.of().formatHex(k1) + "\n");
        Files.writeString(dir.resolve("n2.psk"), HexFormat.of().formatHex(key()) + "\n");
        String text = site(n1, n2, "agents:\n  safeCap: 300 W\n  security: psk\n  pskKeys: agents.keys\n")
                .replace("        priority: standard", "        priority: standard\n        pskIdentity: agent-n2\n"
                        + "        pskKeyFile: n2.psk");
        Appliance appliance = start(text);

        awaitCapped(n1);
        long session = n1.health().session();
        assertThat(session).isNotZero();
        // the appliance keeps renewing n1 over DTLS, and n2 never completes a handshake: nothing reached its /cap
        long seq = n1.health().lastSequence();
        await().atMost(WAIT).until(() -> n1.health().lastSequence() > seq + 2);
        assertThat(n2.health().lastSequence()).isEqualTo(Health.NO_SEQUENCE);
        assertThat(n2.leaseState()).isNotEqualTo(LeaseState.CAPPED);
        assertThat(n2.powerReport().gpus()).allSatisfy(g -> assertThat(g.limitW()).isEqualTo(250.0));
        assertThat(appliance.state().tick()).isPositive();
    }

    @Test
    void plainAgentsOnlyWithSecurityNone() throws Exception {
        NodeAgent n1 = agent("n1", null);
        NodeAgent n2 = agent("n2", null);
        Files.writeString(dir.resolve("agents.keys"), "n1 " + HexFormat.of().formatHex(key()) + "\nn2 "
                + HexFormat.of().formatHex(key()) + "\n");
        // psk (the default) against plain agents: no handshake, nothing commanded
        try (Appliance dtls = Appliance.start(SiteLoader.parse(dir.resolve("a.yaml").toString(),
                site(n1, n2, "agents:\n  safeCap: 300 W\n  pskKeys: agents.keys\n")),
                Appliance.Options.of("127.0.0.1", 0, dir.resolve("data-psk")))) {
            await().atMost(WAIT).until(() -> dtls.state() != null && dtls.state().tick() > 20);
            assertThat(n1.health().lastSequence()).isEqualTo(Health.NO_SEQUENCE);
        }
        start(site(n1, n2, "agents:\n  safeCap: 300 W\n  security: none\n"));
        awaitCapped(n1);
        awaitCapped(n2);
    }

    @Test
    void aNodeWithoutAnAgentIsCappedThroughItsBmc() throws Exception {
        Vertx vertx = Vertx.vertx();
        open.add(() -> vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
        TestPki.Server tls = new TestPki(Files.createDirectories(dir.resolve("pki"))).server("bmc-ca", "bmc");
        RedfishMock bmc = track(RedfishMock.start(vertx, tls));
        Files.writeString(dir.resolve("bmc.pass"), RedfishMock.PASSWORD + "\n");
        NodeAgent n1 = agent("n1", null);
        NodeAgent n2 = agent("n2", null);
        String text = site(n1, n2, "agents:\n  safeCap: 300 W\n  security: none\n")
                .replace("        priority: standard\n", "        priority: standard\n"
                        + "      - id: n3\n        gpus: 4\n        base: 800 W\n        priority: standard\n"
                        + "        redfish: {url: \"" + bmc.uri() + "\", user: " + RedfishMock.USER
                        + ", passwordFile: bmc.pass, ca: " + tls.caPem() + ", chassis: \"1\"}\n");
        Appliance appliance = start(text);
        assertThat(appliance.site().nodes().get(2).viaRedfish()).isTrue();

        // 4 GPUs × the 300 W safe cap + the 800 W base, through the chassis' PowerLimit control
        await().atMost(WAIT).untilAsserted(() -> assertThat(bmc.chassis.get("1").limitW).isEqualTo(4 * SAFE_W + 800));
        assertThat(bmc.patchesTo("/redfish/v1/Chassis/1/Controls/PowerLimit")).isPositive();
        assertThat(bmc.sessions).hasSize(1);
        awaitCapped(n1);
        awaitCapped(n2);
        // its telemetry (the BMC's reading less the base) reaches regulation's state
        await().atMost(WAIT).untilAsserted(() -> assertThat(appliance.state().nodes().get("n3")).isNotNull());
        appliance.close();
        open.remove(appliance);
        assertThat(bmc.sessions).as("the BMC session ends with the appliance").isEmpty();
    }
}
