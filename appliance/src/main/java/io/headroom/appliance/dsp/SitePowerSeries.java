package io.headroom.appliance.dsp;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The site's total power series for {@link BandPowerMonitor}: the sum of the feeds' 3-phase active power,
 * one value per half cycle, from several {@link WaveformMonitor}s (one per stream, each on its own thread).
 *
 * <p>Each feed has a slot; its {@link FeedDsp} publishes its P3 there at every half-cycle close
 * ({@link #publish}). The lowest slot whose feed is fresh (a half cycle within {@code staleNanos}) is the
 * series' clock: its publish sums every slot and adds the total to the band monitor. If that stream goes
 * silent the next fresh one takes over, so the series goes on while any stream is alive; a silent feed's last
 * P3 stays in the sum and is counted in {@link BandPowerReading#staleFeeds()}. A try-lock keeps the band
 * monitor single-threaded through a hand-over. Nothing allocates; {@link #latest()} may be called from any
 * thread (sequence lock).
 */
public final class SitePowerSeries {

    private static final long NEVER = Long.MIN_VALUE;

    private final List<String> feedIds;
    private final BandPowerMonitor bands;
    private final double seriesRateHz;
    private final double windowS;
    private final double rampSpanS;
    private final long staleNanos;
    private final AtomicLongArray watts;   // Double bits per slot
    private final AtomicLongArray updated; // the monotonic clock's time of each slot's last half cycle
    private final AtomicBoolean busy = new AtomicBoolean();

    // published under a sequence lock (one writer at a time: busy)
    private volatile long seq;
    private double pubTotal;
    private double pubLow;
    private double pubHigh;
    private double pubRamp;
    private long pubCount;
    private int pubStale;
    private long pubAt;

    /**
     * @param feedIds      one slot per feed, in this order
     * @param seriesRateHz the series' nominal rate (2 × the nominal frequency)
     * @param windowS      band-power window, s
     * @param rampSpanS    ramp-rate span, s
     * @param staleNanos   a slot without a half cycle for this long no longer clocks the series
     */
    public SitePowerSeries(List<String> feedIds, double seriesRateHz, double windowS, double rampSpanS,
                           long staleNanos) {
        this(feedIds, new BandPowerMonitor(seriesRateHz, windowS, rampSpanS), seriesRateHz, windowS, rampSpanS,
                staleNanos);
    }

    SitePowerSeries(List<String> feedIds, BandPowerMonitor bands, double seriesRateHz, double windowS,
                    double rampSpanS, long staleNanos) {
        if (feedIds.isEmpty()) {
            throw new IllegalArgumentException("a power series needs at least one feed");
        }
        this.feedIds = List.copyOf(feedIds);
        this.bands = bands;
        this.seriesRateHz = seriesRateHz;
        this.windowS = windowS;
        this.rampSpanS = rampSpanS;
        this.staleNanos = staleNanos;
        this.watts = new AtomicLongArray(feedIds.size());
        this.updated = new AtomicLongArray(feedIds.size());
        for (int i = 0; i < feedIds.size(); i++) {
            updated.set(i, NEVER);
        }
    }

    /** The slot of a feed; -1 if it has none. */
    public int slot(String feedId) {
        return feedIds.indexOf(feedId);
    }

    public List<String> feedIds() {
        return feedIds;
    }

    /** A feed's P3 at a half-cycle close (any detection thread; allocates nothing). */
    public void publish(int slot, double p3W, long nowNanos) {
        watts.set(slot, Double.doubleToRawLongBits(Double.isNaN(p3W) ? 0 : p3W));
        updated.set(slot, nowNanos);
        for (int i = 0; i < slot; i++) {
            if (fresh(updated.get(i), nowNanos)) {
                return; // a lower slot is alive: it clocks the series
            }
        }
        clock(nowNanos);
    }

    private boolean fresh(long u, long now) {
        return u != NEVER && now - u < staleNanos;
    }

    private void clock(long now) {
        if (!busy.compareAndSet(false, true)) {
            return;
        }
        try {
            double total = 0;
            int stale = 0;
            for (int i = 0; i < watts.length(); i++) {
                long u = updated.get(i);
                if (!fresh(u, now)) {
                    stale++;
                }
                if (u != NEVER) {
                    total += Double.longBitsToDouble(watts.get(i));
                }
            }
            bands.add(total);
            long s = seq;
            seq = s + 1;
            java.lang.invoke.VarHandle.storeStoreFence();
            pubTotal = total;
            pubLow = bands.lowBandPowerW2();
            pubHigh = bands.highBandPowerW2();
            pubRamp = bands.peakRampWPerS();
            pubCount = bands.count();
            pubStale = stale;
            pubAt = now;
            seq = s + 2;
        } finally {
            busy.set(false);
        }
    }

    /** The latest figures, or null before the first value. Any thread. */
    public BandPowerReading latest() {
        while (true) {
            long s1 = seq;
            if ((s1 & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            double total = pubTotal;
            double low = pubLow;
            double high = pubHigh;
            double ramp = pubRamp;
            long count = pubCount;
            int stale = pubStale;
            long at = pubAt;
            java.lang.invoke.VarHandle.loadLoadFence();
            if (seq == s1) {
                return s1 == 0 ? null : new BandPowerReading(feedIds, total, low, high, ramp, count, seriesRateHz,
                        windowS, rampSpanS, stale, at);
            }
        }
    }
}
