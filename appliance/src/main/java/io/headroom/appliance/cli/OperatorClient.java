package io.headroom.appliance.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The operator API as the CLI speaks it: one {@link HttpClient} (HTTP/1.1), a bearer token when there is one,
 * a connect and a request timeout. A non-2xx answer is an {@link ApiError}; no answer is {@link Unreachable}.
 */
final class OperatorClient implements AutoCloseable {

    /** An answer: status and body text (JSON for every endpoint the CLI uses). */
    record Response(int status, String body) {
        JsonObject json() throws ApiError {
            try {
                return new JsonObject(body);
            } catch (DecodeException | ClassCastException e) {
                throw new ApiError(status, "the appliance's answer is not a JSON object: " + abbreviate(body), null, body);
            }
        }
    }

    /** The appliance answered with an error (or something the CLI cannot read). */
    static final class ApiError extends Exception {
        final int status;
        /** {@code field NAME}, {@code parameter NAME} or {@code path P} when the server named one; else null. */
        final String field;
        final String body;

        ApiError(int status, String message, String field, String body) {
            super(message);
            this.status = status;
            this.field = field;
            this.body = body;
        }
    }

    /** No answer: nothing listening, unknown host, timeout. */
    static final class Unreachable extends Exception {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final URI base;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;

    OperatorClient(URI base, String token, Duration timeout) {
        String b = base.toString();
        this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
        this.token = token;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    Response get(String path) throws ApiError, Unreachable {
        return send("GET", path, null);
    }

    Response post(String path, JsonObject body) throws ApiError, Unreachable {
        return send("POST", path, body);
    }

    Response delete(String path) throws ApiError, Unreachable {
        return send("DELETE", path, null);
    }

    /** Sends one request; 2xx comes back, anything else is an {@link ApiError} with the server's {@code error}. */
    Response send(String method, String path, JsonObject body) throws ApiError, Unreachable {
        URI uri = URI.create(base + path);
        HttpRequest.Builder r = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("accept", "application/json").header("user-agent", "headroom-cli/0.1.0");
        if (token != null) {
            r.header("authorization", "Bearer " + token);
        }
        if (body != null) {
            r.header("content-type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body.encode(), StandardCharsets.UTF_8));
        } else {
            r.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> res;
        try {
            res = http.send(r.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable("cannot reach the appliance at " + uri + ": interrupted", e);
        } catch (IOException | RuntimeException e) {
            throw new Unreachable("cannot reach the appliance at " + uri + ": " + cause(e), e);
        }
        if (res.statusCode() / 100 != 2) {
            throw error(res.statusCode(), res.body());
        }
        return new Response(res.statusCode(), res.body());
    }

    private String cause(Throwable e) {
        String d = Durations.format(timeout);
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                return "unknown host " + base.getHost();
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpConnectTimeoutException) {
                return "no connection within " + d + " (timed out)";
            }
            if (t instanceof HttpTimeoutException) {
                return "no answer within " + d + " (timed out)";
            }
            if (t instanceof ConnectException c) {
                String m = deepest(c);
                return m == null || m.toLowerCase(Locale.ROOT).contains("refused") ? "connection refused (nothing listening?)"
                        : m;
            }
        }
        String m = deepest(e);
        return m != null ? m : e.getClass().getSimpleName();
    }

    private static String deepest(Throwable e) {
        String m = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                m = t.getMessage();
            }
        }
        return m;
    }

    private static ApiError error(int status, String body) {
        String message = null;
        String field = null;
        try {
            JsonObject o = new JsonObject(body);
            message = o.getValue("error") == null ? null : String.valueOf(o.getValue("error"));
            if (o.getValue("field") != null) {
                field = "field " + o.getValue("field");
            } else if (o.getValue("parameter") != null) {
                field = "parameter " + o.getValue("parameter");
            } else if (o.getValue("path") != null) {
                field = "path " + o.getValue("path");
            }
            if (message == null && o.getValue("status") != null) {
                message = "status " + o.getValue("status");
            }
        } catch (RuntimeException notJson) {
            // a proxy's page, or a bare text answer: show its start
        }
        if (message == null) {
            message = body == null || body.isBlank() ? "(no error text)" : abbreviate(body);
        }
        return new ApiError(status, message, field, body);
    }

    static String abbreviate(String s) {
        String one = s == null ? "" : s.strip().replaceAll("\\s+", " ");
        return one.length() > 200 ? one.substring(0, 200) + "…" : one;
    }

    /** {@code ?a=1&b=x%20y} from the non-null entries, in order; empty if none. */
    static String query(Map<String, ?> params) {
        StringJoiner j = new StringJoiner("&", "?", "");
        j.setEmptyValue("");
        params.forEach((k, v) -> {
            if (v != null) {
                j.add(enc(k) + "=" + enc(String.valueOf(v)));
            }
        });
        return j.toString();
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    URI base() {
        return base;
    }

    @Override
    public void close() {
        http.shutdownNow();
    }
}
