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

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The appliance's agent client in certificate mode, built from the site file: it talks to a node's agent only when
 * that agent presents the node's own certificate, and its own key store must carry the appliance role. A small
 * PKI is made at test time with the JDK's {@code keytool} (random passwords, nothing committed).
 */
class AgentTransportCertificatesTest {

    @TempDir
    Path dir;

    private final String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));

    @Test
    void theApplianceTalksToEachNodesOwnCertificateOnly() throws Exception {
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=hall-ca",
                "-ext", "bc:c", "-validity", "2", "-keystore", store("ca"), "-storetype", "PKCS12",
                "-storepass", password, "-keypass", password);
        keytool("-exportcert", "-alias", "ca", "-keystore", store("ca"), "-storepass", password, "-rfc",
                "-file", dir.resolve("ca.pem").toString());
        issue("appliance", PeerIdentity.APPLIANCE);
        issue("n2", PeerIdentity.AGENT, PeerIdentity.NODE_PREFIX + "n2");
        Files.writeString(dir.resolve("pass"), password + "\n");
        X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(Files.newInputStream(dir.resolve("ca.pem")));

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
                .replace("  security: none\n", "  security: certificates\n  keyStore: " + store(keyStoreOf)
                        + "\n  keyStorePasswordFile: " + dir.resolve("pass") + "\n  trustedCertificates: "
                        + dir.resolve("ca.pem") + "\n");
    }

    private void issue(String name, String... uris) throws Exception {
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-validity", "2", "-keystore", store(name), "-storetype", "PKCS12", "-storepass", password,
                "-keypass", password);
        Path csr = dir.resolve(name + ".csr");
        Path crt = dir.resolve(name + ".crt");
        keytool("-certreq", "-alias", name, "-keystore", store(name), "-storepass", password, "-file", csr.toString());
        keytool("-gencert", "-alias", "ca", "-keystore", store("ca"), "-storepass", password, "-infile", csr.toString(),
                "-outfile", crt.toString(), "-rfc", "-validity", "2", "-ext", "ku:c=digitalSignature,keyAgreement",
                "-ext", "eku=serverAuth,clientAuth",
                "-ext", "san=" + String.join(",", List.of(uris).stream().map(u -> "uri:" + u).toList()));
        // the store holds the CA-signed chain
        keytool("-importcert", "-noprompt", "-alias", "ca", "-keystore", store(name), "-storepass", password,
                "-file", dir.resolve("ca.pem").toString());
        keytool("-importcert", "-alias", name, "-keystore", store(name), "-storepass", password, "-file", crt.toString());
    }

    private Dtls.Certificates certs(String name, X509Certificate ca) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(store(name)))) {
            ks.load(in, password.toCharArray());
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (var c : ks.getCertificateChain(name)) {
            chain.add((X509Certificate) c);
        }
        return new Dtls.Certificates((PrivateKey) ks.getKey(name, password.toCharArray()), chain, List.of(ca));
    }

    private String store(String name) {
        return dir.resolve(name + ".p12").toString();
    }

    private void keytool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args).replace(password, "***") + ": " + out);
        }
    }
}
