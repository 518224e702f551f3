package io.headroom.appliance.control;

import io.headroom.appliance.measure.MeasurementQuality;

import io.headroom.appliance.measure.BankMeasurement;

import io.headroom.appliance.measure.NodeTelemetry;

import io.headroom.appliance.measure.FeedMeasurement;

import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Tick by tick: the group's meters (and what its agents report) in, which are trusted and what they add up to out. */
class MeterTrustTest {

    /** Two 150 A feeds, six flexible nodes: 8 GPUs at 500 W and a 1.5 kW base each, 33 kW, 16.5 kW a feed. */
    final Site site = TestHalls.hall(2, 150, 0, 0, 6);
    final MeterTrust trust = new MeterTrust(site.feeds(), site.nodes());
    final Map<String, NodeTelemetry> agents = Ticks.agents(site, 500, 700);
    final double feedA = 16_500 / site.feeds().getFirst().powerAtCurrentW(1);

    @Test
    void goodMetersAreTrustedAndAddUp() {
        MeterTrust.Reading r = trust.run(Ticks.tick(1, Ticks.meters(site, feedA, feedA), agents));
        assertThat(r.usable()).isEqualTo(2);
        assertThat(r.trusted()).containsExactly(true, true);
        assertThat(r.degraded()).isFalse();
        assertThat(r.alarms()).isEmpty();
        assertThat(r.groupW(0)).isCloseTo(33_000, within(1e-6));
    }

    @Test
    void aStaleOrMissingMeterIsAnAlarmAndTheGroupIsExtrapolatedFromTheOthers() {
        Map<String, FeedMeasurement> m = Ticks.meters(site, feedA, feedA);
        m.put("B", new FeedMeasurement("B", feedA, 16_500, MeasurementQuality.STALE, 3_000));
        MeterTrust.Reading stale = trust.run(Ticks.tick(1, m, agents));
        assertThat(stale.trusted()).containsExactly(true, false);
        assertThat(stale.degraded()).isTrue();
        assertThat(stale.alarms()).containsExactly("feed B: meter stale (3000 ms old); group held conservatively");
        assertThat(stale.groupW(0)).as("A's 16.5 kW for both").isCloseTo(33_000, within(1e-6));

        MeterTrust.Reading missing = trust.run(Ticks.tick(2, Map.of("A", Ticks.meter(site, "A", feedA)), agents));
        assertThat(missing.alarms()).containsExactly("feed B: meter missing; group held conservatively");

        MeterTrust.Reading none = trust.run(Ticks.tick(3, Map.of(), agents));
        assertThat(none.usable()).isZero();
        assertThat(none.groupW(0)).isNaN();
    }

    @Test
    void aLostFeedCarriesNothingAndTakesNoShareOfTheExtrapolation() {
        MeterTrust.Reading r = trust.run(Ticks.tick(1, Ticks.meters(site, 2 * feedA, 0), agents));
        assertThat(r.groupW(1)).as("B lost: the group is what A carries").isCloseTo(33_000, within(1e-6));
        assertThat(r.groupW(0)).as("B taken as live and trusted: the same sum").isCloseTo(33_000, within(1e-6));
    }

    @Test
    void aBanksDischargeIsAddedBackForTheLoadSide() {
        Snapshot s = new Snapshot(1, Ticks.TICK_NANOS, Instant.EPOCH, Ticks.meters(site, feedA, feedA), agents,
                Map.of("bank-1", new BankMeasurement("bank-1", "A", 4_000, 0.5, true)), List.of());
        MeterTrust.Reading r = trust.run(s);
        assertThat(r.bankW()).isEqualTo(4_000);
        assertThat(r.groupW(0)).isCloseTo(37_000, within(1e-6));
    }

    @Test
    void aMeterReadingHalfItsShareForTwoSecondsIsNoLongerTrusted() {
        Map<String, FeedMeasurement> half = Ticks.meters(site, feedA, feedA / 2);
        for (long t = 1; t <= 20; t++) {
            MeterTrust.Reading r = trust.run(Ticks.tick(t, half, agents));
            assertThat(r.trusted()).as("tick %d: short for %d ms", t, (t - 1) * 100).containsExactly(true, true);
        }
        MeterTrust.Reading r = trust.run(Ticks.tick(21, half, agents));
        assertThat(r.trusted()).as("tick 21: short for 2 s").containsExactly(true, false);
        assertThat(r.alarms()).singleElement().asString().startsWith("feed B: meter under-reports: it reads 50 %");
        assertThat(r.groupW(0)).as("A's share for both").isCloseTo(33_000, within(1e-6));
    }
}
