package io.headroom.appliance.cli;

import io.headroom.common.cli.ExitCodes;
import io.headroom.common.cli.OptionSuggester;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The operator CLI against an in-test HTTP server that answers as the operator API contract says. */
class OperatorCommandsTest {

    /** The operator commands under a root, as ./headroom registers them. */
    @Command(name = "headroom", subcommands = {OperatorCommands.Status.class, OperatorCommands.Feeds.class,
            OperatorCommands.Caps.class, OperatorCommands.Alarms.class, OperatorCommands.Events.class,
            OperatorCommands.Overrides.class})
    static final class Root {
    }

    record Request(String method, String path, Map<String, String> query, String authorization, String contentType,
                   String body) {
    }

    record Answer(int status, String body) {
    }

    record Result(int exit, String out, String err) {
    }

    private HttpServer server;
    private String url;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private String savedHome;

    @TempDir
    Path home;

    @BeforeEach
    void start() throws IOException {
        savedHome = System.getProperty("headroom.home");
        System.setProperty("headroom.home", home.toString()); // no run/bench/operator.token unless a test writes it
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
        if (savedHome == null) {
            System.clearProperty("headroom.home");
        } else {
            System.setProperty("headroom.home", savedHome);
        }
    }

    private void handle(HttpExchange x) throws IOException {
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> q = new LinkedHashMap<>();
        String raw = x.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String kv : raw.split("&")) {
                String[] p = kv.split("=", 2);
                q.put(URLDecoder.decode(p[0], StandardCharsets.UTF_8),
                        p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "");
            }
        }
        String path = x.getRequestURI().getPath();
        requests.add(new Request(x.getRequestMethod(), path, q, x.getRequestHeaders().getFirst("Authorization"),
                x.getRequestHeaders().getFirst("Content-Type"), body));
        if (path.startsWith("/hang/")) {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Answer a = answers.getOrDefault(x.getRequestMethod() + " " + path,
                new Answer(404, "{\"error\":\"not found\",\"path\":\"" + path + "\"}"));
        byte[] b = a.body().getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("content-type", "application/json");
        if (a.status() == 401) {
            x.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"headroom\"");
        }
        x.sendResponseHeaders(a.status(), b.length);
        x.getResponseBody().write(b);
        x.close();
    }

    private void answer(String methodAndPath, int status, String body) {
        answers.put(methodAndPath, new Answer(status, body));
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = OptionSuggester.install(new CommandLine(new Root())); // as ./headroom runs them
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exit = cmd.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    private Result api(String... args) {
        String[] all = Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--url";
        all[args.length + 1] = url;
        return run(all);
    }

    private static String line(String text, String start) {
        return text.lines().filter(l -> l.startsWith(start)).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting with '" + start + "' in:\n" + text));
    }

    // ---- contract-shaped answers ----

    static final String HEALTH = "{\"status\":\"ok\",\"site\":\"example-4feed\",\"tick\":1234,\"journalDropped\":0}";

    static final String SITE = """
            {"site":"example-4feed","tick":1234,"utc":"2026-03-01T12:00:00Z","tickMs":100,
             "feeds":[
              {"id":"A","group":"hall-1","ratingA":150,"limitA":150,"limitW":105664.6,"currentA":134.4,"loadW":94700.0,
               "loadFraction":0.896,"quality":"GOOD","ageMs":40,"binding":true,"ceilingA":150,
               "ceilingReason":"breaker A continuous rating","maintenance":null},
              {"id":"B","group":"hall-1","ratingA":150,"limitA":150,"limitW":105664.6,"currentA":null,"loadW":null,
               "loadFraction":null,"quality":"STALE","ageMs":900,"binding":false,"ceilingA":150,"ceilingReason":null,
               "maintenance":{"since":"2026-03-01T11:30:00Z","by":"alice","reason":"breaker B service"}}],
             "nodes":[],
             "groups":[{"id":"hall-1","allowedW":380000,"bindingFeed":"A",
               "binding":"feed A at 89.6 % of its limit sets the budget",
               "contingencies":[{"lostFeed":"A","survivors":["B"],"feasible":true},
                                {"lostFeed":"B","survivors":["A"],"feasible":false}]}],
             "alarms":["feed B: meter stale (900 ms old)","group hall-1: no redundancy"],
             "alarmList":[
              {"id":"0123456789ab","subject":"B","message":"feed B: meter stale (900 ms old)",
               "raisedAt":"2026-03-01T11:59:00Z","acknowledged":null},
              {"id":"ba9876543210","subject":"hall-1","message":"group hall-1: no redundancy",
               "raisedAt":"2026-03-01T11:30:00Z","acknowledged":{"by":"alice","at":"2026-03-01T11:31:00Z","reason":"planned"}}]}
            """;

    static final String OVERRIDE = "{\"id\":\"ov-7\",\"node\":\"r1-n1\",\"capPerGpuW\":400,\"setBy\":\"alice\","
            + "\"reason\":\"thermal check\",\"setAt\":\"2026-03-01T12:00:00Z\",\"expiresAt\":\"2026-03-01T12:10:00Z\"}";

    // ---- tables ----

    @Test
    void statusShowsHealthEachFeedEachGroupsReadinessAndTheAlarmCount() {
        answer("GET /api/v1/health", 200, HEALTH);
        answer("GET /api/v1/site", 200, SITE);
        Result r = api("status");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("Headroom example-4feed").contains("ok, tick 1234");
        assertThat(line(r.out(), "A ")).contains("hall-1", "94.7 kW of 105.7 kW", "89.6 %", "GOOD").endsWith("no");
        assertThat(line(r.out(), "B ")).contains("-", "of 105.7 kW", "STALE",
                "yes, since 2026-03-01 11:30:00Z by alice: breaker B service");
        assertThat(line(r.out(), "hall-1")).contains("lose A: yes, lose B: no",
                "feed A at 89.6 % of its limit sets the budget");
        assertThat(r.out()).contains("Alarms: 2 active, 1 acknowledged");
        // aligned: "of" and the percentages line up on every feed line
        assertThat(line(r.out(), "B ").indexOf(" of ")).isEqualTo(line(r.out(), "A ").indexOf(" of "));
        assertThat(line(r.out(), "B ").indexOf(" kW ", line(r.out(), "B ").indexOf(" of ")))
                .isEqualTo(line(r.out(), "A ").indexOf(" kW ", line(r.out(), "A ").indexOf(" of ")));
        assertThat(requests).extracting(Request::path).containsExactly("/api/v1/health", "/api/v1/site");
    }

    @Test
    void statusWithJsonPrintsBothAnswersAsTheyCame() {
        answer("GET /api/v1/health", 200, HEALTH);
        answer("GET /api/v1/site", 200, SITE);
        Result r = api("status", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo("{\"health\":" + HEALTH + ",\"site\":" + SITE.strip() + "}");
        JsonObject o = new JsonObject(r.out());
        assertThat(o.getJsonObject("site").getJsonArray("feeds")).hasSize(2);
    }

    @Test
    void statusOfAnApplianceThatHasNotTickedYetIsAnError() {
        answer("GET /api/v1/health", 503, "{\"status\":\"starting\",\"site\":\"x\",\"tick\":0,\"journalDropped\":0}");
        Result r = api("status");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("starting", "HTTP 503");
    }

    @Test
    void feedsShowsCurrentLoadCeilingAndMaintenancePerFeed() {
        answer("GET /api/v1/site", 200, SITE);
        Result r = api("feeds");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(line(r.out(), "A ")).contains("134.4", "150.0", "94.7", "105.7", "89.6", "GOOD", "40",
                "yes", "breaker A continuous rating");
        assertThat(line(r.out(), "B ")).contains("STALE", "900", "yes");
        // every column named once, with its unit
        String header = r.out().lines().findFirst().orElseThrow();
        assertThat(header).contains("CURRENT A", "CURRENT LIMIT A", "LOAD kW", "LOAD LIMIT kW", "LOAD %", "METER AGE ms",
                "CEILING A", "CEILING WHY");
        List<String> names = Arrays.asList(header.strip().split(" {2,}"));
        assertThat(names).doesNotHaveDuplicates();
        assertThat(r.out()).contains("Feed B in maintenance since 2026-03-01 11:30:00Z by alice: breaker B service");
        assertThat(r.out()).doesNotContain("Feed A in maintenance");
    }

    @Test
    void capsShowsEveryNodeAndEveryClass() {
        answer("GET /api/v1/caps", 200, """
                {"tick":5,"nodes":[
                  {"node":"r1-n1","priority":"critical","gpus":8,"capPerGpuW":641.4,"agentCapPerGpuW":641.4,
                   "gpuPowerW":4586.2,"override":null},
                  {"node":"r2-n3","priority":"flexible","gpus":8,"capPerGpuW":400,"agentCapPerGpuW":null,
                   "gpuPowerW":3123.0,"override":%s}],
                 "byClass":{"critical":{"nodes":16,"capW":82100,"powerW":73449},
                            "standard":{"nodes":24,"capW":100000,"powerW":95000},
                            "flexible":{"nodes":24,"capW":76800,"powerW":60000}}}
                """.formatted(OVERRIDE.replace("r1-n1", "r2-n3")));
        Result r = api("caps");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(line(r.out(), "r1-n1")).contains("critical", "8", "641 W", "4.6 kW").endsWith("-");
        assertThat(line(r.out(), "r2-n3")).contains("flexible", "400 W", "3.1 kW", "400 W until 2026-03-01 12:10:00Z by alice");
        assertThat(line(r.out(), "critical ")).contains("16", "82.1 kW", "73.4 kW");
        assertThat(line(r.out(), "flexible ")).contains("24", "76.8 kW", "60.0 kW");
    }

    @Test
    void alarmsListsIdsAndAcknowledgements() {
        answer("GET /api/v1/alarms", 200, new JsonObject(SITE).getJsonArray("alarmList").encode()
                .transform(a -> "{\"alarms\":" + a + "}"));
        Result r = api("alarms");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(line(r.out(), "0123456789ab")).contains("B", "2026-03-01 11:59:00Z", "no", "feed B: meter stale");
        assertThat(line(r.out(), "ba9876543210")).contains("by alice at 2026-03-01 11:31:00Z: planned",
                "group hall-1: no redundancy");
    }

    @Test
    void eventsAsksTheJournalFromSinceWithKindAndLimit() {
        answer("GET /api/v1/journal", 200, """
                {"entries":[{"id":9,"utc":"2026-03-01T11:59:00.250Z","kind":"operator.override","subject":"r1-n1",
                  "actor":"alice","message":"thermal check","data":{}}]}""");
        Instant before = Instant.now();
        Result r = api("events", "--since", "2h30m", "--kind", "operator.override", "--limit", "5");
        Instant after = Instant.now();
        assertThat(r.exit()).as(r.err()).isZero();
        Request q = requests.getFirst();
        assertThat(q.path()).isEqualTo("/api/v1/journal");
        assertThat(q.query()).containsEntry("kind", "operator.override").containsEntry("limit", "5");
        Instant from = Instant.parse(q.query().get("from"));
        assertThat(from).isBetween(before.minus(Duration.ofMinutes(150)).minusMillis(1), after.minus(Duration.ofMinutes(150)));
        assertThat(line(r.out(), "2026-03-01 11:59:00Z")).contains("operator.override", "r1-n1", "alice", "thermal check");
    }

    @Test
    void eventsAsksForKindsAndASeverityAndShowsTheNewestFirst() {
        answer("GET /api/v1/journal", 200, """
                {"entries":[{"id":8,"utc":"2026-03-01T11:58:00.250Z","kind":"alarm.raised","subject":"B",
                  "actor":"appliance","message":"feed B: meter stale","data":{}},
                 {"id":9,"utc":"2026-03-01T11:59:00.250Z","kind":"protection","subject":"A",
                  "actor":"appliance","message":"feed A lost","data":{}}]}""");
        Result r = api("events", "--kind", "alarm.raised,protection", "--kind", "waveform", "--severity", "warning");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(requests.getFirst().query()).containsEntry("kind", "alarm.raised,protection,waveform")
                .containsEntry("severity", "warning");
        assertThat(r.out().indexOf("feed A lost")).as("newest first").isLessThan(r.out().indexOf("feed B: meter stale"));
        Result bad = api("events", "--severity", "loud");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).contains("--severity must be one of info, warning, critical");
    }

    @Test
    void eventsBeyondAPageFollowTheOlderLinksAPageOfAThousandAtATime() {
        // the stand-in answers the same page (500 entries) whatever the query; it links to the page before
        String entry = "{\"id\":9,\"utc\":\"2026-03-01T11:59:00.250Z\",\"kind\":\"decision\",\"subject\":\"hall-1\","
                + "\"actor\":\"appliance\",\"message\":\"feed C binds\",\"data\":{}}";
        answer("GET /api/v1/journal", 200, "{\"entries\":[" + String.join(",", java.util.Collections.nCopies(500, entry))
                + "],\"limit\":1000,\"older\":\"/api/v1/journal?from=2026-03-01T10:00:00Z&to=2026-03-01T12:00:00Z"
                + "&limit=1000&before=9\",\"newer\":null}");
        Result r = api("events", "--limit", "2500");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(requests.getFirst().query()).containsEntry("limit", "1000");
        assertThat(requests.get(1).query()).containsEntry("before", "9").containsEntry("limit", "1000")
                .containsEntry("from", "2026-03-01T10:00:00Z");
        assertThat(requests).as("until 2,500 entries are in").hasSize(5);
        assertThat(requests.getLast().query()).containsEntry("limit", "500");
        assertThat(r.out().lines().filter(l -> l.contains("feed C binds"))).hasSize(2500);
    }

    @Test
    void eventsDefaultsToTheLastHourAndSaysWhenThereIsNothing() {
        answer("GET /api/v1/journal", 200, "{\"entries\":[]}");
        Instant before = Instant.now();
        Result r = api("events");
        assertThat(r.exit()).as(r.err()).isZero();
        Request q = requests.getFirst();
        assertThat(q.query()).containsOnlyKeys("from");
        assertThat(Instant.parse(q.query().get("from"))).isBetween(before.minus(Duration.ofHours(1)).minusSeconds(5),
                before.minus(Duration.ofHours(1)).plusSeconds(5));
        assertThat(r.out()).startsWith("No journal entries since ");
    }

    @Test
    void overrideListShowsEachOverride() {
        answer("GET /api/v1/overrides", 200, "{\"overrides\":[" + OVERRIDE + "]}");
        Result r = api("override", "list");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(line(r.out(), "ov-7")).contains("r1-n1", "400 W", "alice", "2026-03-01 12:00:00Z",
                "2026-03-01 12:10:00Z", "thermal check");
    }

    // ---- writes: body, auth ----

    @Test
    void overrideSetPostsNodeCapDurationAndReasonWithTheBearerToken() {
        answer("POST /api/v1/overrides", 201, OVERRIDE);
        Result r = api("override", "set", "r1-n1", "400", "--for", "10m", "--reason", "thermal check",
                "--token", "s3cret");
        assertThat(r.exit()).as(r.err()).isZero();
        Request q = requests.getFirst();
        assertThat(q.method()).isEqualTo("POST");
        assertThat(q.authorization()).isEqualTo("Bearer s3cret");
        assertThat(q.contentType()).startsWith("application/json");
        assertThat(new JsonObject(q.body())).isEqualTo(new JsonObject()
                .put("node", "r1-n1").put("capPerGpuW", 400).put("durationS", 600).put("reason", "thermal check"));
        assertThat(r.out()).contains("Override ov-7: r1-n1 at most 400 W per GPU until 2026-03-01 12:10:00Z");
    }

    @Test
    void overrideCancelDeletesWithTheReasonInTheQuery() {
        answer("DELETE /api/v1/overrides/ov-7", 200, "{\"cancelled\":" + OVERRIDE + "}");
        Result r = api("override", "cancel", "ov-7", "--reason", "done & dusted", "--token", "t");
        assertThat(r.exit()).as(r.err()).isZero();
        Request q = requests.getFirst();
        assertThat(q.method()).isEqualTo("DELETE");
        assertThat(q.query()).containsExactly(Map.entry("reason", "done & dusted"));
        assertThat(r.out()).contains("Cancelled override ov-7: r1-n1");
    }

    @Test
    void alarmsAckPostsTheReason() {
        answer("POST /api/v1/alarms/0123456789ab/ack", 200, """
                {"id":"0123456789ab","subject":"B","message":"feed B: meter stale","raisedAt":"2026-03-01T11:59:00Z",
                 "acknowledged":{"by":"alice","at":"2026-03-01T12:01:00Z","reason":"known, meter swap"}}""");
        Result r = api("alarms", "ack", "0123456789ab", "--reason", "known, meter swap", "--token", "t");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(new JsonObject(requests.getFirst().body())).isEqualTo(new JsonObject().put("reason", "known, meter swap"));
        assertThat(r.out()).contains("Acknowledged alarm 0123456789ab (B)", "by alice");
    }

    @Test
    void theTokenComesFromTheBenchFileUnderTheLaunchersFolderWhenNotGiven() throws IOException {
        assumeTrue(System.getenv("HEADROOM_TOKEN") == null, "HEADROOM_TOKEN is set in this environment");
        Files.createDirectories(home.resolve("run/bench"));
        Files.writeString(home.resolve("run/bench/operator.token"), "from-file-token\n");
        answer("GET /api/v1/overrides", 200, "{\"overrides\":[]}");
        Result r = api("override", "list");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(requests.getFirst().authorization()).isEqualTo("Bearer from-file-token");
        assertThat(r.out()).contains("No overrides.");
    }

    @Test
    void withoutAnyTokenNoAuthorizationIsSent() {
        assumeTrue(System.getenv("HEADROOM_TOKEN") == null, "HEADROOM_TOKEN is set in this environment");
        answer("GET /api/v1/alarms", 200, "{\"alarms\":[]}");
        Result r = api("alarms");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(requests.getFirst().authorization()).isNull();
        assertThat(r.out()).contains("No active alarms.");
    }

    @Test
    void tokenPrecedenceIsOptionThenEnvironmentThenFile() throws IOException {
        Files.createDirectories(home.resolve("run/bench"));
        Files.writeString(home.resolve("run/bench/operator.token"), "file");
        assertThat(OperatorCommands.resolveToken("opt", k -> "env", home).value()).isEqualTo("opt");
        assertThat(OperatorCommands.resolveToken(null, k -> k.equals("HEADROOM_TOKEN") ? "env" : null, home).value())
                .isEqualTo("env");
        assertThat(OperatorCommands.resolveToken(null, k -> null, home).value()).isEqualTo("file");
        assertThat(OperatorCommands.resolveToken(null, k -> null, home.resolve("elsewhere"))).isNull();
    }

    // ---- --json ----

    @Test
    void jsonPrintsTheApisAnswerAsItCame() {
        String odd = "{ \"overrides\" : [ " + OVERRIDE + " ],\n  \"zExtra\": 1.50 }";
        answer("GET /api/v1/overrides", 200, odd);
        Result r = api("override", "list", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(odd + System.lineSeparator());
    }

    @Test
    void jsonOfAWritePrintsTheCreatedOverride() {
        answer("POST /api/v1/overrides", 201, OVERRIDE);
        Result r = api("override", "set", "r1-n1", "400.5", "--for", "90s", "--reason", "x", "--token", "t", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo(OVERRIDE);
        JsonObject sent = new JsonObject(requests.getFirst().body());
        assertThat(sent.getDouble("capPerGpuW")).isEqualTo(400.5);
        assertThat(sent.getLong("durationS")).isEqualTo(90);
    }

    // ---- exit codes ----

    @ParameterizedTest
    @CsvSource({
            "400, capPerGpuW 900 is outside the node's GPU range 200..700 W, HTTP 400",
            "401, no token or unknown token, HTTP 401",
            "403, token alice lacks the operator role, HTTP 403"})
    void anApiErrorExitsOneWithTheServersErrorAndStatus(int status, String error, String shown) {
        answer("POST /api/v1/overrides", status, new JsonObject().put("error", error).put("field", "capPerGpuW").encode());
        Result r = api("override", "set", "r1-n1", "900", "--for", "10m", "--reason", "test", "--token", "t");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains(error).contains(shown).contains("field capPerGpuW");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void anUnknownPathIsAnApiErrorNamingThePath() {
        Result r = api("caps"); // nothing answers /api/v1/caps here: the default 404
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("not found (path /api/v1/caps) [HTTP 404 Not Found]");
    }

    @Test
    void anAnswerThatIsNotJsonIsAnApiErrorShowingItsStart() {
        answer("GET /api/v1/caps", 502, "<html>Bad gateway</html>");
        Result r = api("caps");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("<html>Bad gateway</html>", "HTTP 502");
    }

    @Test
    void nothingListeningExitsThreeNamingTheUrlAndTheCause() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Result r = run("status", "--url", "http://127.0.0.1:" + port);
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.err()).contains("cannot reach the appliance at http://127.0.0.1:" + port + "/api/v1/health")
                .contains("connection refused");
    }

    @Test
    void anUnknownHostExitsThreeSayingSo() {
        Result r = run("alarms", "--url", "http://no-such-host.invalid:8080");
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.err()).contains("cannot reach the appliance at http://no-such-host.invalid:8080/api/v1/alarms")
                .contains("unknown host no-such-host.invalid");
    }

    @Test
    void noAnswerWithinTheTimeoutExitsThreeSayingSo() {
        Result r = run("feeds", "--url", url + "/hang", "--timeout", "300ms");
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.err()).contains("cannot reach the appliance at " + url + "/hang/api/v1/site")
                .contains("no answer within 300 ms");
    }

    @Test
    void theDefaultTimeoutIsFiveSeconds() {
        OperatorCommands.Feeds f = new OperatorCommands.Feeds();
        new CommandLine(f).parseArgs();
        assertThat(f.api.timeout).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aBadDurationIsAUsageErrorThatSaysHowToWriteOne() {
        Result r = api("override", "set", "r1-n1", "400", "--for", "10x", "--reason", "r");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--for", "invalid duration '10x'", "2h30m");
        Result bare = api("events", "--since", "90");
        assertThat(bare.exit()).isEqualTo(2);
        assertThat(bare.err()).contains("--since", "a number needs its unit");
        assertThat(requests).isEmpty();
    }

    @Test
    void otherUsageErrorsExitTwoWithoutARequest() {
        assertThat(api("override", "set", "r1-n1", "400", "--for", "10m").exit()).isEqualTo(2); // no --reason
        Result blank = api("override", "cancel", "ov-7", "--reason", "  ");
        assertThat(blank.exit()).isEqualTo(2);
        assertThat(blank.err()).contains("--reason must not be empty");
        assertThat(api("override", "set", "r1-n1", "-5", "--for", "10m", "--reason", "r").exit()).isEqualTo(2);
        assertThat(run("status", "--url", "ftp://x").exit()).isEqualTo(2);
        assertThat(api("events", "--limit", "0").exit()).isEqualTo(2);
        assertThat(requests).isEmpty();
    }

    // ---- durations ----

    @Test
    void durationsParseWithUnitsLargestFirst() {
        assertThat(Durations.parse("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("10m")).isEqualTo(Duration.ofMinutes(10));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("2h30m")).isEqualTo(Duration.ofMinutes(150));
        assertThat(Durations.parse("1d2h3m4s")).isEqualTo(Duration.ofSeconds(86_400 + 7200 + 180 + 4));
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        for (String bad : List.of("", "10", "m", "1m1h", "1h1h", "1x", "0s", "-5m", "1.5h", "1h 30m")) {
            assertThatThrownBy(() -> Durations.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("duration");
        }
        assertThat(Durations.format(Duration.ofSeconds(5))).isEqualTo("5 s");
        assertThat(Durations.format(Duration.ofMinutes(150))).isEqualTo("2h30m");
    }

    @Test
    void anUnknownOptionSuggestsTheNearestRealOne() {
        Result r = run("events", "--sinse", "10m");
        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("Unknown option: '--sinse'", "Did you mean --since?");
        assertThat(requests).isEmpty();
    }
}
