package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteLoaderErrorsTest.base;
import static io.headroom.appliance.site.SiteLoaderErrorsTest.errorsOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;

import io.headroom.appliance.dsp.DetectionSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code waveforms:} section, appended to {@code sites/minimal-2feed.yaml} (61 lines, 60 Hz): it starts at
 * line 62, {@code detection:} at 64, its keys at 65.., {@code disturbanceRecorder:} at 73, {@code bandPower:} at 78.
 */
class SiteLoaderWaveformsTest {

    static final String SECTION = """
            waveforms:
              streamDeadline: 300 ms
              detection:
                lossThreshold: 40 %
                lossPersistence: 1.5 ms
                restoreThreshold: 80 %
                restorePersistence: 30 ms
                phaseLossThreshold: 45 %
                sagThreshold: 85 %
                sagHysteresis: 3 %
                zeroCrossHysteresis: 12 %
              disturbanceRecorder:
                enabled: true
                preTrigger: 300 ms
                postTrigger: 1 s
                format: ascii
              bandPower:
                window: 20 s
                rampSpan: 500 ms
            """;

    private static String with(String section) throws Exception {
        String b = base();
        assertThat(b.lines().count()).as("the base site's length (line numbers below)").isEqualTo(61);
        return b + section;
    }

    @Test
    void everyKeyIsRead() throws Exception {
        WaveformSettings w = SiteLoader.parse("t.yaml", with(SECTION)).waveforms();
        assertThat(w.streamDeadlineMs()).isEqualTo(300);
        assertThat(w.detection()).isEqualTo(new DetectionSettings(0.4, 0.0015, 0.8, 0.03, 0.45, 0.85, 0.03, 0.12));
        assertThat(w.recorderEnabled()).isTrue();
        assertThat(w.preTriggerS()).isEqualTo(0.3);
        assertThat(w.postTriggerS()).isEqualTo(1.0);
        assertThat(w.recordFormat()).isEqualTo("ascii");
        assertThat(w.bandWindowS()).isEqualTo(20);
        assertThat(w.rampSpanS()).isEqualTo(0.5);
    }

    @Test
    void withoutTheSectionTheDefaultsApply() throws Exception {
        WaveformSettings w = SiteLoader.parse("t.yaml", base()).waveforms();
        assertThat(w).isEqualTo(WaveformSettings.defaults());
        assertThat(w.detection()).isEqualTo(DetectionSettings.defaults());
        assertThat(w.preTriggerS()).isEqualTo(0.2);
        assertThat(w.postTriggerS()).isEqualTo(0.5);
    }

    @Test
    void aPartialSectionKeepsTheOtherDefaults() throws Exception {
        WaveformSettings w = SiteLoader.parse("t.yaml", with("""
                waveforms:
                  detection: {sagThreshold: 80 %}
                  disturbanceRecorder: {enabled: false}
                """)).waveforms();
        assertThat(w.detection()).isEqualTo(new DetectionSettings(0.5, 0.001, 0.85, 0.02, 0.5, 0.8, 0.02, 0.1));
        assertThat(w.recorderEnabled()).isFalse();
        assertThat(w.preTriggerS()).isEqualTo(0.2);
        assertThat(w.bandWindowS()).isEqualTo(10);
    }

    private static Arguments c(String old, String replacement, String... expected) {
        return Arguments.of(replacement.strip(), old, replacement, List.of(expected));
    }

    static Stream<Arguments> broken() {
        return Stream.of(
                c("    lossThreshold: 40 %", "    lossThreshold: 0.4",
                        "65:20: waveforms.detection.lossThreshold: needs a unit: 0.4 %"),
                c("    lossThreshold: 40 %", "    lossThreshold: 97 %",
                        "65:20: waveforms.detection.lossThreshold: must be in [1 %, 95 %], got \"97 %\""),
                c("    lossPersistence: 1.5 ms", "    lossPersistence: 5 ms",
                        "66:22: waveforms.detection.lossPersistence: must be shorter than a quarter cycle (4.167 ms at 60 Hz) for the loss to be seen in time, got \"5 ms\""),
                c("    lossPersistence: 1.5 ms", "    lossPersistence: 0 ms",
                        "66:22: waveforms.detection.lossPersistence: must be greater than 0, got \"0 ms\""),
                c("    lossPersistence: 1.5 ms", "    lossPersistence: 1.5 V",
                        "66:22: waveforms.detection.lossPersistence: expected a time in ms, s, min or h, got \"1.5 V\""),
                c("    restoreThreshold: 80 %", "    restoreThreshold: 30 %",
                        "67:23: waveforms.detection.restoreThreshold: must be above lossThreshold (40 %), got \"30 %\""),
                c("    restorePersistence: 30 ms", "    restorePersistence: 11 s",
                        "68:25: waveforms.detection.restorePersistence: must be at most 10 s, got \"11 s\""),
                c("    sagThreshold: 85 %", "    sagThreshold: 99 %",
                        "71:20: waveforms.detection.sagHysteresis: sagThreshold + sagHysteresis must stay below 100 % (a dip must be able to end), got 99 % + \"3 %\""),
                c("    sagHysteresis: 3 %", "    sagHysteresis: -1 %",
                        "71:20: waveforms.detection.sagHysteresis: must be in [0 %, 20 %], got \"-1 %\""),
                c("    zeroCrossHysteresis: 12 %", "    zeroCrosHysteresis: 12 %",
                        "72:5: waveforms.detection.zeroCrosHysteresis: unknown key 'zeroCrosHysteresis'; did you mean 'zeroCrossHysteresis'?"),
                c("  streamDeadline: 300 ms", "  streamDeadline: 0 s",
                        "63:19: waveforms.streamDeadline: must be greater than 0, got \"0 s\""),
                c("    preTrigger: 300 ms", "    preTrigger: -1 s",
                        "75:17: waveforms.disturbanceRecorder.preTrigger: must not be negative, got \"-1 s\""),
                c("    postTrigger: 1 s", "    postTrigger: 10 s",
                        "76:18: waveforms.disturbanceRecorder.postTrigger: preTrigger + postTrigger must be more than 0 s and at most 10 s (the recorder keeps two rings of that length per stream), got 10.3 s"),
                c("    preTrigger: 300 ms\n    postTrigger: 1 s", "    preTrigger: 0 s\n    postTrigger: 0 s",
                        "76:18: waveforms.disturbanceRecorder.postTrigger: preTrigger + postTrigger must be more than 0 s and at most 10 s (the recorder keeps two rings of that length per stream), got 0 s"),
                c("    format: ascii", "    format: float32",
                        "77:13: waveforms.disturbanceRecorder.format: expected binary or ascii, got \"float32\""),
                c("    enabled: true", "    enabled: yes please",
                        "74:14: waveforms.disturbanceRecorder.enabled: expected true or false, got \"yes please\""),
                c("    window: 20 s", "    window: 5 s",
                        "79:13: waveforms.bandPower.window: must be 10 s to 5 min (10 s holds one period of the 0.1 Hz band), got \"5 s\""),
                c("    rampSpan: 500 ms", "    rampSpan: 30 s",
                        "80:15: waveforms.bandPower.rampSpan: must be shorter than the window (20 s), got \"30 s\""),
                c("    rampSpan: 500 ms", "    rampSpan: 5 ms",
                        "80:15: waveforms.bandPower.rampSpan: must be at least 10 ms (one half cycle), got \"5 ms\""),
                c("  bandPower:", "  bandpower:",
                        "78:3: waveforms.bandpower: unknown key 'bandpower'; did you mean 'bandPower'?"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("broken")
    void aBrokenSettingReportsExactly(String name, String old, String replacement, List<String> expected)
            throws Exception {
        String text = with(SiteLoaderErrorsTest.replaceOnce(SECTION, old, replacement));
        assertThat(errorsOf(text)).containsExactlyElementsOf(expected);
    }

    @Test
    void severalBadSettingsAreReportedInOnePass() throws Exception {
        String text = with(SECTION.replace("lossThreshold: 40 %", "lossThreshold: 0 %")
                .replace("window: 20 s", "window: 1 h"));
        assertThat(errorsOf(text)).containsExactly(
                "65:20: waveforms.detection.lossThreshold: must be in [1 %, 95 %], got \"0 %\"",
                "79:13: waveforms.bandPower.window: must be 10 s to 5 min (10 s holds one period of the 0.1 Hz band), got \"1 h\"");
    }

    @Test
    void theSinglePhasePolicyIsReadAndChecked() throws Exception {
        WaveformSettings w = SiteLoader.parse("t.yaml", with("""
                waveforms:
                  detection:
                    singlePhase: alarm
                    singlePhaseCycles: 2
                """)).waveforms();
        assertThat(w.detection()).isEqualTo(DetectionSettings.defaults()
                .withSinglePhase(DetectionSettings.SinglePhase.ALARM, 2));
        assertThat(DetectionSettings.defaults().singlePhase()).isEqualTo(DetectionSettings.SinglePhase.CONTINGENCY);
        assertThat(errorsOf(with("""
                waveforms:
                  detection:
                    singlePhase: trip
                    singlePhaseCycles: 1
                """))).containsExactly(
                "64:18: waveforms.detection.singlePhase: expected contingency or alarm, got \"trip\"",
                "65:24: waveforms.detection.singlePhaseCycles: must be 1.4 to 50 cycles (a phase out for one cycle, "
                        + "which the load rides through, stays near zero for up to 1 1/3 cycles), got 1");
    }
}
