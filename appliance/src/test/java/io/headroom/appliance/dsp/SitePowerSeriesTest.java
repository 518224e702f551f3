package io.headroom.appliance.dsp;

import io.headroom.drivers.waveform.SampleBlock;
import io.headroom.drivers.waveform.StreamFormat;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SitePowerSeriesTest {

    private static final long MS = 1_000_000L;

    @Test
    void twoFeedsSumIntoTheBandsAndTheLowestLiveSlotClocksTheSeries() {
        SitePowerSeries s = new SitePowerSeries(List.of("A", "B"), 120, 20, 1, 50 * MS);
        assertThat(s.latest()).isNull();
        long now = 1_000 * MS;
        // 60 s at 120 S/s: A carries a 1 Hz swing of 100 kW amplitude, B a steady 2 MW (B's first value alone
        // makes a 1 MW step at the start: its filter transient has died out long before the last 20 s window)
        for (int k = 0; k < 60 * 120; k++) {
            now += 8_333_333;
            s.publish(1, 2e6, now);
            s.publish(0, 1e6 + 1e5 * Math.sin(2 * Math.PI * k / 120.0), now);
        }
        BandPowerReading r = s.latest();
        // slot 0 clocks every value; B's very first publish clocked once too, A not having published yet
        assertThat(r.samples()).isEqualTo(60 * 120 + 1);
        assertThat(r.feeds()).containsExactly("A", "B");
        assertThat(r.sitePowerW()).isCloseTo(3e6 + 1e5 * Math.sin(2 * Math.PI * (60 * 120 - 1) / 120.0), within(1.0));
        assertThat(r.lowBandRmsW()).isCloseTo(1e5 / Math.sqrt(2), within(0.05 * 1e5 / Math.sqrt(2)));
        assertThat(r.highBandRmsW()).isLessThan(0.05 * r.lowBandRmsW());
        assertThat(r.staleFeeds()).isZero();
        assertThat(r.settled()).isTrue();
        assertThat(r.lowBandEnergyW2s()).isCloseTo(r.lowBandMeanSquareW2() * 20, within(1.0));

        // A's stream goes silent: B takes over the clock, A's last P3 held and counted stale
        long before = r.samples();
        for (int k = 0; k < 120; k++) {
            now += 8_333_333;
            s.publish(1, 2e6, now);
        }
        BandPowerReading after = s.latest();
        assertThat(after.samples()).isGreaterThan(before + 100); // B clocks once A is older than 50 ms
        assertThat(after.staleFeeds()).isEqualTo(1);
        assertThat(after.atNanos()).isEqualTo(now);
    }

    @Test
    void aMonitorPublishesEveryHalfCycleOfItsFeed() {
        double rate = 14_400;
        StreamFormat f = StreamFormat.threePhaseFeed(1, rate, "feed-A");
        SitePowerSeries s = new SitePowerSeries(List.of("A"), 120, 10, 1, 50 * MS);
        Waves w = new Waves(rate, 60, 230, 80, 0, 3.0, 0);
        ReplaySource src = new ReplaySource(f, w, 144, 0);
        try (WaveformMonitor m = new WaveformMonitor(src, 60,
                List.of(WaveformMonitor.FeedChannels.byName(f, "A", "feed-A", 230)), DetectionSettings.defaults(),
                e -> { }, null, null, 144, io.headroom.appliance.clock.Clocks.system().monotonic(),
                WaveformMonitor.Wiring.none().feedSitePower(s))) {
            SampleBlock b = new SampleBlock(6, 144);
            while (src.next(b)) {
                m.step(b);
            }
            BandPowerReading r = s.latest();
            assertThat(r.samples()).isEqualTo(m.feeds().getFirst().halfCycles());
            assertThat(r.samples()).isBetween(3L * 120 - 4, 3L * 120);
            assertThat(r.sitePowerW()).isCloseTo(3 * 230 * 80, within(3 * 230 * 80 * 0.001));
        }
    }
}
