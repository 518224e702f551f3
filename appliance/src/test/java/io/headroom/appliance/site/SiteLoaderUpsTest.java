package io.headroom.appliance.site;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * A feed's {@code ups:} (the UPS module on its path): read into {@link UpsModule}, and every mistake reported as
 * {@code line:column: field: reason} (on {@code sites/minimal-2feed.yaml}, whose feed A's meter is line 14).
 */
class SiteLoaderUpsTest {

    static final String METER_A = "    meter: mA\n  - id: B";

    static String withUpsOnA(String ups) throws Exception {
        return SiteLoaderErrorsTest.replaceOnce(SiteLoaderErrorsTest.base(), METER_A,
                "    meter: mA\n    ups: " + ups + "\n  - id: B");
    }

    @Test
    void aFeedsUpsIsReadWithItsCurveAndResponseTime() throws Exception {
        Site site = SiteLoader.parse("t.yaml", withUpsOnA("{id: ups-A, rating: 100 kW, overload: {points: "
                + "[[1.25, 10 min], [1.5, 60 s], [2.0, 200 ms]], instantaneous: 2.5}, responseTime: 50 ms}"));
        UpsModule u = site.feeds().getFirst().ups();
        assertThat(u.id()).isEqualTo("ups-A");
        assertThat(u.ratingW()).isCloseTo(100_000, within(1e-6));
        assertThat(u.responseS()).isCloseTo(0.05, within(1e-12));
        assertThat(u.overload()).isEqualTo(new TripCurve(List.of(new TripCurve.Point(1.25, 600),
                new TripCurve.Point(1.5, 60), new TripCurve.Point(2.0, 0.2)), 2.5));
        assertThat(site.feeds().get(1).ups()).as("feed B names none").isNull();
        assertThat(site.feeds().getFirst().carryW()).as("the UPS is below the breaker's 104 kW")
                .isCloseTo(100_000, within(1e-6));
    }

    @Test
    void theResponseTimeDefaultsTo100Ms() throws Exception {
        Site site = SiteLoader.parse("t.yaml", withUpsOnA("{id: u, rating: 100 kW, overload: {points: [[1.5, 60 s]], "
                + "instantaneous: 2}}"));
        assertThat(site.feeds().getFirst().ups().responseS()).isEqualTo(UpsModule.DEFAULT_RESPONSE_S);
    }

    @Test
    void mistakesAreReportedWhereTheyAre() throws Exception {
        assertThat(SiteLoaderErrorsTest.errorsOf(withUpsOnA("{id: u, rating: 100 A, overload: {points: "
                + "[[1.25, 10 min], [1.5, 60 s]], instantaneous: 1.5}, responseTime: 0 ms, colour: red}")))
                .containsExactly(
                        "15:26: feeds[0].ups.rating: expected a power in W, kW or MW, got \"100 A\"",
                        "15:98: feeds[0].ups.overload.instantaneous: instantaneous ratio 1.5 must be above the last "
                                + "point's ratio 1.5",
                        "15:118: feeds[0].ups.responseTime: must be greater than 0, got \"0 ms\"",
                        "15:124: feeds[0].ups.colour: unknown key 'colour'; expected one of id, rating, overload, "
                                + "responseTime");
        assertThat(SiteLoaderErrorsTest.errorsOf(withUpsOnA("{id: u, rating: 100 kW, overload: thermal-magnetic}")))
                .containsExactly("15:44: feeds[0].ups.overload: a UPS's overload curve is a map {points: [[ratio, "
                        + "time], ...], instantaneous: ratio}, not a name");
        assertThat(SiteLoaderErrorsTest.errorsOf(withUpsOnA("{id: u, rating: 100 kW}")))
                .singleElement().asString().startsWith("15:10: feeds[0].ups.overload: missing required key: the UPS's "
                        + "overload curve");
        assertThat(SiteLoaderErrorsTest.errorsOf(withUpsOnA("{id: u, rating: 100 kW, overload: {points: "
                + "[[1.5, 60 s], [1.25, 10 min]], instantaneous: 2}}")))
                .containsExactly("15:68: feeds[0].ups.overload.points[1][0]: ratios must increase: 1.25 after 1.5",
                        "15:74: feeds[0].ups.overload.points[1][1]: times must not increase: 10 min after 60 s");
        assertThat(SiteLoaderErrorsTest.errorsOf(withUpsOnA("[ups-A]")))
                .singleElement().asString().startsWith("15:10: feeds[0].ups: expected a UPS module");
    }

    @Test
    void twoModulesCannotShareAnId() throws Exception {
        String text = SiteLoaderErrorsTest.replaceOnce(withUpsOnA("{id: u, rating: 100 kW, overload: {points: "
                        + "[[1.5, 60 s]], instantaneous: 2}}"), "    meter: mB",
                "    meter: mB\n    ups: {id: u, rating: 100 kW, overload: {points: [[1.5, 60 s]], instantaneous: 2}}");
        assertThat(SiteLoaderErrorsTest.errorsOf(text))
                .containsExactly("22:15: feeds[1].ups.id: duplicate UPS id 'u' (first at line 15)");
    }

    @Test
    void theDense2nExampleNamesItsModulesAndThePlanCarriesTheirRating() throws Exception {
        Site site = SiteLoader.load(java.nio.file.Path.of("../sites/example-2n-dense.yaml"));
        for (Feed f : site.feeds()) {
            assertThat(f.ups().id()).isEqualTo("ups-" + f.id());
            assertThat(f.ups().ratingW()).isCloseTo(200_000, within(1e-6));
            assertThat(f.ups().responseS()).isCloseTo(0.1, within(1e-12));
            assertThat(f.ups().allowedSeconds(1.5)).isCloseTo(60, within(1e-9));
            assertThat(f.carryW()).as("the module, not the 211 kW breaker").isCloseTo(200_000, within(1e-6));
        }
        assertThat(io.headroom.appliance.control.ContingencyPlanner.survivorsAllowedW(site, List.of("B"), 0.03))
                .isCloseTo(194_000, within(1e-6));
    }
}
