package io.headroom.appliance.control;

import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Tick by tick: feeds an operator puts in maintenance in, the group's ceiling and alarm out. */
class MaintenanceTest {

    final Site site = TestHalls.hall(4, 150, 1, 1, 1);
    final Maintenance maintenance = new Maintenance(site, site.groups().getFirst(), site.feeds());
    final double feedW = site.feeds().getFirst().limitW() * (1 - TestHalls.CONTROL.marginFraction());

    Maintenance.Output at(long tick, Set<String> out) {
        return maintenance.run(Ticks.tick(tick, Ticks.meters(site, 50, 50, 50, 50), Map.of(), Map.of(), out));
    }

    @Test
    void aFeedInMaintenanceHoldsTheGroupToWhatTheOthersCarryUntilItIsBack() {
        assertThat(at(1, Set.of())).as("tick 1: none out").isEqualTo(Maintenance.Output.NONE);

        Maintenance.Output t2 = at(2, Set.of("B"));
        assertThat(t2.feedsOut()).as("tick 2: B out").containsExactly("B");
        assertThat(t2.limits()).singleElement().isInstanceOfSatisfying(Limit.GroupCeiling.class, c -> {
            assertThat(c.groupId()).isEqualTo("g");
            assertThat(c.watts()).isCloseTo(3 * feedW, within(1e-6));
            assertThat(c.tier()).isEqualTo(Tier.SAFETY);
            assertThat(c.source()).isEqualTo("maintenance");
            assertThat(c.reason()).contains("feed B in maintenance").contains("feeds A, C, D carry");
        });
        assertThat(t2.alarms()).singleElement().asString().startsWith("feed B: in maintenance").contains("no N-1");

        assertThat(at(3, Set.of())).as("tick 3: back in service").isEqualTo(Maintenance.Output.NONE);
    }

    @Test
    void anotherGroupsFeedIsNotThisGroupsAndEveryFeedOutLeavesNothing() {
        assertThat(at(1, Set.of("elsewhere"))).isEqualTo(Maintenance.Output.NONE);

        Maintenance.Output all = at(2, Set.of("A", "B", "C", "D", "elsewhere"));
        assertThat(all.feedsOut()).containsExactlyInAnyOrder("A", "B", "C", "D");
        assertThat(((Limit.GroupCeiling) all.limits().getFirst()).watts()).isZero();
        assertThat(all.limits().getFirst().reason()).contains("feeds (none) carry");
    }
}
