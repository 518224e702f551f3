package io.headroom.hil;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code check-site} on a site that names UPS modules: each module, and the N-1 plan on its rating. */
class CheckSiteUpsTest {

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
}
