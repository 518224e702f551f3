package io.headroom.grid.openadr2b;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The OpenADR 2.0b transport security profile: TLS 1.2 only, mutual authentication with X.509 client certificates,
 * and exactly the two cipher suites the profile mandates. The VEN's {@link SSLContext} is built from PEM files (the
 * certificate chain, a PKCS#8 private key, the CA that signed the VTN's certificate) and its own
 * {@link SSLParameters}; nothing here touches the JVM's default context.
 *
 * <p><b>{@code TLS_RSA_WITH_AES_128_CBC_SHA256} on JDK 25.</b> SunJSSE disables every {@code TLS_RSA_*} suite
 * through the security property {@code jdk.tls.disabledAlgorithms}, and it applies that list to every connection on
 * top of whatever a connection asks for ({@code SSLParameters.setAlgorithmConstraints} can only restrict further; an
 * explicitly enabled cipher suite is still refused: "No appropriate protocol"). The list is read once, when JSSE
 * first initialises. So there is <i>no per-connection way</i> to offer that suite: it takes a process-wide change.
 * {@link #allowRsaKeyExchangeInThisProcess()} makes it, for a process that runs the 2.0b VEN, before any TLS is
 * used, with a WARN log line saying so; it is never called implicitly. Without it the VEN offers only
 * {@code TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256} (which needs an EC certificate on the VTN), and says so in the log.
 */
public final class OadrTls {

    private static final Logger log = LoggerFactory.getLogger(OadrTls.class);

    public static final String ECDHE_ECDSA = "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256";
    public static final String RSA = "TLS_RSA_WITH_AES_128_CBC_SHA256";
    public static final List<String> PROFILE_SUITES = List.of(ECDHE_ECDSA, RSA);
    public static final String PROTOCOL = "TLSv1.2";

    private OadrTls() {
    }

    /**
     * Removes {@code TLS_RSA_*} from {@code jdk.tls.disabledAlgorithms} for this JVM (process-wide, logged). Returns
     * whether the RSA suite is usable afterwards: false when JSSE was already initialised in this process with the
     * default list (then call this first thing in {@code main}, or start the JVM with
     * {@code -Djava.security.properties=FILE} holding the reduced list).
     */
    public static synchronized boolean allowRsaKeyExchangeInThisProcess() {
        String key = "jdk.tls.disabledAlgorithms";
        String before = Security.getProperty(key);
        if (before != null && before.contains("TLS_RSA_*")) {
            String after = Arrays.stream(before.split(",")).map(String::trim).filter(s -> !s.equals("TLS_RSA_*"))
                    .reduce((a, b) -> a + ", " + b).orElse("");
            Security.setProperty(key, after);
            log.warn("OpenADR 2.0b: removed TLS_RSA_* from {} for this whole JVM (process {}) so that {} can be offered; "
                    + "JDK 25 offers no per-connection way to enable it", key, ProcessHandle.current().pid(), RSA);
        }
        boolean usable = rsaKeyExchangeUsable();
        if (!usable) {
            log.warn("OpenADR 2.0b: {} is still unavailable: JSSE was initialised before the change; start the JVM with "
                    + "-Djava.security.properties=FILE instead", RSA);
        }
        return usable;
    }

    /** Whether this JVM can negotiate {@link #RSA} at all. */
    public static boolean rsaKeyExchangeUsable() {
        try {
            SSLContext c = SSLContext.getInstance(PROTOCOL);
            c.init(null, null, null);
            return Arrays.asList(c.getSupportedSSLParameters().getCipherSuites()).contains(RSA);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** TLS 1.2 and the profile suites this JVM can use (both, or only ECDHE_ECDSA; see the class comment). */
    public static SSLParameters parameters() {
        SSLParameters p = new SSLParameters();
        p.setProtocols(new String[] {PROTOCOL});
        p.setCipherSuites(usableSuites().toArray(String[]::new));
        p.setEndpointIdentificationAlgorithm("HTTPS");
        return p;
    }

    public static List<String> usableSuites() {
        return rsaKeyExchangeUsable() ? PROFILE_SUITES : List.of(ECDHE_ECDSA);
    }

    /** An SSLContext with the VEN's key (PEM chain + PKCS#8 PEM key) and trusting only the given CA (PEM). */
    public static SSLContext clientContext(Path certChainPem, Path keyPem, Path caPem) {
        try {
            List<Certificate> chain = certificates(certChainPem);
            PrivateKey key = privateKey(keyPem);
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pw = "openadr2b".toCharArray();
            ks.setKeyEntry("ven", key, pw, chain.toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            int i = 0;
            for (Certificate c : certificates(caPem)) {
                ts.setCertificateEntry("ca-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
            SSLContext ctx = SSLContext.getInstance(PROTOCOL);
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("OpenADR 2.0b TLS: cannot build the client context from cert " + certChainPem
                    + ", key " + keyPem + ", CA " + caPem + ": " + e.getMessage(), e);
        }
    }

    public static List<Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            List<Certificate> cs = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
            if (cs.isEmpty()) {
                throw new GeneralSecurityException("no certificate in " + pem);
            }
            return cs;
        }
    }

    /** A PKCS#8 ({@code BEGIN PRIVATE KEY}) EC or RSA key. PKCS#1/SEC1 keys must be converted (openssl pkcs8 -topk8 -nocrypt). */
    public static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        String s = Files.readString(pem);
        int a = s.indexOf("-----BEGIN PRIVATE KEY-----");
        int b = s.indexOf("-----END PRIVATE KEY-----");
        if (a < 0 || b < a) {
            throw new GeneralSecurityException(pem + ": no '-----BEGIN PRIVATE KEY-----' (PKCS#8) block; convert with "
                    + "'openssl pkcs8 -topk8 -nocrypt'");
        }
        byte[] der = Base64.getMimeDecoder().decode(s.substring(a + 27, b));
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String alg : new String[] {"EC", "RSA"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (GeneralSecurityException ignored) {
                // try the next algorithm
            }
        }
        throw new GeneralSecurityException(pem + ": neither an EC nor an RSA PKCS#8 key");
    }

    /** The fingerprint OpenADR 2.0b uses to name a certificate: the last 10 bytes of its SHA-256, as hex pairs. */
    public static String fingerprint(Certificate c) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(c.getEncoded());
            StringBuilder b = new StringBuilder();
            for (int i = d.length - 10; i < d.length; i++) {
                if (b.length() > 0) {
                    b.append(':');
                }
                b.append(String.format("%02X", d[i]));
            }
            return b.toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
