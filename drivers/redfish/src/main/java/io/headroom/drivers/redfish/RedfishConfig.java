package io.headroom.drivers.redfish;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach one BMC's Redfish service.
 *
 * @param baseUri        {@code https://host[:port]} of the BMC (the service root is {@code /redfish/v1})
 * @param username       the account's user name
 * @param password       its password (never logged)
 * @param trust          how the BMC's certificate is checked
 * @param auth           session authentication (basic as a fallback where the service has no sessions), or basic only
 * @param connectTimeout the TCP + TLS connect deadline
 * @param requestTimeout the deadline of each request, from sending to the last byte of the answer
 */
public record RedfishConfig(URI baseUri, String username, String password, Trust trust, Auth auth,
                            Duration connectTimeout, Duration requestTimeout) {

    public RedfishConfig {
        Objects.requireNonNull(baseUri, "baseUri");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(trust, "trust");
        Objects.requireNonNull(auth, "auth");
        if (!"https".equalsIgnoreCase(baseUri.getScheme()) || baseUri.getHost() == null) {
            throw new IllegalArgumentException("Redfish base URI must be https://host[:port], got " + baseUri);
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero() || requestTimeout.isNegative()
                || requestTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
    }

    /** How the BMC's certificate is checked. */
    public sealed interface Trust {
        /** Only certificates issued by the CA(s) in this PEM file (the BMC's own CA, pinned); host name verified. */
        record PinnedCa(Path pemFile) implements Trust {
        }

        /** A trust store (PKCS12 or JKS, by file name: {@code .jks} is JKS); host name verified. */
        record TrustStore(Path file, String password) implements Trust {
        }

        /** The JDK's default trust store; host name verified. */
        record SystemDefault() implements Trust {
        }

        /**
         * Accept any certificate and any host name. Only for a bench with a BMC whose self-signed certificate is not
         * at hand; the client logs a warning naming the BMC every time one is created.
         */
        record InsecureTrustAll() implements Trust {
        }
    }

    /** Authentication. */
    public enum Auth {
        /** A Redfish session ({@code X-Auth-Token}); HTTP basic if the service has no session service. */
        SESSION,
        /** HTTP basic authentication on every request. */
        BASIC
    }

    public static Builder builder(URI baseUri, String username, String password) {
        return new Builder(baseUri, username, password);
    }

    public static final class Builder {
        private final URI baseUri;
        private final String username;
        private final String password;
        private Trust trust = new Trust.SystemDefault();
        private Auth auth = Auth.SESSION;
        private Duration connectTimeout = Duration.ofSeconds(3);
        private Duration requestTimeout = Duration.ofSeconds(10);

        private Builder(URI baseUri, String username, String password) {
            this.baseUri = baseUri;
            this.username = username;
            this.password = password;
        }

        public Builder trust(Trust t) {
            this.trust = t;
            return this;
        }

        public Builder pinnedCa(Path pem) {
            return trust(new Trust.PinnedCa(pem));
        }

        /** Trust every certificate (logged at WARN by the client). For benches only. */
        public Builder insecure() {
            return trust(new Trust.InsecureTrustAll());
        }

        public Builder auth(Auth a) {
            this.auth = a;
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = d;
            return this;
        }

        public Builder requestTimeout(Duration d) {
            this.requestTimeout = d;
            return this;
        }

        public RedfishConfig build() {
            return new RedfishConfig(baseUri, username, password, trust, auth, connectTimeout, requestTimeout);
        }
    }

    @Override
    public String toString() {
        return "RedfishConfig[" + baseUri + ", user " + username + ", " + trust + ", " + auth + "]";
    }
}
