package io.headroom.appliance.api;

import io.headroom.appliance.journal.Journal;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The API flood drill: the appliance in its own JVM with the packaged heap ({@code -Xmx256m}, serial GC) and three
 * days of per-second rollups for four feeds (a million rows) in its journal, flooded by 32 anonymous clients asking
 * for a week of history, a hundred thousand journal entries and CSV exports at once. Out-of-bound requests get 400
 * naming the bound, the rest bounded pages (200) or 503 with Retry-After; nothing answers 500, the JVM does not run
 * out of heap, and regulation keeps ticking throughout. Prints its figures as {@code api-flood.FIGURE VALUE UNIT}.
 */
class ApiFloodIT {

    static final int DAYS = 3;
    static final int CLIENTS = 32;
    static final Duration FLOOD = Duration.ofSeconds(15);

    @Test
    void abusiveRequestsGet4xxWhileRegulationKeepsTickingIn256MiB(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        long rows = fillJournal(data.resolve("journal.db"));
        Path site = Path.of("../sites/example-4feed.yaml").toAbsolutePath();
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Xms64m", "-XX:+UseSerialGC", "-Djava.net.preferIPv4Stack=true",
                "-cp", System.getProperty("java.class.path"), ApiFloodChild.class.getName(), site.toString(), data.toString())
                .redirectError(dir.resolve("child.err").toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            int port = Integer.parseInt(flood(out, "PORT"));
            String base = "http://127.0.0.1:" + port;
            await().atMost(Duration.ofSeconds(60)).until(() -> tick(http, base) > 0);

            String week = Instant.now().minus(Duration.ofDays(7)).toString();
            List<String> outOfBounds = List.of("/api/v1/history/feeds?seconds=604800&limit=1000000",
                    "/api/v1/journal?limit=100000&from=" + week, "/api/v1/journal.csv?limit=1000000&from=" + week,
                    "/api/v1/history/feeds?seconds=99999999");
            List<String> largest = List.of("/api/v1/history/feeds?seconds=604800&limit=10000",
                    "/api/v1/journal?limit=1000&from=" + week, "/api/v1/journal.csv?limit=100000&from=" + week,
                    "/api/v1/history/feeds?seconds=604800");
            Map<String, AtomicLong> statuses = new ConcurrentSkipListMap<>();
            Map<Integer, AtomicLong> outOfBoundStatus = new ConcurrentHashMap<>();
            AtomicLong failures = new AtomicLong();
            AtomicBoolean flooding = new AtomicBoolean(true);
            CountDownLatch done = new CountDownLatch(CLIENTS);
            for (int c = 0; c < CLIENTS; c++) {
                int me = c;
                Thread.ofVirtual().start(() -> {
                    try {
                        for (int k = 0; flooding.get(); k++) {
                            boolean abusive = (k + me) % 2 == 0;
                            String path = (abusive ? outOfBounds : largest).get((k + me) % 4);
                            try {
                                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                                        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.discarding());
                                statuses.computeIfAbsent(String.valueOf(r.statusCode()), x -> new AtomicLong()).incrementAndGet();
                                if (abusive) {
                                    outOfBoundStatus.computeIfAbsent(r.statusCode(), x -> new AtomicLong()).incrementAndGet();
                                }
                            } catch (Exception e) {
                                failures.incrementAndGet();
                            }
                        }
                    } finally {
                        done.countDown();
                    }
                });
            }
            long t0 = tick(http, base);
            long started = System.nanoTime();
            long worstGapMs = 0;
            long lastTick = t0;
            long lastMove = started;
            while (System.nanoTime() - started < FLOOD.toNanos()) {
                long t = tick(http, base);
                long now = System.nanoTime();
                if (t > lastTick) {
                    worstGapMs = Math.max(worstGapMs, (now - lastMove) / 1_000_000);
                    lastTick = t;
                    lastMove = now;
                }
                Thread.sleep(200); // sampling period of the drill's own figure, not a synchronisation
            }
            long t1 = tick(http, base);
            flooding.set(false);
            assertThat(done.await(120, TimeUnit.SECONDS)).as("every client came back").isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> tick(http, base) > t1);

            child.getOutputStream().close();
            long peak = Long.parseLong(flood(out, "HEAP_PEAK"));
            long live = Long.parseLong(flood(out, "HEAP_LIVE"));
            long max = Long.parseLong(flood(out, "HEAP_MAX"));
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            String err = Files.readString(dir.resolve("child.err"));

            System.out.printf("api-flood.journal-rollups %d rows%n", rows);
            statuses.forEach((s, n) -> System.out.printf("api-flood.status-%s %d requests%n", s, n.get()));
            System.out.printf("api-flood.client-errors %d requests%n", failures.get());
            System.out.printf("api-flood.ticks %d ticks in %d s%n", t1 - t0, FLOOD.toSeconds());
            System.out.printf("api-flood.worst-tick-gap %d ms%n", worstGapMs);
            System.out.printf("api-flood.heap-peak %.1f MiB of %.1f MiB%n", peak / 1048576.0, max / 1048576.0);
            System.out.printf("api-flood.heap-live-after-gc-peak %.1f MiB%n", live / 1048576.0);

            assertThat(err).doesNotContain("OutOfMemoryError");
            assertThat(outOfBoundStatus).as("out-of-bound requests").containsOnlyKeys(400);
            assertThat(statuses).as("nothing fails inside").doesNotContainKey("500").containsKey("200");
            assertThat(failures.get()).as("no request left unanswered").isZero();
            assertThat(t1).as("regulation ticked through the flood").isGreaterThan(t0);
            assertThat(peak).isLessThan(max);
        } finally {
            child.destroyForcibly();
        }
    }

    /** The regulation tick from the health endpoint; -1 when it does not answer 200. */
    static long tick(HttpClient http, String base) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/health"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? new JsonObject(r.body()).getLong("tick") : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    /** The value of the child's next {@code FLOOD KEY value} line (other lines, e.g. logs, skipped). */
    static String flood(BufferedReader out, String key) throws Exception {
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("FLOOD " + key + " ")) {
                return line.substring(("FLOOD " + key + " ").length());
            }
        }
        throw new IllegalStateException("the appliance's JVM ended before saying " + key);
    }

    /** Three days of per-second rollups of four feeds and 50,000 entries, as the journal keeps them. */
    static long fillJournal(Path file) throws Exception {
        Journal.open(file, Clock.systemUTC(), 7 * 24 * 3600, 1_000_000).close();
        long now = Instant.now().getEpochSecond();
        long n = 0;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            c.setAutoCommit(false);
            try (PreparedStatement st = c.prepareStatement("INSERT INTO feed_seconds VALUES (?,?,?,?,?,?,?)")) {
                for (long s = now - DAYS * 86_400L; s < now; s++) {
                    for (String f : List.of("A", "B", "C", "D")) {
                        st.setLong(1, s);
                        st.setString(2, f);
                        st.setDouble(3, 90_000 + (s % 1000));
                        st.setDouble(4, 131);
                        st.setDouble(5, 128);
                        st.setDouble(6, 150);
                        st.setInt(7, 10);
                        st.addBatch();
                        n++;
                    }
                    if (s % 2500 == 0) {
                        st.executeBatch();
                    }
                }
                st.executeBatch();
            }
            try (PreparedStatement st = c.prepareStatement(
                    "INSERT INTO entries(utc_ms, kind, subject, actor, message, data) VALUES (?,?,?,?,?,?)")) {
                for (int i = 0; i < 50_000; i++) {
                    st.setLong(1, (now - DAYS * 86_400L) * 1000 + i * 5_000L);
                    st.setString(2, "decision");
                    st.setString(3, "hall-1");
                    st.setString(4, "appliance");
                    st.setString(5, "feed C at 96.0 % of its limit sets the budget; caps lowered by 25 W per GPU");
                    st.setString(6, "{\"group\":\"hall-1\",\"bindingFeed\":\"C\",\"budgetW\":301234.5}");
                    st.addBatch();
                    if (i % 5000 == 0) {
                        st.executeBatch();
                    }
                }
                st.executeBatch();
            }
            c.commit();
        }
        return n;
    }
}
