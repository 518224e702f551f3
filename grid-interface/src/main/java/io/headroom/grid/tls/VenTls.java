package io.headroom.grid.tls;

import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.logging.Level;

/**
 * The OpenADR 2.0b VEN's own TLS: an {@link SSLContext} from a private instance of Bouncy Castle's JSSE provider,
 * holding the VEN's key and certificate chain and trusting only the configured CA(s).
 *
 * <p><b>Why not the JDK's SunJSSE.</b> The 2.0b profile mandates {@code TLS_RSA_WITH_AES_128_CBC_SHA256}. JDK 25 lists
 * {@code TLS_RSA_*} in the security property {@code jdk.tls.disabledAlgorithms}, and SunJSSE reads that list once
 * into a static constraint it applies to every connection of the process on top of whatever a connection asks for
 * (an {@code SSLParameters} algorithm constraint can only restrict further). Re-enabling it in SunJSSE therefore takes a
 * process-wide change that also weakens every other TLS client and server of the appliance. This provider instance is
 * used by nobody else: it is not registered with {@link java.security.Security}, so the JVM's default context, the
 * API's HTTPS, the 3.x VEN and everything else keep the JDK's defaults. Bouncy Castle honours the same
 * {@code jdk.tls.disabledAlgorithms} list (protocol versions, weak algorithms, key sizes) but matches cipher suites by
 * their exact names, so the JDK's {@code TLS_RSA_*} pattern does not remove the mandated suite from this context; what
 * is offered is exactly the {@link TlsProfile}'s list. {@code OadrTlsIT} shows both: this context negotiates the RSA
 * suite while the JDK's default context in the same JVM still cannot.
 *
 * <p><b>Trust is the JDK's.</b> The peer's certificate is checked by the JDK's PKIX trust manager (handed to Bouncy
 * Castle's engine): it builds paths to X.509 v1 CAs (utility test PKIs; Bouncy Castle's own trust manager gives up on
 * them mid-handshake) and checks the host name like every JDK client: subject alternative names, else the subject's
 * CN, which is the only name a v1 certificate carries.
 */
public final class VenTls {

    /**
     * Crypto from the JDK's JCA providers; a context initialised without a SecureRandom (as Netty does for servers)
     * gets the JDK's default one instead of failing on Bouncy Castle's "DEFAULT" algorithm, which only bcprov has.
     */
    private static final Provider PROVIDER = new BouncyCastleJsseProvider(false, new JcaTlsCryptoProvider() {
        @Override
        public JcaTlsCrypto create(SecureRandom random) {
            return super.create(random != null ? random : new SecureRandom());
        }

        @Override
        public JcaTlsCrypto create(SecureRandom keyRandom, SecureRandom nonceRandom) {
            return super.create(keyRandom != null ? keyRandom : new SecureRandom(), nonceRandom != null ? nonceRandom : new SecureRandom());
        }
    });
    /**
     * Bouncy Castle logs, through java.util.logging, each entry of the JDK's disabledAlgorithms lists it does not
     * parse (JDK-only syntax such as "usage HandshakeSignature"): noise at every start. Held strongly (JUL keeps its
     * loggers weakly) so that the level stays set.
     */
    private static final java.util.logging.Logger BC_CONSTRAINTS_LOG =
            java.util.logging.Logger.getLogger("org.bouncycastle.jsse.provider.DisabledAlgorithmConstraints");

    static {
        BC_CONSTRAINTS_LOG.setLevel(Level.SEVERE);
    }

    private VenTls() {
    }

    /** The private JSSE provider (for servers in tests and benches that must offer the same suites). */
    public static Provider provider() {
        return PROVIDER;
    }

    /**
     * A client context with the VEN's key and chain (null: no client certificate) that trusts only {@code trusted}.
     */
    public static SSLContext clientContext(Keys.Material own, List<X509Certificate> trusted) {
        return context(own, trusted);
    }

    /** A server context (benches, tests) with this key and chain, trusting {@code trusted} for client certificates. */
    public static SSLContext serverContext(Keys.Material own, List<X509Certificate> trusted) {
        return context(own, trusted);
    }

    /**
     * The JDK's trust manager under Bouncy Castle's engine. Bouncy Castle names the key exchange of RSA suites
     * "KE:RSA" where the JDK expects "RSA" (it picks the key usage it checks by that name).
     */
    private static final class JdkTrust extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager jdk;

        JdkTrust(X509ExtendedTrustManager jdk) {
            this.jdk = jdk;
        }

        private static String jdkName(String authType) {
            return authType != null && authType.startsWith("KE:") ? authType.substring(3) : authType;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            jdk.checkClientTrusted(chain, jdkName(authType), socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            jdk.checkServerTrusted(chain, jdkName(authType), socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            jdk.checkClientTrusted(chain, jdkName(authType), engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            jdk.checkServerTrusted(chain, jdkName(authType), engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            jdk.checkClientTrusted(chain, jdkName(authType));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            jdk.checkServerTrusted(chain, jdkName(authType));
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return jdk.getAcceptedIssuers();
        }
    }

    private static SSLContext context(Keys.Material own, List<X509Certificate> trusted) {
        if (trusted.isEmpty()) {
            throw new IllegalArgumentException("TLS: no trusted CA certificate");
        }
        try {
            char[] pw = "in-memory".toCharArray();
            KeyManagerFactory kmf = null;
            if (own != null) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("own", own.key(), pw, own.chain().toArray(X509Certificate[]::new));
                kmf = KeyManagerFactory.getInstance("PKIX", PROVIDER);
                kmf.init(ks, pw);
            }
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            int i = 0;
            for (X509Certificate c : trusted) {
                ts.setCertificateEntry("ca-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX"); // the JDK's: see the class comment
            tmf.init(ts);
            SSLContext ctx = SSLContext.getInstance("TLS", PROVIDER);
            javax.net.ssl.TrustManager[] tms = tmf.getTrustManagers();
            for (int t = 0; t < tms.length; t++) {
                if (tms[t] instanceof X509ExtendedTrustManager x) {
                    tms[t] = new JdkTrust(x);
                }
            }
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tms, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("TLS: cannot build the context: " + e.getMessage(), e);
        }
    }
}
