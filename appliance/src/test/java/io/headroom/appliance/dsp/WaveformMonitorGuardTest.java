package io.headroom.appliance.dsp;

import io.headroom.drivers.waveform.StreamFormat;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A block whose processing fails is that block's: the DSP thread goes on with the next. */
class WaveformMonitorGuardTest {

    @Test
    void anEventThatFailsDownstreamNeverEndsTheDspThread() {
        double rate = 9600;
        StreamFormat f = StreamFormat.threePhaseFeed(3, rate, "feed-A");
        Waves w = new Waves(rate, 60, 230, 80, 25, 0.3, 0);
        w.collapse(w.n / 2);
        int block = 96;
        long total = (w.n + block - 1) / block;
        AtomicInteger events = new AtomicInteger();
        FeedLossListener failing = e -> {
            events.incrementAndGet();
            throw new IllegalStateException("injected: the listener failed on " + e.kind());
        };
        try (WaveformMonitor m = new WaveformMonitor(new ReplaySource(f, w, block, 0), 60,
                List.of(WaveformMonitor.FeedChannels.byName(f, "A", "feed-A", 230)), DetectionSettings.defaults(),
                failing, null, null, 256).start()) {
            // every block was processed to its end, or failed and was left behind: none after the first failure lost
            await().atMost(Duration.ofSeconds(20)).until(() -> m.blocks() + m.failedBlocks() == total);
            assertThat(events.get()).as("the loss was seen (and its listener failed)").isPositive();
            assertThat(m.failedBlocks()).isEqualTo(events.get());
            assertThat(m.failure()).isNull();
        }
    }
}
