package io.headroom.drivers.redfish;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates made at test time with the JDK's {@code keytool} (EC P-256; nothing is committed): a CA, a
 * BMC server certificate it signs (SAN IP:127.0.0.1, DNS:localhost) as PEM chain + PKCS#8 key, and the CA as PEM.
 * Store passwords are random per run.
 */
public final class TestPki {

    /** The BMC's credentials and the CA that signed them. */
    public record Server(Path certChainPem, Path keyPem, Path caPem) {
    }

    private final Path dir;
    private final String pw;

    public TestPki(Path dir) {
        this.dir = dir;
        byte[] p = new byte[12];
        new SecureRandom().nextBytes(p);
        this.pw = HexFormat.of().formatHex(p);
    }

    /** A CA named {@code ca} (made once) and a server certificate for 127.0.0.1 that it signs. */
    public Server server(String ca, String name) throws Exception {
        Path caP12 = dir.resolve(ca + ".p12");
        Path caPem = dir.resolve(ca + ".pem");
        if (!Files.exists(caPem)) {
            keytool("-genkeypair", "-alias", "ca", "-dname", "CN=" + ca, "-ext", "bc:c", "-keystore", caP12.toString(),
                    "-storetype", "PKCS12", "-storepass", pw, "-keypass", pw, "-validity", "2", "-keyalg", "EC",
                    "-groupname", "secp256r1");
            keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", caP12.toString(), "-storepass", pw, "-file",
                    caPem.toString());
        }
        Path p12 = dir.resolve(name + ".p12");
        Path csr = dir.resolve(name + ".csr");
        Path cert = dir.resolve(name + ".crt");
        Path key = dir.resolve(name + ".key");
        keytool("-genkeypair", "-alias", "k", "-dname", "CN=" + name, "-keystore", p12.toString(), "-storetype",
                "PKCS12", "-storepass", pw, "-keypass", pw, "-validity", "2", "-keyalg", "EC", "-groupname",
                "secp256r1");
        keytool("-certreq", "-alias", "k", "-keystore", p12.toString(), "-storepass", pw, "-file", csr.toString());
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", caP12.toString(), "-storepass", pw, "-infile",
                csr.toString(), "-outfile", cert.toString(), "-validity", "2", "-ext",
                "SAN=ip:127.0.0.1,dns:localhost", "-ext", "EKU=serverAuth");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, pw.toCharArray());
        }
        Key k = ks.getKey("k", pw.toCharArray());
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(k.getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        Files.writeString(cert, Files.readString(cert) + Files.readString(caPem));
        return new Server(cert, key, caPem);
    }

    private void keytool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + out);
        }
    }
}
