package io.headroom.hil.campus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

import io.headroom.appliance.site.Campus;
import io.headroom.appliance.site.CampusLoader;
import io.headroom.testsupport.EtcdCluster;
import io.vertx.core.json.JsonObject;

/**
 * The short campus drills on the campus bench (a 3-member etcd cluster, three appliances with their plants and
 * agents), each with what it expects: the coordinator killed during a DR event while a survivor loses a feed, and
 * an appliance partitioned from etcd. The etcd-member and quorum drills play in the appliance's
 * {@code CampusQuorumIT} (the same failures, without plants) and by hand ({@code hil-tests/README.md}).
 */
class CampusDrillsIT {

    @TempDir
    Path dir;

    /**
     * In {@code ./mvnw verify}: the coordinator killed during a DR event (with a feed loss at a survivor); a partitioned
     * appliance's fallback is covered there without plants ({@code CampusEtcdIT}). With the {@code hil-long} profile
     * ({@code headroom.campusDrills=all}) the partition drill with plants too, and its API and journal checks.
     */
    static Stream<String> drills() {
        return "all".equals(System.getProperty("headroom.campusDrills"))
                ? Stream.of("coordinator-killed-during-dr", "appliance-partitioned")
                : Stream.of("coordinator-killed-during-dr");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("drills")
    void theDrillHoldsWhatItExpects(String name) throws Exception {
        if (!"true".equals(System.getenv("CI"))) {
            assumeTrue(EtcdCluster.available(), "no etcd binary (apt-get install etcd-server)");
        }
        Path repo = CampusPaths.exampleCampus().getParent().getParent();
        Campus campus = CampusLoader.load(CampusPaths.exampleCampus());
        CampusDrill.Drill drill = CampusDrill.load(repo.resolve("hil-tests/scenarios/campus/" + name + ".yaml"));
        try (CampusBench bench = CampusBench.start(campus, dir, "127.0.0.1", 0, 42)) {
            // what an operator of lineup-b sees while the drill plays: its campus state, its alarms
            int port = bench.lineup("lineup-b").bench().appliance().httpPort();
            java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
            java.util.concurrent.atomic.AtomicBoolean watching = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread watcher = Thread.ofVirtual().start(() -> {
                try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
                    while (watching.get()) {
                        JsonObject c = get(http, port, "/api/v1/campus");
                        if (c != null) {
                            seen.add(c.getBoolean("member", false) ? "member" : "not a member");
                            seen.add(c.getBoolean("fallback", false) ? "fallback" : "budget");
                        }
                        JsonObject site = get(http, port, "/api/v1/site");
                        if (site != null && site.getJsonArray("alarms").stream()
                                .anyMatch(a -> String.valueOf(a).contains("no valid budget lease"))) {
                            seen.add("alarm");
                        }
                        Thread.sleep(200); // sampling the API
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            CampusDrill.Result r;
            try {
                r = CampusDrill.play(bench, drill);
            } finally {
                watching.set(false);
                watcher.join();
            }
            // failover_ms against its goal is a wall-clock figure on a shared machine: the drill reports it
            // (./headroom bench --campus --drill); here a new coordinator must have taken over (a failure says so
            // otherwise) and every other expectation hold
            assertThat(r.failures()).as("%s: %s", name, r.figures())
                    .filteredOn(f -> !f.startsWith("failover_ms =")).isEmpty();
            assertThat(r.figures().get("trips")).isZero();
            if (name.equals("coordinator-killed-during-dr")) {
                assertThat(r.figures().get("failover_ms")).isPositive();
            }
            if (name.equals("appliance-partitioned")) {
                // the partitioned one fell back; the campus stayed within its limit
                assertThat(r.figures().get("fallback_s")).isPositive();
                assertThat(r.figures().get("import_above_limit_kws")).isZero();
                // lineup-b's API and dashboard said so: /api/v1/campus in fallback, the alarm among the site's; the journal
                // has the fallback and the return as campus events
                assertThat(seen).contains("member", "budget", "fallback", "alarm");
                try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
                    JsonObject journal = get(http, port, "/api/v1/journal?kind=alarm.raised&kind=event&limit=500");
                    assertThat(journal.getJsonArray("entries").stream().map(String::valueOf))
                            .anyMatch(e -> e.contains("falls back to its static share"))
                            .anyMatch(e -> e.contains("applies its budget lease"));
                }
            }
        }
    }

    private static JsonObject get(java.net.http.HttpClient http, int port, String path) {
        try {
            java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + port + path)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? new JsonObject(r.body()) : null;
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
