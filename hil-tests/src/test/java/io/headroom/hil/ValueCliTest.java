package io.headroom.hil;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The CLI of issue #18: {@code check-site} on a site that names UPS modules, and the study's JSON with the controller baselines. */
class ValueCliTest {

    @Test
    void theDense2nExampleShowsItsModulesAndPlansOnThem() {
        CliTest.Result r = CliTest.run("check-site", "../sites/example-2n-dense.yaml");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains(
                "  UPS ups-A on A: 200.0 kW continuous; at a loss a survivor may pick up 205 % of it for the 100 ms "
                        + "until the armed caps land",
                "  UPS ups-B on B: 200.0 kW continuous;",
                "all 2 feeds carry 400.0 kW",
                "lose A    survivors B            carry   194.0 kW");
    }

    @Test
    void aSiteWithoutModulesHasNoUpsLine() {
        CliTest.Result r = CliTest.run("check-site", "../sites/example-4feed.yaml");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).doesNotContain("UPS ");
    }

    @Test
    void studyJsonCarriesTheControlBaselinesAsOneMoreMember() throws Exception {
        var x = new io.headroom.hil.study.ControlBaselines.Result(42, 2000, 10, 9, null, null, null, 10, 10, 9,
                java.util.List.of());
        String json = Cli.Study.withControlBaselines("{\"seeds\":1,\"results\":[]}", java.util.List.of(x));
        var tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        assertThat(tree.get("seeds").asInt()).isEqualTo(1);
        assertThat(tree.get("controlBaselines").get("seeds").get(0).get("slowCappingNodes").asInt()).isEqualTo(9);
        assertThat(tree.get("controlBaselines").get("ratios").get("slow_capping").get("mean").asDouble())
                .isEqualTo(10.0 / 9, org.assertj.core.api.Assertions.within(1e-5));
    }
}
