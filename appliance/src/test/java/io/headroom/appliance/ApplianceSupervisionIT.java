package io.headroom.appliance;

import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.journal.JournalEntry;
import io.headroom.appliance.operator.ApiTokens;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.appliance.supervision.Drill;
import io.headroom.drivers.gpio.GpioProvider;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real appliance (the minimal site, meters and agents unreachable, a mock GPIO header with a watchdog pin) whose
 * loops are drilled: a hung protection thread or journal writer raises an alarm, turns the health endpoint and the
 * metrics red and stops the hardware watchdog's kicks (the packaged service's systemd kicks follow the health
 * endpoint); it all clears once the loop goes on. An operator's write while the journal writer hangs is answered
 * with a 503 and the reason, not left waiting.
 */
class ApplianceSupervisionIT {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final String GPIO = """
            gpio:
              outputs:
                - {id: alarm, pin: 22, kind: alarm-relay}
                - {id: lamp, pin: 23, kind: status-lamp}
              watchdog: {pin: 24, period: 50 ms}
            """;

    @TempDir
    Path dir;

    static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    Appliance start() throws Exception {
        String text = Files.readString(Path.of("src/test/resources/sites/minimal-2feed.yaml"));
        for (String port : new String[]{"57001", "57002", "15021", "15022"}) {
            text = text.replace("127.0.0.1:" + port, "127.0.0.1:" + closedPort());
        }
        text = text.substring(0, text.indexOf("supercaps:")) + text.substring(text.indexOf("agents:")) + GPIO;
        Path file = dir.resolve("site.yaml");
        Files.writeString(file, text);
        Site site = SiteLoader.load(file);
        return Appliance.start(site, Appliance.Options.of("127.0.0.1", 0, dir.resolve("data")).withGpio(GpioProvider.MOCK));
    }

    static HttpResponse<String> get(Appliance a, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.httpPort() + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static boolean alarmJournaled(Journal j, String text) {
        return j.entries(Instant.EPOCH, Instant.now().plusSeconds(1), "alarm.raised", 1000).stream()
                .map(JournalEntry::message).anyMatch(m -> m.contains(text));
    }

    @ParameterizedTest(name = "{0} hung")
    @ValueSource(strings = {"protection", "regulation", "journal-writer"})
    void aHungLoopIsAnAlarmRedHealthRedMetricsAndNoMoreWatchdogKicksUntilItGoesOn(String loop) throws Exception {
        try (Appliance a = start()) {
            await().atMost(WAIT).until(() -> get(a, "/api/v1/health").statusCode() == 200
                    && a.field().watchdog().running());
            JsonObject ok = new JsonObject(get(a, "/api/v1/health").body());
            assertThat(ok.getString("status")).isEqualTo("ok");
            assertThat(ok.getJsonArray("loops").stream().map(o -> ((JsonObject) o).getString("loop")))
                    .containsExactly("journal-writer", "protection", "ack-intake", "regulation");

            Drill.Hang hang = new Drill.Hang(Duration.ofMinutes(5));
            a.supervisor().heartbeat(loop).drill(hang);
            await().atMost(WAIT).until(() -> get(a, "/api/v1/health").statusCode() == 503);
            JsonObject red = new JsonObject(get(a, "/api/v1/health").body());
            assertThat(red.getString("status")).isEqualTo("failed");
            assertThat(red.getJsonArray("reasons").stream().map(String::valueOf)).anyMatch(r -> r.startsWith("loop " + loop + ": stalled"));
            await().atMost(WAIT).until(() -> !a.field().watchdog().running());
            assertThat(a.field().alarmRelays().getFirst().isOn()).isTrue();
            await().atMost(WAIT).until(() -> get(a, "/api/v1/alarms").body().contains("loop " + loop + ": stalled"));
            String metrics = get(a, "/metrics").body();
            assertThat(metrics).contains("headroom_loop_up{loop=\"" + loop + "\"} 0.0").contains("headroom_healthy 0.0");
            for (String other : new String[]{"protection", "regulation", "journal-writer"}) {
                if (!other.equals(loop)) {
                    assertThat(metrics).contains("headroom_loop_up{loop=\"" + other + "\"} 1.0");
                }
            }

            hang.release();
            await().atMost(WAIT).until(() -> get(a, "/api/v1/health").statusCode() == 200 && a.field().watchdog().running());
            // raised and cleared, in the journal (a hung writer journals them once it goes on)
            await().atMost(WAIT).until(() -> alarmJournaled(a.journal(), "loop " + loop + ": stalled")
                    && a.journal().entries(Instant.EPOCH, Instant.now().plusSeconds(1), "alarm.cleared", 1000).stream()
                    .anyMatch(e -> e.message().startsWith("loop " + loop + ": stalled")));
        }
    }

    @Test
    void anOperatorWriteWhileTheJournalWriterHangsIsRefusedWithTheReasonNotLeftWaiting() throws Exception {
        try (Appliance a = start()) {
            String token = ApiTokens.add(dir.resolve("data/api-tokens"), "alice", ApiTokens.Role.OPERATOR);
            // the token file is read at start: a second appliance on the same data reads it
            a.close();
            try (Appliance b = start()) {
                await().atMost(WAIT).until(() -> get(b, "/api/v1/health").statusCode() == 200);
                b.journal().appendDeadline(Duration.ofMillis(500));
                Drill.Hang hang = new Drill.Hang(Duration.ofMinutes(5));
                b.supervisor().heartbeat(Journal.LOOP).drill(hang);
                await().atMost(WAIT).until(() -> !b.supervisor().heartbeat(Journal.LOOP).drillPending());
                String body = "{\"node\":\"n2\",\"capPerGpuW\":400,\"durationS\":60,\"reason\":\"drill\"}";
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.httpPort()
                                + "/api/v1/overrides")).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token)
                        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(new JsonObject(r.body()).getString("error")).contains("not recorded")
                        .contains("did not take the entry within 500 ms");
                hang.release();
                await().atMost(WAIT).until(() -> b.supervisor().check().healthy());
                assertThat(b.journal().entries(Instant.EPOCH, Instant.now().plusSeconds(1), "operator.override", 10))
                        .as("refused as not recorded: not recorded").isEmpty();
            }
        }
    }
}
