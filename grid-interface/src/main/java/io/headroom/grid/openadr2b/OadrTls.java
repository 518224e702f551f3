package io.headroom.grid.openadr2b;

import io.headroom.grid.tls.Keys;
import io.headroom.grid.tls.TlsProfile;
import io.headroom.grid.tls.VenTls;

import javax.net.ssl.SSLContext;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The OpenADR 2.0b transport security: mutual authentication with X.509 client certificates, the VEN's own
 * {@link SSLContext} ({@link VenTls}: a private Bouncy Castle JSSE instance, so the profile's
 * {@code TLS_RSA_WITH_AES_128_CBC_SHA256} is offered without touching the rest of the JVM) and the suites of its
 * {@link TlsProfile}. Keys and certificates are read as users have them ({@link Keys}: PKCS#1/PKCS#8/SEC1 PEM or DER,
 * PKCS#12).
 */
public final class OadrTls {

    public static final String ECDHE_ECDSA = TlsProfile.ECDHE_ECDSA_CBC;
    public static final String RSA = TlsProfile.RSA_CBC;
    public static final List<String> PROFILE_SUITES = TlsProfile.MANDATED;
    public static final String PROTOCOL = "TLSv1.2";

    private OadrTls() {
    }

    /** The VEN's context: its key and chain, trusting only the given CA (files in any of the shapes {@link Keys} reads). */
    public static SSLContext clientContext(Path certChain, Path key, Path ca) {
        return clientContext(certChain, key, ca, null);
    }

    public static SSLContext clientContext(Path certChain, Path key, Path ca, char[] keyPassword) {
        try {
            return VenTls.clientContext(Keys.load(certChain, key, keyPassword), Keys.certificates(ca, null));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("OpenADR 2.0b TLS: " + e.getMessage(), e);
        }
    }

    public static List<Certificate> certificates(Path file) throws GeneralSecurityException {
        try {
            return List.copyOf(Keys.certificates(file, null));
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    /** A private key in any shape {@link Keys} reads (PKCS#8, PKCS#1, SEC1; PEM or DER). */
    public static PrivateKey privateKey(Path file) throws GeneralSecurityException {
        try {
            return Keys.privateKey(file, null);
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
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

    static List<X509Certificate> x509(List<Certificate> cs) {
        return cs.stream().map(c -> (X509Certificate) c).toList();
    }
}
