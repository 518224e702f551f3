package io.headroom.hil.scenario;

import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Scenario files: the shipped ones load; a broken one is refused with every error and where it is. */
class ScenarioTest {

    static Site site;

    @BeforeAll
    static void site() throws Exception {
        site = SiteLoader.load(Path.of("../sites/example-4feed.yaml"));
    }

    @Test
    void everyShippedScenarioLoadsAgainstTheExampleHall() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.walk(Path.of("scenarios"))) {
            // scenarios/campus holds campus drills (a format of their own: CampusDrill, CampusDrillsIT)
            files = s.filter(p -> p.toString().endsWith(".yaml") && !p.startsWith(Path.of("scenarios", "campus")))
                    .sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(3);
        for (Path f : files) {
            Scenario sc = Scenario.load(f, site);
            assertThat(sc.events()).as(f.toString()).isNotEmpty();
            assertThat(sc.events()).as("in time order").isSortedAccordingTo(java.util.Comparator.comparingDouble(Scenario.Event::atS));
        }
        Scenario loss = Scenario.load(Path.of("scenarios/short/feed-loss-at-full-load.yaml"), site);
        assertThat(loss.durationS()).isEqualTo(30);
        assertThat(loss.events()).contains(new Scenario.FeedLoss(12, "A"), new Scenario.Burst(6, 1.0, 22),
                new Scenario.BreakerTrip(23, "C"));
        assertThat(Scenario.load(Path.of("scenarios/short/faulty-meter-and-agent.yaml"), site).events())
                .contains(new Scenario.MeterFreeze(21, "D"), new Scenario.MeterFault(26, "D", false));
        assertThat(loss.expect().recoveryMs()).isEqualTo(1000);
        assertThat(loss.expect().trips()).isZero();
    }

    @Test
    void thePlantsWaveformRateIsReadAndABadOneIsNamed(@TempDir Path dir) throws Exception {
        Path ok = dir.resolve("rate.yaml");
        Files.writeString(ok, """
                name: rate
                duration: 10 s
                events:
                  - {at: 2 s, feedLoss: A}
                plant: {waveformRate: 48 kS/s, capDelay: 20 ms}
                """);
        Scenario sc = Scenario.load(ok, site);
        assertThat(sc.plant().waveformRateHz()).isEqualTo(48_000);
        assertThat(sc.plant().idealResponse()).isFalse();
        assertThat(Scenario.sampleRate("1 MS/s")).isEqualTo(1e6);
        assertThat(Scenario.sampleRate("4800")).isEqualTo(4800);
        Path bad = dir.resolve("bad-rate.yaml");
        Files.writeString(bad, """
                name: bad-rate
                duration: 10 s
                events:
                  - {at: 2 s, feedLoss: A}
                plant: {waveformRate: 5 MS/s}
                """);
        assertThatThrownBy(() -> Scenario.load(bad, site)).hasMessageContaining("plant.waveformRate: 5 MS/s outside");
        assertThatThrownBy(() -> Scenario.sampleRate("fast")).hasMessageContaining("'fast' is not a sample rate");
    }

    @Test
    void aDurationWithinTheDefaultWarmupIsNamedAsSuch(@TempDir Path dir) throws Exception {
        Path noWarmup = dir.resolve("short.yaml");
        Files.writeString(noWarmup, """
                name: short
                duration: 3 s
                events:
                  - {at: 1 s, feedLoss: A}
                """);
        assertThatThrownBy(() -> Scenario.load(noWarmup, site)).isInstanceOf(Scenario.InvalidScenario.class)
                .satisfies(e -> assertThat(((Scenario.InvalidScenario) e).errors()).contains(
                        "duration: 3 s is not longer than the default warmup of 5 s (the bench settles for 5 s before "
                                + "the events): give a longer duration, or a shorter warmup: key"));
        Path withWarmup = dir.resolve("warm.yaml");
        Files.writeString(withWarmup, """
                name: warm
                duration: 3 s
                warmup: 4 s
                events:
                  - {at: 1 s, feedLoss: A}
                """);
        assertThatThrownBy(() -> Scenario.load(withWarmup, site)).isInstanceOf(Scenario.InvalidScenario.class)
                .satisfies(e -> assertThat(((Scenario.InvalidScenario) e).errors())
                        .contains("warmup: 4 s is not shorter than the duration 3 s"));
    }

    @Test
    void networkEventsAndTheAgentExpectationsAreReadAndBadOnesNamed(@TempDir Path dir) throws Exception {
        Scenario lossy = Scenario.load(Path.of("scenarios/short/lossy-network.yaml"), site);
        assertThat(lossy.impairsNetwork()).isTrue();
        assertThat(lossy.events()).contains(new Scenario.Network(7, null, 0.2, 0.020, 0.010),
                new Scenario.Network(23, null, 0, 0, 0));
        assertThat(lossy.expect().leaseLapses()).isZero();
        assertThat(lossy.expect().uncommandedAgents()).isZero();
        assertThat(Scenario.load(Path.of("scenarios/short/feed-loss-at-full-load.yaml"), site).impairsNetwork()).isFalse();
        Path bad = dir.resolve("bad-network.yaml");
        Files.writeString(bad, """
                name: bad-network
                duration: 10 s
                events:
                  - {at: 1 s, network: {loss: 120 %}}
                  - {at: 2 s, network: {delay: 20 ms, nodes: [r1-n1, r99-n1]}}
                  - {at: 3 s, network: {latency: 5 ms}}
                  - {at: 4 s, network: {jitter: 11 s}}
                expect: {leaseLapses: -1}
                """);
        assertThatThrownBy(() -> Scenario.load(bad, site)).isInstanceOf(Scenario.InvalidScenario.class)
                .satisfies(e -> assertThat(((Scenario.InvalidScenario) e).errors()).containsExactlyInAnyOrder(
                        "events[0].network.loss: 0 to 100 %, got 120 %",
                        "events[1].network.nodes: no node 'r99-n1' in site example-4feed",
                        "events[2].network: must be {loss: PERCENT, delay: TIME, jitter: TIME, nodes: [ID, ...] (default: "
                                + "every agent)}; what is left out is 0",
                        "events[3].network: a delay or jitter of at most 10 s, got 11.0 s",
                        "expect.leaseLapses: must be a number from 0 to 1000000, got -1"));
    }

    @Test
    void loopDrillsAndTimedAlarmsLoadAndTheirMistakesAreNamed(@TempDir Path dir) throws Exception {
        Scenario drills = Scenario.load(Path.of("scenarios/long/supervision-drills.yaml"), site);
        assertThat(drills.events()).contains(new Scenario.LoopHang(8, "protection", 6), new Scenario.LoopFail(20, "journal-writer"));
        assertThat(drills.expect().alarmsWithin()).first()
                .isEqualTo(new Scenario.TimedAlarm("loop protection: stalled", 8, 2));
        Scenario crash = Scenario.load(Path.of("scenarios/short/agent-crash-then-feed-loss.yaml"), site);
        assertThat(crash.expect().alarmsRaised()).containsExactly("feed B: lost");
        assertThat(crash.expect().alarmsWithin()).containsExactly(new Scenario.TimedAlarm("r8-n1: agent not answering", 8, 4));
        Path bad = dir.resolve("bad-drills.yaml");
        Files.writeString(bad, """
                name: bad-drills
                duration: 10 s
                events:
                  - {at: 1 s, loopHang: {loop: protection}}
                  - {at: 2 s, loopFail: {loop: regulation}}
                expect:
                  alarmsRaised: [{text: "loop protection", within: 1 s}]
                """);
        assertThatThrownBy(() -> Scenario.load(bad, site)).isInstanceOf(Scenario.InvalidScenario.class)
                .satisfies(e -> assertThat(((Scenario.InvalidScenario) e).errors()).containsExactlyInAnyOrder(
                        "events[0].loopHang: must be {loop: NAME, for: TIME} (protection, regulation, journal-writer, waveform-FEED)",
                        "events[1].loopFail: must name a loop (protection, regulation, journal-writer, waveform-FEED)",
                        "expect.alarmsRaised[0]: must be a text, or {text: TEXT, after: TIME, within: TIME}"));
    }

    @Test
    void aBrokenScenarioNamesEveryProblemAndWhereItIs(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("broken.yaml");
        Files.writeString(f, """
                name: bad name
                duration: 10 parsecs
                colour: blue
                events:
                  - at: 2 s
                    feedLoss: Z
                  - at: 3 s
                    burst: {fraction: 1.5, duration: 2 s}
                  - at: 4 s
                    agentCrash: nobody
                  - at: 5 s
                    teleport: A
                  - feedLoss: A
                expect:
                  trips: -1
                  luck: 1
                """);
        assertThatThrownBy(() -> Scenario.load(f, site)).isInstanceOf(Scenario.InvalidScenario.class)
                .satisfies(e -> assertThat(((Scenario.InvalidScenario) e).errors()).anySatisfy(x -> assertThat(x).startsWith("unknown key 'colour'"))
                        .anySatisfy(x -> assertThat(x).startsWith("name: 'bad name'"))
                        .anySatisfy(x -> assertThat(x).startsWith("duration:"))
                        .anySatisfy(x -> assertThat(x).startsWith("events[0].feedLoss: no feed 'Z'"))
                        .anySatisfy(x -> assertThat(x).startsWith("events[1].burst.fraction: must be a number from 0 to 1"))
                        .anySatisfy(x -> assertThat(x).startsWith("events[2].agentCrash: no node 'nobody'"))
                        .anySatisfy(x -> assertThat(x).startsWith("events[3]: unknown event 'teleport'"))
                        .anySatisfy(x -> assertThat(x).startsWith("events[4].at: required"))
                        .anySatisfy(x -> assertThat(x).startsWith("expect.trips: must be a number from 0"))
                        .anySatisfy(x -> assertThat(x).startsWith("expect: unknown key 'luck'"))
                        .hasSize(10));
        Files.writeString(f, "name: x\n  duration: [\n");
        assertThatThrownBy(() -> Scenario.load(f, site)).isInstanceOf(Scenario.InvalidScenario.class)
                .hasMessageContaining("line ");
    }
}
