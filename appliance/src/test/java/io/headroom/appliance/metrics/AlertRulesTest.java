package io.headroom.appliance.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;

/**
 * appliance/prometheus/alerts.yml: valid for Prometheus ({@code promtool check rules}), doing what its unit tests
 * say ({@code promtool test rules alerts.test.yml}), and naming only series the appliance exposes.
 */
class AlertRulesTest {

    static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    static Path rules() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            for (Path f : List.of(p.resolve("prometheus/alerts.yml"), p.resolve("appliance/prometheus/alerts.yml"))) {
                if (Files.isRegularFile(f)) {
                    return f;
                }
            }
        }
        throw new IllegalStateException("appliance/prometheus/alerts.yml not found");
    }

    private static void assumePromtool() {
        boolean present = Files.isExecutable(PROMTOOL);
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("promtool is required in CI (.ci/run installs Debian's prometheus)");
        }
        Assumptions.assumeTrue(present, "promtool not installed (apt-get install prometheus): alerts.yml is not"
                + " checked with promtool check rules / test rules here");
    }

    private static String promtool(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(PROMTOOL.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
        assertThat(p.exitValue()).as("promtool %s:%n%s", String.join(" ", args), out).isZero();
        return out;
    }

    @Test
    void promtoolChecksTheRules() throws Exception {
        assumePromtool();
        Path f = rules();
        String out = promtool(f.getParent(), "check", "rules", f.getFileName().toString());
        assertThat(out).contains("SUCCESS");
    }

    @Test
    void promtoolUnitTestsPass() throws Exception {
        assumePromtool();
        Path f = rules();
        String out = promtool(f.getParent(), "test", "rules", "alerts.test.yml");
        assertThat(out).contains("SUCCESS");
    }

    @Test
    void theRulesAndTheirTestsNameOnlySeriesTheApplianceExposes(@TempDir Path dir) throws Exception {
        Site site = Scrape.exampleSite();
        Set<String> exposed;
        try (Journal journal = Journal.open(dir.resolve("j.db"), Clock.systemUTC(), 3600, 1000)) {
            var supervisor = new io.headroom.appliance.supervision.Supervisor(System::nanoTime);
            supervisor.watch("protection", java.time.Duration.ofSeconds(1), "the fast path stops");
            exposed = Scrape.names(Scrape.full(site, () -> null, journal, Clock.systemUTC())
                    .supervision(supervisor).scrape());
        }
        Set<String> named = new TreeSet<>();
        for (String file : List.of("alerts.yml", "alerts.test.yml")) {
            String text = Files.readString(rules().resolveSibling(file));
            Matcher m = GrafanaDashboardTest.METRIC.matcher(text);
            while (m.find()) {
                if (!m.group().startsWith("headroom_appliance")) { // the package's name in a path
                    named.add(m.group());
                }
            }
        }
        assertThat(named).contains("headroom_feed_current_amperes", "headroom_group_n1_ready", "headroom_feed_quality",
                "headroom_node_telemetry_fresh", "headroom_protection_agents_armed", "headroom_journal_dropped_total",
                "headroom_loop_up");
        assertThat(exposed).containsAll(named);
    }
}
