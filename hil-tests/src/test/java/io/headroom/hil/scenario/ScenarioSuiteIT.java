package io.headroom.hil.scenario;

import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The short scenario suite ({@code hil-tests/scenarios/short}): each scenario on a fresh bench over the real
 * protocols, in real time; what it expects must hold, and its report must be written. The long suite
 * ({@code scenarios/long}) runs under the {@code hil-long} profile, or one by one with
 * {@code ./headroom bench --scenario FILE}.
 */
class ScenarioSuiteIT {

    @TempDir
    static Path data;

    @TestFactory
    Stream<DynamicTest> theShortSuiteHolds() throws Exception {
        Site site = SiteLoader.load(Path.of("../sites/example-4feed.yaml"));
        List<Path> files;
        String suite = System.getProperty("headroom.scenarios", "short"); // the profile hil-long says long
        try (Stream<Path> s = Files.list(Path.of("scenarios", suite))) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            Scenario sc = Scenario.load(f, site);
            Path dir = data.resolve(sc.name());
            ScenarioRunner.Result r;
            try (ScenarioBench bench = ScenarioBench.start(site, sc, dir, "127.0.0.1", 0, 42)) {
                r = bench.run(sc);
            }
            Path html = ScenarioReport.write(r, site, dir.resolve("report"));
            assertThat(r.failures()).as("%s: what it expects (figures %s; events %s)", sc.name(), r.figures(), r.eventLog())
                    .isEmpty();
            assertThat(r.figures().get("trips")).isZero();
            assertThat(r.samples()).as("a sample every 100 ms").hasSizeGreaterThan((int) (sc.durationS() * 8));
            JsonObject json = new JsonObject(Files.readString(dir.resolve("report/report.json")));
            assertThat(json.getBoolean("passed")).isTrue();
            assertThat(json.getJsonObject("figures").getJsonObject("trips").getDouble("value")).isZero();
            assertThat(json.getJsonArray("series")).isNotEmpty();
            String page = Files.readString(html);
            assertThat(page).contains("PASSED").contains("<svg").contains("Feed load").doesNotContain("<script");
            Files.copy(html, Path.of("target").resolve("scenario-" + sc.name() + ".html"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }));
    }
}
