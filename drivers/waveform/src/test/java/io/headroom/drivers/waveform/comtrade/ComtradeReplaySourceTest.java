package io.headroom.drivers.waveform.comtrade;

import io.headroom.drivers.waveform.SampleBlock;
import io.headroom.drivers.waveform.StreamFormat;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The real-time COMTRADE replay on an injected clock: pacing, primary units, channels by phase, loop, end. */
class ComtradeReplaySourceTest {

    /** 1 kS/s, 10 samples; channel c holds c·100 + sample; VA..VC in kV on the primary, IA..IC as secondary 1 A of 400 A. */
    private static ComtradeRecord record() {
        String[] ids = {"IB", "VA", "VB", "VC", "IA", "IC", "F"};
        String[] ph = {"B", "A", "B", "C", "A", "C", ""};
        String[] unit = {"A", "kV", "kV", "kV", "A", "A", "Hz"};
        List<AnalogChannel> ch = new java.util.ArrayList<>();
        double[][] v = new double[ids.length][10];
        for (int c = 0; c < ids.length; c++) {
            boolean ct = unit[c].equals("A");
            ch.add(new AnalogChannel(ids[c], ph[c], "", unit[c], 1, 0, 0, ct ? 400 : 1, 1, ct ? 'S' : 'P'));
            for (int i = 0; i < 10; i++) {
                v[c][i] = c * 100 + i;
            }
        }
        return new ComtradeRecord("S", "D", 2013, 50, 1000, Instant.ofEpochSecond(100), Instant.ofEpochSecond(100),
                ch, List.of(), v, new boolean[0][], null);
    }

    @Test
    void samplesComeAsTheyFallDueInPrimaryUnitsAndTheStreamFallsSilentAtTheEnd() {
        ComtradeRecord r = record();
        int[] six = ComtradeReplaySource.feedChannels(r, null);
        assertThat(six).containsExactly(1, 2, 3, 4, 0, 5);
        AtomicLong now = new AtomicLong(5_000_000_000L);
        ComtradeReplaySource s = new ComtradeReplaySource(r, six, StreamFormat.threePhaseFeed(0, 1000, "A"), false,
                now::get, 1_000);
        SampleBlock b = new SampleBlock(6, 4);
        assertThat(s.read(b)).as("the first sample is due at once").isEqualTo(1);
        assertThat(b.channel(0)[0]).isEqualTo(100 * 1e3); // VA, kV
        assertThat(b.channel(5)[0]).isEqualTo(500 * 400); // IC, secondary A × 400
        assertThat(b.firstSampleNanos()).isEqualTo(100_000_000_000L);
        assertThat(s.read(b)).as("nothing more due").isZero();
        now.addAndGet(3_500_000); // 3.5 ms: samples 1..3 due
        assertThat(s.read(b)).isEqualTo(3);
        assertThat(b.channel(3)[0]).isEqualTo(401 * 400); // IA of sample 1
        assertThat(b.firstSampleNanos()).isEqualTo(100_001_000_000L);
        now.addAndGet(1_000_000_000L);
        assertThat(s.read(b)).as("a block at most").isEqualTo(4);
        assertThat(s.read(b)).as("to the record's end").isEqualTo(2);
        assertThat(s.read(b)).as("then silent").isZero();
        assertThat(s.stats().samples()).isEqualTo(10);
        s.close();
        assertThat(s.read(b)).isEqualTo(-1);
    }

    @Test
    void aLoopGoesOnWithTheTimestampsAndMarksTheSeam() {
        ComtradeRecord r = record();
        AtomicLong now = new AtomicLong();
        ComtradeReplaySource s = new ComtradeReplaySource(r, new int[]{1, 2, 3, 4, 0, 5},
                StreamFormat.threePhaseFeed(0, 1000, "A"), true, now::get, 1_000);
        SampleBlock b = new SampleBlock(6, 16);
        s.read(b);
        now.set(20_000_000L);
        assertThat(s.read(b)).isEqualTo(9);
        assertThat(b.samplesLostBefore()).isZero();
        assertThat(s.read(b)).isEqualTo(10);
        assertThat(b.samplesLostBefore()).as("the seam resyncs the DSP").isEqualTo(1);
        assertThat(b.firstSampleNanos()).isEqualTo(100_010_000_000L);
        assertThat(b.channel(0)[0]).isEqualTo(100_000);
    }

    @Test
    void namedChannelsMustExistAndBeVoltagesThenCurrents() {
        ComtradeRecord r = record();
        assertThat(ComtradeReplaySource.feedChannels(r, List.of("VA", "VB", "VC", "IA", "IB", "IC")))
                .containsExactly(1, 2, 3, 4, 0, 5);
        assertThatThrownBy(() -> ComtradeReplaySource.feedChannels(r, List.of("VA", "VB", "VC", "IA", "IB", "F")))
                .hasMessage("channel \"F\" is in Hz, not A or kA");
        assertThatThrownBy(() -> ComtradeReplaySource.feedChannels(r, List.of("VA", "VB", "VC", "IA", "IB", "IX")))
                .hasMessageStartingWith("the record has no analog channel \"IX\"; it has IB (A, ph B), VA (kV, ph A)");
    }
}
