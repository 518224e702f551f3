package io.headroom.grid.openadr3;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * An OpenADR 3 VEN's enrollment and behaviour. Build with {@link #builder}; every field has a default but the
 * version, VTN URL, VEN name, client credentials and journal file.
 *
 * @param programNames       programs to act on (empty: every program the VTN shows this VEN)
 * @param webhook            serve a callback and subscribe to events (polling stays as the fallback)
 * @param callbackHost       interface the callback listens on; {@code callbackPort} 0 picks a free port
 * @param callbackPublicUrl  the URL the VTN calls (null: http://callbackHost:port/openadr3/callback)
 * @param pollInterval       how often events are polled without a working subscription
 * @param subscribedPollInterval how often they are polled anyway with one (to catch lost notifications)
 * @param tick               how often the VEN wakes up to send due reports and drain its outbox
 * @param retryBackoff       first wait after a failed send (doubles, at most 5 min)
 * @param baselineWindow     the metered window before an event that makes its baseline
 * @param sslContext         trust (and client keys) for an HTTPS VTN; null: the JDK defaults
 * @param callbackTlsCert    the webhook server's certificate chain (PEM), with {@code callbackTlsKey}: the callback is
 *                           served over HTTPS (null: plain HTTP, which needs {@code allowInsecureHttp})
 * @param allowInsecureHttp  accept an {@code http://} VTN URL and a plain-HTTP callback (benches on loopback only);
 *                           otherwise both are refused, naming this setting
 */
public record Ven3Config(OpenAdrVersion version, URI vtnUrl, String venName, String clientId, String clientSecret,
                         URI tokenUrl, String resourceName, Set<String> programNames, boolean webhook, String callbackHost,
                         int callbackPort, String callbackPublicUrl, Duration pollInterval, Duration subscribedPollInterval,
                         Duration tick, Duration retryBackoff, Duration httpTimeout, Duration baselineWindow,
                         boolean partialOptAllowed, boolean sendOptReports, Path journal, SSLContext sslContext,
                         Path callbackTlsCert, Path callbackTlsKey, boolean allowInsecureHttp) {

    /** How a user allows plain HTTP, named in the refusal. */
    public static final String INSECURE_FLAG = "openadr.insecureHttp: true in the site file, --openadr-insecure-http on the command line, "
            + "Builder.allowInsecureHttp(true) in Java";

    public Ven3Config {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(vtnUrl, "vtnUrl");
        Objects.requireNonNull(venName, "venName");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(clientSecret, "clientSecret");
        Objects.requireNonNull(journal, "journal");
        programNames = Set.copyOf(programNames);
        if (!"https".equalsIgnoreCase(vtnUrl.getScheme()) && !allowInsecureHttp) {
            throw new IllegalArgumentException("OpenADR 3 VEN " + venName + ": VTN URL " + vtnUrl + " is not https:// (tokens and events "
                    + "would travel in clear). For a bench VTN on loopback only, say so explicitly: " + INSECURE_FLAG);
        }
        if (webhook && !allowInsecureHttp) {
            if (callbackTlsCert == null || callbackTlsKey == null) {
                throw new IllegalArgumentException("OpenADR 3 VEN " + venName + ": webhooks are served over HTTPS: give the callback's "
                        + "certificate and key (--tls-cert/--tls-key, callbackTls(cert, key)), or for a bench on loopback " + INSECURE_FLAG);
            }
            if (callbackPublicUrl != null && !callbackPublicUrl.regionMatches(true, 0, "https://", 0, 8)) {
                throw new IllegalArgumentException("OpenADR 3 VEN " + venName + ": callback URL " + callbackPublicUrl + " is not https://; "
                        + "the 3.1 definition requires HTTPS callbacks (or, for a bench on loopback, " + INSECURE_FLAG + ")");
            }
        }
    }

    /** Whether the callback is served over HTTPS. */
    public boolean callbackTls() {
        return callbackTlsCert != null && callbackTlsKey != null;
    }

    public static Builder builder(OpenAdrVersion version, URI vtnUrl, String venName, String clientId, String clientSecret, Path journal) {
        return new Builder(version, vtnUrl, venName, clientId, clientSecret, journal);
    }

    public static final class Builder {
        private final OpenAdrVersion version;
        private final URI vtnUrl;
        private final String venName;
        private final String clientId;
        private final String clientSecret;
        private final Path journal;
        private URI tokenUrl;
        private String resourceName = "site";
        private Set<String> programNames = Set.of();
        private boolean webhook;
        private String callbackHost = "127.0.0.1";
        private int callbackPort;
        private String callbackPublicUrl;
        private Duration pollInterval = Duration.ofSeconds(30);
        private Duration subscribedPollInterval = Duration.ofMinutes(5);
        private Duration tick = Duration.ofSeconds(1);
        private Duration retryBackoff = Duration.ofSeconds(5);
        private Duration httpTimeout = Duration.ofSeconds(10);
        private Duration baselineWindow = Duration.ofHours(1);
        private boolean partialOptAllowed = true;
        private boolean sendOptReports = true;
        private SSLContext sslContext;
        private Path callbackTlsCert;
        private Path callbackTlsKey;
        private boolean allowInsecureHttp;

        private Builder(OpenAdrVersion version, URI vtnUrl, String venName, String clientId, String clientSecret, Path journal) {
            this.version = version;
            this.vtnUrl = vtnUrl;
            this.venName = venName;
            this.clientId = clientId;
            this.clientSecret = clientSecret;
            this.journal = journal;
        }

        public Builder tokenUrl(URI v) { tokenUrl = v; return this; }
        public Builder resourceName(String v) { resourceName = v; return this; }
        public Builder programNames(Set<String> v) { programNames = v; return this; }
        public Builder webhook(boolean v) { webhook = v; return this; }
        public Builder callback(String host, int port, String publicUrl) { callbackHost = host; callbackPort = port; callbackPublicUrl = publicUrl; return this; }
        public Builder pollInterval(Duration v) { pollInterval = v; return this; }
        public Builder subscribedPollInterval(Duration v) { subscribedPollInterval = v; return this; }
        public Builder tick(Duration v) { tick = v; return this; }
        public Builder retryBackoff(Duration v) { retryBackoff = v; return this; }
        public Builder httpTimeout(Duration v) { httpTimeout = v; return this; }
        public Builder baselineWindow(Duration v) { baselineWindow = v; return this; }
        public Builder partialOptAllowed(boolean v) { partialOptAllowed = v; return this; }
        public Builder sendOptReports(boolean v) { sendOptReports = v; return this; }
        public Builder sslContext(SSLContext v) { sslContext = v; return this; }
        public Builder callbackTls(Path certPem, Path keyPem) { callbackTlsCert = certPem; callbackTlsKey = keyPem; return this; }
        public Builder allowInsecureHttp(boolean v) { allowInsecureHttp = v; return this; }

        public Ven3Config build() {
            return new Ven3Config(version, vtnUrl, venName, clientId, clientSecret, tokenUrl, resourceName, programNames, webhook,
                    callbackHost, callbackPort, callbackPublicUrl, pollInterval, subscribedPollInterval, tick, retryBackoff,
                    httpTimeout, baselineWindow, partialOptAllowed, sendOptReports, journal, sslContext, callbackTlsCert, callbackTlsKey,
                    allowInsecureHttp);
        }
    }
}
