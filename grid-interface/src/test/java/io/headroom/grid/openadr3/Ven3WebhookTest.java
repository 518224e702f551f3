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
import static org.awaitility.Awaitility.await;

/** Webhook subscriptions: reachability check, bearer token, notifications acknowledged after journaling. */
class Ven3WebhookTest {

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
            await().atMost(Duration.ofSeconds(10)).until(() -> ven.status().subscriptionId() != null);
            assertThat(f.vtn.all("subscriptions")).singleElement().satisfies(s ->
                    assertThat(s.get("objectOperations").get(0).get("callbackUrl").asText()).isEqualTo(ven.callbackUrl()));
            String eventId = f.vtn.createEvent(f.event(programId, "pushed", f.eventStart, 400)).get("id").asText();
            await().atMost(Duration.ofSeconds(10)).until(() -> book.importLimitAt(f.eventStart).isPresent());
            assertThat(f.vtn.notificationsDelivered()).isEqualTo(1);
            f.vtn.deleteEvent(eventId);
            await().atMost(Duration.ofSeconds(10)).until(() -> book.all().isEmpty());
            assertThat(f.vtn.notificationsDelivered()).isEqualTo(2);
        }
    }

    @Test
    void theCallbackRefusesBadTokensMalformedBodiesAndIgnoresCancellationsOfUnknownEvents() throws Exception {
        f.program("p");
        CommitmentBook book = new CommitmentBook();
        try (Ven3 ven = f.ven(webhookConfig("ven-x").build(), book)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> ven.status().subscriptionId() != null);
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

    private int post(URI uri, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
