package io.headroom.appliance.control;

import io.headroom.appliance.measure.MeasurementQuality;

import io.headroom.appliance.measure.FeedMeasurement;

import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Tick by tick: the trusted meters in, the feeds lost out (150 A feeds: dead under 3 A, load from 30 A). */
class LostFeedsTest {

    final Site site = TestHalls.hall(3, 150, 1, 1, 1);
    final MeterTrust meters = new MeterTrust(site.feeds(), site.nodes());
    final LostFeeds lostFeeds = new LostFeeds(site.groups().getFirst(), site.feeds());

    LostFeeds.Output at(long tick, Set<String> inMaintenance, double... amps) {
        Snapshot s = Ticks.tick(tick, Ticks.meters(site, amps), Map.of());
        return lostFeeds.run(s, meters.run(s), inMaintenance);
    }

    @Test
    void aFeedReadingNoLoadWhileTheOthersCarryLoadIsLostUntilItCarriesAgain() {
        assertThat(at(1, Set.of(), 50, 50, 50).lost()).as("tick 1: all carry").isEmpty();

        LostFeeds.Output t2 = at(2, Set.of(), 75, 75, 2.9);
        assertThat(t2.lost()).as("tick 2: C under 3 A while A and B carry 75 A").containsExactly("C");
        assertThat(t2.feedsOut()).containsExactly("C");
        assertThat(t2.alarms()).singleElement().asString()
                .isEqualTo("feed C: lost (no load while group g carries load); the group has no N-1 redundancy left");

        assertThat(at(3, Set.of(), 75, 75, 3.1).lost()).as("tick 3: C back over 2 % of its limit").isEmpty();
    }

    @Test
    void anIdleGroupLosesNothing() {
        assertThat(at(1, Set.of(), 29.9, 1, 1).lost()).as("busiest under 20 %").isEmpty();
        assertThat(at(2, Set.of(), 30, 1, 1).lost()).as("busiest at 20 %").containsExactly("B", "C");
    }

    @Test
    void aFeedInMaintenanceIsOutAlreadyNotLost() {
        LostFeeds.Output o = at(1, Set.of("C"), 75, 75, 0);
        assertThat(o.lost()).isEmpty();
        assertThat(o.alarms()).isEmpty();
        assertThat(o.feedsOut()).containsExactly("C");

        LostFeeds.Output both = at(2, Set.of("C"), 150, 0, 0);
        assertThat(both.lost()).containsExactly("B");
        assertThat(both.feedsOut()).containsExactlyInAnyOrder("B", "C");
    }

    @Test
    void aFeedWithoutATrustedMeterIsNeverInferredLost() {
        Map<String, FeedMeasurement> m = Ticks.meters(site, 75, 75, 0);
        m.put("C", new FeedMeasurement("C", 0, 0, MeasurementQuality.STALE, 3_000));
        Snapshot s = Ticks.tick(1, m, Map.of());
        assertThat(lostFeeds.run(s, meters.run(s), Set.of()).lost()).isEmpty();

        Map<String, FeedMeasurement> one = Map.of("A", Ticks.meter(site, "A", 75), "C", Ticks.meter(site, "C", 0));
        Snapshot s2 = Ticks.tick(2, one, Map.of());
        assertThat(lostFeeds.run(s2, meters.run(s2), Set.of()).lost()).as("B missing: A and C still compare")
                .containsExactly("C");
    }
}
