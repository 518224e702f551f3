package io.headroom.grid.openadr3;

import io.headroom.grid.openadr3.model.Event;
import io.headroom.grid.openadr3.model.Program;
import io.headroom.grid.openadr3.model.Report;
import io.headroom.grid.openadr3.model.Resource;
import io.headroom.grid.openadr3.model.Subscription;
import io.headroom.grid.openadr3.model.Ven;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * The OpenADR 3 calls a VEN makes, blocking (JDK HTTP client; called from the VEN's own thread, never an event
 * loop). A 401 invalidates the token and retries once. Lists are paged (limit 50) until a short page.
 *
 * <p>Version differences: 3.1 writes {@code objectType} VEN_VEN_REQUEST / VEN_RESOURCE_REQUEST and uses
 * {@code /resources}; 3.0.1 uses {@code /vens/{venID}/resources} and reports carry {@code programID}.
 */
public final class VtnClient {

    private final HttpClient http;
    private final URI base;
    private final TokenSource tokens;
    private final OpenAdrVersion version;
    private final Duration timeout;

    public VtnClient(HttpClient http, URI base, TokenSource tokens, OpenAdrVersion version, Duration timeout) {
        this.http = http;
        this.base = base;
        this.tokens = tokens;
        this.version = version;
        this.timeout = timeout;
    }

    public OpenAdrVersion version() {
        return version;
    }

    static URI resolve(URI base, String path) {
        String b = base.toString();
        return URI.create((b.endsWith("/") ? b : b + "/") + path);
    }

    public Optional<Ven> findVen(String venName) {
        return list("vens", Map.of("venName", venName), Ven.class).stream().filter(v -> venName.equals(v.venName())).findFirst();
    }

    public Ven createVen(String venName) {
        Ven req = new Ven(null, null, null, version == OpenAdrVersion.V3_1_0 ? "VEN_VEN_REQUEST" : null, null, venName, null, null);
        return Json.read(send("POST", "vens", Json.write(req), 201), Ven.class);
    }

    public Optional<Resource> findResource(String venId, String resourceName) {
        List<Resource> all = version == OpenAdrVersion.V3_1_0
                ? list("resources", Map.of("venID", venId, "resourceName", resourceName), Resource.class)
                : list("vens/" + venId + "/resources", Map.of("resourceName", resourceName), Resource.class);
        return all.stream().filter(r -> resourceName.equals(r.resourceName())).findFirst();
    }

    public Resource createResource(String venId, String resourceName) {
        if (version == OpenAdrVersion.V3_1_0) {
            Resource req = new Resource(null, null, null, "VEN_RESOURCE_REQUEST", null, resourceName, venId, null, null);
            return Json.read(send("POST", "resources", Json.write(req), 201), Resource.class);
        }
        Resource req = new Resource(null, null, null, null, null, resourceName, venId, null, null);
        return Json.read(send("POST", "vens/" + venId + "/resources", Json.write(req), 201), Resource.class);
    }

    public List<Program> programs() {
        return list("programs", Map.of(), Program.class);
    }

    public List<Event> events() {
        return list("events", Map.of(), Event.class);
    }

    public Optional<Event> event(String id) {
        try {
            return Optional.of(Json.read(send("GET", "events/" + id, null, 200), Event.class));
        } catch (VtnException e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    public List<Report> reports(String eventId, String clientName) {
        return list("reports", Map.of("eventID", eventId, "clientName", clientName), Report.class);
    }

    public Report createReport(Report r) {
        return Json.read(send("POST", "reports", Json.write(r), 201), Report.class);
    }

    /** Sends a prepared report body (journaled JSON) as is. */
    public Report createReport(String body) {
        return Json.read(send("POST", "reports", body, 201), Report.class);
    }

    public Subscription createSubscription(Subscription s) {
        return Json.read(send("POST", "subscriptions", Json.write(s), 201), Subscription.class);
    }

    public List<Subscription> subscriptions() {
        return list("subscriptions", Map.of(), Subscription.class);
    }

    public void deleteSubscription(String id) {
        send("DELETE", "subscriptions/" + id, null, 200);
    }

    private <T> List<T> list(String path, Map<String, String> query, Class<T> type) {
        List<T> out = new ArrayList<>();
        int skip = 0;
        while (true) {
            Map<String, String> q = new LinkedHashMap<>(query);
            q.put("skip", Integer.toString(skip));
            q.put("limit", "50");
            StringJoiner j = new StringJoiner("&", path + "?", "");
            q.forEach((k, v) -> j.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
            List<T> page = Json.readList(send("GET", j.toString(), null, 200), type);
            out.addAll(page);
            if (page.size() < 50) {
                return out;
            }
            skip += page.size();
        }
    }

    private String send(String method, String path, String body, int expected) {
        for (int attempt = 0; ; attempt++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(resolve(base, path)).timeout(timeout)
                    .header("Authorization", "Bearer " + tokens.token()).header("Accept", "application/json");
            if (body != null) {
                b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
            } else {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<String> r;
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new VtnException(0, method + " " + path + ": VTN unreachable: " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VtnException(0, "interrupted", e);
            }
            if (r.statusCode() == 401 && attempt == 0) {
                tokens.invalidate();
                continue;
            }
            if (r.statusCode() != expected && !(r.statusCode() / 100 == 2 && expected / 100 == 2)) {
                throw new VtnException(r.statusCode(), method + " " + path + ": " + r.statusCode() + " " + r.body(), null,
                        r.headers().firstValue("Retry-After").orElse(null));
            }
            return r.body();
        }
    }
}
