package io.headroom.grid.openadr3;

import io.headroom.grid.CommitmentBook;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The VEN configured for a 3.0.1 server: /vens/{venID}/resources, reports with programID. */
class Ven301Test {

    @TempDir
    Path dir;

    @Test
    void aVenConfiguredFor301RegistersItsResourceUnderItsVenAndReportsWithProgramId() throws Exception {
        try (Ven3Fixture f = new Ven3Fixture(dir)) {
            String programId = f.program("p").get("id").asText();
            String eventId = f.vtn.createEvent(f.event(programId, "old", f.eventStart, 400)).get("id").asText();
            Ven3Config cfg = Ven3Config.builder(OpenAdrVersion.parse("3.0.1"), java.net.URI.create(f.vtn.baseUrl()), "ven-301",
                    "ven-client", "ven-secret", dir.resolve("v.db")).allowInsecureHttp(true).pollInterval(Duration.ZERO).tick(Duration.ofMillis(50))
                    .retryBackoff(Duration.ZERO).build();
            CommitmentBook book = new CommitmentBook();
            try (Ven3 ven = f.ven(cfg, book)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> f.reportsNamed("headroom-opt:" + eventId) == 1);
                assertThat(f.vtn.all("vens").getFirst().has("objectType")).isTrue();
                assertThat(f.vtn.all("resources")).singleElement()
                        .satisfies(r -> assertThat(r.get("venID").asText()).isEqualTo(ven.status().venId()));
                assertThat(f.vtn.reports().getFirst().get("programID").asText()).isEqualTo(programId);
                assertThat(book.importLimitAt(f.eventStart).getAsDouble()).isEqualTo(400_000);
            }
        }
    }
}
