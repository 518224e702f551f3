package io.headroom.hil.scenario;

import io.headroom.common.cli.ExitCodes;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.journal.JournalEntry;
import io.headroom.hil.Cli;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A scenario runs in a data folder of its own: an override an operator set on the interactive bench (journaled in
 * run/bench) is not restored into it, and its report says what was restored — which is that override when the
 * scenario is pointed at run/bench with --data. Starts the bench twice (ephemeral ports, a few seconds each).
 */
class ScenarioIsolationIT {

    @TempDir
    Path home;

    private String savedHome;

    @BeforeEach
    void setHome() {
        savedHome = System.getProperty("headroom.home");
        System.setProperty("headroom.home", home.toString());
    }

    @AfterEach
    void restoreHome() {
        if (savedHome == null) {
            System.clearProperty("headroom.home");
        } else {
            System.setProperty("headroom.home", savedHome);
        }
    }

    record Run(int exit, String out, String err) {
    }

    static Run bench(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Cli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void anOverrideSetOnTheInteractiveBenchIsNotRestoredIntoAScenario() throws Exception {
        // what `./headroom override set r8-n8 300 --for 1h` on the interactive bench leaves in run/bench
        Path benchData = home.resolve("run/bench");
        Instant now = Instant.now();
        try (Journal j = Journal.open(benchData.resolve("journal.db"), Clock.systemUTC(), 3600, 10_000)) {
            j.append(JournalEntry.of(now, "operator.override", "r8-n8", "alice", "cooling work", new JsonObject()
                    .put("id", "ov-test").put("capPerGpuW", 300.0).put("durationS", 3600)
                    .put("expiresAt", now.plusSeconds(3600).toString()).encode())).get(10, TimeUnit.SECONDS);
        }
        Path scenario = home.resolve("short.yaml");
        Files.writeString(scenario, """
                name: isolation
                description: a feed lost and restored, short
                duration: 4 s
                warmup: 1 s
                events:
                  - at: 1 s
                    feedLoss: D
                  - at: 3 s
                    feedRestore: D
                """);
        String site = Path.of("../sites/example-4feed.yaml").toAbsolutePath().toString();

        Run fresh = bench("bench", "--site", site, "--ephemeral-ports", "--http-port", "0", "--scenario", scenario.toString());
        assertThat(fresh.exit()).as(fresh.err()).isIn(ExitCodes.OK, ExitCodes.FAILED);
        JsonObject p = provenance(home.resolve("run/scenarios"));
        assertThat(p.getString("dataDir")).startsWith(home.resolve("run/scenarios/isolation-").toString());
        assertThat(p.getJsonObject("restored").getJsonArray("overrides")).isEmpty();
        assertThat(p.getLong("seed")).isEqualTo(42);
        assertThat(p.getString("siteFile")).isEqualTo(Path.of(site).normalize().toString());
        assertThat(p.getString("siteSha256")).isEqualTo(ScenarioProvenance.sha256(Path.of(site))).hasSize(64);
        assertThat(p.getString("commit")).isNotBlank();

        Run shared = bench("bench", "--site", site, "--ephemeral-ports", "--http-port", "0", "--scenario", scenario.toString(),
                "--data", benchData.toString());
        assertThat(shared.exit()).as(shared.err()).isIn(ExitCodes.OK, ExitCodes.FAILED);
        JsonObject q = provenance(benchData);
        assertThat(q.getJsonObject("restored").getJsonArray("overrides").getList()).singleElement().asString()
                .startsWith("r8-n8 at 300");
        assertThat(shared.err()).contains("restored from the journal");
        assertThat(Files.readString(Path.of(shared.out().replaceAll("(?s).*; report (\\S+)\\s*$", "$1"))))
                .contains("restored from the journal at start: 1 override(s)");
    }

    /** The provenance of the one report.json under {@code dir}. */
    private static JsonObject provenance(Path dir) throws Exception {
        List<Path> reports;
        try (Stream<Path> s = Files.walk(dir)) {
            reports = s.filter(f -> f.getFileName().toString().equals("report.json")).toList();
        }
        assertThat(reports).hasSize(1);
        return new JsonObject(Files.readString(reports.getFirst())).getJsonObject("provenance");
    }
}
