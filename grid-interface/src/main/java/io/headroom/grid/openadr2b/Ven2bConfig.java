package io.headroom.grid.openadr2b;

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
 */
public record Ven2bConfig(URI vtnUrl, String venName, SSLContext sslContext, Path journal, Duration pollInterval, Duration tick,
                          Duration retryBackoff, Duration httpTimeout, String resourceId, boolean partialOptAllowed,
                          boolean reportOnly, List<OptOutWindow> optOutWindows, Duration minReportPeriod,
                          Duration maxReportPeriod) {

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
        if ("https".equalsIgnoreCase(vtnUrl.getScheme()) && sslContext == null) {
            throw new IllegalArgumentException("OpenADR 2.0b VEN " + venName + ": " + vtnUrl + " needs a client certificate (tls)");
        }
    }

    public static Builder builder(URI vtnUrl, String venName, Path journal) {
        return new Builder(vtnUrl, venName, journal);
    }

    public static final class Builder {
        private final URI vtnUrl;
        private final String venName;
        private final Path journal;
        private SSLContext sslContext;
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

        /** The {@code --tls-cert F --tls-key F --tls-ca F} files (PEM; the key PKCS#8). */
        public Builder tls(Path certPem, Path keyPem, Path caPem) { sslContext = OadrTls.clientContext(certPem, keyPem, caPem); return this; }
        public Builder sslContext(SSLContext v) { sslContext = v; return this; }
        public Builder pollInterval(Duration v) { pollInterval = v; return this; }
        public Builder tick(Duration v) { tick = v; return this; }
        public Builder retryBackoff(Duration v) { retryBackoff = v; return this; }
        public Builder httpTimeout(Duration v) { httpTimeout = v; return this; }
        public Builder resourceId(String v) { resourceId = v; return this; }
        public Builder partialOptAllowed(boolean v) { partialOptAllowed = v; return this; }
        public Builder reportOnly(boolean v) { reportOnly = v; return this; }
        public Builder optOutWindows(List<OptOutWindow> v) { optOutWindows = v; return this; }
        public Builder reportPeriods(Duration min, Duration max) { minReportPeriod = min; maxReportPeriod = max; return this; }

        public Ven2bConfig build() {
            return new Ven2bConfig(vtnUrl, venName, sslContext, journal, pollInterval, tick, retryBackoff, httpTimeout, resourceId,
                    partialOptAllowed, reportOnly, optOutWindows, minReportPeriod, maxReportPeriod);
        }
    }
}
