package io.headroom.hil.perf;

import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code perf regulation-alloc}'s hall ticks as the benchmark counts it (no figure is asserted: a measurement). */
class RegulationAllocTest {

    @Test
    void theHallTicksAndCountsWhatItsTicksAllocate() {
        Site site = RegulationAlloc.site(64);
        assertThat(site.nodes()).hasSize(64);
        assertThat(site.feeds()).hasSize(4);
        RegulationAlloc.Hall hall = new RegulationAlloc.Hall(site, 7);
        for (int k = 0; k < 200; k++) {
            hall.tick();
            assertThat(hall.regulatorBytes).isPositive().isLessThanOrEqualTo(hall.tickBytes);
            assertThat(hall.tickNanos).isPositive();
        }
        assertThat(hall.rearms).as("the demand moves: plans are re-armed now and then").isGreaterThan(1);
    }
}
