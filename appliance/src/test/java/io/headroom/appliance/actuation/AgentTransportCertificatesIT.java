package io.headroom.appliance.actuation;

import static org.assertj.core.api.Assertions.assertThat;

import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.appliance.site.SiteValidationException;
import io.headroom.drivers.gpuprotocol.AgentClient;
import io.headroom.drivers.gpuprotocol.AgentException;
import io.headroom.drivers.gpuprotocol.CapCommand;
import io.headroom.drivers.gpuprotocol.Dtls;
import io.headroom.drivers.gpuprotocol.NodeAgent;
import io.headroom.drivers.gpuprotocol.PeerIdentity;
import io.headroom.drivers.gpuprotocol.SimulatedGpus;
import io.headroom.testsupport.TestPki;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The appliance's agent client in certificate mode, built from the site file: it talks to a node's agent only when
 * that agent presents the node's own certificate, and its own key store must carry the appliance role. A small
 * PKI is made at test time ({@link TestPki}: the JDK's {@code keytool}, random passwords, nothing committed).
 */
class AgentTransportCertificatesIT {

    @TempDir
    Path dir;

    private TestPki pki;
    private final Map<String, TestPki.Issued> issued = new HashMap<>();

    @Test
    void theApplianceTalksToEachNodesOwnCertificateOnly() throws Exception {
        pki = new TestPki(dir);
        X509Certificate ca = pki.ca("hall-ca");
        issue("appliance", PeerIdentity.APPLIANCE);
        issue("n2", PeerIdentity.AGENT, PeerIdentity.NODE_PREFIX + "n2");
        Files.writeString(dir.resolve("pass"), pki.password() + "\n");

        SimulatedGpus n1Gpus = new SimulatedGpus(8, 200, 700, 700);
        SimulatedGpus n2Gpus = new SimulatedGpus(8, 200, 700, 700);
        // n1's address answers with n2's certificate (a swapped or stolen key); n2's with its own
        try (NodeAgent impostor = NodeAgent.builder(n1Gpus).name("at-n1").powerPublishInterval(Duration.ZERO)
                .safeCapW(300).endpoint(Dtls.agentEndpoint(new InetSocketAddress("127.0.0.1", 0), certs("n2", ca), "at-n1"))
                .start();
             NodeAgent n2 = NodeAgent.builder(n2Gpus).name("n2").powerPublishInterval(Duration.ZERO).safeCapW(300)
                     .endpoint(Dtls.agentEndpoint(new InetSocketAddress("127.0.0.1", 0), certs("n2", ca), "n2")).start()) {
            String text = site(impostor.port(), n2.port(), "appliance");
            Site site = SiteLoader.parse("t.yaml", text);
            try (AgentClient client = AgentTransport.client(site, Duration.ofSeconds(2))) {
                InetSocketAddress n1Address = new InetSocketAddress("127.0.0.1", impostor.port());
                assertThat(client.setCaps(n1Address, CapCommand.uniform(1, 1, 2000, 8, 450)))
                        .failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
                        .havingCause().isInstanceOf(AgentException.class);
                assertThat(n1Gpus.limitsW()).as("nothing reached the impostor").containsOnly(300.0);
                InetSocketAddress n2Address = new InetSocketAddress("127.0.0.1", n2.port());
                assertThat(client.setCaps(n2Address, CapCommand.uniform(1, 2, 2000, 8, 450)).get(10, TimeUnit.SECONDS)
                        .appliedLimitsW()).containsOnly(450.0);
            }
            // the appliance's own key store must carry the appliance role
            assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(SiteValidationException.class,
                    () -> SiteLoader.parse("t.yaml", site(impostor.port(), n2.port(), "n2"))).errors())
                    .singleElement().asString().contains("agents.keyStore")
                    .contains("does not carry the appliance role (SAN URI urn:headroom:role:appliance)");
        }
    }

    private String site(int n1Port, int n2Port, String keyStoreOf) throws Exception {
        String text;
        try (InputStream in = getClass().getResourceAsStream("/sites/minimal-2feed.yaml")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return text.replace("127.0.0.1:57001", "127.0.0.1:" + n1Port).replace("127.0.0.1:57002", "127.0.0.1:" + n2Port)
                .replace("  security: none\n", "  security: certificates\n  keyStore: " + pki.store(keyStoreOf)
                        + "\n  keyStorePasswordFile: " + dir.resolve("pass") + "\n  trustedCertificates: "
                        + pki.caPem("hall-ca") + "\n");
    }

    private void issue(String name, String... uris) throws Exception {
        issued.put(name, pki.issue(name, "hall-ca", "ku:c=digitalSignature,keyAgreement", "eku=serverAuth,clientAuth",
                "san=" + String.join(",", List.of(uris).stream().map(u -> "uri:" + u).toList())));
    }

    private Dtls.Certificates certs(String name, X509Certificate ca) {
        TestPki.Issued i = issued.get(name);
        return new Dtls.Certificates(i.key(), i.chain(), List.of(ca));
    }
}
