package io.headroom.drivers.gpuprotocol;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates made at test time with the JDK's {@code keytool} (EC P-256): a CA and leaf
 * certificates it signs, with the Headroom identities as SAN URIs ({@link PeerIdentity}): the appliance's role, or
 * the agent role and the node. Store passwords are random per run; nothing is committed.
 */
final class TestCertificates {

    private final Path dir;
    private final String password;
    private final Path keytool;

    TestCertificates(Path dir) {
        this.dir = dir;
        byte[] p = new byte[12];
        new SecureRandom().nextBytes(p);
        this.password = HexFormat.of().formatHex(p);
        this.keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    }

    /** A self-signed CA named {@code name}. */
    X509Certificate ca(String name) throws Exception {
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-ext", "bc:c", "-validity", "2", "-keystore", store(name), "-storetype", "PKCS12",
                "-storepass", password, "-keypass", password);
        keytool("-exportcert", "-alias", name, "-keystore", store(name), "-storepass", password, "-rfc",
                "-file", dir.resolve(name + ".crt").toString());
        return read(dir.resolve(name + ".crt")).getFirst();
    }

    /** The appliance's certificate: {@link PeerIdentity#APPLIANCE}. */
    Dtls.Certificates appliance(String name, String caName, X509Certificate... trusted) throws Exception {
        return leaf(name, caName, List.of(PeerIdentity.APPLIANCE), trusted);
    }

    /** Node {@code nodeId}'s agent certificate: {@link PeerIdentity#AGENT} and {@code urn:headroom:node:<nodeId>}. */
    Dtls.Certificates agent(String nodeId, String caName, X509Certificate... trusted) throws Exception {
        return leaf("agent-" + nodeId, caName, List.of(PeerIdentity.AGENT, PeerIdentity.NODE_PREFIX + nodeId), trusted);
    }

    /** A key pair for {@code name} with a certificate signed by {@code caName} and no Headroom identity. */
    Dtls.Certificates leaf(String name, String caName, X509Certificate... trusted) throws Exception {
        return leaf(name, caName, List.of(), trusted);
    }

    /** A key pair for {@code name} with a certificate signed by {@code caName}, with {@code uris} as SAN URIs. */
    Dtls.Certificates leaf(String name, String caName, List<String> uris, X509Certificate... trusted) throws Exception {
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-validity", "2", "-keystore", store(name), "-storetype", "PKCS12", "-storepass", password,
                "-keypass", password);
        Path csr = dir.resolve(name + ".csr");
        keytool("-certreq", "-alias", name, "-keystore", store(name), "-storepass", password, "-file", csr.toString());
        Path crt = dir.resolve(name + ".signed.crt");
        List<String> args = new ArrayList<>(List.of("-gencert", "-alias", caName, "-keystore", store(caName),
                "-storepass", password, "-infile", csr.toString(), "-outfile", crt.toString(), "-rfc", "-validity", "2",
                "-ext", "ku:c=digitalSignature,keyAgreement", "-ext", "eku=serverAuth,clientAuth"));
        if (!uris.isEmpty()) {
            args.add("-ext");
            args.add("san=" + String.join(",", uris.stream().map(u -> "uri:" + u).toList()));
        }
        keytool(args.toArray(new String[0]));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(store(name)))) {
            ks.load(in, password.toCharArray());
        }
        PrivateKey key = (PrivateKey) ks.getKey(name, password.toCharArray());
        return new Dtls.Certificates(key, read(crt), List.of(trusted));
    }

    private String store(String name) {
        return dir.resolve(name + ".p12").toString();
    }

    private static List<X509Certificate> read(Path pem) throws Exception {
        CertificateFactory f = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>();
        try (InputStream in = Files.newInputStream(pem)) {
            for (var c : f.generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
        }
        return out;
    }

    private void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(keytool.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args).replace(password, "***") + " failed: " + out);
        }
    }
}
