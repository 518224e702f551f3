package io.headroom.waveform;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The network stream from an ADC front-end: UDP frames in the {@link FrameCodec} format, one stream id and
 * channel layout per source. Frames are delivered in sequence order. A frame that arrives ahead of a missing
 * one is held (up to {@code reorderDepth} frames) in case the missing one is only late; past that depth, or
 * when the socket has been quiet for the receive timeout, the missing frames are declared lost and the next
 * block says how many samples are missing ({@link SampleBlock#samplesLostBefore()}). Duplicates, frames that
 * arrive after their gap was given up on, corrupt datagrams (bad magic, version, length or CRC-32C) and
 * frames of another stream or layout are dropped and counted.
 *
 * <p>Buffers are allocated once; {@link #read} allocates nothing per sample. One reader thread.
 */
public final class UdpSampleSource implements SampleSource {

    /** Defaults: hold up to 4 frames for a late one; 50 ms receive timeout. */
    public record Options(int reorderDepth, int receiveTimeoutMs, int socketBufferBytes) {
        public Options {
            if (reorderDepth < 0 || reorderDepth > 64) {
                throw new IllegalArgumentException("reorderDepth must be 0..64");
            }
            if (receiveTimeoutMs < 1) {
                throw new IllegalArgumentException("receiveTimeoutMs must be >= 1");
            }
        }

        public static Options defaults() {
            return new Options(4, 50, 8 << 20);
        }
    }

    private final StreamFormat format;
    private final DatagramSocket socket;
    private final CRC32C crc = new CRC32C();

    private final byte[][] slotBytes;
    private final ByteBuffer[] slotBuf;
    private final DatagramPacket[] slotPacket;
    private final long[] slotSeq;
    private final boolean[] slotHeld;
    private final int reorderDepth;
    private int heldCount;

    private int current = -1;   // slot being delivered
    private int currentCursor;  // next sample of it
    private long currentLostBefore;

    private boolean started;
    private long expectedSeq;   // next sequence to deliver
    private long deliveredMask; // bit k: expectedSeq-1-k was delivered (k < 64)
    private long lastEndNanos;  // timestamp just after the last delivered sample
    private boolean haveLastEnd;
    private long lastDeliveredSeq;

    private long frames;
    private long samples;
    private long framesLost;
    private long samplesLost;
    private long reordered;
    private long late;
    private long duplicates;
    private long corrupt;
    private long foreign;
    private volatile long lastFrameNanos; // also publishes the counters above

    private volatile boolean closed;
    private volatile int publish; // written after each datagram: makes the counters visible to stats()

    private UdpSampleSource(StreamFormat format, DatagramSocket socket, Options options) {
        this.format = format;
        this.socket = socket;
        this.reorderDepth = options.reorderDepth();
        int slots = reorderDepth + 2;
        slotBytes = new byte[slots][FrameCodec.MAX_DATAGRAM + 1];
        slotBuf = new ByteBuffer[slots];
        slotPacket = new DatagramPacket[slots];
        slotSeq = new long[slots];
        slotHeld = new boolean[slots];
        for (int i = 0; i < slots; i++) {
            slotBuf[i] = ByteBuffer.wrap(slotBytes[i]);
            slotPacket[i] = new DatagramPacket(slotBytes[i], slotBytes[i].length);
        }
    }

    /** Binds {@code bind} (use 127.0.0.1 in tests) and receives {@code format}'s stream. */
    public static UdpSampleSource open(InetSocketAddress bind, StreamFormat format, Options options)
            throws IOException {
        DatagramSocket s = new DatagramSocket(null);
        try {
            s.setReuseAddress(false);
            s.setReceiveBufferSize(options.socketBufferBytes());
            s.bind(bind);
            s.setSoTimeout(options.receiveTimeoutMs());
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return new UdpSampleSource(format, s, options);
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    @Override
    public StreamFormat format() {
        return format;
    }

    @Override
    public int read(SampleBlock into) throws IOException {
        while (!closed) {
            if (current >= 0) {
                return deliver(into);
            }
            int ready = takeHeld(expectedSeq);
            if (ready >= 0) {
                start(ready, 0);
                continue;
            }
            int slot = freeSlot();
            DatagramPacket p = slotPacket[slot];
            p.setLength(slotBytes[slot].length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                if (heldCount > 0) {
                    giveUpGap();
                    continue;
                }
                return 0;
            } catch (SocketException e) {
                if (closed) {
                    return -1;
                }
                throw e;
            }
            accept(slot, p.getLength());
            publish = (int) frames;
        }
        return -1;
    }

    private void accept(int slot, int length) {
        ByteBuffer b = slotBuf[slot];
        if (FrameCodec.validate(b, length, crc) != FrameCodec.Check.OK) {
            corrupt++;
            return;
        }
        if (FrameCodec.streamId(b) != (format.streamId() & 0xffff_ffffL) || !FrameCodec.matches(b, format)) {
            foreign++;
            return;
        }
        long seq = FrameCodec.sequence(b);
        if (!started) {
            started = true;
            expectedSeq = seq;
        }
        if (seq == expectedSeq) {
            if (heldCount > 0) {
                reordered++; // a later frame arrived first; this one is still delivered in order
            }
            slotSeq[slot] = seq;
            start(slot, 0);
            return;
        }
        if (seq < expectedSeq) {
            long back = expectedSeq - 1 - seq;
            if (back < 64 && (deliveredMask & (1L << back)) != 0) {
                duplicates++;
            } else {
                late++;
            }
            return;
        }
        for (int i = 0; i < slotHeld.length; i++) {
            if (slotHeld[i] && slotSeq[i] == seq) {
                duplicates++;
                return;
            }
        }
        slotSeq[slot] = seq;
        slotHeld[slot] = true;
        heldCount++;
        if (heldCount > reorderDepth) {
            giveUpGap();
        }
    }

    /** The earliest held frame becomes the next one; the frames before it are lost. */
    private void giveUpGap() {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < slotHeld.length; i++) {
            if (slotHeld[i] && slotSeq[i] < min) {
                min = slotSeq[i];
            }
        }
        long lost = min - expectedSeq;
        framesLost += lost;
        deliveredMask = lost >= 64 ? 0 : deliveredMask << lost;
        expectedSeq = min;
    }

    private int takeHeld(long seq) {
        if (heldCount == 0) {
            return -1;
        }
        for (int i = 0; i < slotHeld.length; i++) {
            if (slotHeld[i] && slotSeq[i] == seq) {
                slotHeld[i] = false;
                heldCount--;
                return i;
            }
        }
        return -1;
    }

    private int freeSlot() {
        for (int i = 0; i < slotHeld.length; i++) {
            if (!slotHeld[i] && i != current) {
                return i;
            }
        }
        throw new IllegalStateException("no free frame slot");
    }

    private void start(int slot, int cursor) {
        ByteBuffer b = slotBuf[slot];
        long seq = slotSeq[slot];
        long t0 = FrameCodec.firstSampleNanos(b);
        double rate = FrameCodec.sampleRateHz(b);
        long lostSamples = 0;
        if (haveLastEnd && seq != lastDeliveredSeq + 1) {
            lostSamples = Math.max(1, Math.round((t0 - lastEndNanos) * rate / 1e9));
            samplesLost += lostSamples;
        }
        long advance = seq - expectedSeq + 1;
        deliveredMask = advance >= 64 ? 1L : (deliveredMask << advance) | 1L;
        expectedSeq = seq + 1;
        lastDeliveredSeq = seq;
        current = slot;
        currentCursor = cursor;
        currentLostBefore = lostSamples;
        int n = FrameCodec.samplesPerChannel(b);
        lastEndNanos = t0 + (long) Math.rint(n * 1e9 / rate);
        haveLastEnd = true;
        frames++;
        lastFrameNanos = System.nanoTime();
    }

    private int deliver(SampleBlock into) {
        ByteBuffer b = slotBuf[current];
        int n = FrameCodec.samplesPerChannel(b);
        int take = Math.min(n - currentCursor, into.capacity());
        double rate = FrameCodec.sampleRateHz(b);
        FrameCodec.decode(b, currentCursor, take, into.channelsArray(), 0);
        long t0 = FrameCodec.firstSampleNanos(b) + (long) Math.rint(currentCursor * 1e9 / rate);
        into.set(take, t0, rate, slotSeq[current], currentLostBefore);
        currentLostBefore = 0;
        currentCursor += take;
        samples += take;
        if (currentCursor >= n) {
            current = -1;
        }
        publish = (int) samples;
        return take;
    }

    @Override
    public SourceStats stats() {
        int acquire = publish; // the volatile read orders the plain reads below after the reader's writes
        return new SourceStats(frames, samples, framesLost, samplesLost, reordered, late, duplicates, corrupt,
                foreign, acquire == Integer.MIN_VALUE ? 0 : lastFrameNanos);
    }

    @Override
    public void close() {
        closed = true;
        socket.close();
    }
}
