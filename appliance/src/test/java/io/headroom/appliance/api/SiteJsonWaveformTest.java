package io.headroom.appliance.api;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.dsp.BandPowerReading;
import io.headroom.appliance.dsp.FeedWaveformMeasurement;
import io.headroom.appliance.dsp.WaveformState;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** GET /api/v1/site's waveform parts: each feed's stream and the top-level band power. */
class SiteJsonWaveformTest {

    private static Site site() throws Exception {
        try (InputStream in = SiteJsonWaveformTest.class.getResourceAsStream("/sites/minimal-2feed.yaml")) {
            return SiteLoader.parse("t.yaml", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static SiteState state(WaveformState w, List<String> alarms) {
        return new SiteState(7, Instant.parse("2025-01-01T00:00:00Z"), 100, Map.of(), Map.of(), Map.of(), List.of(),
                alarms, Map.of(), Map.of(), Map.of(), w);
    }

    @Test
    void bandPowerAndStreamsAppearWithUnitsInTheirNames() throws Exception {
        BandPowerReading bands = new BandPowerReading(List.of("A", "B"), 1_234_567.89, 250_000.0 * 250_000,
                1_000.0 * 1_000, 2_500_000, 2_400, 120, 10, 1, 0, 0);
        FeedWaveformMeasurement m = new FeedWaveformMeasurement("A", 0, 100, 59.998, new double[]{230.04, 229.96, 230},
                new double[]{80, 80, 80}, new double[]{1, 1, 1}, new double[]{0, 0, 0}, new double[]{1, 1, 1},
                new double[]{0.9, 0.9, 0.9}, 55_200.04, 25_700, 60_900, 0.9063, -12.3, false);
        WaveformState w = new WaveformState(Map.of(
                "A", new WaveformState.FeedStream("A", WaveformState.Status.GOOD, 3L, 1000, m, 480_000, 96,
                        new WaveformState.Refused(5, 20, 1, 3, 2, 4)),
                "B", new WaveformState.FeedStream("B", WaveformState.Status.SILENT, 900L, 50, null)), bands, 4L);
        JsonObject o = SiteJson.site(site(), state(w, List.of("feed B: waveform stream silent for more than 200 ms")));

        JsonObject b = o.getJsonObject("bands");
        assertThat(b).isNotNull();
        assertThat(b.getJsonArray("feeds").getList()).containsExactly("A", "B");
        assertThat(b.getDouble("lowBandRmsW")).isCloseTo(250_000, within(0.1));
        assertThat(b.getDouble("highBandRmsW")).isCloseTo(1_000, within(0.1));
        assertThat(b.getDouble("lowBandEnergyW2s")).isCloseTo(250_000.0 * 250_000 * 10, within(1.0));
        assertThat(b.getDouble("highBandEnergyW2s")).isCloseTo(1e6 * 10, within(1e-3));
        assertThat(b.getDouble("peakRampMWPerS")).isEqualTo(2.5);
        assertThat(b.getDouble("sitePowerW")).isEqualTo(1_234_567.9);
        assertThat(b.getDouble("windowS")).isEqualTo(10);
        assertThat(b.getDouble("rampSpanS")).isEqualTo(1);
        assertThat(b.getJsonArray("lowBandHz").getList()).containsExactly(0.1, 2.0);
        assertThat(b.getJsonArray("highBandHz").getList()).containsExactly(3.0, 30.0);
        assertThat(b.getBoolean("settled")).isTrue(); // 2,400 values ≥ 10 s × 120 S/s
        assertThat(b.getLong("ageMs")).isEqualTo(4);

        JsonObject a = o.getJsonArray("feeds").getJsonObject(0).getJsonObject("waveform");
        assertThat(a.getString("stream")).isEqualTo("GOOD");
        assertThat(a.getDouble("p3W")).isEqualTo(55_200.0);
        assertThat(a.getDouble("frequencyHz")).isEqualTo(59.998);
        assertThat(a.getJsonArray("urmsV").getList()).containsExactly(230.0, 230.0, 230.0);
        assertThat(a.getBoolean("lost")).isFalse();
        assertThat(a.getLong("samples")).isEqualTo(480_000);
        assertThat(a.getLong("samplesLost")).isEqualTo(96);
        JsonObject refused = a.getJsonObject("framesRefused");
        assertThat(refused.getLong("unknownSender")).isEqualTo(5);
        assertThat(refused.getLong("suspectSequence")).isEqualTo(20);
        assertThat(refused.getLong("resyncs")).isEqualTo(1);
        assertThat(refused.getLong("rateMismatch")).isEqualTo(3);
        assertThat(refused.getLong("corrupt")).isEqualTo(2);
        assertThat(refused.getLong("foreign")).isEqualTo(4);
        JsonObject bw = o.getJsonArray("feeds").getJsonObject(1).getJsonObject("waveform");
        assertThat(bw.getString("stream")).isEqualTo("SILENT");
        assertThat(bw.getLong("ageMs")).isEqualTo(900);
        assertThat(bw.getValue("p3W")).isNull();
        assertThat(o.getJsonArray("alarms").getList()).containsExactly("feed B: waveform stream silent for more than 200 ms");
    }

    @Test
    void withoutStreamsBandsAndWaveformAreNull() throws Exception {
        JsonObject o = SiteJson.site(site(), new SiteState(1, Instant.EPOCH, 100, Map.of(), Map.of(), Map.of(),
                List.of(), List.of(), Map.of(), Map.of(), Map.of()));
        assertThat(o.containsKey("bands")).isTrue();
        assertThat(o.getValue("bands")).isNull();
        assertThat(o.getJsonArray("feeds").getJsonObject(0).getValue("waveform")).isNull();
        assertThat(SiteJson.site(site(), null).getValue("bands")).isNull();
    }
}
