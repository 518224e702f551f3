package io.headroom.appliance.api;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.testsupport.Sites;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code GET /api/v1/stream} over real HTTP (the JDK's client), against a state a test thread advances. */
class LiveStreamTest {

    static Site site;
    static Vertx vertx;
    final AtomicReference<SiteState> state = new AtomicReference<>();
    final AtomicLong tick = new AtomicLong();
    ScheduledExecutorService ticker;

    @BeforeAll
    static void load() throws Exception {
        site = SiteLoader.load(Sites.example4Feed());
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.close().await();
    }

    @BeforeEach
    void startTicking() {
        ticker = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void stopTicking() {
        ticker.shutdownNow();
    }

    void publish() {
        long t = tick.incrementAndGet();
        state.set(new SiteState(t, Instant.now(), 100, Map.of(), Map.of(), Map.of(), List.of(),
                List.of("alarm at tick " + t), Map.of(), Map.of(), Map.of()));
    }

    /** An SSE client: its lines, as they come, on a queue. */
    record Sse(HttpClient client, HttpResponse<Stream<String>> response, BlockingQueue<String> lines) {

        static Sse open(int port) throws Exception {
            HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpResponse<Stream<String>> r = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + LiveStream.PATH))
                    .header("accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines());
            BlockingQueue<String> q = new LinkedBlockingQueue<>();
            Thread.ofVirtual().start(() -> {
                try {
                    r.body().forEach(q::add);
                } catch (RuntimeException closed) {
                    // the test closed it
                }
            });
            return new Sse(c, r, q);
        }

        /** The next {@code state} event: its id and JSON. */
        Event nextState() throws InterruptedException {
            String line;
            boolean inState = false;
            long id = -1;
            while ((line = lines.poll(5, TimeUnit.SECONDS)) != null) {
                if (line.equals("event: state")) {
                    inState = true;
                } else if (inState && line.startsWith("id: ")) {
                    id = Long.parseLong(line.substring(4));
                } else if (inState && line.startsWith("data: ")) {
                    return new Event(id, new JsonObject(line.substring(6)));
                }
            }
            throw new AssertionError("no state event within 5 s");
        }

        void close() {
            client.shutdownNow();
        }
    }

    record Event(long id, JsonObject json) {
    }

    private OperatorApi operator;

    /** The operator's part of the API, with no tokens: the stream carries its view as /api/v1/site does. */
    private OperatorApi operatorApi(Journal journal) {
        operator = new OperatorApi(site, state::get, io.headroom.appliance.operator.OperatorControls.open(site, journal,
                Clock.systemUTC(), new io.headroom.appliance.operator.ActiveAlarms()),
                new io.headroom.grid.CommitmentBook(), OperatorApi.Access.open());
        return operator;
    }

    @Test
    void everyClientGetsTheSiteJsonAtMostEvery500MsAsTheTickMoves(@TempDir Path dir) throws Exception {
        publish();
        ticker.scheduleAtFixedRate(this::publish, 10, 10, TimeUnit.MILLISECONDS);
        try (Journal journal = Journal.open(dir.resolve("j.db"), Clock.systemUTC(), 3600, 1000);
             ApiServer api = ApiServer.start(vertx, site, state::get, journal, null, () -> "", "127.0.0.1", 0,
                     operatorApi(journal))) {
            Sse a = Sse.open(api.port());
            Sse b = Sse.open(api.port());
            try {
                for (Sse c : List.of(a, b)) {
                    assertThat(c.response().statusCode()).isEqualTo(200);
                    assertThat(c.response().headers().firstValue("content-type")).hasValueSatisfying(
                            v -> assertThat(v).startsWith("text/event-stream"));
                    assertThat(c.response().headers().firstValue("cache-control")).hasValue("no-cache");
                }
                for (Sse c : List.of(a, b)) {
                    List<Event> events = new ArrayList<>();
                    for (int i = 0; i < 4; i++) {
                        events.add(c.nextState());
                    }
                    for (Event e : events) {
                        JsonObject expected = SiteJson.site(site, new SiteState(e.id(), Instant.EPOCH, 100, Map.of(), Map.of(),
                                Map.of(), List.of(), List.of("alarm at tick " + e.id()), Map.of(), Map.of(), Map.of()), operator);
                        // the same document as GET /api/v1/site, but for the timestamp
                        assertThat(e.json().copy().put("utc", null)).isEqualTo(expected.put("utc", null));
                        assertThat(e.json().getLong("tick")).isEqualTo(e.id());
                        assertThat(e.json().getJsonArray("feeds")).hasSize(4);
                    }
                    for (int i = 1; i < events.size(); i++) {
                        // 100 ticks a second are published; the stream sends the newest every 500 ms
                        if (i == 1) { // the first event is sent on connect, off the timer's phase
                            assertThat(events.get(i).id()).isGreaterThanOrEqualTo(events.get(i - 1).id());
                        } else {
                            assertThat(events.get(i).id()).isGreaterThan(events.get(i - 1).id() + 10);
                            // the states' times (published 10 ms apart) show when the server sent them
                            assertThat(Duration.between(Instant.parse(events.get(i - 1).json().getString("utc")),
                                    Instant.parse(events.get(i).json().getString("utc")))).isGreaterThan(Duration.ofMillis(400));
                        }
                    }
                }
            } finally {
                a.close();
                b.close();
            }
        }
    }

    @Test
    void aStillStateSendsHeartbeatsOnlyAndAClientThatGoesIsRemoved() throws Exception {
        publish();
        Router router = Router.router(vertx);
        LiveStream live = new LiveStream(vertx, site, state::get, 100, 300, System::nanoTime);
        router.get(LiveStream.PATH).handler(live::handle);
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
        try {
            Sse a = Sse.open(server.actualPort());
            Sse b = Sse.open(server.actualPort());
            assertThat(a.nextState().id()).isEqualTo(1);
            assertThat(b.nextState().id()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(5)).until(() -> live.clients() == 2);
            // the tick stands still: only comment lines, about every 300 ms
            List<String> seen = new ArrayList<>();
            long t0 = System.nanoTime();
            while (seen.stream().filter(l -> l.startsWith(":")).count() < 3) {
                String l = a.lines().poll(5, TimeUnit.SECONDS);
                assertThat(l).as("a line within 5 s").isNotNull();
                seen.add(l);
            }
            assertThat(System.nanoTime() - t0).isGreaterThan(500_000_000L);
            assertThat(seen).filteredOn(l -> !l.isEmpty()).as("only heartbeats").containsOnly(": heartbeat");
            // the tick moves: the next event carries it
            publish();
            assertThat(a.nextState().id()).isEqualTo(2);
            assertThat(b.nextState().id()).isEqualTo(2);

            a.response().body().close();
            a.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> live.clients() == 1);
            publish();
            assertThat(b.nextState().id()).isEqualTo(3);
            b.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> live.clients() == 0);
            // and a new client after that starts the timer again
            Sse c = Sse.open(server.actualPort());
            assertThat(c.nextState().id()).isEqualTo(3);
            publish();
            assertThat(c.nextState().id()).isEqualTo(4);
            c.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> live.clients() == 0);
        } finally {
            server.close().await();
        }
    }
}
