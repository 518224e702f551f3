package io.headroom.appliance.dsp;

import io.headroom.waveform.ChannelKind;
import io.headroom.waveform.SampleBlock;
import io.headroom.waveform.SampleSource;
import io.headroom.waveform.StreamFormat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the waveform DSP of one {@link SampleSource} on its own platform thread (max priority): read a block,
 * run every feed's {@link FeedDsp} on it, copy it into the {@link DisturbanceRecorder} (if any), feed the
 * site power series to the {@link BandPowerMonitor} (if any). Events go to the {@link FeedLossListener} on
 * this thread (first), then trigger a disturbance record. Nothing on the per-sample path allocates.
 *
 * <p>The source's staleness is visible in {@link #lastBlockNanos()} ({@link System#nanoTime()} of the last
 * block): a silent stream is not a lost feed, it is a lost measurement; the regulation loop treats it like a
 * stale meter.
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
    private final BandPowerMonitor bands;
    private final SampleBlock block;
    private final AtomicLong blocks = new AtomicLong();
    private volatile long lastBlockNanos;
    private volatile boolean running = true;
    private volatile Throwable failure;
    private Thread thread;
    private long lastBandsNanos = Long.MIN_VALUE;

    public WaveformMonitor(SampleSource source, double nominalHz, List<FeedChannels> feeds, DetectionSettings settings,
                           FeedLossListener listener, DisturbanceRecorder recorder, BandPowerMonitor bands,
                           int blockCapacity) {
        this.source = source;
        this.recorder = recorder;
        this.bands = bands;
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
    }

    /** Starts the detection thread. */
    public WaveformMonitor start() {
        thread = Thread.ofPlatform().name("waveform-dsp").daemon().unstarted(this::loop);
        thread.setPriority(Thread.MAX_PRIORITY);
        thread.start();
        return this;
    }

    private void loop() {
        try {
            while (running) {
                int n = source.read(block);
                if (n < 0) {
                    return;
                }
                if (n == 0) {
                    continue;
                }
                step(block);
            }
        } catch (IOException | RuntimeException e) {
            failure = e;
            org.slf4j.LoggerFactory.getLogger(WaveformMonitor.class).error("waveform DSP stopped", e);
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
        if (bands != null && feeds.length > 0) {
            long t = feeds[0].lastHalfCycleNanos();
            if (t != lastBandsNanos && feeds[0].halfCycles() > 0) {
                lastBandsNanos = t;
                double total = 0;
                for (FeedDsp f : feeds) {
                    double p = f.lastP3();
                    total += Double.isNaN(p) ? 0 : p;
                }
                bands.add(total);
            }
        }
        lastBlockNanos = System.nanoTime();
        blocks.lazySet(blocks.get() + 1);
    }

    public List<FeedDsp> feeds() {
        return List.of(feeds);
    }

    public SampleSource source() {
        return source;
    }

    public long blocks() {
        return blocks.get();
    }

    /** {@link System#nanoTime()} of the last block processed, 0 before the first. */
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
