package io.headroom.drivers.waveform;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class CsvSampleSourceTest {

    @Test
    void aCsvWithATimeColumnReplaysWithItsRateAndChannels(@TempDir Path dir) throws IOException {
        StringBuilder sb = new StringBuilder("# a comment\nt_s,VA,VB,VC,IA,IB,IC\n");
        for (int i = 0; i < 500; i++) {
            double t = i / 4800.0;
            sb.append(t).append(',').append(i).append(",1,2,3,4,").append(-i * 0.5).append('\n');
        }
        Path f = dir.resolve("w.csv");
        Files.writeString(f, sb);
        try (CsvSampleSource s = CsvSampleSource.open(f, Double.NaN)) {
            assertThat(s.format().sampleRateHz()).isCloseTo(4800, within(1e-6));
            assertThat(s.format().channels()).extracting(ChannelSpec::kind).containsExactly(ChannelKind.VOLTAGE,
                    ChannelKind.VOLTAGE, ChannelKind.VOLTAGE, ChannelKind.CURRENT, ChannelKind.CURRENT,
                    ChannelKind.CURRENT);
            assertThat(s.format().channels()).extracting(ChannelSpec::phase).containsExactly(1, 2, 3, 1, 2, 3);
            SampleBlock b = new SampleBlock(6, 128);
            int total = 0;
            int n;
            while ((n = s.read(b)) > 0) {
                for (int i = 0; i < n; i++) {
                    assertThat(b.channel(0)[i]).isEqualTo(total + i);
                    assertThat(b.channel(5)[i]).isEqualTo(-(total + i) * 0.5);
                }
                total += n;
            }
            assertThat(total).isEqualTo(500);
        }
    }

    @Test
    void withoutATimeColumnTheRateMustBeGivenAndBadLinesAreNamed(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("x.csv");
        Files.writeString(f, "ua,ia\n1,2\n3\n");
        assertThatThrownBy(() -> CsvSampleSource.open(f, Double.NaN)).hasMessageContaining("sample rate");
        try (CsvSampleSource s = CsvSampleSource.open(f, 1000)) {
            assertThatThrownBy(() -> s.read(new SampleBlock(2, 10))).isInstanceOf(IOException.class)
                    .hasMessageContaining("x.csv:3");
        }
    }
}
