package io.headroom.drivers.waveform.comtrade;

import io.headroom.drivers.waveform.SampleBlock;
import io.headroom.drivers.waveform.SampleSource;
import io.headroom.drivers.waveform.SourceStats;
import io.headroom.drivers.waveform.StreamFormat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Replays six analog channels of a COMTRADE record (IEEE C37.111, read by {@link ComtradeReader}: .cfg with an
 * ASCII or BINARY .dat) as a feed's waveform stream, <b>in real time</b>: a block holds the samples due by now
 * since the first read, so the detector, the disturbance recorder and the appliance's clocks see the record as
 * they would see a merging unit (commissioning, drills, replaying a fault recorded elsewhere). Values are
 * primary-side V and A: {@code a·x + b} from the .cfg, times primary/secondary when the channel is given on the
 * secondary side ({@code S}), times 1000 for {@code kV}/{@code kA}; a missing sample reads as 0.
 *
 * <p>At the record's end: with {@code loop}, it starts again from its first sample, timestamps going on (the
 * block after the wrap says one sample was lost before it, so the DSP restarts its windows rather than reading
 * the seam as a disturbance); without, the source falls silent (reads return 0 after waiting up to the idle
 * time), which the appliance shows as a silent stream. Sample timestamps start at the record's first sample time.
 * One reader thread; {@link #close()} from any.
 */
public final class ComtradeReplaySource implements SampleSource {

    private final ComtradeRecord record;
    private final double[][] values;   // the six channels, primary units
    private final StreamFormat format;
    private final boolean loop;
    private final LongSupplier nanoTime;
    private final long idleNanos;
    private final double rate;
    private final long firstNanos;
    private final int n;
    private long startedNanos = Long.MIN_VALUE;
    private long delivered;            // samples delivered, loops included
    private int cursor;
    private boolean wrapped;
    private long blocks;
    private volatile long publishedSamples;
    private volatile long publishedBlocks;
    private volatile boolean closed;

    /**
     * @param channels  six indexes into the record's analog channels: V L1, V L2, V L3, I L1, I L2, I L3
     * @param format    the stream's format (six channels, the record's rate)
     * @param idleNanos how long a read waits when nothing is due (and at the end without {@code loop})
     */
    public ComtradeReplaySource(ComtradeRecord record, int[] channels, StreamFormat format, boolean loop,
                                LongSupplier nanoTime, long idleNanos) {
        if (channels.length != format.channelCount()) {
            throw new IllegalArgumentException("one record channel per stream channel");
        }
        if (record.sampleCount() < 1) {
            throw new IllegalArgumentException("the record has no samples");
        }
        this.record = record;
        this.format = format;
        this.loop = loop;
        this.nanoTime = nanoTime;
        this.idleNanos = idleNanos;
        this.rate = record.sampleRateHz();
        this.n = record.sampleCount();
        this.values = new double[channels.length][];
        for (int c = 0; c < channels.length; c++) {
            AnalogChannel ch = record.analogChannels().get(channels[c]);
            double k = scale(ch);
            double[] src = record.analog()[channels[c]];
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = Double.isNaN(src[i]) ? 0 : src[i] * k;
            }
            values[c] = v;
        }
        this.firstNanos = record.firstSample().getEpochSecond() * 1_000_000_000L + record.firstSample().getNano();
    }

    /** From the .cfg's unit and primary/secondary fields to primary V or A. */
    static double scale(AnalogChannel ch) {
        double k = Character.toUpperCase(ch.primaryOrSecondary()) == 'S' && ch.secondary() > 0
                ? ch.primary() / ch.secondary() : 1;
        return ch.unit().trim().toLowerCase(Locale.ROOT).startsWith("k") ? k * 1e3 : k;
    }

    /**
     * The six channels of a feed in {@code record}: those named in {@code ids} (V L1..L3, I L1..L3), or, when
     * {@code ids} is null, the voltages and currents by their phase ({@code ph} A/B/C or 1/2/3, unit V/kV or
     * A/kA).
     *
     * @throws IllegalArgumentException naming what is missing
     */
    public static int[] feedChannels(ComtradeRecord record, List<String> ids) {
        List<AnalogChannel> all = record.analogChannels();
        int[] out = new int[6];
        if (ids != null) {
            if (ids.size() != 6) {
                throw new IllegalArgumentException("name 6 channels (V L1, V L2, V L3, I L1, I L2, I L3), got "
                        + ids.size());
            }
            for (int k = 0; k < 6; k++) {
                int found = -1;
                for (int c = 0; c < all.size(); c++) {
                    if (all.get(c).id().trim().equals(ids.get(k))) {
                        found = c;
                    }
                }
                if (found < 0) {
                    throw new IllegalArgumentException("the record has no analog channel \"" + ids.get(k)
                            + "\"; it has " + ids(all));
                }
                String want = k < 3 ? "v" : "a";
                if (!all.get(found).unit().trim().toLowerCase(Locale.ROOT).endsWith(want)) {
                    throw new IllegalArgumentException("channel \"" + ids.get(k) + "\" is in "
                            + all.get(found).unit().trim() + ", not " + (k < 3 ? "V or kV" : "A or kA"));
                }
                out[k] = found;
            }
            return out;
        }
        for (int k = 0; k < 6; k++) {
            String want = k < 3 ? "v" : "a";
            int phase = k % 3 + 1;
            int found = -1;
            for (int c = 0; c < all.size() && found < 0; c++) {
                AnalogChannel ch = all.get(c);
                if (ch.unit().trim().toLowerCase(Locale.ROOT).endsWith(want)
                        && ComtradeSampleSource.phase(ch.phase()) == phase) {
                    found = c;
                }
            }
            if (found < 0) {
                throw new IllegalArgumentException("the record has no " + (k < 3 ? "voltage" : "current")
                        + " channel of phase " + phase + " (ph A/B/C or 1/2/3, unit " + (k < 3 ? "V" : "A")
                        + "); name the channels: it has " + ids(all));
            }
            out[k] = found;
        }
        return out;
    }

    private static String ids(List<AnalogChannel> all) {
        List<String> l = new ArrayList<>();
        for (AnalogChannel c : all) {
            l.add(c.id().trim() + " (" + c.unit().trim() + (c.phase().isBlank() ? "" : ", ph " + c.phase().trim())
                    + ")");
        }
        return String.join(", ", l);
    }

    public ComtradeRecord record() {
        return record;
    }

    @Override
    public StreamFormat format() {
        return format;
    }

    @Override
    public int read(SampleBlock into) {
        if (closed) {
            return -1;
        }
        long now = nanoTime.getAsLong();
        if (startedNanos == Long.MIN_VALUE) {
            startedNanos = now;
        }
        if (cursor >= n) {
            if (!loop) {
                LockSupport.parkNanos(idleNanos);
                return closed ? -1 : 0;
            }
            cursor = 0;
            wrapped = true;
        }
        long due = (long) Math.floor((now - startedNanos) * rate / 1e9) + 1 - delivered;
        if (due <= 0) {
            long wait = (long) Math.ceil((delivered - (now - startedNanos) * rate / 1e9) * 1e9 / rate);
            LockSupport.parkNanos(Math.max(1, Math.min(idleNanos, wait)));
            return closed ? -1 : 0;
        }
        int k = (int) Math.min(Math.min(due, into.capacity()), n - cursor);
        double[][] dst = into.channelsArray();
        for (int c = 0; c < values.length; c++) {
            System.arraycopy(values[c], cursor, dst[c], 0, k);
        }
        into.set(k, firstNanos + (long) Math.rint(delivered * 1e9 / rate), rate, blocks++, wrapped ? 1 : 0);
        wrapped = false;
        cursor += k;
        delivered += k;
        publishedBlocks = blocks;
        publishedSamples = delivered;
        return k;
    }

    @Override
    public SourceStats stats() {
        return new SourceStats(publishedBlocks, publishedSamples, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    @Override
    public void close() {
        closed = true;
    }
}
