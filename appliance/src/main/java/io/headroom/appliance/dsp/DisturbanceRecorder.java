package io.headroom.appliance.dsp;

import io.headroom.drivers.waveform.ChannelSpec;
import io.headroom.drivers.waveform.SampleBlock;
import io.headroom.drivers.waveform.StreamFormat;
import io.headroom.drivers.waveform.comtrade.AnalogChannel;
import io.headroom.drivers.waveform.comtrade.ComtradeRecord;
import io.headroom.drivers.waveform.comtrade.ComtradeWriter;
import io.headroom.drivers.waveform.comtrade.DataFormat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Keeps the last {@code pre + post} seconds of every channel in a bounded ring (float, preallocated: memory
 * is flat at any rate, {@code 2 × channels × (pre + post) × rate × 4} bytes with the spare ring) and, on a
 * trigger (a detection, or on demand), writes a COMTRADE record from {@code pre} seconds before the trigger
 * sample to {@code post} seconds after it.
 *
 * <p>{@link #append} runs on the detection thread and only copies samples. When the post-trigger samples are
 * in, the full ring is swapped with a spare one and handed to a writer thread, which writes the files and
 * gives the ring back; a trigger that completes while the writer still holds the spare is counted in
 * {@link #dropped()}. Triggers during a capture extend nothing (one record per capture). Sample times in the
 * record come from the stream's rate (a gap inside a record is not marked).
 */
public final class DisturbanceRecorder implements AutoCloseable {

    /**
     * {@code preS}/{@code postS} seconds around the trigger; files go to {@code directory}; {@code station} and
     * {@code device} are the COMTRADE station name and recording device id (the appliance writes
     * {@code headroom/FEED}, which the API reads back as the record's feed).
     */
    public record Settings(double preS, double postS, Path directory, DataFormat format, String station, String device) {
        public Settings {
            if (!(preS >= 0 && postS >= 0 && preS + postS > 0 && preS + postS <= 60)) {
                throw new IllegalArgumentException("pre + post must be in (0, 60] s");
            }
            device = device == null || device.isBlank() ? "headroom" : device;
        }

        public Settings(double preS, double postS, Path directory, DataFormat format, String station) {
            this(preS, postS, directory, format, station, "headroom");
        }
    }

    private static final class Ring {
        final float[][] data;
        long written;       // samples ever written into this ring
        long triggerIndex;  // absolute index of the trigger sample (in the stream)
        long startIndex;    // absolute index of data position 0 when written == 0
        long t0Nanos;       // time of absolute index startIndex
        String reason;
        long toUtcNanos;    // UTC minus the stream's clock when the capture completed

        Ring(int channels, int capacity) {
            data = new float[channels][capacity];
        }
    }

    private final StreamFormat format;
    private final Settings settings;
    private final double nominalHz;
    private final int capacity;
    private final int pre;
    private final int post;
    private Ring active;
    private final AtomicReference<Ring> spare = new AtomicReference<>();
    private final BlockingQueue<Ring> toWrite = new ArrayBlockingQueue<>(1);
    private final Thread writer;
    private final List<Consumer<Written>> written = new CopyOnWriteArrayList<>();
    private final AtomicLong records = new AtomicLong();
    /** Captures completed; written by the detection thread only. */
    private volatile long completed;
    private long dropped;

    private long streamIndex;      // absolute index of the next sample
    private long lastBlockT0;
    private long lastBlockIndex;
    private double rate;
    private volatile long requestNanos = Long.MIN_VALUE; // trigger request from any thread
    private volatile String requestReason;
    private volatile boolean capturing; // written on the detection thread, read by trigger()
    private volatile boolean closed;
    private final java.time.Clock utc;
    /** UTC minus the stream's clock, when the last block arrived (0 when the stream's clock is UTC); detection thread. */
    private long toUtcNanos;
    private static final long DAY_NANOS = 86_400_000_000_000L;

    public DisturbanceRecorder(StreamFormat format, double nominalHz, Settings settings) {
        this(format, nominalHz, settings, null);
    }

    /**
     * @param utc the wall clock, for records of a stream whose sample times are not UTC (a sender's monotonic
     *            clock: the bench's plant, a front-end without time sync): their times are moved onto UTC by the
     *            offset seen when the last block arrived; null: the stream's times are taken as UTC
     */
    public DisturbanceRecorder(StreamFormat format, double nominalHz, Settings settings, java.time.Clock utc) {
        this.utc = utc;
        this.format = format;
        this.settings = settings;
        this.nominalHz = nominalHz;
        this.rate = format.sampleRateHz();
        this.pre = (int) Math.ceil(settings.preS() * rate);
        this.post = (int) Math.ceil(settings.postS() * rate);
        this.capacity = pre + post + 1;
        this.active = new Ring(format.channelCount(), capacity);
        this.spare.set(new Ring(format.channelCount(), capacity));
        this.writer = Thread.ofPlatform().name("disturbance-writer").daemon().start(this::writeLoop);
    }

    /**
     * One record written.
     *
     * @param cfg          the {@code .cfg} file
     * @param dat          the {@code .dat} file next to it
     * @param reason       what triggered it (as given to {@link #trigger})
     * @param triggerNanos time of the trigger sample: UTC nanoseconds (the stream's own clock moved onto UTC when the
     *                     recorder has a wall clock and the stream's clock is not UTC)
     * @param preSamples   samples before the trigger sample in the record (fewer than configured if the stream
     *                     had not run that long)
     * @param postSamples  samples after it
     * @param sampleRateHz the record's rate
     */
    public record Written(Path cfg, Path dat, String reason, long triggerNanos, int preSamples, int postSamples,
                          double sampleRateHz) {
    }

    /** Called with the .cfg path of every record written (on the writer thread). */
    public void onWritten(Consumer<Path> c) {
        written.add(w -> c.accept(w.cfg()));
    }

    /** Called with every record written (on the writer thread; must not block for long). */
    public void onRecord(Consumer<Written> c) {
        written.add(c);
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Asks for a record around the sample at {@code sampleNanos} (source clock; {@code Long.MAX_VALUE} = the
     * next sample). Any thread; never blocks. Ignored while a capture is in progress (that capture's record
     * covers the moment).
     *
     * @return false when a capture was already in progress or a request was pending (this one may then be
     *         ignored); true when the request was queued for the detection thread
     */
    public boolean trigger(long sampleNanos, String reason) {
        if (capturing) {
            return false; // the capture in progress covers the moment; stored, it would start a record after it
        }
        boolean idle = requestNanos == Long.MIN_VALUE;
        requestReason = reason;
        requestNanos = sampleNanos;
        return idle;
    }

    /** Detection thread: copies the block into the ring and completes a capture when its time has come. */
    public void append(SampleBlock b) {
        int n = b.length();
        if (b.samplesLostBefore() > 0) {
            streamIndex += b.samplesLostBefore();
        }
        lastBlockT0 = b.firstSampleNanos();
        lastBlockIndex = streamIndex;
        if (utc != null) {
            long offset = utc.millis() * 1_000_000L - b.firstSampleNanos();
            toUtcNanos = Math.abs(offset) < DAY_NANOS ? 0 : offset; // within a day of UTC: a synchronised sender
        }
        Ring r = active;
        if (r.written == 0) {
            r.startIndex = streamIndex;
            r.t0Nanos = b.firstSampleNanos();
        }
        long req = requestNanos;
        if (req != Long.MIN_VALUE && !capturing) {
            requestNanos = Long.MIN_VALUE;
            long idx = req == Long.MAX_VALUE ? streamIndex
                    : lastBlockIndex + Math.round((req - lastBlockT0) * rate / 1e9);
            r.triggerIndex = Math.max(r.startIndex, Math.min(idx, streamIndex + n - 1));
            r.reason = requestReason;
            capturing = true;
        }
        double[][] ch = b.channelsArray();
        int done = 0;
        if (capturing) {
            long need = r.triggerIndex + post + 1 - streamIndex;
            if (need <= n) { // the capture completes inside this block: split it
                copy(r, ch, 0, (int) need);
                done = (int) need;
                r.toUtcNanos = toUtcNanos;
                complete(r);
                if (active != r) {
                    r = active;
                    r.startIndex = streamIndex;
                    r.t0Nanos = b.firstSampleNanos() + Math.round(done * 1e9 / rate);
                }
            }
        }
        copy(r, ch, done, n - done);
    }

    private void copy(Ring r, double[][] ch, int from, int count) {
        int pos = (int) ((streamIndex - r.startIndex) % capacity);
        int done = 0;
        while (done < count) {
            int chunk = Math.min(count - done, capacity - pos);
            for (int c = 0; c < ch.length; c++) {
                float[] dst = r.data[c];
                double[] src = ch[c];
                for (int i = 0; i < chunk; i++) {
                    dst[pos + i] = (float) src[from + done + i];
                }
            }
            done += chunk;
            pos = 0;
        }
        r.written += count;
        streamIndex += count;
    }

    private void complete(Ring r) {
        capturing = false;
        completed++;
        Ring s = spare.getAndSet(null);
        if (s == null) { // the writer still has the spare: keep recording into this ring, drop the capture
            dropped++;
            return;
        }
        s.written = 0;
        active = s;
        if (!toWrite.offer(r)) {
            dropped++;
            spare.set(r);
        }
    }

    /** Records completed but not written because the writer still held the spare ring. Detection thread. */
    public long dropped() {
        return dropped;
    }

    /** Captures completed (handed to the writer or dropped), in stream order. Detection thread. */
    public long completed() {
        return completed;
    }

    /** Records written so far. */
    public long records() {
        return records.get();
    }

    private void writeLoop() {
        while (!closed) {
            Ring r;
            try {
                r = toWrite.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (r == null) {
                continue;
            }
            try {
                Written w = write(r);
                records.incrementAndGet();
                written.forEach(c -> c.accept(w));
            } catch (IOException | RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(DisturbanceRecorder.class).warn("disturbance record not written: {}",
                        e.toString());
            } finally {
                spare.set(r);
            }
        }
    }

    private Written write(Ring r) throws IOException {
        long end = r.startIndex + r.written;               // exclusive
        long from = Math.max(r.triggerIndex - pre, Math.max(r.startIndex, end - capacity));
        long to = Math.min(end, r.triggerIndex + post + 1);
        int n = (int) (to - from);
        int channels = format.channelCount();
        double[][] analog = new double[channels][n];
        for (int c = 0; c < channels; c++) {
            float[] src = r.data[c];
            for (int i = 0; i < n; i++) {
                analog[c][i] = src[(int) ((from + i - r.startIndex) % capacity)];
            }
        }
        List<AnalogChannel> ac = new ArrayList<>();
        for (ChannelSpec s : format.channels()) {
            ac.add(AnalogChannel.of(s.name(), s.phaseLetter(), "", s.unit()));
        }
        long shift = r.toUtcNanos;
        long firstNanos = r.t0Nanos + Math.round((from - r.startIndex) * 1e9 / rate) + shift;
        long trigNanos = r.t0Nanos + Math.round((r.triggerIndex - r.startIndex) * 1e9 / rate) + shift;
        ComtradeRecord rec = new ComtradeRecord(settings.station(), settings.device(), 2013, nominalHz, rate,
                instant(firstNanos), instant(trigNanos), ac, List.of(), analog, new boolean[0][], null);
        String base = "dr-" + trigNanos + (r.reason == null ? "" : "-" + r.reason.replaceAll("[^A-Za-z0-9_-]", "_"));
        Path cfg = ComtradeWriter.write(settings.directory(), base, rec, settings.format());
        return new Written(cfg, cfg.resolveSibling(base + ".dat"), r.reason, trigNanos, (int) (r.triggerIndex - from),
                (int) (to - 1 - r.triggerIndex), rate);
    }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    @Override
    public void close() {
        closed = true;
        writer.interrupt();
    }
}
