package io.headroom.grid.vtn;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A bench PKI made with the JDK's keytool (nothing secret is committed or shipped): a CA, and leaf certificates it
 * signs (server ones with SAN IP:127.0.0.1 and localhost), written as PEM (chain, PKCS#8 key, CA) into one folder
 * and reused from there. For benches and tests of the OpenADR 2.0b mutual TLS, never for a utility's enrollment.
 */
public final class BenchPki {

    /** One party's PEM files. */
    public record Party(Path cert, Path key, Path ca) {
    }

    private static final String PW = "bench-only";

    private final Path dir;

    private BenchPki(Path dir) {
        this.dir = dir;
    }

    /** The PKI kept in {@code dir} (created if missing). */
    public static BenchPki in(Path dir) throws IOException {
        return new BenchPki(Files.createDirectories(dir));
    }

    /** {@code alg}: "EC" (secp256r1) or "RSA" (2048). {@code ca}: the name of the CA (a second CA gives untrusted certs). */
    public synchronized Party party(String alg, String ca, String name, boolean server) throws Exception {
        Path caP12 = dir.resolve(ca + ".p12");
        Path caPem = dir.resolve(ca + ".pem");
        if (!Files.exists(caPem)) {
            keytool(dir, keyArgs("-genkeypair", "-alias", "ca", "-dname", "CN=" + ca, "-ext", "bc:c", "-keystore", caP12.toString(), alg));
            keytool(dir, List.of("-exportcert", "-rfc", "-alias", "ca", "-keystore", caP12.toString(), "-storepass", PW, "-file", caPem.toString()));
        }
        Path certPem = dir.resolve(ca + "-" + name + ".crt");
        Path keyPem = dir.resolve(ca + "-" + name + ".key");
        if (!Files.exists(certPem)) {
            Path p12 = dir.resolve(ca + "-" + name + ".p12");
            Path csr = dir.resolve(ca + "-" + name + ".csr");
            keytool(dir, keyArgs("-genkeypair", "-alias", "k", "-dname", "CN=" + name, null, null, "-keystore", p12.toString(), alg));
            keytool(dir, List.of("-certreq", "-alias", "k", "-keystore", p12.toString(), "-storepass", PW, "-file", csr.toString()));
            List<String> gen = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore", caP12.toString(), "-storepass", PW,
                    "-infile", csr.toString(), "-outfile", certPem.toString(), "-validity", "2"));
            if (server) {
                gen.addAll(List.of("-ext", "SAN=ip:127.0.0.1,dns:localhost", "-ext", "EKU=serverAuth"));
            } else {
                gen.addAll(List.of("-ext", "EKU=clientAuth"));
            }
            keytool(dir, gen);
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(p12)) {
                ks.load(in, PW.toCharArray());
            }
            Key k = ks.getKey("k", PW.toCharArray());
            Files.writeString(keyPem, "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(k.getEncoded())
                    + "\n-----END PRIVATE KEY-----\n");
            Files.writeString(certPem, Files.readString(certPem) + Files.readString(caPem));
        }
        return new Party(certPem, keyPem, caPem);
    }

    private static List<String> keyArgs(String cmd, String aliasFlag, String alias, String dnFlag, String dn, String extFlag, String ext,
                                        String ksFlag, String ks, String alg) {
        List<String> a = new ArrayList<>(List.of(cmd, aliasFlag, alias, dnFlag, dn));
        if (extFlag != null) {
            a.addAll(List.of(extFlag, ext));
        }
        a.addAll(List.of(ksFlag, ks, "-storetype", "PKCS12", "-storepass", PW, "-keypass", PW, "-validity", "2"));
        if (alg.equals("EC")) {
            a.addAll(List.of("-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA"));
        } else {
            a.addAll(List.of("-keyalg", "RSA", "-keysize", "2048", "-sigalg", "SHA256withRSA"));
        }
        return a;
    }

    private static void keytool(Path dir, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + out);
        }
    }
}
