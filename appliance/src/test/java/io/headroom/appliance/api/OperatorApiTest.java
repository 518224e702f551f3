package io.headroom.appliance.api;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.control.GroupRegulator;
import io.headroom.appliance.control.Snapshot;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.journal.JournalEntry;
import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.MeasurementQuality;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.operator.ActiveAlarms;
import io.headroom.appliance.operator.ApiTokens;
import io.headroom.appliance.operator.OperatorControls;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.grid.Commitment;
import io.headroom.grid.CommitmentBook;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator API over real HTTP against the real server, journal and controls: tokens and roles, every write
 * and its refusals, the journal trail, a restart that restores what was in force, and every answer validated
 * against the OpenAPI document the appliance serves.
 */
class OperatorApiTest {

    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final String STALE = "feed B: meter stale (900 ms old); group held conservatively";

    @TempDir
    static Path dir;
    static Vertx vertx;
    static Site site;
    static Journal journal;
    static ActiveAlarms alarms;
    static OperatorControls controls;
    static SiteState state;
    static ApiServer server;
    static ApiServer strict;
    static String operatorToken;
    static String viewerToken;
    static OpenAPIContract contract;
    static final Set<String> validated = new HashSet<>();

    @BeforeAll
    static void start() throws Exception {
        site = SiteLoader.load(Path.of("../sites/example-4feed.yaml"));
        vertx = Vertx.vertx();
        journal = Journal.open(dir.resolve("journal.db"), Clock.systemUTC(), 3600, 100_000);
        alarms = new ActiveAlarms();
        alarms.update(List.of(STALE), Instant.now());
        controls = OperatorControls.open(site, journal, Clock.systemUTC(), alarms);
        state = syntheticState();
        Path tokens = dir.resolve("api-tokens");
        operatorToken = ApiTokens.add(tokens, "alice", ApiTokens.Role.OPERATOR);
        viewerToken = ApiTokens.add(tokens, "grafana", ApiTokens.Role.VIEWER);
        CommitmentBook book = new CommitmentBook();
        book.accept(new Commitment.ImportLimit("evt-1/0/IMPORT_CAPACITY_LIMIT", Instant.now().minusSeconds(60),
                Instant.now().plusSeconds(600), 330_000, "evt-1"));
        Path records = dir.resolve("disturbances");
        DisturbanceArchiveTest.writeRecord(records, "dr-1765000000123456789-ON_DEMAND", "headroom/C", 2000);
        server = ApiServer.start(vertx, site, () -> state, journal, null, () -> "# metrics\n", "127.0.0.1", 0,
                new OperatorApi(site, () -> state, controls, book, new OperatorApi.Access(ApiTokens.load(tokens), false),
                        new DisturbanceArchive(records)));
        strict = ApiServer.start(vertx, site, () -> state, journal, null, () -> "# metrics\n", "127.0.0.1", 0,
                new OperatorApi(site, () -> state, controls, book, new OperatorApi.Access(ApiTokens.load(tokens), true)));
        contract = OpenAPIContract.from(vertx, validatorCopy(new JsonObject(get(server, "/api/v1/openapi.json", null).body())))
                .await();
    }

    /**
     * The served document for the validator, which knows no text/csv or application/yaml bodies: those two answers
     * are declared as text/plain in its copy (their content types are checked by hand below).
     */
    static JsonObject validatorCopy(JsonObject doc) {
        JsonObject copy = doc.copy();
        JsonObject paths = copy.getJsonObject("paths");
        for (String path : paths.fieldNames()) {
            for (String method : paths.getJsonObject(path).fieldNames()) {
                JsonObject responses = paths.getJsonObject(path).getJsonObject(method).getJsonObject("responses");
                for (String status : responses.fieldNames()) {
                    JsonObject content = responses.getJsonObject(status).getJsonObject("content");
                    if (content == null) {
                        continue;
                    }
                    for (String type : List.of("text/csv", "application/yaml", "text/event-stream")) {
                        if (content.containsKey(type)) {
                            content.put("text/plain", content.remove(type));
                        }
                    }
                }
            }
        }
        return copy;
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
            strict.close();
        }
        if (journal != null) {
            journal.close();
        }
        if (vertx != null) {
            vertx.close().await();
        }
    }

    /** A tick as regulation would publish it: the example hall at 80 % with a real group decision. */
    static SiteState syntheticState() {
        Map<String, FeedMeasurement> feeds = new HashMap<>();
        for (Feed f : site.feeds()) {
            feeds.put(f.id(), new FeedMeasurement(f.id(), f.limitA() * 0.8, f.limitW() * 0.8, MeasurementQuality.GOOD, 40));
        }
        Map<String, NodeTelemetry> nodes = new HashMap<>();
        for (Node n : site.nodes()) {
            nodes.put(n.id(), new NodeTelemetry(n.id(), 450.0 * n.gpus(), 600, true));
        }
        Snapshot s = new Snapshot(7, 7_000_000_000L, Instant.now(), feeds, nodes);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 500);
        GroupDecision d = reg.run(s);
        Map<String, Double> caps = new HashMap<>();
        for (int i = 0; i < reg.nodes().size(); i++) {
            caps.put(reg.nodes().get(i).id(), d.capsPerGpuW()[i]);
        }
        return new SiteState(7, s.utc(), 100, feeds, nodes, caps, List.of(d), List.of(STALE), Map.of(), Map.of(), Map.of());
    }

    static HttpResponse<String> send(ApiServer to, String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + to.port() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", token.contains(" ") ? token : "Bearer " + token);
        }
        if (body != null) {
            b.header("content-type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(ApiServer to, String path, String token) throws Exception {
        return send(to, "GET", path, token, null);
    }

    /** Validates a JSON answer against the operation the document gives for it, and notes it as covered. */
    static JsonObject valid(HttpResponse<String> r, String operationId) {
        Operation op = contract.operation(operationId);
        assertThat(op).as("operation %s in the OpenAPI document", operationId).isNotNull();
        String type = r.headers().firstValue("content-type").orElse("");
        Map<String, String> headers = new HashMap<>();
        r.headers().map().forEach((k, v) -> headers.put(k, v.getFirst()));
        ResponseValidator.create(vertx, contract)
                .validate(ValidatableResponse.create(r.statusCode(), headers, Buffer.buffer(r.body()), type), operationId)
                .await();
        validated.add(operationId);
        return type.startsWith("application/json") && r.body().startsWith("{") ? new JsonObject(r.body()) : null;
    }

    static String override(String node, Object cap, Object duration, String reason) {
        JsonObject o = new JsonObject().put("node", node).put("capPerGpuW", cap).put("durationS", duration);
        if (reason != null) {
            o.put("reason", reason);
        }
        return o.encode();
    }

    @Test
    void writesNeedAnOperatorTokenAndSayWhy() throws Exception {
        String body = override("r8-n8", 300, 600, "drain for maintenance");
        HttpResponse<String> none = send(server, "POST", "/api/v1/overrides", null, body);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"headroom\"");
        assertThat(valid(none, "setOverride").getString("error")).contains("operator token");
        HttpResponse<String> unknown = send(server, "POST", "/api/v1/overrides", "not-a-token", body);
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(new JsonObject(unknown.body()).getString("error")).isEqualTo("unknown token");
        HttpResponse<String> basic = send(server, "POST", "/api/v1/overrides", "Basic YWxpY2U6eA==", body);
        assertThat(basic.statusCode()).isEqualTo(401);
        assertThat(new JsonObject(basic.body()).getString("error")).contains("Bearer TOKEN");
        HttpResponse<String> viewer = send(server, "POST", "/api/v1/overrides", viewerToken, body);
        assertThat(viewer.statusCode()).isEqualTo(403);
        assertThat(valid(viewer, "setOverride").getString("error")).contains("grafana").contains("viewer").contains("operator role");
        assertThat(controls.overrideOf("r8-n8")).as("nothing changed").isEmpty();
        // Reads are open on this server without a token, and with a viewer's.
        assertThat(get(server, "/api/v1/caps", null).statusCode()).isEqualTo(200);
        assertThat(get(server, "/api/v1/caps", viewerToken).statusCode()).isEqualTo(200);
        assertThat(get(server, "/api/v1/caps", "wrong").statusCode()).as("a wrong token is refused even on a read").isEqualTo(401);
    }

    @Test
    void aBrowserSignsInWithATokenAndReadsWithItsCookieButCannotWriteWithIt() throws Exception {
        HttpResponse<String> wrong = send(strict, "POST", "/api/v1/session", null, "{\"token\":\"guess\"}");
        assertThat(wrong.statusCode()).isEqualTo(401);
        valid(wrong, "createSession");
        HttpResponse<String> none = send(strict, "POST", "/api/v1/session", null, "{}");
        assertThat(none.statusCode()).isEqualTo(400);
        assertThat(valid(none, "createSession").getString("field")).isEqualTo("token");
        HttpResponse<String> in = send(strict, "POST", "/api/v1/session", null, "{\"token\":\"" + operatorToken + "\"}");
        assertThat(in.statusCode()).isEqualTo(200);
        assertThat(valid(in, "createSession").getString("name")).isEqualTo("alice");
        String setCookie = in.headers().firstValue("set-cookie").orElseThrow();
        assertThat(setCookie).startsWith("headroom_token=" + operatorToken).containsIgnoringCase("HttpOnly").contains("SameSite=Strict")
                .contains("Path=/");
        String cookie = "headroom_token=" + operatorToken;
        HttpResponse<String> read = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + strict.port()
                + "/api/v1/site")).header("cookie", cookie).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(read.statusCode()).as("a read with the cookie").isEqualTo(200);
        HttpResponse<String> write = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + strict.port()
                        + "/api/v1/overrides")).header("cookie", cookie).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(override("r2-n2", 300, 60, "csrf"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(write.statusCode()).as("a write needs the header, never the cookie").isEqualTo(401);
        assertThat(controls.overrideOf("r2-n2")).isEmpty();
        HttpResponse<String> stale = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + strict.port()
                + "/api/v1/site")).header("cookie", "headroom_token=removed").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(stale.statusCode()).as("an unknown cookie is no token").isEqualTo(401);
        HttpResponse<String> out = send(strict, "DELETE", "/api/v1/session", null, null);
        assertThat(valid(out, "deleteSession").getBoolean("signedOut")).isTrue();
        assertThat(out.headers().firstValue("set-cookie").orElseThrow()).startsWith("headroom_token=;").contains("Max-Age=0");
    }

    @Test
    void aServerThatAsksATokenForReadsStillAnswersHealthAndItsDocument() throws Exception {
        HttpResponse<String> site = get(strict, "/api/v1/site", null);
        assertThat(site.statusCode()).isEqualTo(401);
        assertThat(valid(site, "getSite").getString("error")).contains("token for every read");
        assertThat(get(strict, "/api/v1/site", viewerToken).statusCode()).isEqualTo(200);
        assertThat(get(strict, "/metrics", null).statusCode()).isEqualTo(401);
        assertThat(get(strict, "/api/v1/health", null).statusCode()).isEqualTo(200);
        assertThat(get(strict, "/api/v1/openapi.yaml", null).statusCode()).isEqualTo(200);
    }

    @Test
    void anOverrideIsJournaledWithWhoAndWhyShownEverywhereAndCancelled() throws Exception {
        HttpResponse<String> set = send(server, "POST", "/api/v1/overrides", operatorToken,
                override("r3-n2", 350, 900, "thermal alarm on r3"));
        assertThat(set.statusCode()).as(set.body()).isEqualTo(201);
        JsonObject o = valid(set, "setOverride");
        assertThat(o.getString("node")).isEqualTo("r3-n2");
        assertThat(o.getDouble("capPerGpuW")).isEqualTo(350);
        assertThat(o.getString("setBy")).isEqualTo("alice");
        assertThat(Instant.parse(o.getString("expiresAt"))).isAfter(Instant.now().plusSeconds(890));
        assertThat(controls.nodeCeilingsW(Instant.now())).containsEntry("r3-n2", 350.0);

        List<JournalEntry> trail = journal.entries(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1),
                "operator.override", 10);
        assertThat(trail).anySatisfy(e -> {
            assertThat(e.subject()).isEqualTo("r3-n2");
            assertThat(e.actor()).isEqualTo("alice");
            assertThat(e.message()).isEqualTo("thermal alarm on r3");
            assertThat(new JsonObject(e.data()).getString("id")).isEqualTo(o.getString("id"));
        });

        JsonObject list = valid(get(server, "/api/v1/overrides", null), "getOverrides");
        assertThat(list.getJsonArray("overrides").stream().map(x -> ((JsonObject) x).getString("id")))
                .contains(o.getString("id"));
        JsonObject node = nodeOf(valid(get(server, "/api/v1/site", null), "getSite"), "r3-n2");
        assertThat(node.getJsonObject("override").getString("id")).isEqualTo(o.getString("id"));
        JsonObject caps = valid(get(server, "/api/v1/caps", null), "getCaps");
        assertThat(caps.getJsonArray("nodes").stream().map(x -> (JsonObject) x)
                .filter(x -> x.getString("node").equals("r3-n2")).findFirst().orElseThrow()
                .getJsonObject("override").getDouble("capPerGpuW")).isEqualTo(350);

        HttpResponse<String> noReason = send(server, "DELETE", "/api/v1/overrides/" + o.getString("id"), operatorToken, null);
        assertThat(noReason.statusCode()).isEqualTo(400);
        assertThat(valid(noReason, "cancelOverride").getString("field")).isEqualTo("reason");
        HttpResponse<String> cancel = send(server, "DELETE", "/api/v1/overrides/" + o.getString("id") + "?reason="
                + URLEncoder.encode("alarm cleared", StandardCharsets.UTF_8), operatorToken, null);
        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);
        assertThat(valid(cancel, "cancelOverride").getJsonObject("cancelled").getString("id")).isEqualTo(o.getString("id"));
        assertThat(controls.nodeCeilingsW(Instant.now())).doesNotContainKey("r3-n2");
        HttpResponse<String> again = send(server, "DELETE", "/api/v1/overrides/" + o.getString("id") + "?reason=x",
                operatorToken, null);
        assertThat(again.statusCode()).isEqualTo(404);
        valid(again, "cancelOverride");
    }

    @Test
    void badBodiesAreRefusedNamingTheFieldAndChangeNothing() throws Exception {
        record Case(String body, String field, String says) {
        }
        List<Case> cases = List.of(
                new Case("{not json", null, "not JSON"),
                new Case("[1,2]", null, "JSON object"),
                new Case(override("no-such-node", 300, 60, "x"), "node", "no node 'no-such-node'"),
                new Case(override("r1-n1", 150, 60, "x"), "capPerGpuW", "[200, 700] W"),
                new Case(override("r1-n1", 701, 60, "x"), "capPerGpuW", "outside node r1-n1's GPU range"),
                new Case(override("r1-n1", "lots", 60, "x"), "capPerGpuW", "must be a number"),
                new Case(override("r1-n1", 300, 0, "x"), "durationS", "1..86400"),
                new Case(override("r1-n1", 300, 90_000, "x"), "durationS", "1..86400"),
                new Case(override("r1-n1", 300, 1.5, "x"), "durationS", "whole number"),
                new Case(override("r1-n1", 300, 60, null), "reason", "reason is required"),
                new Case(override("r1-n1", 300, 60, "  "), "reason", "reason is required"),
                new Case("{\"capPerGpuW\":300,\"durationS\":60,\"reason\":\"x\"}", "node", "node is required"));
        for (Case c : cases) {
            HttpResponse<String> r = send(server, "POST", "/api/v1/overrides", operatorToken, c.body());
            assertThat(r.statusCode()).as(c.body()).isEqualTo(400);
            JsonObject e = valid(r, "setOverride");
            assertThat(e.getString("error")).as(c.body()).contains(c.says());
            assertThat(e.getString("field")).as(c.body()).isEqualTo(c.field());
        }
        assertThat(controls.overrideOf("r1-n1")).isEmpty();
        HttpResponse<String> wrongMethod = send(server, "PATCH", "/api/v1/overrides", operatorToken, "{}");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("allow")).hasValue("GET, POST");
    }

    @Test
    void aFeedInMaintenanceIsShownJournaledAndCannotLeaveAGroupWithoutSupply() throws Exception {
        HttpResponse<String> on = send(server, "PUT", "/api/v1/feeds/C/maintenance", operatorToken,
                "{\"enabled\":true,\"reason\":\"breaker C inspection\"}");
        assertThat(on.statusCode()).as(on.body()).isEqualTo(200);
        assertThat(valid(on, "setMaintenance").getJsonObject("maintenance").getString("by")).isEqualTo("alice");
        assertThat(controls.outOfService()).containsExactly("C");
        JsonObject feedC = valid(get(server, "/api/v1/site", null), "getSite").getJsonArray("feeds").stream()
                .map(x -> (JsonObject) x).filter(f -> f.getString("id").equals("C")).findFirst().orElseThrow();
        assertThat(feedC.getJsonObject("maintenance").getString("reason")).isEqualTo("breaker C inspection");

        HttpResponse<String> twice = send(server, "PUT", "/api/v1/feeds/C/maintenance", operatorToken,
                "{\"enabled\":true,\"reason\":\"again\"}");
        assertThat(twice.statusCode()).isEqualTo(409);
        assertThat(valid(twice, "setMaintenance").getString("error")).contains("already in maintenance");
        HttpResponse<String> unknown = send(server, "PUT", "/api/v1/feeds/Q/maintenance", operatorToken,
                "{\"enabled\":true,\"reason\":\"x\"}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        valid(unknown, "setMaintenance");
        HttpResponse<String> notBool = send(server, "PUT", "/api/v1/feeds/D/maintenance", operatorToken,
                "{\"enabled\":\"yes\",\"reason\":\"x\"}");
        assertThat(notBool.statusCode()).isEqualTo(400);
        assertThat(valid(notBool, "setMaintenance").getString("field")).isEqualTo("enabled");
        for (String f : List.of("A", "B")) {
            assertThat(send(server, "PUT", "/api/v1/feeds/" + f + "/maintenance", operatorToken,
                    "{\"enabled\":true,\"reason\":\"x\"}").statusCode()).isEqualTo(200);
        }
        HttpResponse<String> last = send(server, "PUT", "/api/v1/feeds/D/maintenance", operatorToken,
                "{\"enabled\":true,\"reason\":\"x\"}");
        assertThat(last.statusCode()).isEqualTo(409);
        assertThat(new JsonObject(last.body()).getString("error")).contains("last feed of group hall-1");
        for (String f : List.of("A", "B", "C")) {
            HttpResponse<String> off = send(server, "PUT", "/api/v1/feeds/" + f + "/maintenance", operatorToken,
                    "{\"enabled\":false,\"reason\":\"done\"}");
            assertThat(off.statusCode()).isEqualTo(200);
            assertThat(new JsonObject(off.body()).getValue("maintenance")).isNull();
        }
        assertThat(controls.outOfService()).isEmpty();
        assertThat(journal.entries(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1), "operator.maintenance", 100)
                .stream().filter(e -> List.of("A", "B", "C").contains(e.subject())).toList())
                .as("on and off for A, B and C; nothing for the refused ones").hasSize(6)
                .allSatisfy(e -> assertThat(e.actor()).isEqualTo("alice"));
    }

    @Test
    void anAlarmIsAcknowledgedByIdAndTheAcknowledgementSurvivesItsNumbersChanging() throws Exception {
        JsonObject list = valid(get(server, "/api/v1/alarms", null), "getAlarms");
        JsonObject stale = list.getJsonArray("alarms").getJsonObject(0);
        assertThat(stale.getString("subject")).isEqualTo("B");
        assertThat(stale.getValue("acknowledged")).isNull();
        String id = stale.getString("id");

        HttpResponse<String> ack = send(server, "POST", "/api/v1/alarms/" + id + "/ack", operatorToken,
                "{\"reason\":\"meter B being replaced\"}");
        assertThat(ack.statusCode()).as(ack.body()).isEqualTo(200);
        assertThat(valid(ack, "acknowledgeAlarm").getJsonObject("acknowledged").getString("by")).isEqualTo("alice");
        alarms.update(List.of("feed B: meter stale (1900 ms old); group held conservatively"), Instant.now());
        JsonObject after = valid(get(server, "/api/v1/alarms", null), "getAlarms").getJsonArray("alarms").getJsonObject(0);
        assertThat(after.getString("id")).isEqualTo(id);
        assertThat(after.getString("message")).contains("1900 ms");
        assertThat(after.getJsonObject("acknowledged").getString("reason")).isEqualTo("meter B being replaced");
        JsonArray alarmList = valid(get(server, "/api/v1/site", null), "getSite").getJsonArray("alarmList");
        assertThat(alarmList.getJsonObject(0).getString("id")).isEqualTo(id);

        HttpResponse<String> gone = send(server, "POST", "/api/v1/alarms/0123456789ab/ack", operatorToken,
                "{\"reason\":\"x\"}");
        assertThat(gone.statusCode()).isEqualTo(404);
        valid(gone, "acknowledgeAlarm");
        assertThat(journal.entries(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1), "operator.alarm.ack", 10))
                .singleElement().satisfies(e -> assertThat(e.message()).isEqualTo("meter B being replaced"));
    }

    @Test
    void whatWasInForceIsRestoredFromTheJournalAfterARestart() throws Exception {
        assertThat(send(server, "POST", "/api/v1/overrides", operatorToken, override("r5-n5", 420, 3600, "restart test"))
                .statusCode()).isEqualTo(201);
        assertThat(send(server, "POST", "/api/v1/overrides", operatorToken, override("r5-n6", 430, 3600, "cancelled one"))
                .statusCode()).isEqualTo(201);
        String cancelled = controls.overrideOf("r5-n6").orElseThrow().id();
        assertThat(send(server, "DELETE", "/api/v1/overrides/" + cancelled + "?reason=no", operatorToken, null).statusCode())
                .isEqualTo(200);
        assertThat(send(server, "PUT", "/api/v1/feeds/D/maintenance", operatorToken, "{\"enabled\":true,\"reason\":\"restart\"}")
                .statusCode()).isEqualTo(200);
        try {
            OperatorControls reopened = OperatorControls.open(site, journal, Clock.systemUTC(), new ActiveAlarms());
            assertThat(reopened.nodeCeilingsW(Instant.now())).containsEntry("r5-n5", 420.0).doesNotContainKey("r5-n6");
            assertThat(reopened.outOfService()).containsExactly("D");
            assertThat(reopened.overrideOf("r5-n5").orElseThrow().setBy()).isEqualTo("alice");
            OperatorControls later = OperatorControls.open(site, journal, Clock.offset(Clock.systemUTC(), Duration.ofHours(2)),
                    new ActiveAlarms());
            assertThat(later.nodeCeilingsW(Instant.now().plus(Duration.ofHours(2)))).as("expired by then").doesNotContainKey("r5-n5");
        } finally {
            send(server, "PUT", "/api/v1/feeds/D/maintenance", operatorToken, "{\"enabled\":false,\"reason\":\"restart test over\"}");
        }
    }

    @Test
    void everyOperationOfTheDocumentAnswersWhatTheDocumentSays() throws Exception {
        String from = URLEncoder.encode(Instant.now().minusSeconds(600).toString(), StandardCharsets.UTF_8);
        valid(get(server, "/api/v1/health", null), "getHealth");
        valid(get(server, "/api/v1/site", null), "getSite");
        JsonObject topology = valid(get(server, "/api/v1/topology", null), "getTopology");
        assertThat(topology.getJsonArray("nodes")).hasSize(64);
        assertThat(topology.getJsonArray("racks")).hasSize(8);
        JsonObject caps = valid(get(server, "/api/v1/caps", null), "getCaps");
        JsonObject criticalCaps = caps.getJsonObject("byClass").getJsonObject("critical");
        assertThat(criticalCaps.getInteger("nodes")).isPositive();
        assertThat(criticalCaps.getInteger("gpus")).isEqualTo(site.nodes().stream()
                .filter(n -> n.priority().label().equals("critical")).mapToInt(Node::gpus).sum());
        // the dashboard's "mean cap W/GPU": the commanded caps over the GPUs that have one
        assertThat(criticalCaps.getDouble("meanCapPerGpuW")).isBetween(200.0, 700.0)
                .isCloseTo(criticalCaps.getDouble("capW") / criticalCaps.getInteger("gpus"), org.assertj.core.data.Offset.offset(1.0));
        JsonObject plans = valid(get(server, "/api/v1/plans", null), "getPlans");
        assertThat(plans.getJsonArray("groups").getJsonObject(0).getJsonArray("contingencies")).hasSize(4);
        valid(get(server, "/api/v1/alarms", null), "getAlarms");
        JsonObject commitments = valid(get(server, "/api/v1/commitments", null), "getCommitments");
        assertThat(commitments.getJsonArray("active")).containsExactly("evt-1/0/IMPORT_CAPACITY_LIMIT");
        valid(get(server, "/api/v1/overrides", null), "getOverrides");
        valid(get(server, "/api/v1/journal?from=" + from, null), "getJournal");
        // kinds (repeated or comma-separated) and a least severity
        journal.append(JournalEntry.of(Instant.now(), "protection", "A", "appliance", "feed A lost", null)).get();
        journal.append(JournalEntry.of(Instant.now(), "alarm.raised", "B", "appliance", "feed B: meter stale", null)).get();
        journal.append(JournalEntry.of(Instant.now(), "decision", "hall-1", "appliance", "feed C binds", null)).get();
        JsonObject warnings = valid(get(server, "/api/v1/journal?from=" + from + "&severity=warning", null), "getJournal");
        assertThat(warnings.getJsonArray("entries").stream().map(o -> ((JsonObject) o).getString("severity")))
                .isNotEmpty().allMatch(v -> v.equals("warning") || v.equals("critical"));
        assertThat(warnings.getJsonArray("entries").stream().map(o -> ((JsonObject) o).getString("kind")))
                .contains("protection", "alarm.raised").doesNotContain("decision");
        JsonObject two = valid(get(server, "/api/v1/journal?from=" + from + "&kind=decision,protection&kind=alarm.raised",
                null), "getJournal");
        assertThat(two.getJsonArray("entries").stream().map(o -> ((JsonObject) o).getString("kind")).distinct())
                .containsExactlyInAnyOrder("decision", "protection", "alarm.raised");
        JsonObject critical = valid(get(server, "/api/v1/journal?from=" + from + "&kind=decision,protection&severity=critical",
                null), "getJournal");
        assertThat(critical.getJsonArray("entries").stream().map(o -> ((JsonObject) o).getString("kind")).distinct())
                .containsExactly("protection");
        HttpResponse<String> badSeverity = get(server, "/api/v1/journal?severity=loud", null);
        assertThat(badSeverity.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(badSeverity.body()).getString("parameter")).isEqualTo("severity");
        HttpResponse<String> badFrom = get(server, "/api/v1/journal?from=yesterday", null);
        assertThat(badFrom.statusCode()).isEqualTo(400);
        assertThat(valid(badFrom, "getJournal").getString("parameter")).isEqualTo("from");
        valid(get(server, "/api/v1/history/feeds?seconds=60", null), "getFeedHistory");
        valid(get(server, "/api/v1/grid", null), "getGrid");
        valid(get(server, "/api/v1/placement", null), "getPlacement");
        valid(send(server, "POST", "/api/v1/scheduler/filter", null, "{\"pod\":{},\"nodenames\":[\"r1-n1\"]}"),
                "schedulerFilter");
        valid(send(server, "POST", "/api/v1/scheduler/prioritize", null, "{\"pod\":{},\"nodenames\":[\"r1-n1\"]}"),
                "schedulerPrioritize");
        valid(get(server, "/api/v1/campus", null), "getCampus");
        valid(get(server, "/api/v1/openapi.json", null), "getOpenApiJson");
        try (java.io.InputStream stream = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + "/api/v1/stream")).build(), HttpResponse.BodyHandlers.ofInputStream()).body()) {
            assertThat(new String(stream.readNBytes(13), StandardCharsets.UTF_8)).isEqualTo("retry: 2000\n\n");
            validated.add("getStream");
        }
        for (String[] plain : new String[][]{{"/api/v1/journal.csv", "text/csv", "getJournalCsv"},
                {"/api/v1/openapi.yaml", "application/yaml", "getOpenApiYaml"}, {"/metrics", "text/plain", "getMetrics"}}) {
            HttpResponse<String> r = get(server, plain[0], null);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type").orElse("")).startsWith(plain[1]);
            assertThat(contract.operation(plain[2])).isNotNull();
            validated.add(plain[2]);
        }
        // The writes are validated in the tests above; here, one of each so that this test alone covers them.
        HttpResponse<String> set = send(server, "POST", "/api/v1/overrides", operatorToken, override("r7-n1", 500, 60, "doc"));
        String id = valid(set, "setOverride").getString("id");
        valid(send(server, "DELETE", "/api/v1/overrides/" + id + "?reason=doc", operatorToken, null), "cancelOverride");
        valid(send(server, "PUT", "/api/v1/feeds/A/maintenance", operatorToken, "{\"enabled\":false,\"reason\":\"doc\"}"),
                "setMaintenance");
        valid(send(server, "POST", "/api/v1/alarms/ffffffffffff/ack", operatorToken, "{\"reason\":\"doc\"}"), "acknowledgeAlarm");
        HttpResponse<String> noStream = send(server, "POST", "/api/v1/feeds/A/disturbance-record", operatorToken,
                "{\"reason\":\"doc\"}");
        assertThat(noStream.statusCode()).as("no waveform stream in this test").isEqualTo(409);
        assertThat(valid(noStream, "recordDisturbance").getString("error")).contains("no waveform stream");

        // the disturbance records: the list, a record's samples for the viewer, its two files, and the refusals
        JsonObject records = valid(get(server, "/api/v1/disturbances", null), "listDisturbances");
        assertThat(records.getInteger("total")).isEqualTo(1);
        JsonObject rec = records.getJsonArray("records").getJsonObject(0);
        assertThat(rec.getString("id")).isEqualTo("dr-1765000000123456789-ON_DEMAND");
        assertThat(rec.getString("feed")).isEqualTo("C");
        assertThat(rec.getString("trigger")).isEqualTo("2025-12-06T05:46:40.123456789Z");
        assertThat(rec.getInteger("samples")).isEqualTo(2000);
        JsonObject samples = valid(get(server, rec.getString("samplesUrl") + "?points=500", null), "getDisturbanceSamples");
        assertThat(samples.getBoolean("decimated")).isTrue();
        assertThat(samples.getJsonArray("t")).hasSize(500);
        assertThat(samples.getJsonArray("channels")).hasSize(2);
        assertThat(valid(get(server, "/api/v1/disturbances/dr-nothing/samples", null), "getDisturbanceSamples")
                .getString("error")).contains("no disturbance record 'dr-nothing'");
        assertThat(valid(get(server, rec.getString("samplesUrl") + "?points=1", null), "getDisturbanceSamples")
                .getString("parameter")).isEqualTo("points");
        HttpResponse<String> cfg = get(server, rec.getString("cfg"), null);
        assertThat(cfg.statusCode()).isEqualTo(200);
        assertThat(cfg.body()).startsWith("example-4feed,headroom/C,2013");
        assertThat(cfg.headers().firstValue("content-disposition").orElse("")).contains(rec.getString("id") + ".cfg");
        assertThat(get(server, rec.getString("dat"), null).statusCode()).isEqualTo(200);
        validated.add("getDisturbanceFile");
        for (String bad : List.of("/api/v1/disturbances/journal.db", "/api/v1/disturbances/..%2Fjournal.db",
                "/api/v1/disturbances/dr-x.txt")) {
            HttpResponse<String> r = get(server, bad, null);
            assertThat(r.statusCode()).as(bad).isIn(400, 404);
            assertThat(r.body()).as(bad).doesNotContain("SQLite");
        }
        assertThat(get(server, "/api/v1/disturbances/dr-absent.cfg", null).statusCode()).isEqualTo(404);

        valid(send(server, "POST", "/api/v1/session", null, "{\"token\":\"" + viewerToken + "\"}"), "createSession");
        valid(send(server, "DELETE", "/api/v1/session", null, null), "deleteSession");
        List<String> documented = new ArrayList<>();
        contract.operations().forEach(op -> documented.add(op.getOperationId()));
        assertThat(validated).as("every documented operation was called and checked").containsAll(documented);
        assertThat(Files.readString(Path.of("src/main/resources/io/headroom/appliance/api/openapi.yaml")))
                .as("served as written").isEqualTo(get(server, "/api/v1/openapi.yaml", null).body());
    }

    static JsonObject nodeOf(JsonObject site, String id) {
        return site.getJsonArray("nodes").stream().map(x -> (JsonObject) x).filter(n -> n.getString("id").equals(id))
                .findFirst().orElseThrow();
    }
}
