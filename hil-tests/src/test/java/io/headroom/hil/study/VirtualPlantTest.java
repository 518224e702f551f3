package io.headroom.hil.study;

import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class VirtualPlantTest {

    static VirtualPlant plant(Site site, double capW, long seed) {
        ScaledSite scaled = new ScaledSite(site);
        int n = site.nodes().size();
        return new VirtualPlant(scaled.withNodes(n), scaled.placedInSiteOrder(n), scaled.rackCount(),
                StudyParams.defaults(), seed, (Node x) -> capW);
    }

    @Test
    void aLostFeedsShareMovesToTheSurvivorsAtOnce() {
        VirtualPlant p = plant(StudyHalls.small(), 700, 1);
        for (int i = 0; i < 2000; i++) {
            p.step();
        }
        double before = p.feedCurrentA(1);
        assertThat(p.feedCurrentA(0)).isCloseTo(before, within(1e-9));
        p.loseFeed(0);
        p.step();
        assertThat(p.live(0)).isFalse();
        assertThat(p.feedCurrentA(0)).isZero();
        assertThat(p.feedCurrentA(1)).isCloseTo(before * 4 / 3, within(before * 0.02)); // one ms of workload drift
    }

    @Test
    void gpusFollowTheirCapWithTheSettlingTimeAndNeverLoseComputeUncapped() {
        Site site = StudyHalls.small();
        VirtualPlant free = plant(site, 700, 2);
        free.account(true);
        for (int i = 0; i < 20_000; i++) {
            free.step();
        }
        for (Priority c : Priority.values()) {
            assertThat(free.deliveredJ(c)).as(c.label()).isCloseTo(free.demandJ(c), within(free.demandJ(c) * 1e-9));
            assertThat(free.demandJ(c)).isPositive();
        }
        VirtualPlant capped = plant(site, 700, 2);
        capped.account(true);
        for (int i = 0; i < 1000; i++) {
            capped.step();
        }
        double w = capped.gpuPowerW(0);
        capped.enforceCap(0, 250);
        for (int i = 0; i < 50; i++) { // one time constant
            capped.step();
        }
        double oneTau = capped.gpuPowerW(0);
        assertThat(oneTau).isCloseTo(2000 + (w - 2000) / Math.E, within((w - 2000) * 0.1));
        for (int i = 0; i < 500; i++) {
            capped.step();
        }
        assertThat(capped.gpuPowerW(0)).isLessThanOrEqualTo(8 * 250 + 1);
        assertThat(capped.enforcedCapW(0)).isEqualTo(250);
        capped.enforceCap(0, 50);
        assertThat(capped.enforcedCapW(0)).as("clamped into the GPUs' range, as the agent does").isEqualTo(200);
        assertThat(capped.deliveredJ(Priority.CRITICAL)).isLessThan(capped.demandJ(Priority.CRITICAL));
    }

    @Test
    void theWorkloadIsDeterministicForASeedAndKeepsEveryNodesDemandWhenTheHallGrows() {
        Site site = StudyHalls.small();
        ScaledSite scaled = new ScaledSite(site);
        VirtualPlant a = new VirtualPlant(scaled.withNodes(8), scaled.placedInSiteOrder(8), 3, StudyParams.defaults(), 5, n -> 700);
        VirtualPlant b = new VirtualPlant(scaled.withNodes(8), scaled.placedInSiteOrder(8), 3, StudyParams.defaults(), 5, n -> 700);
        VirtualPlant bigger = new VirtualPlant(scaled.withNodes(12), scaled.placedInSiteOrder(12), 3, StudyParams.defaults(), 5, n -> 700);
        VirtualPlant other = new VirtualPlant(scaled.withNodes(8), scaled.placedInSiteOrder(8), 3, StudyParams.defaults(), 6, n -> 700);
        double diff = 0;
        double swing = 0;
        for (int t = 0; t < 30_000; t++) {
            a.step();
            b.step();
            bigger.step();
            other.step();
            for (int i = 0; i < 8; i++) {
                assertThat(b.gpuPowerW(i)).isEqualTo(a.gpuPowerW(i));
                int j = bigger.site().nodes().indexOf(a.site().nodes().get(i));
                assertThat(bigger.gpuPowerW(j)).isEqualTo(a.gpuPowerW(i));
                diff += Math.abs(other.gpuPowerW(i) - a.gpuPowerW(i));
            }
            swing = Math.max(swing, a.gpuPowerW(7) / 8);
        }
        assertThat(diff).as("another seed, another workload").isPositive();
        assertThat(swing).as("training spikes reach the GPUs' limit").isGreaterThan(650);
    }
}
