package io.headroom.appliance.api;

import io.headroom.appliance.journal.FeedSecond;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.journal.JournalEntry;
import io.headroom.appliance.operator.ActiveAlarms;
import io.headroom.appliance.operator.ApiTokens;
import io.headroom.appliance.operator.OperatorControls;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.grid.CommitmentBook;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import static org.awaitility.Awaitility.await;

/**
 * The API cannot be exhausted: journal and history answers are pages of a bounded size that link their neighbours,
 * a larger page is refused naming the parameter and its bound, the CSV export is written as it is read, and the
 * stream, the connections and slow clients are capped; every answer validated against the OpenAPI document.
 */
class ApiBoundsTest {

    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Rollups: 4 feeds over this many seconds, ending now. */
    static final int HISTORY_S = 3000;
    static final int ENTRIES = 2500;

    @TempDir
    static Path dir;
    static Vertx vertx;
    static Site site;
    static Journal journal;
    static ApiServer server;
    static ApiServer tight;
    static OpenAPIContract contract;
    static long now;

    @BeforeAll
    static void start() throws Exception {
        site = SiteLoader.load(Path.of("../sites/example-4feed.yaml"));
        vertx = Vertx.vertx();
        journal = Journal.open(dir.resolve("journal.db"), Clock.systemUTC(), 7 * 24 * 3600, 1_000_000);
        now = Instant.now().getEpochSecond();
        for (int s = HISTORY_S; s > 0; s--) {
            for (String f : List.of("A", "B", "C", "D")) {
                journal.rollup(new FeedSecond(now - s, f, 90_000 + s, 130, 128, 150, 10));
            }
        }
        long last = 0;
        for (int i = 0; i < ENTRIES; i++) {
            last = journal.append(JournalEntry.of(Instant.now().minusSeconds(600), "decision", "hall-1", "appliance",
                    "entry " + i, null)).get();
        }
        OperatorControls controls = OperatorControls.open(site, journal, Clock.systemUTC(), new ActiveAlarms());
        OperatorApi operator = new OperatorApi(site, () -> null, controls, new CommitmentBook(), OperatorApi.Access.open());
        server = ApiServer.start(vertx, site, () -> null, journal, null, () -> "", "127.0.0.1", 0, operator);
        tight = ApiServer.start(vertx, site, () -> null, journal, null, () -> "", "127.0.0.1", 0,
                new OperatorApi(site, () -> null, controls, new CommitmentBook(), OperatorApi.Access.open()),
                new ApiServer.Limits(4, 4, 60, 1, 1, 1, 1), null);
        contract = OpenAPIContract.from(vertx, OperatorApiTest.validatorCopy(new JsonObject(get(server, "/api/v1/openapi.json").body())))
                .await();
        assertThat(last).isPositive();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
            tight.close();
        }
        if (journal != null) {
            journal.close();
        }
        if (vertx != null) {
            vertx.close().await();
        }
    }

    static HttpResponse<String> get(ApiServer to, String pathAndQuery) throws Exception {
        return get(http, to, pathAndQuery);
    }

    static HttpResponse<String> get(HttpClient http, ApiServer to, String pathAndQuery) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + to.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonObject valid(HttpResponse<String> r, String operationId) {
        Map<String, String> headers = new HashMap<>();
        r.headers().map().forEach((k, v) -> headers.put(k, v.getFirst()));
        String type = r.headers().firstValue("content-type").orElse("");
        ResponseValidator.create(vertx, contract)
                .validate(ValidatableResponse.create(r.statusCode(), headers, Buffer.buffer(r.body()), type), operationId)
                .await();
        return type.startsWith("application/json") ? new JsonObject(r.body()) : null;
    }

    @Test
    void aPageLargerThanTheBoundIsRefusedNamingTheParameterAndTheBound() throws Exception {
        record Case(String path, String op, String parameter, String bound) {
        }
        for (Case c : List.of(new Case("/api/v1/journal?limit=1001", "getJournal", "limit", "1..1000"),
                new Case("/api/v1/journal?limit=100000", "getJournal", "limit", "1..1000"),
                new Case("/api/v1/journal.csv?limit=100001", "getJournalCsv", "limit", "1..100000"),
                new Case("/api/v1/history/feeds?seconds=604800&limit=1000000", "getFeedHistory", "limit", "1..10000"),
                new Case("/api/v1/history/feeds?seconds=604801", "getFeedHistory", "seconds", "1..604800"),
                new Case("/api/v1/history/feeds?step=0", "getFeedHistory", "step", "1..3600"),
                new Case("/api/v1/history/feeds?after=yesterday", "getFeedHistory", "after", "cursor"),
                new Case("/api/v1/journal?before=5&after=3", "getJournal", "after", "not both"))) {
            HttpResponse<String> r = get(server, c.path());
            assertThat(r.statusCode()).as(c.path()).isEqualTo(400);
            JsonObject e = valid(r, c.op());
            assertThat(e.getString("parameter")).as(c.path()).isEqualTo(c.parameter());
            assertThat(e.getString("error")).as(c.path()).contains(c.bound());
        }
    }

    @Test
    void aWeekOfHistoryComesAsBoundedPagesThatLinkToTheNext() throws Exception {
        Set<String> seen = new HashSet<>();
        String next = "/api/v1/history/feeds?seconds=604800";
        int pages = 0;
        long lastT = Long.MIN_VALUE;
        while (next != null) {
            JsonObject page = valid(get(server, next), "getFeedHistory");
            JsonArray rows = page.getJsonArray("seconds");
            assertThat(rows.size()).as("a page").isLessThanOrEqualTo(3600);
            for (int i = 0; i < rows.size(); i++) {
                JsonObject row = rows.getJsonObject(i);
                assertThat(seen.add(row.getLong("t") + "/" + row.getString("feed"))).as("each row once").isTrue();
                assertThat(row.getLong("t")).isGreaterThanOrEqualTo(lastT);
                lastT = row.getLong("t");
            }
            next = page.getString("next");
            pages++;
        }
        assertThat(seen).hasSize(4 * HISTORY_S);
        assertThat(pages).isEqualTo((4 * HISTORY_S + 3599) / 3600);
        // aggregated: 10 s steps of one feed, every step's mean
        JsonObject steps = valid(get(server, "/api/v1/history/feeds?feed=B&seconds=" + (HISTORY_S + 60) + "&step=10&limit=10000"),
                "getFeedHistory");
        assertThat(steps.getValue("next")).isNull();
        JsonArray rows = steps.getJsonArray("seconds");
        assertThat(rows.size()).isBetween(HISTORY_S / 10, HISTORY_S / 10 + 1);
        assertThat(rows.stream().map(x -> (JsonObject) x)).allSatisfy(r -> {
            assertThat(r.getString("feed")).isEqualTo("B");
            assertThat(r.getLong("t") % 10).isZero();
        });
    }

    @Test
    void theJournalComesAsPagesOfAThousandLinkedBothWays() throws Exception {
        JsonObject newest = valid(get(server, "/api/v1/journal"), "getJournal");
        assertThat(newest.getJsonArray("entries")).hasSize(1000);
        assertThat(newest.getValue("newer")).isNull();
        List<Long> ids = new ArrayList<>();
        String older = newest.getString("older");
        newest.getJsonArray("entries").forEach(e -> ids.add(((JsonObject) e).getLong("id")));
        int pages = 1;
        while (older != null) {
            JsonObject page = valid(get(server, older), "getJournal");
            List<Long> these = new ArrayList<>();
            page.getJsonArray("entries").forEach(e -> these.add(((JsonObject) e).getLong("id")));
            assertThat(these.getLast()).isLessThan(ids.getFirst());
            assertThat(page.getString("newer")).as("links back").isNotNull();
            ids.addAll(0, these);
            older = page.getString("older");
            pages++;
        }
        assertThat(ids).hasSizeGreaterThanOrEqualTo(ENTRIES).doesNotHaveDuplicates().isSorted();
        assertThat(pages).isEqualTo((ids.size() + 999) / 1000);
        // and forward again from the oldest
        JsonObject first = valid(get(server, "/api/v1/journal?limit=10&after=0&from=" + Instant.now().minusSeconds(3600)),
                "getJournal");
        assertThat(first.getJsonArray("entries").getJsonObject(0).getLong("id")).isEqualTo(ids.getFirst());
        assertThat(first.getString("newer")).contains("after=");
    }

    @Test
    void theCsvExportIsWrittenPageByPageOldestFirst() throws Exception {
        HttpResponse<String> r = get(server, "/api/v1/journal.csv?limit=2400&kind=decision");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/csv");
        String[] lines = r.body().split("\r\n");
        assertThat(lines[0]).isEqualTo("id,utc,kind,subject,actor,message,data");
        assertThat(lines).hasSize(2401);
        assertThat(lines[1]).contains(",entry 0,");
        assertThat(lines[2400]).contains(",entry 2399,");
    }

    @Test
    void theStreamIsCappedAndSaysWhenToComeBack() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient(); InputStream first = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + tight.port()
                + "/api/v1/stream")).build(), HttpResponse.BodyHandlers.ofInputStream()).body()) {
            assertThat(new String(first.readNBytes(13), StandardCharsets.UTF_8)).isEqualTo("retry: 2000\n\n");
            HttpResponse<String> second = get(http, tight, "/api/v1/stream");
            assertThat(second.statusCode()).isEqualTo(503);
            assertThat(second.headers().firstValue("retry-after")).hasValue("10");
            assertThat(valid(second, "getStream").getString("error")).contains("1 clients");
        }
    }

    @Test
    void connectionsPastTheLimitAreRefusedAndSilentOnesClosed() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> tight.openConnections() == 0); // other tests' are gone
        // a connection that never sends a request head is closed by the server (1 s here)
        try (Socket silent = new Socket()) {
            silent.connect(new InetSocketAddress("127.0.0.1", tight.port()));
            silent.setSoTimeout(30_000);
            assertThat(silent.getInputStream().read()).as("closed by the server").isEqualTo(-1);
        }
        // four connections are served; the fifth is answered 503 and closed
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                open.add(request(tight.port()));
                assertThat(statusLine(open.getLast())).contains(" 200 ");
            }
            Socket fifth = request(tight.port());
            open.add(fifth);
            String answer = new String(fifth.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 503").containsIgnoringCase("retry-after: 5")
                    .contains("too many connections: at most 4");
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
        // once they are gone, a new one is served again
        try (HttpClient fresh = HttpClient.newHttpClient()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> get(fresh, tight, "/api/v1/openapi.yaml").statusCode() == 200);
        }
    }

    static Socket request(int port) throws Exception {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port));
        s.setSoTimeout(30_000);
        OutputStream out = s.getOutputStream();
        out.write("GET /api/v1/openapi.yaml HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return s;
    }

    static String statusLine(Socket s) throws Exception {
        StringBuilder b = new StringBuilder();
        InputStream in = s.getInputStream();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
            b.append((char) c);
        }
        return b.toString();
    }
}
