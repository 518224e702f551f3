package io.headroom.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small PKI made at test time with the JDK's {@code keytool} (EC P-256, valid 2 days; nothing is committed):
 * CAs and the leaf certificates they sign, with whatever extensions a test needs (SAN URIs, IPs and names, key and
 * extended key usages). Each certificate's PKCS#12 store is {@code DIR/NAME.p12}, its PEM {@code DIR/NAME.pem}
 * (a CA) or {@code DIR/NAME.crt} (a leaf); store passwords are random per instance ({@link #password()}).
 */
public final class TestPki {

    /**
     * A leaf's credentials.
     *
     * @param keyStore PKCS#12, alias {@code alias}: the key and the chain leaf, CA
     * @param certPem  the leaf alone, PEM
     * @param chain    the leaf, then its CA
     */
    public record Issued(String alias, Path keyStore, Path certPem, PrivateKey key, List<X509Certificate> chain) {

        public X509Certificate leaf() {
            return chain.getFirst();
        }
    }

    private final Path dir;
    private final String password;
    private final Path keytool;

    public TestPki(Path dir) {
        this.dir = dir;
        byte[] p = new byte[12];
        new SecureRandom().nextBytes(p);
        this.password = HexFormat.of().formatHex(p);
        this.keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    }

    public Path dir() {
        return dir;
    }

    /** Every store's password. */
    public String password() {
        return password;
    }

    /** The PKCS#12 store of {@code name} (a CA's or a leaf's). */
    public Path store(String name) {
        return dir.resolve(name + ".p12");
    }

    /** CA {@code name}'s certificate, PEM. */
    public Path caPem(String name) {
        return dir.resolve(name + ".pem");
    }

    /** A self-signed CA {@code CN=name}, made on first use. */
    public X509Certificate ca(String name) throws Exception {
        if (!Files.exists(caPem(name))) {
            keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                    "-ext", "bc:c", "-validity", "2", "-keystore", store(name).toString(), "-storetype", "PKCS12",
                    "-storepass", password, "-keypass", password);
            keytool("-exportcert", "-alias", name, "-keystore", store(name).toString(), "-storepass", password, "-rfc",
                    "-file", caPem(name).toString());
        }
        return read(caPem(name)).getFirst();
    }

    /**
     * A key pair {@code CN=name} and its certificate signed by CA {@code caName} (made if need be), with
     * {@code extensions} as keytool's {@code -ext} values, e.g. {@code "san=uri:urn:x,ip:127.0.0.1"},
     * {@code "eku=serverAuth"}.
     */
    public Issued issue(String name, String caName, String... extensions) throws Exception {
        ca(caName);
        String store = store(name).toString();
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-validity", "2", "-keystore", store, "-storetype", "PKCS12", "-storepass", password,
                "-keypass", password);
        Path csr = dir.resolve(name + ".csr");
        Path crt = dir.resolve(name + ".crt");
        keytool("-certreq", "-alias", name, "-keystore", store, "-storepass", password, "-file", csr.toString());
        List<String> args = new ArrayList<>(List.of("-gencert", "-alias", caName, "-keystore", store(caName).toString(),
                "-storepass", password, "-infile", csr.toString(), "-outfile", crt.toString(), "-rfc", "-validity", "2"));
        for (String e : extensions) {
            args.add("-ext");
            args.add(e);
        }
        keytool(args.toArray(new String[0]));
        // the store holds the CA-signed chain (written here rather than by two more keytool runs)
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store(name))) {
            ks.load(in, password.toCharArray());
        }
        List<X509Certificate> chain = new ArrayList<>(read(crt));
        chain.add(read(caPem(caName)).getFirst());
        PrivateKey key = (PrivateKey) ks.getKey(name, password.toCharArray());
        ks.setKeyEntry(name, key, password.toCharArray(), chain.toArray(new X509Certificate[0]));
        try (OutputStream out = Files.newOutputStream(store(name))) {
            ks.store(out, password.toCharArray());
        }
        return new Issued(name, store(name), crt, key, List.copyOf(chain));
    }

    /** A TLS server's credentials as PEM files, and the CA that signed them. */
    public record Server(Path certChainPem, Path keyPem, Path caPem) {
    }

    /**
     * A TLS server certificate for 127.0.0.1 and localhost ({@code name}), signed by CA {@code ca} (made on first
     * use): the chain (leaf, CA) and the PKCS#8 key as PEM files, and the CA's PEM.
     */
    public Server server(String ca, String name) throws Exception {
        Issued issued = issue(name, ca, "SAN=ip:127.0.0.1,dns:localhost", "EKU=serverAuth");
        Path chain = dir.resolve(name + "-chain.pem");
        Files.writeString(chain, Files.readString(issued.certPem()) + Files.readString(caPem(ca)));
        return new Server(chain, writeKeyPem(issued, dir.resolve(name + ".key")), caPem(ca));
    }

    /** Writes {@code issued}'s key as PKCS#8 PEM to {@code file}. */
    public static Path writeKeyPem(Issued issued, Path file) throws IOException {
        Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(issued.key().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        return file;
    }

    /** The certificates of a PEM file, in order. */
    public static List<X509Certificate> read(Path pem) throws Exception {
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
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args).replace(password, "***") + " failed: " + out);
        }
    }
}
