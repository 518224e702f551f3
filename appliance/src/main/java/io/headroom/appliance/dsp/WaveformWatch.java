package io.headroom.appliance.dsp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What regulation asks of the waveform front end once per tick: per stream, alive or silent (its last block
 * older than {@code deadlineNanos}, or none since start) or failed; the feeds' latest quantities; and the band
 * power of the site series. A silent or failed stream is an alarm: the feed's sub-cycle loss detection is gone
 * and protection relies on the GPIO contacts and the meters (regulation's own input, the meters, is unchanged).
 * Clock: the appliance's monotonic clock ({@code Clocks}), as the monitors use.
 */
public final class WaveformWatch {

    private final List<WaveformMonitor> monitors;
    private final SitePowerSeries series;
    private final long deadlineNanos;
    private final WiringCheck wiring = new WiringCheck(WiringCheck.Settings.defaults());

    /** @param series the site power series, or null */
    public WaveformWatch(List<WaveformMonitor> monitors, SitePowerSeries series, long deadlineNanos) {
        this.monitors = List.copyOf(monitors);
        this.series = series;
        this.deadlineNanos = deadlineNanos;
    }

    public boolean isEmpty() {
        return monitors.isEmpty();
    }

    public SitePowerSeries series() {
        return series;
    }

    public long deadlineMs() {
        return deadlineNanos / 1_000_000;
    }

    /** The front end at {@code nowNanos} (the appliance's monotonic clock ({@code Clocks})). */
    public WaveformState state(long nowNanos) {
        Map<String, WaveformState.FeedStream> feeds = new LinkedHashMap<>();
        for (WaveformMonitor m : monitors) {
            long last = m.lastBlockNanos();
            Long ageMs = last == 0 ? null : Math.max(0, (nowNanos - last) / 1_000_000);
            long since = last == 0 ? m.startedNanos() : last;
            WaveformState.Status st = m.failure() != null ? WaveformState.Status.FAILED
                    : nowNanos - since > deadlineNanos ? WaveformState.Status.SILENT : WaveformState.Status.GOOD;
            io.headroom.drivers.waveform.SourceStats stats = m.source().stats();
            for (FeedDsp f : m.feeds()) {
                feeds.put(f.feedId(), new WaveformState.FeedStream(f.feedId(), st, ageMs, m.blocks(), f.latest(),
                        stats.samples(), stats.samplesLost(), new WaveformState.Refused(stats.unknownSender(),
                        stats.suspect(), stats.resyncs(), stats.rateMismatch(), stats.corrupt(), stats.foreign())));
            }
        }
        BandPowerReading b = series == null ? null : series.latest();
        return new WaveformState(feeds, b, b == null ? null : Math.max(0, (nowNanos - b.atNanos()) / 1_000_000));
    }

    /**
     * Once a tick (one thread: regulation): the streams that are not GOOD, then the wiring faults the streams
     * show ({@link WiringCheck}: reversed phase rotation, reversed CT polarity per phase), each raised and cleared
     * with its hysteresis and hold time at {@code nowNanos}. Alarms only: none fires a contingency.
     */
    public List<String> alarms(WaveformState s, long nowNanos) {
        List<String> out = alarms(s);
        List<String> w = wiring.update(s, nowNanos);
        if (!w.isEmpty()) {
            out.addAll(w);
        }
        return out;
    }

    /** Alarm texts for the streams that are not GOOD (stable texts: one raise and one clear each). */
    public List<String> alarms(WaveformState s) {
        List<String> out = new ArrayList<>();
        for (WaveformState.FeedStream f : s.feeds().values()) {
            switch (f.status()) {
                case SILENT -> out.add("feed " + f.feedId() + ": waveform stream silent for more than " + deadlineMs()
                        + " ms; its feed-loss detection relies on the GPIO contacts and the meters");
                case FAILED -> out.add("feed " + f.feedId() + ": waveform DSP stopped on an error; its feed-loss "
                        + "detection relies on the GPIO contacts and the meters");
                case GOOD -> {
                }
            }
        }
        return out;
    }
}
