package io.headroom.grid.openadr2b;

import io.headroom.grid.tls.Keys;
import io.headroom.grid.tls.TlsProfile;
import io.headroom.grid.tls.VenTls;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * An OpenADR 2.0b VEN's enrollment and behaviour. Build with {@link #builder}; every field has a default but the VTN
 * URL, the VEN name, the TLS material and the journal file.
 *
 * @param vtnUrl           the VTN's 2.0b prefix, e.g. {@code https://vtn.example/OpenADR2/Simple/2.0b}; the VEN
 *                         posts to {@code <vtnUrl>/EiRegisterParty}, {@code /OadrPoll}, {@code /EiEvent}, ...
 * @param sslContext       client certificate + trusted CA ({@link OadrTls#clientContext}); null only for plain-HTTP
 *                         benches
 * @param pollInterval     how often to poll; null: what the VTN asks ({@code oadrRequestedOadrPollFreq}), else 10 s
 * @param tick             how often the VEN wakes up to poll when due, queue due reports and drain its outbox
 * @param retryBackoff     first wait after a failed send (doubles, at most 5 min)
 * @param resourceId       the resource the VEN reports for and targets its opt schedules at
 * @param partialOptAllowed a partial decision keeps the relaxed limits in the book (the site sheds what it can);
 *                         2.0b has no partial opt, so the VTN is told optOut either way
 * @param optOutWindows    maintenance windows: sent as opt-out schedules (EiOpt) after registration; events
 *                         overlapping one are opted out
 * @param minReportPeriod  the shortest report period the VEN offers (metadata oadrMinPeriod)
 * @param maxReportPeriod  the longest (oadrMaxPeriod)
 * @param xmlSignature     sign every payload (ds:Signature with ReplayProtect, see {@link OadrSignature}), advertise
 *                         oadrXmlSignature=true, and refuse every message from the VTN that is not validly signed; off:
 *                         nothing is signed, and a signature the VTN sends anyway is still verified
 * @param signatureWindow  how far a ReplayProtect timestamp may be from this VEN's clock (default 5 min)
 * @param replayCacheSize  how many nonces the VEN remembers (default 10 000)
 * @param signing          the key, certificate and trusted CA of the signatures (from {@link Builder#tls}, or
 *                         {@link Builder#signing}); null without TLS files
 * @param tlsProfile       what the TLS handshake offers ({@link TlsProfile#DEFAULT}: TLS 1.3/1.2 with modern ECDHE
 *                         suites and the two mandated ones; {@link TlsProfile#CERTIFICATION}: exactly the mandated two)
 * @param allowInsecureHttp accept an {@code http://} VTN URL (no TLS at all: benches and tests on loopback only);
 *                         otherwise such a URL is refused
 */
public record Ven2bConfig(URI vtnUrl, String venName, SSLContext sslContext, Path journal, Duration pollInterval, Duration tick,
                          Duration retryBackoff, Duration httpTimeout, String resourceId, boolean partialOptAllowed,
                          boolean reportOnly, List<OptOutWindow> optOutWindows, Duration minReportPeriod,
                          Duration maxReportPeriod, boolean xmlSignature, Duration signatureWindow, int replayCacheSize,
                          Signing signing, TlsProfile tlsProfile, boolean allowInsecureHttp) {

    /** What XML signatures are made and checked with: the VEN's key and certificate chain, and the CA(s) it trusts. */
    public record Signing(java.security.PrivateKey key, List<java.security.cert.X509Certificate> chain,
                          List<java.security.cert.X509Certificate> trusted) {
        public Signing {
            chain = List.copyOf(chain);
            trusted = List.copyOf(trusted);
        }

        /** A signer/verifier on this clock. */
        public OadrSignature signature(java.time.Clock clock, Duration window, int replayCacheSize) {
            return new OadrSignature(key, chain, trusted, clock, window, replayCacheSize);
        }
    }

    /** A maintenance window the site will not take part in events. */
    public record OptOutWindow(String id, java.time.Instant start, Duration duration, String reason) {
        public OptOutWindow {
            Objects.requireNonNull(id, "opt-out window id");
            Objects.requireNonNull(start, "opt-out window " + id + ": start");
            Objects.requireNonNull(duration, "opt-out window " + id + ": duration");
            reason = reason == null ? "x-schedule" : reason;
        }

        public java.time.Instant end() {
            return start.plus(duration);
        }
    }

    public Ven2bConfig {
        Objects.requireNonNull(vtnUrl, "vtnUrl");
        Objects.requireNonNull(venName, "venName");
        Objects.requireNonNull(journal, "journal");
        optOutWindows = List.copyOf(optOutWindows);
        tlsProfile = tlsProfile == null ? TlsProfile.DEFAULT : tlsProfile;
        if (!"https".equalsIgnoreCase(vtnUrl.getScheme()) && !allowInsecureHttp) {
            throw new IllegalArgumentException("OpenADR 2.0b VEN " + venName + ": VTN URL " + vtnUrl + " is not https://; OpenADR needs TLS. "
                    + "For a bench VTN on loopback only, say so explicitly: " + INSECURE_FLAG);
        }
        if ("https".equalsIgnoreCase(vtnUrl.getScheme()) && sslContext == null) {
            throw new IllegalArgumentException("OpenADR 2.0b VEN " + venName + ": " + vtnUrl + " needs a client certificate (tls)");
        }
        if (xmlSignature && signing == null) {
            throw new IllegalArgumentException("OpenADR 2.0b VEN " + venName + ": xmlSignature needs the certificate, key and CA "
                    + "(tls(cert, key, ca) or signing(...))");
        }
        signatureWindow = signatureWindow == null ? OadrSignature.DEFAULT_WINDOW : signatureWindow;
        if (signatureWindow.isNegative() || signatureWindow.isZero()) {
            throw new IllegalArgumentException("OpenADR 2.0b VEN " + venName + ": signatureWindow must be positive, got " + signatureWindow);
        }
    }

    /** How a user allows plain HTTP, named in the refusal. */
    public static final String INSECURE_FLAG = "openadr.insecureHttp: true in the site file, --openadr-insecure-http on the command line, "
            + "Builder.allowInsecureHttp(true) in Java";

    public static Builder builder(URI vtnUrl, String venName, Path journal) {
        return new Builder(vtnUrl, venName, journal);
    }

    public static final class Builder {
        private final URI vtnUrl;
        private final String venName;
        private final Path journal;
        private SSLContext sslContext;
        private java.nio.file.Path[] tlsFiles;
        private boolean xmlSignature;
        private Duration signatureWindow = OadrSignature.DEFAULT_WINDOW;
        private int replayCacheSize = OadrSignature.DEFAULT_REPLAY_CACHE;
        private Signing signing;
        private TlsProfile tlsProfile = TlsProfile.DEFAULT;
        private boolean allowInsecureHttp;
        private char[] tlsKeyPassword;
        private Duration pollInterval;
        private Duration tick = Duration.ofSeconds(1);
        private Duration retryBackoff = Duration.ofSeconds(5);
        private Duration httpTimeout = Duration.ofSeconds(10);
        private String resourceId = "site";
        private boolean partialOptAllowed = true;
        private boolean reportOnly;
        private List<OptOutWindow> optOutWindows = List.of();
        private Duration minReportPeriod = Duration.ofMinutes(1);
        private Duration maxReportPeriod = Duration.ofHours(1);

        private Builder(URI vtnUrl, String venName, Path journal) {
            this.vtnUrl = vtnUrl;
            this.venName = venName;
            this.journal = journal;
        }

        /**
         * The {@code --tls-cert F --tls-key F --tls-ca F} files: the TLS context and the XML signature key, both made in
         * {@link #build}. The key PEM (PKCS#8, PKCS#1 or SEC1) or DER, or a PKCS#12 file (then the certificate may be the
         * same file); see {@link io.headroom.grid.tls.Keys}.
         */
        public Builder tls(Path certPem, Path keyPem, Path caPem) {
            tlsFiles = new Path[] {Objects.requireNonNull(certPem, "tls cert"), Objects.requireNonNull(keyPem, "tls key"),
                Objects.requireNonNull(caPem, "tls CA")};
            sslContext = null;
            return this;
        }
        public Builder sslContext(SSLContext v) { sslContext = v; tlsFiles = null; return this; }
        public Builder xmlSignature(boolean v) { xmlSignature = v; return this; }
        public Builder signatureWindow(Duration v) { signatureWindow = v; return this; }
        public Builder replayCacheSize(int v) { replayCacheSize = v; return this; }
        public Builder signing(Signing v) { signing = v; return this; }
        public Builder tlsProfile(TlsProfile v) { tlsProfile = v; return this; }
        public Builder allowInsecureHttp(boolean v) { allowInsecureHttp = v; return this; }
        /** The password of an encrypted PKCS#8 key or of a PKCS#12 file (null: none). */
        public Builder tlsKeyPassword(char[] v) { tlsKeyPassword = v; return this; }
        public Builder pollInterval(Duration v) { pollInterval = v; return this; }
        public Builder tick(Duration v) { tick = v; return this; }
        public Builder retryBackoff(Duration v) { retryBackoff = v; return this; }
        public Builder httpTimeout(Duration v) { httpTimeout = v; return this; }
        public Builder resourceId(String v) { resourceId = v; return this; }
        public Builder partialOptAllowed(boolean v) { partialOptAllowed = v; return this; }
        public Builder reportOnly(boolean v) { reportOnly = v; return this; }
        public Builder optOutWindows(List<OptOutWindow> v) { optOutWindows = v; return this; }
        public Builder reportPeriods(Duration min, Duration max) { minReportPeriod = min; maxReportPeriod = max; return this; }

        /** @throws IllegalArgumentException naming the file or the setting that is wrong */
        public Ven2bConfig build() {
            SSLContext ctx = sslContext;
            Signing sig = signing;
            if (tlsFiles != null) {
                Keys.Material own;
                List<java.security.cert.X509Certificate> trusted;
                try {
                    own = Keys.load(tlsFiles[0], tlsFiles[1], tlsKeyPassword);
                    trusted = Keys.certificates(tlsFiles[2], null);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("OpenADR 2.0b VEN " + venName + ": " + e.getMessage(), e);
                }
                ctx = VenTls.clientContext(own, trusted);
                if (sig == null) {
                    sig = new Signing(own.key(), own.chain(), trusted);
                }
            }
            return new Ven2bConfig(vtnUrl, venName, ctx, journal, pollInterval, tick, retryBackoff, httpTimeout, resourceId,
                    partialOptAllowed, reportOnly, optOutWindows, minReportPeriod, maxReportPeriod, xmlSignature, signatureWindow,
                    replayCacheSize, sig, tlsProfile, allowInsecureHttp);
        }
    }
}
