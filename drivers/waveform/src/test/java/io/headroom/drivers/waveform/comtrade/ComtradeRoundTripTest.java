package io.headroom.drivers.waveform.comtrade;

import io.headroom.drivers.waveform.ChannelKind;
import io.headroom.drivers.waveform.SampleBlock;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ComtradeRoundTripTest {

    private static ComtradeRecord record(int rev, int n, double rate) {
        double[][] a = new double[4][n];
        boolean[][] d = new boolean[17][n];
        for (int i = 0; i < n; i++) {
            double t = i / rate;
            a[0][i] = 325.27 * Math.sin(2 * Math.PI * 50 * t);
            a[1][i] = 325.27 * Math.sin(2 * Math.PI * 50 * t - 2.0944);
            a[2][i] = 141.4 * Math.sin(2 * Math.PI * 50 * t - 0.5);
            a[3][i] = 0;
            d[0][i] = i > n / 2;
            d[16][i] = i % 3 == 0;
        }
        List<AnalogChannel> ac = List.of(AnalogChannel.of("feed-A/voltage-L1", "A", "feed-A", "V"),
                AnalogChannel.of("feed-A/voltage-L2", "B", "feed-A", "V"),
                AnalogChannel.of("feed-A/current-L1", "A", "feed-A", "A"),
                AnalogChannel.of("spare", "", "", "V"));
        List<DigitalChannel> dc = new java.util.ArrayList<>();
        for (int k = 0; k < 17; k++) {
            dc.add(new DigitalChannel("d" + k, "", "", 0));
        }
        return new ComtradeRecord("hall-1, switchgear", "headroom", rev, 50, rate,
                Instant.parse("2025-03-04T05:06:07.123456Z"), Instant.parse("2025-03-04T05:06:07.133456Z"), ac, dc,
                a, d, null);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"1999, ASCII", "1999, BINARY", "2013, ASCII", "2013, BINARY"})
    void aRecordWrittenIsReadBack(int rev, DataFormat format, @TempDir Path dir) throws IOException {
        ComtradeRecord w = record(rev, 1000, 4800);
        Path cfg = ComtradeWriter.write(dir, "rec", w, format);
        assertThat(dir.resolve("rec.dat")).exists();
        List<String> lines = Files.readAllLines(cfg, StandardCharsets.US_ASCII);
        assertThat(lines.get(0)).isEqualTo("hall-1  switchgear,headroom," + rev);
        assertThat(lines.get(1)).isEqualTo("21,4A,17D");
        assertThat(Files.readString(cfg)).contains("\r\n").contains("05/03/2025".replace("05/03", "04/03"));

        ComtradeRecord r = ComtradeReader.read(cfg);
        assertThat(r.revisionYear()).isEqualTo(rev);
        assertThat(r.sampleCount()).isEqualTo(1000);
        assertThat(r.sampleRateHz()).isEqualTo(4800);
        assertThat(r.lineFrequencyHz()).isEqualTo(50);
        assertThat(r.firstSample()).isEqualTo(w.firstSample());
        assertThat(r.trigger()).isEqualTo(w.trigger());
        assertThat(r.analogChannels()).extracting(AnalogChannel::id).containsExactly("feed-A/voltage-L1",
                "feed-A/voltage-L2", "feed-A/current-L1", "spare");
        assertThat(r.analogChannels().get(2).unit()).isEqualTo("A");
        assertThat(r.analogChannels().get(1).phase()).isEqualTo("B");
        for (int c = 0; c < 4; c++) {
            double lsb = Math.max(1e-9, r.analogChannels().get(c).a());
            for (int i = 0; i < 1000; i++) {
                assertThat(r.analog()[c][i]).isCloseTo(w.analog()[c][i], within(lsb));
            }
        }
        for (int k = 0; k < 17; k++) {
            assertThat(r.digital()[k]).isEqualTo(w.digital()[k]);
        }
        assertThat(r.timestampsMicros()[999]).isEqualTo(Math.round(999 * 1e6 / 4800));
    }

    @Test
    void aRecordReplaysAsASampleSource(@TempDir Path dir) throws IOException {
        ComtradeWriter.write(dir, "r", record(2013, 1000, 4800), DataFormat.BINARY);
        try (ComtradeSampleSource s = ComtradeSampleSource.open(dir.resolve("r.cfg"))) {
            assertThat(s.format().channels().get(0).kind()).isEqualTo(ChannelKind.VOLTAGE);
            assertThat(s.format().channels().get(0).phase()).isEqualTo(1);
            assertThat(s.format().channels().get(2).kind()).isEqualTo(ChannelKind.CURRENT);
            SampleBlock b = new SampleBlock(4, 300);
            int total = 0;
            int n;
            while ((n = s.read(b)) > 0) {
                assertThat(b.firstSampleNanos()).isEqualTo(
                        Instant.parse("2025-03-04T05:06:07.123456Z").getEpochSecond() * 1_000_000_000L + 123_456_000L
                                + Math.round(total * 1e9 / 4800));
                total += n;
            }
            assertThat(total).isEqualTo(1000);
            assertThat(n).isEqualTo(-1);
        }
    }

    @Test
    void aHandWrittenAsciiFileWithScaleAndOffsetIsRead(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("x.cfg"), """
                station,dev,1999
                2,1A,1D
                1,IA,A,line,kA,0.5,1.0,0,-32767,32767,1000,1,P
                1,BRK,,line,1
                60
                1
                1000,3
                01/02/2020,00:00:00.000000
                01/02/2020,00:00:00.001000
                ascii
                1
                """);
        Files.writeString(dir.resolve("x.dat"), "1,0,10,0\r\n2,1000,-4,1\r\n3,2000,,0\r\n");
        ComtradeRecord r = ComtradeReader.read(dir.resolve("x.cfg"));
        assertThat(r.analog()[0][0]).isEqualTo(6.0);
        assertThat(r.analog()[0][1]).isEqualTo(-1.0);
        assertThat(r.analog()[0][2]).isNaN();
        assertThat(r.digital()[0]).containsExactly(false, true, false);
        assertThat(r.sampleRateHz()).isEqualTo(1000);
        assertThat(r.firstSample()).isEqualTo(Instant.parse("2020-02-01T00:00:00Z"));
    }

    @Test
    void aBrokenCfgNamesItsLine(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("y.cfg"), "s,d,1999\n2,1A,2D\n");
        assertThatThrownBy(() -> ComtradeReader.read(dir.resolve("y.cfg"))).isInstanceOf(IOException.class)
                .hasMessageContaining("y.cfg:2").hasMessageContaining("do not add up");
    }

    @Test
    void aRecordWithTwoSampleRatesIsRefusedAtItsSecondRate(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("m.cfg"), """
                station,dev,1999
                1,1A,0D
                1,IA,A,line,kA,0.5,1.0,0,-32767,32767,1000,1,P
                60
                2
                4800,960
                1200,1200
                01/02/2020,00:00:00.000000
                01/02/2020,00:00:00.100000
                ascii
                1
                """);
        assertThatThrownBy(() -> ComtradeReader.read(dir.resolve("m.cfg"))).isInstanceOf(IOException.class)
                .hasMessageContaining("m.cfg:7").hasMessageContaining("several sample rates");
    }
}
