package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteLoaderErrorsTest.base;
import static io.headroom.appliance.site.SiteLoaderErrorsTest.errorsOf;
import static io.headroom.appliance.site.SiteLoaderErrorsTest.replaceOnce;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code control.bands}: band and ramp limits at the point of interconnection. The snippets go after
 * {@code raiseStep} (line 58) of {@code sites/minimal-2feed.yaml}, so {@code bands:} is line 59.
 */
class BandLimitsSiteTest {

    private static final String AFTER = "  raiseStep: 25 W\n";

    private static String with(String snippet) throws Exception {
        return replaceOnce(base(), AFTER, AFTER + snippet);
    }

    @Test
    void absentMeansNone() throws Exception {
        Site site = SiteLoader.parse("t.yaml", base());
        assertThat(site.control().bands()).isEqualTo(BandLimits.NONE);
        assertThat(site.control().bands().none()).isTrue();
    }

    @Test
    void readsBandsInKwAndPercentOfContractAndRamps() throws Exception {
        Site site = SiteLoader.parse("t.yaml", with("""
                  contractImportLimit: 2 MW
                  bands:
                    limits:
                      - {from: 0.1 Hz, to: 2 Hz, peakToPeak: 5 %}
                      - {from: 3 Hz, to: 30 Hz, rms: 20 kW}
                    ramp:
                      up: 200 kW/s
                      down: 300 kW/s
                      jobUp: 1 MW/s
                """));
        BandLimits b = site.control().bands();
        assertThat(b.bands()).hasSize(2);
        BandLimits.Band low = b.bands().get(0);
        assertThat(low.lowHz()).isEqualTo(0.1);
        assertThat(low.highHz()).isEqualTo(2);
        assertThat(low.measure()).isEqualTo(BandLimits.Measure.PEAK_TO_PEAK);
        assertThat(low.limitW(2e6)).isEqualTo(100_000, org.assertj.core.api.Assertions.within(1e-6));
        assertThat(low.label()).isEqualTo("0.1–2 Hz");
        BandLimits.Band high = b.bands().get(1);
        assertThat(high.measure()).isEqualTo(BandLimits.Measure.RMS);
        assertThat(high.limitW(2e6)).isEqualTo(20_000);
        assertThat(b.normal()).isEqualTo(new BandLimits.Ramp(200_000, 300_000));
        // jobDown not given: the normal down limit holds for job stops too
        assertThat(b.jobStartStop()).isEqualTo(new BandLimits.Ramp(1_000_000, 300_000));
        assertThat(b.jobRamp()).isEqualTo(b.jobStartStop());
    }

    @Test
    void theBandsExampleIsTheExampleHallWithBandLimits() throws Exception {
        Site bands = SiteLoader.load(SiteLoaderExampleTest.sitesDir().resolve("example-4feed-bands.yaml"));
        Site plain = SiteLoader.load(SiteLoaderExampleTest.sitesDir().resolve("example-4feed.yaml"));
        assertThat(bands.nodes()).isEqualTo(plain.nodes());
        assertThat(bands.supercaps()).isEqualTo(plain.supercaps());
        assertThat(bands.control().bands().bands()).containsExactly(
                new BandLimits.Band(0.1, 2, BandLimits.Measure.PEAK_TO_PEAK, 15_000, Double.NaN));
        assertThat(bands.control().bands().normal()).isEqualTo(new BandLimits.Ramp(50_000, 50_000));
        assertThat(bands.control().bands().jobRamp()).isEqualTo(new BandLimits.Ramp(200_000, 200_000));
        assertThat(plain.control().bands().none()).isTrue();
    }

    @Test
    void jobRampDefaultsToNormal() throws Exception {
        Site site = SiteLoader.parse("t.yaml", with("""
                  bands:
                    ramp: {up: 100 kW/s, down: 100 kW/s}
                """));
        BandLimits b = site.control().bands();
        assertThat(b.bands()).isEmpty();
        assertThat(b.jobStartStop()).isNull();
        assertThat(b.jobRamp()).isEqualTo(new BandLimits.Ramp(100_000, 100_000));
    }

    private static Arguments c(String snippet, String... expected) {
        return Arguments.of(snippet.strip().replace("\n", " | "), snippet, List.of(expected));
    }

    static Stream<Arguments> broken() {
        return Stream.of(
                c("""
                          bands:
                            limts: []
                        """, "60:5: control.bands.limts: unknown key 'limts'; did you mean 'limits'?"),
                c("""
                          bands:
                            limits:
                              - {from: 2 Hz, to: 0.1 Hz, rms: 5 kW}
                        """, "61:26: control.bands.limits[0].to: must be above from (\"2 Hz\"), got \"0.1 Hz\""),
                c("""
                          bands:
                            limits:
                              - {from: 3 Hz, to: 90 Hz, rms: 5 kW}
                        """, "61:26: control.bands.limits[0].to: must be below the site frequency 60 Hz (the "
                        + "half-cycle power series' Nyquist limit), got \"90 Hz\""),
                c("""
                          bands:
                            limits:
                              - {from: 0.1 Hz, to: 2 Hz}
                        """, "61:9: control.bands.limits[0].peakToPeak: missing required key: give peakToPeak or "
                        + "rms (a power, or % of contractImportLimit)"),
                c("""
                          bands:
                            limits:
                              - {from: 0.1 Hz, to: 2 Hz, peakToPeak: 5 kW, rms: 2 kW}
                        """, "61:57: control.bands.limits[0].rms: give peakToPeak or rms, not both"),
                c("""
                          bands:
                            limits:
                              - {from: 0.1 Hz, to: 2 Hz, peakToPeak: 5 %}
                        """, "61:46: control.bands.limits[0].peakToPeak: a share of the contract needs "
                        + "control.contractImportLimit; give it, or the limit in kW, got \"5 %\""),
                c("""
                          bands:
                            limits:
                              - {from: 0.1 Hz, to: 2 Hz, peakToPeak: 5}
                        """, "61:46: control.bands.limits[0].peakToPeak: needs a unit: 5 kW or 5 % (of "
                        + "contractImportLimit)"),
                c("""
                          bands:
                            limits:
                              - {from: 0.1 Hz, to: 2 Hz, rms: 0 kW}
                        """, "61:39: control.bands.limits[0].rms: must be greater than 0, got \"0 kW\""),
                c("""
                          bands:
                            limits:
                              - {from: 0 Hz, to: 2 Hz, rms: 3 A}
                        """, "61:16: control.bands.limits[0].from: must be greater than 0, got \"0 Hz\"",
                        "61:37: control.bands.limits[0].rms: expected a power in W, kW or MW, got \"3 A\""),
                c("""
                          bands:
                            ramp: {up: -5 kW/s, down: 10 kW}
                        """, "60:16: control.bands.ramp.up: must be greater than 0, got \"-5 kW/s\"",
                        "60:31: control.bands.ramp.down: expected a ramp rate in W/s, kW/s or MW/s, got \"10 kW\""),
                c("""
                          bands:
                            ramp: {up: 100 kW/s, down: 100 kW/s, jobUp: 50 kW/s}
                        """, "60:49: control.bands.ramp.jobUp: a job start/stop ramp limit tighter than the normal "
                        + "one would hold jobs to less than normal operation; at least the normal limit, got "
                        + "\"50 kW/s\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("broken")
    void rejectsWithFileLineColumnFieldReason(String name, String snippet, List<String> expected) throws Exception {
        assertThat(errorsOf(with(snippet))).containsExactlyElementsOf(expected);
    }
}
