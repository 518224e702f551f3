package io.headroom.grid.openadr3;

import io.headroom.grid.openadr3.model.AuthServerInfo;
import io.headroom.grid.openadr3.model.TokenResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * OAuth2 client credentials (RFC 6749 §4.4) for an OpenADR 3 VEN. The token endpoint is, in order: the one
 * configured, the {@code tokenURL} the VTN's {@code GET /auth/server} offers, {@code <vtn>/auth/token}. A token is
 * reused until 90 % of its {@code expires_in} has passed (injected clock) or the VTN answers 401.
 */
public final class TokenSource {

    private static final Logger log = LoggerFactory.getLogger(TokenSource.class);

    private final HttpClient http;
    private final URI vtn;
    private final URI configuredTokenUrl;
    private final String clientId;
    private final String clientSecret;
    private final Clock clock;
    private final Duration timeout;

    private URI tokenUrl;
    private String token;
    private Instant refreshAt = Instant.MIN;

    public TokenSource(HttpClient http, URI vtn, URI configuredTokenUrl, String clientId, String clientSecret, Clock clock, Duration timeout) {
        this.http = http;
        this.vtn = vtn;
        this.configuredTokenUrl = configuredTokenUrl;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.clock = clock;
        this.timeout = timeout;
    }

    public synchronized String token() {
        if (token == null || !clock.instant().isBefore(refreshAt)) {
            fetch();
        }
        return token;
    }

    /** Forget the token (the VTN said 401): the next call fetches a new one. */
    public synchronized void invalidate() {
        token = null;
    }

    public synchronized URI tokenUrl() {
        if (tokenUrl == null) {
            tokenUrl = discover();
        }
        return tokenUrl;
    }

    private URI discover() {
        if (configuredTokenUrl != null) {
            return configuredTokenUrl;
        }
        URI server = VtnClient.resolve(vtn, "auth/server");
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(server).timeout(timeout).header("Accept", "application/json").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                AuthServerInfo info = Json.read(r.body(), AuthServerInfo.class);
                if (info.tokenURL() != null && !info.tokenURL().isBlank()) {
                    URI u = server.resolve(info.tokenURL().trim());
                    log.info("OpenADR 3: token endpoint {} (from {})", u, server);
                    return u;
                }
            }
            log.info("OpenADR 3: {} answered {}; using {}/auth/token", server, r.statusCode(), vtn);
        } catch (IOException | Json.BadJsonException e) {
            log.info("OpenADR 3: no token discovery at {} ({}); using {}/auth/token", server, e.getMessage(), vtn);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VtnException(0, "interrupted", e);
        }
        return VtnClient.resolve(vtn, "auth/token");
    }

    private void fetch() {
        URI url = tokenUrl();
        String form = "grant_type=client_credentials&client_id=" + enc(clientId) + "&client_secret=" + enc(clientSecret);
        HttpResponse<String> r;
        try {
            r = http.send(HttpRequest.newBuilder(url).timeout(timeout)
                    .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new VtnException(0, "token endpoint " + url + " unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VtnException(0, "interrupted", e);
        }
        if (r.statusCode() != 200) {
            throw new VtnException(r.statusCode(), "token endpoint " + url + " refused client " + clientId + ": " + r.statusCode() + " " + r.body(),
                    null, r.headers().firstValue("Retry-After").orElse(null));
        }
        TokenResponse t;
        try {
            t = parse(r.body());
        } catch (Json.BadJsonException e) {
            throw new VtnException(r.statusCode(), "token endpoint " + url + ": " + e.getMessage(), e);
        }
        if (t.accessToken() == null || t.accessToken().isBlank()) {
            throw new VtnException(r.statusCode(), "token endpoint " + url + " answered without access_token", null);
        }
        if (t.tokenType() != null && !t.tokenType().equalsIgnoreCase("Bearer")) {
            throw new VtnException(r.statusCode(), "token endpoint " + url + " answered token_type " + t.tokenType() + ", not Bearer", null);
        }
        token = t.accessToken();
        long life = t.expiresIn() == null || t.expiresIn() <= 0 ? 3600 : t.expiresIn();
        refreshAt = clock.instant().plusMillis(life * 900);
        log.info("OpenADR 3: token for client {} valid {} s", clientId, life);
    }

    /**
     * The token endpoint's answer, read tolerantly: unknown fields ignored, {@code scope} as the RFC's space-separated
     * string or as a JSON array (VTNs derived from the reference implementation), {@code expires_in} as a number or a
     * numeric string.
     */
    public static TokenResponse parse(String body) {
        return Json.read(body, TokenResponse.class);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
