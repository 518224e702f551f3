package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteLoaderErrorsTest.base;
import static io.headroom.appliance.site.SiteLoaderErrorsTest.errorsOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The {@code spi} and {@code comtrade} sources of {@code waveforms.streams}, appended to
 * {@code sites/minimal-2feed.yaml} (61 lines, 60 Hz, feeds A and B): {@code waveforms:} at line 62,
 * {@code streams:} at 63, the first stream's keys from 64.
 */
class SiteLoaderSpiComtradeStreamsTest {

    static Path record() throws Exception {
        return Path.of(SiteLoaderSpiComtradeStreamsTest.class.getResource("/comtrade/backfeed-fault.cfg").toURI());
    }

    private static String with(String section) throws Exception {
        String b = base();
        assertThat(b.lines().count()).as("the base site's length (line numbers below)").isEqualTo(61);
        return b + section;
    }

    @Test
    void anSpiAndAComtradeStreamAreRead() throws Exception {
        String cfg = record().toString();
        WaveformSettings w = SiteLoader.parse("t.yaml", with("""
                waveforms:
                  streams:
                    - feed: A
                      source: spi
                      bus: 1
                      chipSelect: 0
                      baud: 4000000
                      drdyPin: 24
                      rate: 8 kS/s
                      deviceChannels: 8
                      inputs: [2, 3, 4, 5, 6, 7]
                      voltsPerCode: 0.0238
                      ampsPerCode: 0.0006
                    - feed: B
                      source: comtrade
                      file: %s
                      channels: [VA, VB, VC, IA, IB, IC]
                      loop: true
                """.formatted(cfg))).waveforms();
        assertThat(w.streams()).containsExactly(
                new WaveformStream.Spi("A", 1, 0, 4_000_000, 24, 8000, 8, List.of(2, 3, 4, 5, 6, 7), 0.0238, 0.0006),
                new WaveformStream.Comtrade("B", record(), List.of("VA", "VB", "VC", "IA", "IB", "IC"), true));
    }

    @Test
    void theDefaultsOfAnSpiAndAComtradeStream() throws Exception {
        WaveformSettings w = SiteLoader.parse("t.yaml", with("""
                waveforms:
                  streams:
                    - {feed: A, source: spi, drdyPin: 25, rate: 4 kS/s, voltsPerCode: 0.02, ampsPerCode: 0.001}
                    - {feed: B, source: comtrade, file: "%s"}
                """.formatted(record()))).waveforms();
        assertThat(w.streams()).containsExactly(
                new WaveformStream.Spi("A", 0, 0, 8_000_000, 25, 4000, 8, List.of(0, 1, 2, 3, 4, 5), 0.02, 0.001),
                new WaveformStream.Comtrade("B", record(), null, false));
    }

    @Test
    void aBrokenSpiStreamReportsEveryProblemWithItsLineAndColumn() throws Exception {
        assertThat(errorsOf(with("""
                waveforms:
                  streams:
                    - feed: A
                      source: spi
                      bus: 9
                      drdyPin: 60
                      rate: 200 kS/s
                      deviceChannels: 4
                      inputs: [0, 1, 2, 3, 3]
                      voltsPerCode: 0
                      ampsPerCod: 0.001
                """))).containsExactly(
                "64:7: waveforms.streams[0].ampsPerCode: missing required key",
                "66:12: waveforms.streams[0].bus: must be 0 to 6 (/dev/spidevB.x), got 9",
                "67:16: waveforms.streams[0].drdyPin: must be 0 to 53 (a BCM GPIO number), got 60",
                "68:13: waveforms.streams[0].rate: must be 1 kS/s to 64 kS/s (the ADS131M's output data rates), got \"200 kS/s\"",
                "69:23: waveforms.streams[0].deviceChannels: must be 6 or 8 (ADS131M06 or M08: a feed needs six inputs), got 4",
                "70:15: waveforms.streams[0].inputs: expected 6 converter inputs (V L1, V L2, V L3, I L1, I L2, I L3), e.g. [0, 1, 2, 3, 4, 5], got 5",
                "70:28: waveforms.streams[0].inputs[4]: input 3 is read twice",
                "71:21: waveforms.streams[0].voltsPerCode: must be greater than 0, got 0",
                "72:7: waveforms.streams[0].ampsPerCod: unknown key 'ampsPerCod' for a spi stream; did you mean 'ampsPerCode'?");
    }

    @Test
    void aComtradeStreamWhoseRecordCannotServeTheFeedIsRefusedWithItsLineAndColumn() throws Exception {
        assertThat(errorsOf(with("""
                waveforms:
                  streams:
                    - {feed: A, source: comtrade, file: /nonexistent/fault.cfg}
                    - {feed: B, source: comtrade, file: "%s", channels: [VA, VB, VC, IA, IB, IX]}
                """.formatted(record())))).containsExactly(
                "64:41: waveforms.streams[0].file: cannot read the COMTRADE record /nonexistent/fault.cfg: no such file",
                // the column of the channel list follows the record's absolute path, which depends on the checkout
                "65:" + (55 + record().toString().length()) + ": waveforms.streams[1].channels: the record has no analog channel \"IX\"; it has VA (V, ph A), "
                        + "VB (V, ph B), VC (V, ph C), IA (A, ph A), IB (A, ph B), IC (A, ph C)");
        assertThat(errorsOf(with("""
                waveforms:
                  streams:
                    - {feed: A, source: comtrade, file: "%s", channels: [IA, VB, VC, IA, IB, IC]}
                """.formatted(record())))).singleElement().asString()
                .endsWith("waveforms.streams[0].channels: channel \"IA\" is in A, not V or kV");
    }
}
