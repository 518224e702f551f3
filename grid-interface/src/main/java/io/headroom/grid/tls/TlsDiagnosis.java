package io.headroom.grid.tls;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * When a TLS handshake with a VTN fails, says what the VTN accepts: one short handshake per candidate cipher suite
 * (a ClientHello offering only that suite; the VTN's ServerHello names the suite and protocol it picked), stopped at
 * the VTN's certificate, so no data is sent and no client certificate is shown. The VEN then logs, in one line, the
 * suites the VTN took and the ones its own profile offers — "no suite in common" becomes "the VTN offers X, this VEN
 * offers Y".
 */
public final class TlsDiagnosis {

    /** A suite the VTN picked when it was the only one offered. */
    public record Accepted(String suite, String protocol) {
        @Override
        public String toString() {
            return suite + " (" + protocol + ")";
        }
    }

    /** Suites probed: the profiles' and the others that TLS stacks commonly offer. */
    public static final List<String> CANDIDATES = List.copyOf(new LinkedHashSet<>(concat(TlsProfile.DEFAULT.cipherSuites(), List.of(
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
            "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_GCM_SHA384", "TLS_RSA_WITH_AES_256_CBC_SHA256",
            "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_256_CBC_SHA"))));

    private TlsDiagnosis() {
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** Whether a failure is a TLS handshake failure (worth a diagnosis). */
    public static boolean isHandshakeFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SSLException) {
                return true;
            }
            String m = String.valueOf(c.getMessage());
            if (m.contains("terminated the handshake") || m.contains("handshake_failure")) {
                return true;
            }
        }
        return false;
    }

    /** The candidates the server at host:port picks when offered alone, in the order probed. */
    public static List<Accepted> probe(String host, int port, List<String> candidates, Duration timeout) {
        List<Accepted> out = new ArrayList<>();
        Set<String> supported = Set.of(context(new AtomicReference<>()).getSupportedSSLParameters().getCipherSuites());
        for (String suite : candidates) {
            if (!supported.contains(suite)) {
                continue;
            }
            AtomicReference<Accepted> seen = new AtomicReference<>();
            SSLContext ctx = context(seen);
            try (Socket raw = new Socket()) {
                raw.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
                raw.setSoTimeout((int) timeout.toMillis());
                try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, host, port, false)) {
                    SSLParameters p = new SSLParameters(new String[] {suite},
                            new String[] {suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_") ? "TLSv1.3" : "TLSv1.2"});
                    if (!host.isEmpty() && !Character.isDigit(host.charAt(0)) && !host.contains(":")) {
                        p.setServerNames(List.of(new SNIHostName(host)));
                    }
                    s.setSSLParameters(p);
                    s.startHandshake();
                } catch (IOException | RuntimeException e) {
                    // expected: the probe's trust manager stops every handshake at the certificate
                }
            } catch (IOException e) {
                // not reachable for this probe; the others may be
            }
            if (seen.get() != null) {
                out.add(seen.get());
            }
        }
        return out;
    }

    /**
     * One line for the log: what failed, what the VTN accepts and what this VEN offers, and what to do.
     *
     * @param profileSource how the profile was chosen, e.g. "openadr.tlsProfile default"
     */
    public static String explain(String host, int port, TlsProfile profile, String profileSource, Throwable failure, Duration timeout) {
        List<Accepted> accepted = probe(host, port, CANDIDATES, timeout);
        String cause = rootMessage(failure);
        if (accepted.isEmpty()) {
            return "TLS handshake with " + host + ":" + port + " failed (" + cause + "); the VTN accepted none of the "
                    + CANDIDATES.size() + " suites probed (is it TLS at all, or does it need TLS 1.0/1.1?); this VEN offers "
                    + profile.protocols() + " " + profile.cipherSuites() + " (" + profileSource + ")";
        }
        List<Accepted> common = accepted.stream().filter(a -> profile.cipherSuites().contains(a.suite())).toList();
        if (common.isEmpty()) {
            String hint = profile == TlsProfile.CERTIFICATION && accepted.stream().anyMatch(a -> TlsProfile.DEFAULT.cipherSuites().contains(a.suite()))
                    ? "; tlsProfile default would connect" : "";
            return "TLS handshake with " + host + ":" + port + " failed: no cipher suite in common. The VTN offers " + accepted
                    + "; this VEN offers " + profile.protocols() + " " + profile.cipherSuites() + " (" + profileSource + ")" + hint
                    + " [" + cause + "]";
        }
        return "TLS handshake with " + host + ":" + port + " failed (" + cause + ") although the VTN accepts " + common
                + ", which this VEN offers: the certificate is the problem (the VTN's is not issued by the configured CA or "
                + "not for host " + host + ", or the VTN refused this VEN's client certificate)";
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + ": " + c.getMessage();
    }

    private static SSLContext context(AtomicReference<Accepted> seen) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS", VenTls.provider());
            ctx.init(null, new TrustManager[] {new Recorder(seen)}, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS probe: " + e.getMessage(), e);
        }
    }

    /** Notes the suite and protocol of the handshake in progress, then stops it: a probe trusts nothing. */
    private static final class Recorder extends X509ExtendedTrustManager {
        private final AtomicReference<Accepted> seen;

        Recorder(AtomicReference<Accepted> seen) {
            this.seen = seen;
        }

        private CertificateException stop(SSLSession s) {
            if (s != null) {
                seen.set(new Accepted(s.getCipherSuite(), s.getProtocol()));
            }
            return new CertificateException("TLS probe: stopped at the server's certificate");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw stop(socket instanceof SSLSocket s ? s.getHandshakeSession() : null);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw stop(engine.getHandshakeSession());
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw stop(null);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("TLS probe: client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("TLS probe: client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("TLS probe: client side only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
