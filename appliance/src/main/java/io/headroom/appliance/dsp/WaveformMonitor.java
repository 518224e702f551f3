package io.headroom.appliance.dsp;

import io.headroom.drivers.waveform.ChannelKind;
import io.headroom.drivers.waveform.SampleBlock;
import io.headroom.drivers.waveform.SampleSource;
import io.headroom.drivers.waveform.StreamFormat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the waveform DSP of one {@link SampleSource} on its own platform thread (max priority): read a block,
 * run every feed's {@link FeedDsp} on it, copy it into the {@link DisturbanceRecorder} (if any). Each feed's
 * P3 goes to the site's {@link SitePowerSeries} (if any) at every half-cycle close, which feeds the
 * {@link BandPowerMonitor}. Events go to the {@link FeedLossListener} on this thread (first), then trigger a
 * disturbance record ({@code FEED_LOST}, {@code PHASE_LOST}, {@code SAG_START}). Nothing on the per-sample
 * path allocates.
 *
 * <p>A silent stream is not a lost feed, it is a lost measurement: {@link #lastBlockNanos()}
 * (the appliance's monotonic clock ({@code Clocks}) of the last block, 0 before the first) and {@link #startedNanos()} show it, and
 * {@link WaveformWatch} turns it into an alarm and a status in the site state ({@code GET /api/v1/site}).
 * Regulation does not budget from waveforms (it uses the meters), so a silent stream changes no cap; what it
 * loses is this feed's sub-cycle loss detection: protection then relies on the GPIO breaker contacts and
 * undervoltage relays (if wired) and on the meters, whose staleness regulation does treat conservatively.
 */
public final class WaveformMonitor implements AutoCloseable {

    /** A feed's six channels in the source's blocks. */
    public record FeedChannels(String feedId, double unRms, int va, int vb, int vc, int ia, int ib, int ic) {

        /** Finds {@code prefix/voltage-L1..3} and {@code prefix/current-L1..3}, else by kind and phase. */
        public static FeedChannels byName(StreamFormat f, String feedId, String prefix, double unRms) {
            int[] ix = new int[6];
            for (int p = 1; p <= 3; p++) {
                int v = f.indexOf(prefix + "/voltage-L" + p);
                int i = f.indexOf(prefix + "/current-L" + p);
                ix[p - 1] = v >= 0 ? v : f.indexOf(ChannelKind.VOLTAGE, p);
                ix[p + 2] = i >= 0 ? i : f.indexOf(ChannelKind.CURRENT, p);
            }
            for (int i : ix) {
                if (i < 0) {
                    throw new IllegalArgumentException("feed " + feedId + ": the stream lacks a V or I channel");
                }
            }
            return new FeedChannels(feedId, unRms, ix[0], ix[1], ix[2], ix[3], ix[4], ix[5]);
        }
    }

    private final SampleSource source;
    private final FeedDsp[] feeds;
    private final DisturbanceRecorder recorder;
    private final SampleBlock block;
    private final AtomicLong blocks = new AtomicLong();
    private volatile long lastBlockNanos;
    private volatile boolean running = true;
    private volatile Throwable failure;
    private final io.headroom.appliance.supervision.Heartbeat heartbeat;
    private final AtomicLong failedBlocks = new AtomicLong();
    private Thread thread;
    private final io.headroom.appliance.clock.MonotonicClock clock;
    private final long startedNanos;

    /**
     * Where a monitor's output goes besides its listener, recorder and band monitor; both optional
     * ({@link #none()}).
     *
     * @param sitePower  each feed's P3 is published, at every half-cycle close, into its slot of this series
     *                   (feeds without a slot are left out; null: none)
     * @param supervisor watches the DSP thread (loop {@code waveform-FEEDS}) from the monitor's construction on: the
     *                   thread beats at every read, which returns at least every receive timeout (50 ms) even on a
     *                   silent stream, so a hung or dead DSP thread is an alarm; a silent stream is not a dead loop
     *                   ({@link WaveformWatch} alarms that); null: unwatched
     */
    public record Wiring(SitePowerSeries sitePower, io.headroom.appliance.supervision.Supervisor supervisor) {

        public static Wiring none() {
            return new Wiring(null, null);
        }

        public Wiring feedSitePower(SitePowerSeries series) {
            return new Wiring(series, supervisor);
        }

        public Wiring supervisedBy(io.headroom.appliance.supervision.Supervisor s) {
            return new Wiring(sitePower, s);
        }
    }

    /** On the system's monotonic clock (tests, tools). */
    public WaveformMonitor(SampleSource source, double nominalHz, List<FeedChannels> feeds, DetectionSettings settings,
                           FeedLossListener listener, DisturbanceRecorder recorder, BandPowerMonitor bands,
                           int blockCapacity) {
        this(source, nominalHz, feeds, settings, listener, recorder, bands, blockCapacity,
                io.headroom.appliance.clock.Clocks.system().monotonic());
    }

    /**
     * @param clock the appliance's monotonic clock: when a block was processed, and the site power series' slot
     *              times (the same clock {@link WaveformWatch} is asked with)
     */
    public WaveformMonitor(SampleSource source, double nominalHz, List<FeedChannels> feeds, DetectionSettings settings,
                           FeedLossListener listener, DisturbanceRecorder recorder, BandPowerMonitor bands,
                           int blockCapacity, io.headroom.appliance.clock.MonotonicClock clock) {
        this(source, nominalHz, feeds, settings, listener, recorder, bands, blockCapacity, clock, Wiring.none());
    }

    /**
     * @param clock  the appliance's monotonic clock: when a block was processed, and the site power series' slot
     *               times (the same clock {@link WaveformWatch} is asked with)
     * @param wiring where the feeds' P3 goes besides {@code bands} (a shared site series replaces this stream's own
     *               for the feeds it has a slot for), and who supervises the DSP thread
     */
    public WaveformMonitor(SampleSource source, double nominalHz, List<FeedChannels> feeds, DetectionSettings settings,
                           FeedLossListener listener, DisturbanceRecorder recorder, BandPowerMonitor bands,
                           int blockCapacity, io.headroom.appliance.clock.MonotonicClock clock, Wiring wiring) {
        this.clock = java.util.Objects.requireNonNull(clock, "clock");
        this.startedNanos = clock.nanos();
        this.source = source;
        this.recorder = recorder;
        FeedLossListener out = recorder == null ? listener : e -> {
            listener.onFeedLossEvent(e);
            if (e.kind() == FeedLossEvent.Kind.FEED_LOST || e.kind() == FeedLossEvent.Kind.PHASE_LOST
                    || e.kind() == FeedLossEvent.Kind.SAG_START) {
                recorder.trigger(e.firstSampleNanos(), e.feedId() + "-" + e.kind());
            }
        };
        List<FeedDsp> list = new ArrayList<>();
        for (int i = 0; i < feeds.size(); i++) {
            FeedChannels c = feeds.get(i);
            list.add(new FeedDsp(i, c.feedId(), new int[]{c.va(), c.vb(), c.vc(), c.ia(), c.ib(), c.ic()}, nominalHz,
                    c.unRms(), source.format().sampleRateHz(), settings, out));
        }
        this.feeds = list.toArray(FeedDsp[]::new);
        this.block = new SampleBlock(source.format().channelCount(), blockCapacity);
        if (bands != null && !feeds.isEmpty()) { // this stream's feeds alone make the series
            feedSitePower(new SitePowerSeries(feeds.stream().map(FeedChannels::feedId).toList(), bands,
                    2 * nominalHz, Double.NaN, Double.NaN, 1_000_000_000L));
        }
        feedSitePower(wiring.sitePower());
        // last: a monitor whose construction failed is never watched
        this.heartbeat = wiring.supervisor() == null
                ? io.headroom.appliance.supervision.Heartbeat.unwatched("waveform")
                : wiring.supervisor().watch("waveform-" + String.join("+", java.util.Arrays.stream(this.feeds)
                                .map(FeedDsp::feedId).toList()), java.time.Duration.ofSeconds(2),
                        "this stream's sub-cycle feed-loss detection is gone (the GPIO contacts and the meters remain)");
    }

    /** Publishes each feed's P3, at every half-cycle close, into its slot of {@code series} (null: none). */
    private void feedSitePower(SitePowerSeries series) {
        if (series == null) {
            return;
        }
        for (FeedDsp f : feeds) {
            int slot = series.slot(f.feedId());
            if (slot >= 0) {
                f.onHalfCycle((feedIndex, p3W, endNanos) -> series.publish(slot, p3W, clock.nanos()));
            }
        }
    }

    /** Starts the detection thread. */
    public WaveformMonitor start() {
        thread = Thread.ofPlatform().name("waveform-dsp").daemon().unstarted(this::loop);
        thread.setPriority(Thread.MAX_PRIORITY);
        thread.start();
        return this;
    }

    /** The DSP thread's heartbeat (its drills are armed there). */
    public io.headroom.appliance.supervision.Heartbeat heartbeat() {
        return heartbeat;
    }

    /** Blocks whose processing failed (the thread went on). */
    public long failedBlocks() {
        return failedBlocks.get();
    }

    private void loop() {
        Throwable ended = null;
        try {
            while (running) {
                io.headroom.appliance.supervision.Heartbeat hb = heartbeat;
                int n;
                try {
                    hb.beat();
                    n = source.read(block);
                } catch (IOException e) {
                    if (!running) {
                        return;
                    }
                    // A socket that fails to read fails again: the thread stops and says why (the stream is FAILED).
                    ended = e;
                    failure = e;
                    org.slf4j.LoggerFactory.getLogger(WaveformMonitor.class).error("waveform DSP stopped", e);
                    return;
                } catch (Throwable t) {
                    failedBlocks.incrementAndGet();
                    hb.failed(t);
                    continue;
                }
                if (n < 0) {
                    return;
                }
                if (n == 0) {
                    continue;
                }
                // One block's failure is that block's: the detection goes on with the next.
                try {
                    step(block);
                } catch (Throwable t) {
                    failedBlocks.incrementAndGet();
                    hb.failed(t);
                    try {
                        org.slf4j.LoggerFactory.getLogger(WaveformMonitor.class).error("waveform DSP: a block failed; "
                                + "the detection goes on", t);
                    } catch (Throwable ignored) {
                        // the count and the heartbeat carry it
                    }
                }
            }
        } finally {
            if (running) {
                heartbeat.stopped(ended);
            } else {
                heartbeat.retire();
            }
        }
    }

    /** One block through every stage; the thread's body, public for replaying files synchronously. */
    public void step(SampleBlock b) {
        for (FeedDsp f : feeds) {
            f.process(b);
        }
        if (recorder != null) {
            recorder.append(b);
        }
        lastBlockNanos = clock.nanos();
        blocks.lazySet(blocks.get() + 1);
    }

    public List<FeedDsp> feeds() {
        return List.of(feeds);
    }

    public SampleSource source() {
        return source;
    }

    /** The disturbance recorder of this stream, or null. */
    public DisturbanceRecorder recorder() {
        return recorder;
    }

    /** the appliance's monotonic clock ({@code Clocks}) when this monitor was built (silence before the first block counts from here). */
    public long startedNanos() {
        return startedNanos;
    }

    public long blocks() {
        return blocks.get();
    }

    /** the appliance's monotonic clock ({@code Clocks}) of the last block processed, 0 before the first. */
    public long lastBlockNanos() {
        return lastBlockNanos;
    }

    /** What stopped the thread, or null. */
    public Throwable failure() {
        return failure;
    }

    @Override
    public void close() {
        running = false;
        heartbeat.retire();
        source.close();
        if (thread != null) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (recorder != null) {
            recorder.close();
        }
    }
}
