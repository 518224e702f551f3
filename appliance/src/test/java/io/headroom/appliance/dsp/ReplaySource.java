package io.headroom.appliance.dsp;

import io.headroom.drivers.waveform.SampleBlock;
import io.headroom.drivers.waveform.SampleSource;
import io.headroom.drivers.waveform.SourceStats;
import io.headroom.drivers.waveform.StreamFormat;

/** {@link Waves} as a {@link SampleSource}: blocks of {@code block} samples, -1 at the end. */
final class ReplaySource implements SampleSource {

    private final StreamFormat format;
    private final Waves w;
    private final int block;
    private final long t0;
    private int off;
    private long seq;
    private volatile boolean closed;

    ReplaySource(StreamFormat format, Waves w, int block, long t0) {
        this.format = format;
        this.w = w;
        this.block = block;
        this.t0 = t0;
    }

    @Override
    public StreamFormat format() {
        return format;
    }

    /** Fills {@code b} with the next block; false at the end. For synchronous replays through {@code step}. */
    boolean next(SampleBlock b) {
        if (closed || off >= w.n) {
            return false;
        }
        int m = Math.min(block, Math.min(b.capacity(), w.n - off));
        for (int c = 0; c < 6; c++) {
            System.arraycopy(w.ch[c], off, b.channel(c), 0, m);
        }
        b.set(m, t0 + w.nanos(off), w.rate, seq++, 0);
        off += m;
        return true;
    }

    @Override
    public int read(SampleBlock into) {
        return next(into) ? into.length() : -1;
    }

    @Override
    public SourceStats stats() {
        return SourceStats.NONE;
    }

    @Override
    public void close() {
        closed = true;
    }
}
