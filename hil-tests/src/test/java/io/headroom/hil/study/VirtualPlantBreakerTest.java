package io.headroom.hil.study;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.TripCurve;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The virtual breaker along its trip curve: a trip is a trip, an allowed excursion is not. */
class VirtualPlantBreakerTest {

    static final Feed FEED = new Feed("A", 150, 1.0, 415, 3, 0.98, TripCurve.thermalMagneticDefault(), "m");

    /** Carries {@code ratio} × rating in 10 ms steps for up to {@code seconds}; returns the breaker. */
    static VirtualBreaker carry(double ratio, double seconds) {
        VirtualBreaker b = new VirtualBreaker(FEED);
        long steps = Math.round(seconds / 0.01);
        for (long i = 0; i < steps && !b.tripped(); i++) {
            b.step(ratio * FEED.ratingA(), 0.01);
        }
        return b;
    }

    @Test
    void aConstantOverloadTripsAtTheCurvesTimeForIt() {
        // 1.35 × rating: the curve allows 600 s.
        VirtualBreaker b = carry(1.35, 700);
        assertThat(b.tripped()).isTrue();
        assertThat(b.trippedAtS()).isCloseTo(600, within(0.02));
        assertThat(b.why()).contains("breaker A tripped").contains("thermal");
        // 3 × rating: 40 s.
        assertThat(carry(3.0, 60).trippedAtS()).isCloseTo(40, within(0.02));
        // Just short of the curve's time it holds.
        VirtualBreaker almost = carry(1.35, 599.5);
        assertThat(almost.tripped()).isFalse();
        assertThat(almost.exposure()).isCloseTo(599.5 / 600, within(1e-3));
    }

    @Test
    void anAllowedExcursionDoesNotTripAndCoolsAfterwards() {
        VirtualBreaker b = new VirtualBreaker(FEED);
        for (int i = 0; i < 3000; i++) { // 30 s at 1.3 × rating: the curve allows about 10 min
            b.step(1.3 * FEED.ratingA(), 0.01);
        }
        double allowed = FEED.tripCurve().allowedSeconds(1.3);
        assertThat(b.tripped()).isFalse();
        assertThat(b.exposure()).isCloseTo(30 / allowed, within(1e-3));
        for (int i = 0; i < 30_000; i++) { // 300 s at the rating: cools by e
            b.step(FEED.ratingA(), 0.01);
        }
        assertThat(b.tripped()).isFalse();
        assertThat(b.exposure()).isCloseTo(30 / allowed / Math.E, within(1e-3));
        assertThat(b.worstExposure()).isCloseTo(30 / allowed, within(1e-3));
        // The rating's hold ratio (1.05) carries forever.
        assertThat(carry(1.05, 10_000).tripped()).isFalse();
    }

    @Test
    void theInstantaneousElementTripsInTheFirstStep() {
        VirtualBreaker b = new VirtualBreaker(FEED);
        b.step(10.0 * FEED.ratingA(), 0.001);
        assertThat(b.tripped()).isTrue();
        assertThat(b.trippedAtS()).isEqualTo(0.001);
        assertThat(b.why()).contains("instantaneous");
        VirtualBreaker below = new VirtualBreaker(FEED);
        below.step(9.9 * FEED.ratingA(), 0.001);
        assertThat(below.tripped()).isFalse();
    }

    @Test
    void anOutagesRemainderIsExtrapolatedAlongTheCurve() {
        VirtualBreaker b = carry(1.2, 10);
        double allowed = FEED.tripCurve().allowedSeconds(1.2);
        assertThat(b.projectedExposure(1.2, 3590)).isCloseTo(3600 / allowed, within(1e-3)).isGreaterThan(1);
        assertThat(b.projectedExposure(1.0, 3590)).isEqualTo(b.exposure());
    }
}
