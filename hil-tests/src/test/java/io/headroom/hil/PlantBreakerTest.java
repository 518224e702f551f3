package io.headroom.hil;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.TripCurve;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The plant's breakers trip along the feed's trip curve, in plant time, and not before. */
class PlantBreakerTest {

    static final Feed FEED = new Feed("A", 150, 1.0, 415, 3, 0.98, TripCurve.thermalMagneticDefault(), "m");

    /** Steps of 10 ms at {@code ratio} × rating until it trips; returns the seconds it took (or -1 after {@code maxS}). */
    static double secondsToTrip(PlantBreaker b, double ratio, double maxS) {
        for (int k = 1; k * 0.01 <= maxS + 1e-9; k++) {
            if (b.step(ratio * FEED.ratingA(), 0.01, k * 0.01)) {
                return k * 0.01;
            }
        }
        return -1;
    }

    @ParameterizedTest
    @ValueSource(doubles = {1.2, 1.5, 2.5, 4.0, 8.0})
    void aSteadyOverloadTripsWhenTheCurvesTimeIsUsedUp(double ratio) {
        double allowed = FEED.tripCurve().allowedSeconds(ratio);
        PlantBreaker b = new PlantBreaker(FEED);
        double t = secondsToTrip(b, ratio, allowed * 1.1);
        assertThat(t).as("%.1f × rating: the curve allows %.1f s", ratio, allowed).isCloseTo(allowed, within(0.011 + allowed * 1e-6));
        assertThat(b.open()).isTrue();
        assertThat(b.trips()).isEqualTo(1);
        assertThat(b.step(0, 0.01, 1e6)).as("an open breaker carries nothing and trips no more").isFalse();
    }

    @Test
    void anExcursionTheCurveAllowsDoesNotTripAndLeavesItsMark() {
        PlantBreaker b = new PlantBreaker(FEED);
        double allowed = FEED.tripCurve().allowedSeconds(1.3);
        assertThat(secondsToTrip(b, 1.3, allowed / 2)).isEqualTo(-1);
        assertThat(b.open()).isFalse();
        assertThat(b.worstExposure()).isCloseTo(0.5, within(0.01));
        for (int k = 0; k < 100; k++) {
            b.step(FEED.ratingA(), 1.0, 1000 + k); // at its rating it carries on for ever, cooling
        }
        assertThat(b.exposure()).isLessThan(0.5);
        assertThat(b.worstExposure()).as("the worst is kept until marked").isCloseTo(0.5, within(0.01));
        b.markWorst();
        assertThat(b.worstExposure()).isEqualTo(b.exposure());
    }

    @Test
    void theInstantaneousElementTripsInOneStepAndAReclosedBreakerStartsCold() {
        PlantBreaker b = new PlantBreaker(FEED);
        assertThat(b.step(10.5 * FEED.ratingA(), 0.001, 0.001)).isTrue();
        assertThat(b.lastTripS()).isEqualTo(0.001);
        b.close();
        assertThat(b.open()).isFalse();
        assertThat(b.exposure()).isZero();
        assertThat(b.trips()).isEqualTo(1);
    }
}
