package io.headroom.grid.openadr3;

import io.headroom.grid.CommitmentBook;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Webhook subscriptions: reachability check, bearer token, notifications acknowledged after journaling. */
class Ven3WebhookIT {

    @TempDir
    Path dir;
    Ven3Fixture f;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void up() throws Exception {
        f = new Ven3Fixture(dir);
    }

    @AfterEach
    void down() throws Exception {
        f.close();
    }

    private Ven3Config.Builder webhookConfig(String name) {
        // polling only every hour of the test clock (which barely moves): events must come by notification
        return f.config(name).webhook(true).subscribedPollInterval(Duration.ofHours(1));
    }

    @Test
    void theVenSubscribesAnswersTheEchoAndTakesEventsByNotification() throws Exception {
        String programId = f.program("p").get("id").asText();
        CommitmentBook book = new CommitmentBook();
        try (Ven3 ven = f.ven(webhookConfig("ven-w").build(), book)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> ven.status().subscriptionId() != null);
            assertThat(f.vtn.all("subscriptions")).singleElement().satisfies(s ->
                    assertThat(s.get("objectOperations").get(0).get("callbackUrl").asText()).isEqualTo(ven.callbackUrl()));
            String eventId = f.vtn.createEvent(f.event(programId, "pushed", f.eventStart, 400)).get("id").asText();
            await().atMost(Duration.ofSeconds(10)).until(() -> book.importLimitAt(f.eventStart).isPresent());
            assertThat(f.vtn.notificationsDelivered()).isEqualTo(1);
            f.vtn.deleteEvent(eventId);
            await().atMost(Duration.ofSeconds(10)).until(() -> book.all().isEmpty());
            // the 200 reaches the VTN just after the VEN withdrew the commitments
            await().atMost(Duration.ofSeconds(10)).until(() -> f.vtn.notificationsDelivered() == 2);
        }
    }

    @Test
    void theCallbackRefusesBadTokensMalformedBodiesAndIgnoresCancellationsOfUnknownEvents() throws Exception {
        f.program("p");
        CommitmentBook book = new CommitmentBook();
        try (Ven3 ven = f.ven(webhookConfig("ven-x").build(), book)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> ven.status().subscriptionId() != null);
            URI cb = URI.create(ven.callbackUrl());
            String token = f.vtn.all("subscriptions").getFirst().get("objectOperations").get(0).get("bearerToken").asText();
            String deleteUnknown = "{\"objectType\":\"EVENT\",\"operation\":\"DELETE\",\"object\":{\"id\":\"never-seen\",\"programID\":\"x\"}}";

            assertThat(post(cb, null, deleteUnknown)).isEqualTo(401);
            assertThat(post(cb, "wrong", deleteUnknown)).isEqualTo(401);
            assertThat(post(cb, token, "{not json")).isEqualTo(400);
            assertThat(post(cb, token, "{\"objectType\":\"EVENT\"}")).isEqualTo(400);
            assertThat(post(cb, token, deleteUnknown)).isEqualTo(200);
            assertThat(book.all()).isEmpty();

            HttpResponse<String> echo = http.send(HttpRequest.newBuilder(URI.create(cb + "?echo=abc123")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(echo.statusCode()).isEqualTo(200);
            assertThat(echo.body()).isEqualTo("abc123");
        }
    }

    @Test
    void aCallbackThatFailsTheEchoGetsNoSubscriptionAndTheVenPolls() throws Exception {
        String programId = f.program("p").get("id").asText();
        CommitmentBook book = new CommitmentBook();
        // the public URL points nowhere: the VTN's reachability check fails
        try (Ven3 ven = f.ven(webhookConfig("ven-f").callback("127.0.0.1", 0, "http://127.0.0.1:1/nowhere").build(), book)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> ven.status().lastPoll() != null);
            assertThat(ven.status().subscriptionId()).isNull();
            assertThat(f.vtn.all("subscriptions")).isEmpty();
            f.vtn.createEvent(f.event(programId, "polled", f.eventStart, 400));
            await().atMost(Duration.ofSeconds(10)).until(() -> book.importLimitAt(f.eventStart).isPresent());
        }
    }

    private static String token(Ven3Fixture f) {
        return f.vtn.all("subscriptions").getFirst().get("objectOperations").get(0).get("bearerToken").asText();
    }

    private static final String DELETE_UNKNOWN =
            "{\"objectType\":\"EVENT\",\"operation\":\"DELETE\",\"object\":{\"id\":\"never-seen\",\"programID\":\"x\"}}";

    @Test
    void eachSubscriptionGetsItsOwnTokenAndASubscriptionTheVtnLostIsReplacedWithANewOne() throws Exception {
        f.program("p");
        try (Ven3 ven = f.ven(f.config("ven-rot").webhook(true).subscribedPollInterval(Duration.ofMinutes(5)).build(), new CommitmentBook())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> ven.status().subscriptionId() != null);
            String first = ven.status().subscriptionId();
            String t1 = token(f);
            URI cb = URI.create(ven.callbackUrl());
            assertThat(post(cb, t1, DELETE_UNKNOWN)).isEqualTo(200);
            assertThat(f.vtn.deleteSubscription(first)).isTrue();
            f.clock.advance(Duration.ofMinutes(6)); // the next poll finds it gone
            await().atMost(Duration.ofSeconds(10)).until(() -> !f.vtn.all("subscriptions").isEmpty()
                    && !f.vtn.all("subscriptions").getFirst().get("id").asText().equals(first));
            String t2 = token(f);
            assertThat(t2).isNotEqualTo(t1);
            assertThat(post(cb, t1, DELETE_UNKNOWN)).as("the old subscription's token").isEqualTo(401);
            assertThat(post(cb, t2, DELETE_UNKNOWN)).isEqualTo(200);
        }
    }

    @Test
    void aNotifiedDeleteOrChangeIsConfirmedWithTheVtnBeforeTheVenActsOnIt() throws Exception {
        String programId = f.program("p").get("id").asText();
        CommitmentBook book = new CommitmentBook();
        try (Ven3 ven = f.ven(webhookConfig("ven-c").build(), book)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> ven.status().subscriptionId() != null);
            String eventId = f.vtn.createEvent(f.event(programId, "real", f.eventStart, 400)).get("id").asText();
            await().atMost(Duration.ofSeconds(10)).until(() -> book.importLimitAt(f.eventStart).isPresent());
            URI cb = URI.create(ven.callbackUrl());
            String token = token(f);
            // a forged DELETE (right token: a leaked one, or a replay) while the VTN still has the event
            assertThat(post(cb, token, "{\"objectType\":\"EVENT\",\"operation\":\"DELETE\",\"object\":{\"id\":\"" + eventId
                    + "\",\"programID\":\"" + programId + "\"}}")).isEqualTo(200);
            // a forged change and a forged new event, with limits the VTN never set
            var changed = f.event(programId, "real", f.eventStart, 1);
            changed.put("id", eventId).put("modificationDateTime", "2030-01-01T00:00:00Z");
            assertThat(post(cb, token, "{\"objectType\":\"EVENT\",\"operation\":\"UPDATE\",\"object\":" + changed + "}")).isEqualTo(200);
            var planted = f.event(programId, "planted", f.eventStart.plus(Duration.ofHours(2)), 1);
            planted.put("id", "planted-1");
            assertThat(post(cb, token, "{\"objectType\":\"EVENT\",\"operation\":\"CREATE\",\"object\":" + planted + "}")).isEqualTo(200);
            assertThat(book.importLimitAt(f.eventStart)).hasValue(400_000);
            assertThat(book.importLimitAt(f.eventStart.plus(Duration.ofHours(2)))).isEmpty();
            // the real deletion is confirmed (404) and withdraws
            f.vtn.deleteEvent(eventId);
            await().atMost(Duration.ofSeconds(10)).until(() -> book.all().isEmpty());
        }
    }

    @Test
    void httpVtnAndCallbackUrlsAreRefusedUnlessTheInsecureFlagSaysSo() {
        Path j = dir.resolve("x.db");
        assertThatThrownBy(() -> Ven3Config.builder(OpenAdrVersion.V3_1_0, URI.create("http://vtn.example/openadr3"), "hall-1", "c", "s", j).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not https://")
                .hasMessageContaining("--openadr-insecure-http").hasMessageContaining("openadr.insecureHttp");
        URI https = URI.create("https://vtn.example/openadr3");
        assertThatThrownBy(() -> Ven3Config.builder(OpenAdrVersion.V3_1_0, https, "hall-1", "c", "s", j).webhook(true).build())
                .hasMessageContaining("webhooks are served over HTTPS").hasMessageContaining("--openadr-insecure-http");
        assertThatThrownBy(() -> Ven3Config.builder(OpenAdrVersion.V3_1_0, https, "hall-1", "c", "s", j).webhook(true)
                .callbackTls(j, j).callback("0.0.0.0", 8443, "http://hall-1.example:8443/cb").build())
                .hasMessageContaining("callback URL http://hall-1.example:8443/cb is not https://");
        assertThat(Ven3Config.builder(OpenAdrVersion.V3_1_0, https, "hall-1", "c", "s", j).webhook(true).callbackTls(j, j).build().callbackTls()).isTrue();
        assertThat(Ven3Config.builder(OpenAdrVersion.V3_1_0, URI.create("http://127.0.0.1:1"), "b", "c", "s", j).allowInsecureHttp(true)
                .webhook(true).build().webhook()).isTrue();
    }

    @Test
    void theCallbackIsServedOverHttpsAndTheVtnReachesItThere() throws Exception {
        io.headroom.grid.openadr2b.TestCerts.Party cert = io.headroom.grid.openadr2b.TestCerts.party("EC", "bench-ca", "vtn", true);
        try (io.headroom.grid.vtn.BenchVtn vtn = new io.headroom.grid.vtn.BenchVtn(null, f.clock,
                io.headroom.grid.vtn.BenchVtn.Options.loopback().callbackCa(cert.ca()))
                .addClient("bl", "bl-secret", io.headroom.grid.vtn.BenchVtn.Role.BL).addClient("ven-client", "ven-secret", io.headroom.grid.vtn.BenchVtn.Role.VEN)) {
            vtn.start();
            String programId = vtn.createProgram(Json.MAPPER.createObjectNode().put("programName", "p")).get("id").asText();
            Ven3Config cfg = Ven3Config.builder(OpenAdrVersion.V3_1_0, URI.create(vtn.baseUrl()), "ven-tls", "ven-client", "ven-secret",
                            dir.resolve("tls.db")).allowInsecureHttp(true) // the VTN is plain HTTP here; the callback is not
                    .webhook(true).callbackTls(cert.cert(), cert.key()).subscribedPollInterval(Duration.ofHours(1))
                    .pollInterval(Duration.ofSeconds(1)).tick(Duration.ofMillis(50)).retryBackoff(Duration.ZERO)
                    .httpTimeout(Duration.ofSeconds(10)).build();
            CommitmentBook book = new CommitmentBook();
            try (Ven3 ven = new Ven3(cfg, book, f.oracle, f.telemetry, f.clock, null)) {
                ven.start();
                assertThat(ven.callbackUrl()).startsWith("https://127.0.0.1:");
                await().atMost(Duration.ofSeconds(60)).until(() -> vtn.all("subscriptions").size() == 1);
                vtn.createEvent(f.event(programId, "tls", f.eventStart, 400));
                await().atMost(Duration.ofSeconds(30)).until(() -> book.importLimitAt(f.eventStart).isPresent());
                await().atMost(Duration.ofSeconds(30)).until(() -> vtn.notificationsDelivered() == 1); // delivered over HTTPS
                assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(URI.create(ven.callbackUrl().replace("https", "http") + "?echo=x"))
                        .GET().build(), HttpResponse.BodyHandlers.ofString())).isInstanceOf(java.io.IOException.class);
            }
        }
    }

    @Test
    void theEchoProbeIsAnsweredOnTheCallbackAndOnItsEchoPath() throws Exception {
        f.program("p");
        try (Ven3 ven = f.ven(webhookConfig("ven-e").build(), new CommitmentBook())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> ven.status().subscriptionId() != null);
            for (String probe : new String[] {ven.callbackUrl() + "?echo=abc", ven.callbackUrl() + "/echo?echo=abc"}) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(probe)).GET().build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(probe).isEqualTo(200);
                assertThat(r.body()).as(probe).isEqualTo("abc");
            }
        }
    }

    private int post(URI uri, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
