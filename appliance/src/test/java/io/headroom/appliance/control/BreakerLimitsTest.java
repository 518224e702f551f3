package io.headroom.appliance.control;

import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.MeasurementQuality;
import io.headroom.appliance.site.AgentSettings;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.TripCurve;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Tick by tick: a feed's current in, its ceiling out. */
class BreakerLimitsTest {

    static final long TICK = 100_000_000L;

    static Snapshot at(long tick, double amps) {
        return new Snapshot(tick, tick * TICK, Instant.EPOCH, Map.of("A",
                new FeedMeasurement("A", amps, amps * 700, MeasurementQuality.GOOD, 20)), Map.of());
    }

    static Limit.FeedCeiling ceilingOfA(BreakerLimits b, long tick, double amps) {
        return (Limit.FeedCeiling) b.run(at(tick, amps)).getFirst();
    }

    @Test
    void underTheLimitTheCeilingIsTheContinuousLimitLessMargin() {
        BreakerLimits b = new BreakerLimits(TestHalls.hall(2, 150, 1, 0, 0));
        Limit.FeedCeiling c = ceilingOfA(b, 1, 100);
        assertThat(c.amps()).isEqualTo(150 * 0.97);
        assertThat(c.tier()).isEqualTo(Tier.SAFETY);
        assertThat(c.reason()).isEqualTo("breaker A: 150 A continuous less 3 % margin");
    }

    @Test
    void aShortExcursionIsAllowedForFiveSecondsThenNotAgainUntilAMinuteUnderTheLimit() {
        BreakerLimits b = new BreakerLimits(TestHalls.hall(2, 150, 1, 0, 0));
        long t = 1;
        assertThat(ceilingOfA(b, t++, 155).amps()).isEqualTo(157.5);
        for (; t <= 50; t++) {
            assertThat(ceilingOfA(b, t, 155).amps()).as("tick %d", t).isEqualTo(157.5);
        }
        assertThat(ceilingOfA(b, t++, 155).amps()).as("after 5 s").isEqualTo(145.5);
        // Back under the limit, over again after 30 s: no new excursion yet.
        for (int k = 0; k < 300; k++) {
            ceilingOfA(b, t++, 140);
        }
        assertThat(ceilingOfA(b, t++, 155).amps()).isEqualTo(145.5);
        // A full minute under the limit: the next excursion is allowed.
        for (int k = 0; k < 601; k++) {
            ceilingOfA(b, t++, 140);
        }
        assertThat(ceilingOfA(b, t, 155).amps()).isEqualTo(157.5);
    }

    @Test
    void anExcursionThatTheCurveWouldTripIsNeverAllowed() {
        // A curve that allows 1.05x for only 30 s (less than the 60 s minimum): no excursion.
        TripCurve tight = new TripCurve(List.of(new TripCurve.Point(1.0, Double.POSITIVE_INFINITY),
                new TripCurve.Point(1.05, 30), new TripCurve.Point(2, 1)), 5);
        Site base = TestHalls.hall(2, 150, 1, 0, 0);
        List<Feed> feeds = base.feeds().stream()
                .map(f -> new Feed(f.id(), f.ratingA(), f.derating(), f.voltageV(), f.phases(), f.powerFactor(), tight, f.meterId()))
                .toList();
        Site site = new Site("tight", 60, feeds, base.groups(), base.racks(), base.nodes(), List.of(), List.of(),
                AgentSettings.plain(2000, 0), base.control(), base.openadr());
        BreakerLimits b = new BreakerLimits(site);
        assertThat(ceilingOfA(b, 1, 155).amps()).isEqualTo(145.5);
    }

    @Test
    void exposureAccumulatesOverTheCurveAndCoolsUnderIt() {
        BreakerLimits b = new BreakerLimits(TestHalls.hall(2, 150, 1, 0, 0));
        ceilingOfA(b, 0, 100);
        for (long t = 1; t <= 100; t++) { // 10 s at 2x: the curve allows 120 s
            b.run(at(t, 300));
        }
        assertThat(b.exposure("A")).isBetween(10.0 / 120 - 0.01, 10.0 / 120 + 0.01);
        for (long t = 101; t <= 3100; t++) { // 300 s under: one cooling time constant
            b.run(at(t, 100));
        }
        assertThat(b.exposure("A")).isBetween(10.0 / 120 / Math.E - 0.005, 10.0 / 120 / Math.E + 0.005);
        // Exposure over its budget: no excursion even after recovering a minute.
        for (long t = 3101; t <= 3400; t++) {
            b.run(at(t, 300));
        }
        assertThat(b.exposure("A")).isGreaterThan(BreakerLimits.EXPOSURE_BUDGET);
        long t = 3401;
        for (; t <= 4100; t++) {
            b.run(at(t, 100));
        }
        assertThat(ceilingOfA(b, t, 155).amps()).isEqualTo(145.5);
    }

    @Test
    void withoutRedundancyNoExcursionBeginsAndOneUnderWayEnds() {
        BreakerLimits b = new BreakerLimits(TestHalls.hall(2, 150, 1, 0, 0));
        // A feed of the group lost: over the limit, the ceiling stays the continuous one, every tick.
        for (long t = 1; t <= 20; t++) {
            Limit.FeedCeiling c = (Limit.FeedCeiling) b.run(at(t, 155), true).getFirst();
            assertThat(c.amps()).as("tick %d", t).isEqualTo(145.5);
            assertThat(c.reason()).endsWith("(no excursion: the group has no redundancy left)");
        }
        // Redundancy back, the feed still over: the excursion it did not take is still there to take.
        assertThat(ceilingOfA(b, 21, 155).amps()).isEqualTo(157.5);
        // One under way when the group loses a feed ends at once, and the exposure (1.13 × rating: on the curve)
        // still accumulates.
        double before = b.exposure("A");
        assertThat(((Limit.FeedCeiling) b.run(at(22, 170), true).getFirst()).amps()).isEqualTo(145.5);
        assertThat(b.exposure("A")).isGreaterThan(before);
    }
}
