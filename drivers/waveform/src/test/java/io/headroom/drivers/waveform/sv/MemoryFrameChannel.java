package io.headroom.drivers.waveform.sv;

import java.util.ArrayDeque;

/** Frames offered by a test, in order; 0 (a receive timeout) when none is queued, -1 once closed. */
final class MemoryFrameChannel implements RawFrameChannel {

    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private volatile boolean closed;

    void offer(byte[] frame, int length) {
        queue.add(java.util.Arrays.copyOf(frame, length));
    }

    int queued() {
        return queue.size();
    }

    @Override
    public int receive(byte[] buf) {
        if (closed) {
            return -1;
        }
        byte[] f = queue.poll();
        if (f == null) {
            return 0;
        }
        int n = Math.min(f.length, buf.length);
        System.arraycopy(f, 0, buf, 0, n);
        return n;
    }

    @Override
    public void close() {
        closed = true;
    }
}
