package io.headroom.grid.openadr3;

import io.headroom.testsupport.TestClock;

import com.fasterxml.jackson.databind.JsonNode;
import io.headroom.grid.CommitmentBook;
import io.headroom.grid.FlexibilityOracle;
import io.headroom.grid.OptDecision;
import io.headroom.grid.SiteTelemetry;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Recorded VTN conversations replayed against the VEN (one test per folder under
 * {@code src/test/resources/interop/} that holds a {@code conversation.json}; how to add one: CONFORMANCE.md,
 * "Interop recordings"). The VEN runs as configured by a user, in virtual time (the recording's "now"), and must make
 * the expected requests, reach the expected decisions and commitments, and ask for nothing the recording lacks.
 */
class InteropReplayTest {

    @TempDir
    Path dir;

    static Stream<Path> recordings() throws Exception {
        Path root = Path.of(InteropReplayTest.class.getResource("/interop").toURI());
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(d -> Files.isRegularFile(d.resolve("conversation.json"))).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordings")
    void theVenHoldsItsConversationWith(Path recording) throws Exception {
        JsonNode c = Json.MAPPER.readTree(Files.readString(recording.resolve("conversation.json")));
        TestClock clock = new TestClock(Instant.parse(c.get("now").asText()));
        FlexibilityOracle oracle = (s, e) -> new FlexibilityOracle.Flexibility(500_000, 150_000, 300_000, 0);
        try (ReplayVtn vtn = new ReplayVtn(recording, c)) {
            Ven3Config cfg = Ven3Config.builder(OpenAdrVersion.parse(c.get("version").asText()), URI.create(vtn.baseUrl()),
                            c.get("venName").asText(), c.get("clientId").asText(), c.get("clientSecret").asText(), dir.resolve("ven.db"))
                    .allowInsecureHttp(true) // the replay is plain HTTP on loopback
                    .pollInterval(Duration.ofSeconds(30)).retryBackoff(Duration.ofSeconds(1)).httpTimeout(Duration.ofSeconds(5)).build();
            CommitmentBook book = new CommitmentBook();
            try (Ven3 ven = new Ven3(cfg, book, oracle, SiteTelemetry.constant(380_000), clock, null)) {
                for (int i = 0; i < 5; i++) {
                    ven.tickNow();
                    clock.advance(Duration.ofSeconds(1));
                }
                Map<String, String> decided = ven.decisions().stream().collect(Collectors.toMap(OptDecision::eventId, d -> d.kind().name()));
                c.path("expect").path("decisions").fields().forEachRemaining(e -> assertThat(decided).containsEntry(e.getKey(), e.getValue().asText()));
                c.path("expect").path("importLimitsKw").fields().forEachRemaining(e ->
                        assertThat(book.importLimitAt(Instant.parse(e.getKey()))).as(e.getKey()).hasValue(e.getValue().asDouble() * 1000));
                List<String> asked = vtn.received.stream().map(r -> r.split(" ", 3)[0] + " " + r.split(" ", 3)[1]).toList();
                c.path("expect").path("requests").forEach(r -> assertThat(asked).as("requests made").contains(r.asText()));
                assertThat(vtn.unexpected).as("requests the recording has no answer for").isEmpty();
                assertThat(vtn.unused()).as("recorded answers never asked for").isEmpty();
                assertThat(ven.status().rejected()).isEmpty();
            }
        }
    }
}
