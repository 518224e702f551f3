package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteLoaderErrorsTest.base;
import static io.headroom.appliance.site.SiteLoaderErrorsTest.errorsOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.stream.Stream;

import io.headroom.drivers.waveform.sv.SvProfile;
import io.headroom.drivers.waveform.sv.SvSampleSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code waveforms.streams}, appended to {@code sites/minimal-2feed.yaml} (61 lines, 60 Hz, feeds A and B): the
 * section starts at line 62, {@code streams:} at 63, the sv stream's keys at 64..74, the udp stream's at 75..80.
 */
class SiteLoaderStreamsTest {

    static final String SECTION = """
            waveforms:
              streams:
                - feed: A
                  source: sv
                  interface: eth1
                  destination: 01-0C-CD-04-00-01
                  appId: 0x4000
                  svId: MU01LD/LLN0$SV$MSVCB01
                  profile: 9-2LE-80
                  channels: [Va, Vb, Vc, Ia, Ib, Ic]
                  voltsPerCount: 0.1
                  ampsPerCount: 0.01
                  allowSimulation: false
                - feed: B
                  source: udp
                  bind: 0.0.0.0:5000
                  streamId: 2
                  rate: 48 kS/s
                  senders: [10.0.0.5, "10.0.0.6:5000"]
            """;

    private static String with(String section) throws Exception {
        String b = base();
        assertThat(b.lines().count()).as("the base site's length (line numbers below)").isEqualTo(61);
        return b + section;
    }

    @Test
    void anSvAndAUdpStreamAreRead() throws Exception {
        WaveformSettings w = SiteLoader.parse("t.yaml", with(SECTION)).waveforms();
        assertThat(w.streams()).hasSize(2);
        WaveformStream.Sv sv = (WaveformStream.Sv) w.streams().get(0);
        assertThat(sv).isEqualTo(new WaveformStream.Sv("A", "eth1", "01-0C-CD-04-00-01", 0x4000,
                "MU01LD/LLN0$SV$MSVCB01", SvProfile.LE_80, List.of("Va", "Vb", "Vc", "Ia", "Ib", "Ic"), 0.1, 0.01,
                false));
        SvSampleSource.Options o = sv.options(60);
        assertThat(o.sampleRate()).isEqualTo(4800); // 80 per cycle at the site's 60 Hz
        assertThat(o.datasetIndex()).containsExactly(4, 5, 6, 0, 1, 2);
        assertThat(o.scale()).containsExactly(0.1, 0.1, 0.1, 0.01, 0.01, 0.01);
        WaveformStream.Udp udp = (WaveformStream.Udp) w.streams().get(1);
        assertThat(udp.feedId()).isEqualTo("B");
        assertThat(udp.bind()).isEqualTo(new Endpoint("0.0.0.0", 5000));
        assertThat(udp.streamId()).isEqualTo(2);
        assertThat(udp.sampleRateHz()).isEqualTo(48_000);
        assertThat(udp.allowedSenders().allows(InetAddress.getByName("10.0.0.5"), 1234)).isTrue();
        assertThat(udp.allowedSenders().allows(InetAddress.getByName("10.0.0.6"), 5001)).isFalse();
        assertThat(udp.allowedSenders().allows(InetAddress.getByName("10.0.0.7"), 5000)).isFalse();
    }

    @Test
    void theDefaultsOfAnSvStream() throws Exception {
        WaveformSettings w = SiteLoader.parse("t.yaml", with("""
                waveforms:
                  streams:
                    - {feed: B, source: sv, interface: enp3s0, destination: "01:0c:cd:04:00:02", appId: 16385,
                       svId: MU2, profile: 61869-9-14400}
                """)).waveforms();
        WaveformStream.Sv sv = (WaveformStream.Sv) w.streams().getFirst();
        assertThat(sv.channels()).containsExactly("Va", "Vb", "Vc", "Ia", "Ib", "Ic");
        assertThat(sv.appId()).isEqualTo(0x4001);
        assertThat(sv.voltsPerCount()).isEqualTo(0.01);
        assertThat(sv.ampsPerCount()).isEqualTo(0.001);
        assertThat(sv.allowSimulation()).isFalse();
        assertThat(sv.options(60).sampleRate()).isEqualTo(14_400);
        assertThat(SiteLoader.parse("t.yaml", base()).waveforms().streams()).isEmpty();
    }

    private static Arguments c(String old, String replacement, String... expected) {
        return Arguments.of(replacement.strip(), old, replacement, List.of(expected));
    }

    static Stream<Arguments> broken() {
        return Stream.of(
                c("    - feed: B", "    - feed: C",
                        "75:13: waveforms.streams[1].feed: unknown feed 'C'; known: A, B"),
                c("    - feed: B", "    - feed: A",
                        "75:13: waveforms.streams[1].feed: feed A already has a stream (line 64): one source per feed"),
                c("      source: sv", "      source: spidev",
                        "65:15: waveforms.streams[0].source: expected sv, udp, spi or comtrade, got \"spidev\""),
                c("      interface: eth1", "      interface: eth1 with spaces",
                        "66:18: waveforms.streams[0].interface: expected a network interface name (1 to 15 letters, digits, '.', '-', '_'), got \"eth1 with spaces\""),
                c("      destination: 01-0C-CD-04-00-01", "      destination: 00-0C-CD-04-00-01",
                        "67:20: waveforms.streams[0].destination: must be a multicast address (Sampled Values go to 01-0C-CD-04-00-00 .. 01-0C-CD-04-01-FF), got \"00-0C-CD-04-00-01\""),
                c("      destination: 01-0C-CD-04-00-01", "      destination: 01-0C-CD-04-00",
                        "67:20: waveforms.streams[0].destination: expected a MAC address such as 01-0C-CD-04-00-01, got \"01-0C-CD-04-00\""),
                c("      appId: 0x4000", "      appId: 0x14000",
                        "68:14: waveforms.streams[0].appId: expected an APPID 0..65535 (e.g. 0x4000), got \"0x14000\""),
                c("      profile: 9-2LE-80", "      profile: 9-2LE-96",
                        "70:16: waveforms.streams[0].profile: expected 9-2LE-80, 9-2LE-256, 61869-9-4800 or 61869-9-14400, got \"9-2LE-96\""),
                c("      channels: [Va, Vb, Vc, Ia, Ib, Ic]", "      channels: [Va, Vb, Ic, Ia, Ib, Ia]",
                        "71:26: waveforms.streams[0].channels[2]: V L3 must be one of the dataset's Va, Vb, Vc, Vn, got \"Ic\"",
                        "71:38: waveforms.streams[0].channels[5]: dataset channel Ia is mapped twice"),
                c("      channels: [Va, Vb, Vc, Ia, Ib, Ic]", "      channels: [Va, Vb, Vc]",
                        "71:17: waveforms.streams[0].channels: expected 6 dataset channels (V L1, V L2, V L3, I L1, I L2, I L3), e.g. [Va, Vb, Vc, Ia, Ib, Ic], got 3"),
                c("      voltsPerCount: 0.1", "      voltsPerCount: 0",
                        "72:22: waveforms.streams[0].voltsPerCount: must be greater than 0, got 0"),
                c("      allowSimulation: false", "      allowSimulation: maybe",
                        "74:24: waveforms.streams[0].allowSimulation: expected true or false, got \"maybe\""),
                c("      allowSimulation: false", "      senders: [10.0.0.1]",
                        "74:7: waveforms.streams[0].senders: unknown key 'senders' for a sv stream; expected one of feed, source, interface, destination, appId, svId, profile, channels, voltsPerCount, ampsPerCount, allowSimulation"),
                c("      svId: MU01LD/LLN0$SV$MSVCB01", "      svid: MU01LD/LLN0$SV$MSVCB01",
                        "64:7: waveforms.streams[0].svId: missing required key",
                        "69:7: waveforms.streams[0].svid: unknown key 'svid' for a sv stream; did you mean 'svId'?"),
                c("      rate: 48 kS/s", "      rate: 2 MS/s",
                        "79:13: waveforms.streams[1].rate: must be 4.8 kS/s to 1 MS/s, got \"2 MS/s\""),
                c("      senders: [10.0.0.5, \"10.0.0.6:5000\"]", "      senders: [frontend.local]",
                        "80:17: waveforms.streams[1].senders[0]: sender 'frontend.local': an IP address is needed (HOST or HOST:PORT), not a name"),
                c("      senders: [10.0.0.5, \"10.0.0.6:5000\"]", "      senders: []",
                        "80:16: waveforms.streams[1].senders: name at least one front-end address: frames from anyone else are dropped"),
                c("      streamId: 2", "      streamId: -2",
                        "78:17: waveforms.streams[1].streamId: must be a whole number 0..4294967295, got -2"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("broken")
    void aBrokenStreamReportsExactly(String name, String old, String replacement, List<String> expected)
            throws Exception {
        String text = with(SiteLoaderErrorsTest.replaceOnce(SECTION, old, replacement));
        assertThat(errorsOf(text)).containsExactlyElementsOf(expected);
    }
}
