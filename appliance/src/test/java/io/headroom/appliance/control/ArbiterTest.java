package io.headroom.appliance.control;

import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.MeasurementQuality;
import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ArbiterTest {

    final Site site = TestHalls.hall(4, 150, 1, 1, 1);
    final Snapshot s = new Snapshot(1, 0, Instant.EPOCH, Map.of(
            "A", new FeedMeasurement("A", 100, 70_000, MeasurementQuality.GOOD, 10),
            "B", new FeedMeasurement("B", 120, 84_000, MeasurementQuality.GOOD, 10),
            "C", new FeedMeasurement("C", 100, 70_000, MeasurementQuality.GOOD, 10),
            "D", new FeedMeasurement("D", 0.1, 0, MeasurementQuality.GOOD, 10)), Map.of());
    final Limit breakerB = new Limit.FeedCeiling("B", 140, Tier.SAFETY, "breaker", "breaker B");
    final Limit breakerA = new Limit.FeedCeiling("A", 140, Tier.SAFETY, "breaker", "breaker A");
    final Limit lostD = new Limit.FeedCeiling("D", 140, Tier.SAFETY, "breaker", "breaker D");

    @Test
    void theMostLoadedFeedBindsAndALostFeedDoesNot() {
        Arbiter.Verdict v = Arbiter.decide(site, site.groups().getFirst(), s, List.of(breakerA, breakerB, lostD),
                224_000, 224_000, 50_000, false);
        assertThat(v.binding()).isEqualTo(breakerB);
        assertThat(v.allowedW()).isCloseTo(224_000 * 140 / 120.0, within(1e-6));
        assertThat(v.considered()).extracting(Arbiter.Considered::limit).containsExactly(breakerA, breakerB);
        assertThat(v.floorsHeld()).isTrue();
    }

    @Test
    void gridLimitsBindWhenTighterButNeverBelowTheFloorsAndSafetyAlwaysWins() {
        Limit dr = new Limit.SiteCeiling(200_000, Tier.GRID, "dr", "DR event");
        Arbiter.Verdict v = Arbiter.decide(site, site.groups().getFirst(), s, List.of(breakerB, dr),
                224_000, 224_000, 50_000, false);
        assertThat(v.binding()).isEqualTo(dr);
        assertThat(v.allowedW()).isCloseTo(200_000, within(1e-6));

        Arbiter.Verdict floors = Arbiter.decide(site, site.groups().getFirst(), s, List.of(breakerB, dr),
                224_000, 224_000, 210_000, false);
        assertThat(floors.allowedW()).isEqualTo(210_000);
        assertThat(floors.explanation()).contains("critical floors come before grid commitments");

        Limit tightBreaker = new Limit.FeedCeiling("B", 60, Tier.SAFETY, "breaker", "breaker B tight");
        Arbiter.Verdict safety = Arbiter.decide(site, site.groups().getFirst(), s, List.of(tightBreaker, dr),
                224_000, 224_000, 210_000, false);
        assertThat(safety.binding()).isEqualTo(tightBreaker);
        assertThat(safety.allowedW()).isCloseTo(112_000, within(1e-6));
        assertThat(safety.floorsHeld()).isFalse();
    }

    @Test
    void aSiteCeilingIsSharedInProportionToEachGroupsDraw() {
        Limit c = new Limit.SiteCeiling(300_000, Tier.GRID, "contract", "contract");
        Arbiter.Verdict v = Arbiter.decide(site, site.groups().getFirst(), s, List.of(c), 100_000, 400_000, 0, false);
        assertThat(v.allowedW()).isCloseTo(75_000, within(1e-6));
    }

    @Test
    void degradedMeasurementTightensEveryLimit() {
        Arbiter.Verdict v = Arbiter.decide(site, site.groups().getFirst(), s, List.of(breakerB), 224_000, 224_000, 0, true);
        assertThat(v.allowedW()).isCloseTo(224_000 * 140 / 120.0 * 0.9, within(1e-6));
    }

    @Test
    void aNodeCeilingIsNotTheGroupsToWeigh() {
        Limit node = new Limit.NodeCeiling("n0", 300, Tier.SAFETY, "operator", "n0 at most 300 W");
        Arbiter.Verdict v = Arbiter.decide(site, site.groups().getFirst(), s, List.of(node, breakerB),
                224_000, 224_000, 50_000, false);
        assertThat(v.binding()).isEqualTo(breakerB);
        assertThat(v.considered()).extracting(Arbiter.Considered::limit).containsExactly(breakerB);
    }
}
