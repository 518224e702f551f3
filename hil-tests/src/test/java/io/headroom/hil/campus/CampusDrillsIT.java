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

/**
 * The short campus drills on the campus bench (a 3-member etcd cluster, three appliances with their plants and
 * agents), each with what it expects: the coordinator killed during a DR event while a survivor loses a feed, and
 * an appliance partitioned from etcd. The etcd-member and quorum drills play in the appliance's
 * {@code CampusQuorumIT} (the same failures, without plants) and by hand ({@code hil-tests/README.md}).
 */
class CampusDrillsIT {

    @TempDir
    Path dir;

    static Stream<String> drills() {
        return Stream.of("coordinator-killed-during-dr", "appliance-partitioned");
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
            CampusDrill.Result r = CampusDrill.play(bench, drill);
            assertThat(r.failures()).as("%s: %s", name, r.figures()).isEmpty();
            assertThat(r.figures().get("trips")).isZero();
            if (name.equals("coordinator-killed-during-dr")) {
                assertThat(r.figures().get("failover_ms")).isPositive();
            }
            if (name.equals("appliance-partitioned")) {
                // the partitioned one fell back; the campus stayed within its limit
                assertThat(r.figures().get("fallback_s")).isPositive();
                assertThat(r.figures().get("import_above_limit_kws")).isZero();
            }
        }
    }
}
