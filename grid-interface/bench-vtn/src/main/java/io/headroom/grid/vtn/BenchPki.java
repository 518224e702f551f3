package io.headroom.grid.vtn;

import io.headroom.grid.tls.Der;

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

    /**
     * A party of a PKI shaped like the test PKIs utilities run (seen at a 2.0b VTN in issue #24): RSA 2048, X.509
     * <b>version 1</b> certificates (no extensions at all: no SAN, no key usage, no basic constraints) signed
     * SHA256withRSA, and keys as <b>PKCS#1</b> PEM ({@code BEGIN RSA PRIVATE KEY}, as {@code openssl genrsa} writes
     * them). Without a SAN, host name checks fall back to the subject's CN: a server party's CN is its host name
     * ({@code localhost}). Made in Java (keytool always writes v3).
     */
    public synchronized Party v1Rsa(String ca, String cn) throws Exception {
        Path caPem = dir.resolve(ca + ".pem");
        Path caKey = dir.resolve(ca + ".key");
        if (!Files.exists(caPem)) {
            java.security.KeyPair k = rsa();
            Files.writeString(caPem, pem("CERTIFICATE", v1Certificate(k.getPublic(), ca, ca, k.getPrivate()).getEncoded()));
            Files.writeString(caKey, pkcs1Pem(k.getPrivate()));
        }
        java.security.PrivateKey caPrivate = io.headroom.grid.tls.Keys.privateKey(caKey, null);
        Path certPem = dir.resolve(ca + "-" + cn + ".crt");
        Path keyPem = dir.resolve(ca + "-" + cn + ".key");
        if (!Files.exists(certPem)) {
            java.security.KeyPair k = rsa();
            Files.writeString(certPem, pem("CERTIFICATE", v1Certificate(k.getPublic(), cn, ca, caPrivate).getEncoded())
                    + Files.readString(caPem));
            Files.writeString(keyPem, pkcs1Pem(k.getPrivate()));
        }
        return new Party(certPem, keyPem, caPem);
    }

    private static java.security.KeyPair rsa() throws java.security.GeneralSecurityException {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    /** An X.509 v1 certificate: TBSCertificate without the [0] version field and without extensions. */
    static java.security.cert.X509Certificate v1Certificate(java.security.PublicKey subjectKey, String subject, String issuer,
                                                            java.security.PrivateKey issuerKey) throws Exception {
        byte[] alg = Der.seq(Der.oid(Der.SHA256_WITH_RSA), Der.nul());
        java.time.format.DateTimeFormatter utc = java.time.format.DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'")
                .withZone(java.time.ZoneOffset.UTC);
        java.time.Instant now = java.time.Instant.now(); // TLS checks validity against the system time, not a test clock
        byte[] validity = Der.seq(Der.tlv(Der.UTC_TIME, utc.format(now.minus(java.time.Duration.ofDays(1))).getBytes()),
                Der.tlv(Der.UTC_TIME, utc.format(now.plus(java.time.Duration.ofDays(2))).getBytes()));
        java.math.BigInteger serial = new java.math.BigInteger(63, new java.security.SecureRandom()).add(java.math.BigInteger.ONE);
        byte[] tbs = Der.seq(Der.integer(serial), alg, name(issuer), validity, name(subject), subjectKey.getEncoded());
        java.security.Signature s = java.security.Signature.getInstance("SHA256withRSA");
        s.initSign(issuerKey);
        s.update(tbs);
        byte[] cert = Der.seq(tbs, alg, Der.bits(s.sign()));
        return (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(cert));
    }

    private static byte[] name(String cn) {
        return Der.seq(Der.set(Der.seq(Der.oid(Der.COMMON_NAME), Der.tlv(Der.UTF8_STRING, cn.getBytes(java.nio.charset.StandardCharsets.UTF_8)))));
    }

    /** The PKCS#1 RSAPrivateKey inside a PKCS#8 RSA key, as PEM. */
    static String pkcs1Pem(java.security.PrivateKey k) {
        List<Der.Element> c = Der.parse(k.getEncoded()).children();
        return pem("RSA PRIVATE KEY", c.get(2).content());
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END " + type + "-----\n";
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
