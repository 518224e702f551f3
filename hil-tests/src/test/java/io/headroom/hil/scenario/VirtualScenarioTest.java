package io.headroom.hil.scenario;

import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code ./headroom bench --scenario FILE --virtual-time}: a scenario played in virtual time on the
 * {@link io.headroom.hil.VirtualTimeHall} gives the same figures, recoveries, alarms and plots when it is run again
 * with the same seed (a real-time run does not: its figures depend on the machine's scheduling).
 */
class VirtualScenarioTest {

    static final String SHORT = """
            name: virtual-short
            description: full load, feed B lost for 2 s, then feed C's breaker opened
            duration: 9 s
            warmup: 2 s
            events:
              - {at: 1 s, burst: {fraction: 1.0, duration: 8 s}}
              - {at: 3 s, feedLoss: B}
              - {at: 5 s, feedRestore: B}
              - {at: 6 s, breakerTrip: C}
              - {at: 8 s, feedRestore: C}
            expect:
              trips: 0
              recovery: 1 s
              dataLost: 0
            """;

    static Site site;

    @BeforeAll
    static void load() throws Exception {
        site = SiteLoader.load(Path.of("../sites/example-4feed.yaml"));
    }

    static Scenario scenario(Path dir, String text) throws Exception {
        Path file = dir.resolve("scenario.yaml");
        Files.writeString(file, text);
        return Scenario.load(file, site);
    }

    @Test
    void theSameScenarioAndSeedTwiceGiveTheSameFigures(@TempDir Path dir) throws Exception {
        Scenario sc = scenario(dir, SHORT);
        ScenarioRunner.Result first = ScenarioRunner.runVirtual(site, sc, 7, dir.resolve("first"));
        ScenarioRunner.Result second = ScenarioRunner.runVirtual(site, sc, 7, dir.resolve("second"));

        assertThat(first.figures().get("feed_losses")).as("B lost, C's breaker opened").isEqualTo(2.0);
        assertThat(first.figures().get("trips")).isZero();
        assertThat(first.figures()).containsKeys("recovery_max_ms", "settle_max_ms", "critical_compute_lost_pct",
                "alarms_raised").doesNotContainKeys("lease_lapses", "agents_uncommanded_at_end");
        assertThat(first.failures()).isEmpty();
        assertThat(first.alarms()).anyMatch(a -> a.contains("feed B: lost"));

        assertThat(second.figures()).as("figures").isEqualTo(first.figures());
        assertThat(second.recoveries()).as("recoveries").isEqualTo(first.recoveries());
        assertThat(second.alarms()).as("alarms").isEqualTo(first.alarms());
        assertThat(second.eventLog()).as("events").isEqualTo(first.eventLog());
        assertThat(second.samples()).hasSameSizeAs(first.samples());
        for (int i = 0; i < first.samples().size(); i++) {
            ScenarioRunner.Sample a = first.samples().get(i);
            ScenarioRunner.Sample b = second.samples().get(i);
            assertThat(b.t()).isEqualTo(a.t());
            assertThat(b.feedFraction()).as("feed loads at %.1f s", a.t()).containsExactly(a.feedFraction());
            assertThat(b.classPowerKw()).as("power per class at %.1f s", a.t()).containsExactly(a.classPowerKw());
            assertThat(b.siteKw()).isEqualTo(a.siteKw());
        }
    }

    @Test
    void everyShippedShortScenarioTheHallCanPlayHoldsWhatItExpectsInVirtualTime(@TempDir Path dir) throws Exception {
        java.util.List<String> played = new java.util.ArrayList<>();
        try (var files = Files.list(Path.of("scenarios/short"))) {
            // and the synchronous-training one of the long suite (70 s in real time: too long for verify's real-time
            // suite, a few seconds here)
            for (Path f : java.util.stream.Stream.concat(files.filter(p -> p.toString().endsWith(".yaml")).sorted(),
                    java.util.stream.Stream.of(Path.of("scenarios/long/synchronous-training-bands.yaml"))).toList()) {
                Scenario sc = Scenario.load(f, site);
                if (!ScenarioRunner.notInVirtualTime(sc).isEmpty()) {
                    continue;
                }
                ScenarioRunner.Result r = ScenarioRunner.runVirtual(site, sc, 42, dir.resolve(sc.name()));
                assertThat(r.failures()).as("%s in virtual time (figures %s)", sc.name(), r.figures()).isEmpty();
                played.add(sc.name());
            }
        }
        assertThat(played).contains("feed-loss-at-full-load", "lying-meter", "calibrated-training-mix",
                "synchronous-training-bands");
    }

    @Test
    void eventsOnlyTheRealBenchPlaysAreRefusedByName(@TempDir Path dir) throws Exception {
        Scenario sc = scenario(dir, """
                name: crash
                duration: 4 s
                warmup: 1 s
                events:
                  - {at: 1 s, agentCrash: r8-n1}
                  - {at: 2 s, feedLoss: A}
                """);
        assertThat(ScenarioRunner.notInVirtualTime(sc)).hasSize(1).first().asString().contains("r8-n1");
        assertThatThrownBy(() -> ScenarioRunner.runVirtual(site, sc, 1, dir.resolve("d")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot run in virtual time");
        assertThat(ScenarioRunner.notInVirtualTime(scenario(dir, SHORT))).isEmpty();
    }
}
