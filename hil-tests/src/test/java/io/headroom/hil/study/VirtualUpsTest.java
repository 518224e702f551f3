package io.headroom.hil.study;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.TripCurve;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The UPS module's overload curve, instantaneous limit and projection, at constant loads. */
class VirtualUpsTest {

    static final Feed FEED = new Feed("A", 100, 0.8, 415, 3, 0.98, TripCurve.thermalMagneticDefault(), "meter-A");

    /** Carries {@code amps} in 1 ms steps for at most {@code seconds}; the seconds carried when it transferred, or NaN. */
    static double carry(VirtualUps u, double amps, double seconds) {
        for (long ms = 1; ms <= Math.round(seconds * 1000); ms++) {
            u.step(amps, 0.001);
            if (u.transferred()) {
                return ms / 1000.0;
            }
        }
        return Double.NaN;
    }

    @Test
    void itIsRatedAtItsFeedsContinuousLimitAndCarriesItForever() {
        VirtualUps u = new VirtualUps(FEED, UpsModel.typical());
        assertThat(u.ratingA()).isEqualTo(80.0);
        assertThat(carry(u, 80, 3600)).isNaN();
        assertThat(u.overloadS()).isZero();
        assertThat(u.worstExposure()).isZero();
    }

    @Test
    void itTransfersAlongItsCurveAndAtOnceAboveItsInstantaneousLimit() {
        assertThat(carry(new VirtualUps(FEED, UpsModel.typical()), 80 * 1.25, 700)).isCloseTo(600, within(0.01));
        assertThat(carry(new VirtualUps(FEED, UpsModel.typical()), 80 * 1.49, 60)).isBetween(30.0, 40.0);
        VirtualUps fast = new VirtualUps(FEED, UpsModel.typical());
        assertThat(carry(fast, 80 * 1.6, 1)).isCloseTo(0.2, within(0.0011));
        assertThat(fast.why()).contains("UPS A transferred to bypass at 1.600");
        assertThat(fast.overloadS()).isCloseTo(0.2, within(0.0011));
        // 100 ms above the limit, then back within the rating: no transfer, and the exposure cools.
        VirtualUps brief = new VirtualUps(FEED, UpsModel.typical());
        assertThat(carry(brief, 80 * 1.6, 0.1)).isNaN();
        assertThat(brief.worstExposure()).isCloseTo(0.5, within(0.01));
        assertThat(carry(brief, 70, 300)).isNaN();
        assertThat(brief.projectedExposure(1.0, 3600)).isLessThan(0.2);
        assertThat(brief.projectedExposure(1.25, 600)).isGreaterThan(1.0);
    }
}
