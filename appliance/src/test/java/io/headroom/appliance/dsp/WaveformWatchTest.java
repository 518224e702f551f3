package io.headroom.appliance.dsp;

import io.headroom.drivers.waveform.SampleBlock;
import io.headroom.drivers.waveform.StreamFormat;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class WaveformWatchTest {

    @Test
    void aSilentStreamIsSilentWithAnAlarmAndALiveOneIsGood() {
        double rate = 4_800;
        StreamFormat f = StreamFormat.threePhaseFeed(1, rate, "feed-B");
        Waves w = new Waves(rate, 50, 230, 50, 0, 0.5, 0);
        ReplaySource src = new ReplaySource(f, w, 96, 0);
        try (WaveformMonitor m = new WaveformMonitor(src, 50,
                List.of(WaveformMonitor.FeedChannels.byName(f, "B", "feed-B", 230)), DetectionSettings.defaults(),
                e -> { }, null, null, 96)) {
            WaveformWatch watch = new WaveformWatch(List.of(m), null, 200_000_000L);
            WaveformState none = watch.state(m.startedNanos() + 300_000_000L);
            assertThat(none.feeds().get("B").status()).isEqualTo(WaveformState.Status.SILENT);
            assertThat(none.feeds().get("B").ageMs()).isNull();

            SampleBlock b = new SampleBlock(6, 96);
            while (src.next(b)) {
                m.step(b);
            }
            long last = m.lastBlockNanos();
            WaveformState live = watch.state(last + 50_000_000L);
            WaveformState.FeedStream s = live.feeds().get("B");
            assertThat(s.status()).isEqualTo(WaveformState.Status.GOOD);
            assertThat(s.ageMs()).isEqualTo(50);
            assertThat(s.latest().urms()[0]).isCloseTo(230, within(0.5));
            assertThat(watch.alarms(live)).isEmpty();
            assertThat(live.bands()).isNull();

            WaveformState silent = watch.state(last + 900_000_000L);
            assertThat(silent.feeds().get("B").status()).isEqualTo(WaveformState.Status.SILENT);
            assertThat(watch.alarms(silent)).containsExactly("feed B: waveform stream silent for more than 200 ms; "
                    + "its feed-loss detection relies on the GPIO contacts and the meters");
        }
    }

    @Test
    void aStreamWithL2AndL3SwappedIsARotationAlarmOnceHeldBesideTheStreamAlarms() {
        double rate = 4_800;
        StreamFormat f = StreamFormat.threePhaseFeed(1, rate, "feed-B");
        Waves w = new Waves(rate, 50, 230, 50, 0, 0.5, 0);
        double[] v2 = w.ch[1];
        w.ch[1] = w.ch[2];
        w.ch[2] = v2;
        double[] i2 = w.ch[4]; // L2 and L3 swapped, PTs and CTs together: the powers stay positive
        w.ch[4] = w.ch[5];
        w.ch[5] = i2;
        ReplaySource src = new ReplaySource(f, w, 96, 0);
        List<FeedLossEvent> events = new java.util.ArrayList<>();
        try (WaveformMonitor m = new WaveformMonitor(src, 50,
                List.of(WaveformMonitor.FeedChannels.byName(f, "B", "feed-B", 230)), DetectionSettings.defaults(),
                events::add, null, null, 96)) {
            WaveformWatch watch = new WaveformWatch(List.of(m), null, 200_000_000L);
            SampleBlock b = new SampleBlock(6, 96);
            while (src.next(b)) {
                m.step(b);
            }
            long last = m.lastBlockNanos();
            WaveformState live = watch.state(last);
            assertThat(live.feeds().get("B").latest().rotation()).isLessThan(-0.8);
            assertThat(watch.alarms(live, last)).isEmpty();
            assertThat(watch.alarms(watch.state(last + 100_000_000L), last + 100_000_000L)).isEmpty();
            String rotation = "feed B: phase rotation reversed (L1-L3-L2) on its waveform stream: V L2 leads V L1; "
                    + "check the PT wiring (L2 and L3 swapped?)";
            assertThat(watch.alarms(watch.state(last + 190_000_000L), last + 2_000_000_000L))
                    .containsExactly(rotation);
            // the stream falls silent: its alarm, and the rotation's stays (nothing known to clear it)
            assertThat(watch.alarms(watch.state(last + 5_000_000_000L), last + 5_000_000_000L)).containsExactly(
                    "feed B: waveform stream silent for more than 200 ms; its feed-loss detection relies on the "
                            + "GPIO contacts and the meters", rotation);
            assertThat(events).as("never a loss").isEmpty();
        }
    }
}
