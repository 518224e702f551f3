package io.headroom.appliance.control;

import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A hall in, the ceilings on its critical nodes out (the same every tick: they follow from the site file). */
class CriticalReadinessTest {

    @Test
    void whileAPlanExistsWithTheCriticalFloorsNothingIsHeld() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24);
        CriticalReadiness r = new CriticalReadiness(site, site.groups().getFirst(), site.nodes());
        assertThat(r.limits()).isEmpty();
        assertThat(r.alarms()).isEmpty();
    }

    @Test
    void whenNoneExistsEveryCriticalNodeIsHeldAtTheCapThatMakesOne() {
        // Two 60 A feeds: after a loss one carries 41 kW (margin taken), under the 8 critical nodes' 38.4 kW of
        // floors plus 15 kW of base and the standard nodes' 3.2 kW of minimum.
        Site site = TestHalls.hall(2, 60, 8, 2, 0);
        CriticalReadiness r = new CriticalReadiness(site, site.groups().getFirst(), site.nodes());
        double cap = ContingencyPlanner.criticalCapForAPlanW(site, site.groups().getFirst(), site.nodes());
        assertThat(cap).isBetween(200.0, 600.0);
        assertThat(r.limits()).hasSize(8).allSatisfy(l -> {
            Limit.NodeCeiling c = (Limit.NodeCeiling) l;
            assertThat(c.perGpuW()).isEqualTo(cap);
            assertThat(c.tier()).isEqualTo(Tier.SAFETY);
            assertThat(c.source()).isEqualTo("contingency-readiness");
        });
        assertThat(r.limits()).extracting(l -> ((Limit.NodeCeiling) l).nodeId())
                .containsExactly("n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7");
        assertThat(r.alarms()).singleElement().asString()
                .startsWith("group g: no N-1 plan exists with the critical floors; critical nodes held at");
    }
}
