package io.headroom.appliance.control;

import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** One tick's group decisions in; what the supercap banks must respect out. */
class SupercapArbiterTest {

    final Site site = TestHalls.hall(3, 150, 1, 1, 1);

    static GroupDecision decision(String group, List<Limit> considered, Set<String> feedsOut) {
        return new GroupDecision(group, 0, 0, 0, 0, "", "", null,
                considered.stream().map(l -> new Arbiter.Considered(l, 1_000)).toList(), new double[0], List.of(), 0,
                false, List.of(), feedsOut);
    }

    @Test
    void theFeedCeilingsAndTheTightestSiteCeilingTheGroupsWeighed() {
        Limit.FeedCeiling a = new Limit.FeedCeiling("A", 145, Tier.SAFETY, "breaker", "A");
        Limit.FeedCeiling b = new Limit.FeedCeiling("B", 157, Tier.SAFETY, "breaker", "B");
        Limit contract = new Limit.SiteCeiling(300_000, Tier.GRID, "contract", "contract");
        Limit event = new Limit.SiteCeiling(250_000, Tier.GRID, "grid-commitment", "event");
        Limit group = new Limit.GroupCeiling("g", 10_000, Tier.SAFETY, "maintenance", "g");
        SupercapArbiter.Bounds bounds = SupercapArbiter.bounds(site, List.of(
                decision("g", List.of(a, contract, group, b, event), Set.of())));
        assertThat(bounds.feedCeilings()).containsExactly(a, b);
        assertThat(bounds.siteCeilingW()).isEqualTo(250_000);
        assertThat(bounds.noRedundancyFeeds()).isEmpty();
    }

    @Test
    void withNoSiteCeilingChargingIsBoundByTheFeedsOnly() {
        SupercapArbiter.Bounds bounds = SupercapArbiter.bounds(site, List.of(decision("g", List.of(), Set.of())));
        assertThat(bounds.feedCeilings()).isEmpty();
        assertThat(bounds.siteCeilingW()).isInfinite();
    }

    @Test
    void aGroupThatLostItsRedundancyHasEveryFeedMarkedForNoCharging() {
        SupercapArbiter.Bounds bounds = SupercapArbiter.bounds(site, List.of(decision("g", List.of(), Set.of("B")),
                decision("not-a-group", List.of(), Set.of("X"))));
        assertThat(bounds.noRedundancyFeeds()).containsExactlyInAnyOrder("A", "B", "C");
    }
}
