package io.headroom.grid.vtn;

import io.headroom.testsupport.TestClock;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class BenchVtnScenarioIT {

    @Test
    void aScenarioFileCreatesProgramsAndEventsWithRelativeStarts() throws Exception {
        TestClock clock = new TestClock(Instant.parse("2026-11-22T16:00:00Z"));
        try (BenchVtn vtn = new BenchVtn(null, clock, BenchVtn.Options.loopback())) {
            vtn.loadScenario(Path.of(getClass().getResource("/scenarios/evening-peak.json").toURI()));
            assertThat(vtn.all("programs")).singleElement().satisfies(p -> assertThat(p.get("id").asText()).isEqualTo("headroom-dr"));
            assertThat(vtn.all("events")).singleElement().satisfies(e -> {
                assertThat(e.get("intervalPeriod").get("start").asText()).isEqualTo("2026-11-22T16:01:00Z");
                assertThat(e.get("objectType").asText()).isEqualTo("EVENT");
            });
        }
    }
}
