package io.headroom.drivers.waveform.sv;

/**
 * Frames from memory, in order, {@code rounds} times over (0: for ever), then the end (-1): the benchmark's and
 * the tests' channel. Encoding whole seconds of a stream (modulus / ASDUs per frame frames) keeps {@code smpCnt}
 * continuous across rounds. Allocates nothing per frame.
 */
public final class ReplayFrameChannel implements RawFrameChannel {

    private final byte[][] frames;
    private final int[] lengths;
    private final long rounds;
    private int next;
    private long round;
    private volatile boolean closed;

    public ReplayFrameChannel(byte[][] frames, int[] lengths, long rounds) {
        if (frames.length != lengths.length) {
            throw new IllegalArgumentException("one length per frame");
        }
        this.frames = frames;
        this.lengths = lengths;
        this.rounds = rounds;
    }

    @Override
    public int receive(byte[] buf) {
        if (closed || frames.length == 0) {
            return -1;
        }
        if (next == frames.length) {
            next = 0;
            round++;
        }
        if (rounds > 0 && round >= rounds) {
            return -1;
        }
        int n = Math.min(lengths[next], buf.length);
        System.arraycopy(frames[next], 0, buf, 0, n);
        next++;
        return n;
    }

    @Override
    public void close() {
        closed = true;
    }
}
