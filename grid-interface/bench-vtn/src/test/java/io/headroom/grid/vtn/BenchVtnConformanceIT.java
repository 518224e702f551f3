package io.headroom.grid.vtn;

import io.headroom.testsupport.TestClock;

import com.fasterxml.jackson.databind.JsonNode;
import io.headroom.grid.openadr3.Json;
import io.headroom.grid.openadr3.WebhookServer;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bench VTN, every 3.1 endpoint × role (BL, VEN) × good token / no token / expired token / bad body. The case
 * names are what CONFORMANCE.md cites.
 */
class BenchVtnConformanceIT {

    static Vertx vertx;
    static WebhookServer echo;
    static String echoUrl;
    static final HttpClient http = HttpClient.newHttpClient();

    final TestClock clock = new TestClock(Instant.parse("2026-11-22T16:00:00Z"));
    BenchVtn vtn;
    Map<String, String> ids;

    @BeforeAll
    static void echoServer() throws Exception {
        vertx = Vertx.vertx();
        echo = new WebhookServer(vertx, "cb-token", n -> CompletableFuture.completedFuture(null));
        echoUrl = "http://127.0.0.1:" + echo.start("127.0.0.1", 0) + WebhookServer.PATH;
    }

    @AfterAll
    static void stopEcho() throws Exception {
        echo.stop();
        vertx.close().toCompletionStage().toCompletableFuture().get();
    }

    @BeforeEach
    void seed() throws Exception {
        vtn = new BenchVtn(vertx, clock, BenchVtn.Options.loopback().tokenLifetime(Duration.ofMinutes(10)))
                .addClient("bl", "bl-secret", BenchVtn.Role.BL).addClient("ven", "ven-secret", BenchVtn.Role.VEN);
        vtn.start();
        String bl = token("bl", "bl-secret");
        String ven = token("ven", "ven-secret");
        String p = field(call("POST", "/programs", bl, "{\"programName\":\"p1\"}"), "id");
        String e = field(call("POST", "/events", bl, eventBody(p)), "id");
        String v = field(call("POST", "/vens", ven, "{\"objectType\":\"VEN_VEN_REQUEST\",\"venName\":\"v1\"}"), "id");
        String r = field(call("POST", "/resources", ven, "{\"objectType\":\"VEN_RESOURCE_REQUEST\",\"resourceName\":\"site\",\"venID\":\"" + v + "\"}"), "id");
        String rep = field(call("POST", "/reports", ven, reportBody(e)), "id");
        String sub = field(call("POST", "/subscriptions", ven, subscriptionBody()), "id");
        ids = Map.of("program", p, "event", e, "ven", v, "resource", r, "report", rep, "subscription", sub);
    }

    @AfterEach
    void stop() throws Exception {
        vtn.close();
    }

    static String eventBody(String programId) {
        return "{\"programID\":\"" + programId + "\",\"intervalPeriod\":{\"start\":\"2026-11-22T17:00:00-05:00\",\"duration\":\"PT1H\"},"
                + "\"intervals\":[{\"id\":0,\"payloads\":[{\"type\":\"SIMPLE\",\"values\":[1]}]}]}";
    }

    static String reportBody(String eventId) {
        return "{\"eventID\":\"" + eventId + "\",\"clientName\":\"v1\",\"resources\":[{\"resourceName\":\"site\",\"intervals\":[]}]}";
    }

    static String subscriptionBody() {
        return "{\"clientName\":\"v1\",\"objectOperations\":[{\"objects\":[\"EVENT\"],\"operations\":[\"CREATE\"],\"callbackUrl\":\"" + echoUrl
                + "\",\"bearerToken\":\"cb-token\"}]}";
    }

    /** One row: method, path (with {kind} placeholders), role, expected status with a good token, a valid body. */
    record Case(String method, String path, String role, int expected, String bodyKind) {
        @Override
        public String toString() {
            return method + " " + path + " as " + role;
        }
    }

    static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        String[][] objects = {{"programs", "program", "BL"}, {"events", "event", "BL"}, {"reports", "report", "VEN"},
                {"subscriptions", "subscription", "ANY"}, {"vens", "ven", "ANY"}, {"resources", "resource", "ANY"}};
        for (String[] o : objects) {
            for (String role : List.of("BL", "VEN")) {
                boolean writes = o[2].equals("ANY") || o[2].equals(role);
                out.add(new Case("GET", "/" + o[0], role, 200, null));
                out.add(new Case("POST", "/" + o[0], role, writes ? 201 : 403, o[1]));
                out.add(new Case("GET", "/" + o[0] + "/{" + o[1] + "}", role, 200, null));
                out.add(new Case("PUT", "/" + o[0] + "/{" + o[1] + "}", role, writes ? 200 : 403, o[1]));
                out.add(new Case("DELETE", "/" + o[0] + "/{" + o[1] + "}", role, writes ? 200 : 403, null));
            }
        }
        for (String role : List.of("BL", "VEN")) {
            out.add(new Case("GET", "/notifiers", role, 200, null));
        }
        return out;
    }

    String body(String kind, String role, boolean create) {
        return switch (kind) {
            case "program" -> create ? "{\"programName\":\"p2\"}" : "{\"programName\":\"p1\",\"intervalPeriod\":{\"start\":\"2026-11-22T16:00:00Z\"}}";
            case "event" -> eventBody(ids.get("program"));
            case "report" -> reportBody(ids.get("event"));
            case "subscription" -> subscriptionBody();
            case "ven" -> role.equals("BL")
                    ? "{\"objectType\":\"BL_VEN_REQUEST\",\"clientID\":\"ven\",\"venName\":\"" + (create ? "v2" : "v1") + "\"}"
                    : "{\"objectType\":\"VEN_VEN_REQUEST\",\"venName\":\"" + (create ? "v2" : "v1") + "\"}";
            case "resource" -> role.equals("BL")
                    ? "{\"objectType\":\"BL_RESOURCE_REQUEST\",\"clientID\":\"ven\",\"resourceName\":\"r2\",\"venID\":\"" + ids.get("ven") + "\"}"
                    : "{\"objectType\":\"VEN_RESOURCE_REQUEST\",\"resourceName\":\"r2\",\"venID\":\"" + ids.get("ven") + "\"}";
            default -> throw new IllegalArgumentException(kind);
        };
    }

    String path(Case c) {
        String p = c.path();
        for (var en : ids.entrySet()) {
            p = p.replace("{" + en.getKey() + "}", en.getValue());
        }
        return p;
    }

    String tokenFor(String role) throws Exception {
        return role.equals("BL") ? token("bl", "bl-secret") : token("ven", "ven-secret");
    }

    static Stream<Arguments> all() {
        return cases().stream().map(Arguments::of);
    }

    static Stream<Arguments> writes() {
        return cases().stream().filter(c -> c.bodyKind() != null && c.expected() / 100 == 2).map(Arguments::of);
    }

    @ParameterizedTest(name = "good token: {0}")
    @MethodSource("all")
    void goodToken(Case c) throws Exception {
        String body = c.bodyKind() == null ? null : body(c.bodyKind(), c.role(), c.method().equals("POST"));
        HttpResponse<String> r = call(c.method(), path(c), tokenFor(c.role()), body);
        assertThat(r.statusCode()).as(c + ": " + r.body()).isEqualTo(c.expected());
        if (r.statusCode() / 100 == 2 && !c.method().equals("DELETE") && !c.path().equals("/notifiers")) {
            JsonNode n = Json.MAPPER.readTree(r.body());
            assertThat(n.isArray() || n.has("id")).as(r.body()).isTrue();
        }
    }

    @ParameterizedTest(name = "no token: {0}")
    @MethodSource("all")
    void noToken(Case c) throws Exception {
        assertThat(call(c.method(), path(c), null, c.bodyKind() == null ? null : body(c.bodyKind(), c.role(), true)).statusCode()).isEqualTo(401);
        assertThat(call(c.method(), path(c), "not-a-token", null).statusCode()).isEqualTo(401);
    }

    @ParameterizedTest(name = "expired token: {0}")
    @MethodSource("all")
    void expiredToken(Case c) throws Exception {
        String t = tokenFor(c.role());
        clock.advance(Duration.ofMinutes(11));
        HttpResponse<String> r = call(c.method(), path(c), t, c.bodyKind() == null ? null : body(c.bodyKind(), c.role(), true));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).contains("token expired");
    }

    @ParameterizedTest(name = "bad body: {0}")
    @MethodSource("writes")
    void badBody(Case c) throws Exception {
        String t = tokenFor(c.role());
        assertThat(call(c.method(), path(c), t, "{not json").statusCode()).as(c.toString()).isEqualTo(400);
        HttpResponse<String> r = call(c.method(), path(c), t, "{\"unexpected\":true}");
        assertThat(r.statusCode()).as(c.toString()).isEqualTo(400);
        assertThat(Json.MAPPER.readTree(r.body()).get("status").asInt()).isEqualTo(400);
    }

    @Test
    void tokenDiscoveryAndTheTokenEndpointRefuseWhatTheyShould() throws Exception {
        HttpResponse<String> s = call("GET", "/auth/server", null, null);
        assertThat(s.statusCode()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(s.body()).get("tokenURL").asText()).isEqualTo(vtn.baseUrl() + "/auth/token");
        assertThat(form("grant_type=client_credentials&client_id=ven&client_secret=wrong").statusCode()).isEqualTo(401);
        assertThat(form("grant_type=password&client_id=ven&client_secret=ven-secret").statusCode()).isEqualTo(400);
        assertThat(form("client_id=ven&client_secret=ven-secret").statusCode()).isEqualTo(400);
    }

    @Test
    void aVenSeesOnlyItsOwnObjectsAndASubscriptionNeedsAReachableCallback() throws Exception {
        vtn.addClient("other", "other-secret", BenchVtn.Role.VEN);
        String other = token("other", "other-secret");
        assertThat(Json.MAPPER.readTree(call("GET", "/vens", other, null).body())).isEmpty();
        assertThat(call("GET", "/reports/" + ids.get("report"), other, null).statusCode()).isEqualTo(404);
        assertThat(call("POST", "/resources", other, "{\"resourceName\":\"x\",\"venID\":\"" + ids.get("ven") + "\"}").statusCode()).isEqualTo(403);
        String unreachable = "{\"clientName\":\"o\",\"objectOperations\":[{\"objects\":[\"EVENT\"],\"operations\":[\"CREATE\"],\"callbackUrl\":\"http://127.0.0.1:1/x\"}]}";
        assertThat(call("POST", "/subscriptions", other, unreachable).statusCode()).isEqualTo(400);
        assertThat(call("POST", "/events", token("bl", "bl-secret"), eventBody("no-such-program")).statusCode()).isEqualTo(400);
        assertThat(call("POST", "/reports", token("ven", "ven-secret"), reportBody("no-such-event")).statusCode()).isEqualTo(400);
    }

    String token(String id, String secret) throws Exception {
        HttpResponse<String> r = form("grant_type=client_credentials&client_id=" + id + "&client_secret=" + secret);
        assertThat(r.statusCode()).isEqualTo(200);
        return Json.MAPPER.readTree(r.body()).get("access_token").asText();
    }

    HttpResponse<String> form(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(vtn.baseUrl() + "/auth/token"))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> call(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(vtn.baseUrl() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String field(HttpResponse<String> r, String f) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Json.MAPPER.readTree(r.body()).get(f).asText();
    }
}
