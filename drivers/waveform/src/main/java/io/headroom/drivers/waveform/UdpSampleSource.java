package io.headroom.drivers.waveform;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.function.LongSupplier;
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
 * <p>What a forged or stray datagram cannot do:
 * <ul>
 *   <li>come from anyone but the {@link Options#senders() allowed senders} (read and dropped first, counted in
 *   {@code unknownSender});</li>
 *   <li>announce another sample rate than the configured one (beyond {@link #RATE_TOLERANCE}: dropped, counted in
 *   {@code rateMismatch});</li>
 *   <li>blind the stream with a sequence number far from the one expected: a frame more than
 *   {@link Options#resyncWindow()} frames ahead of or behind the next expected one is <i>suspect</i>, dropped and
 *   counted, and never held nor given up for. The stream moves to a new sequence (a front-end that restarted
 *   from 0, a long outage) only when at least {@link Options#resyncFrames()} suspect frames in a row continue
 *   each other <i>and</i> were read over at least {@link Options#resyncQuietMs()} with no frame of the current
 *   sequence among them: while genuine frames keep arriving, no run of forged ones, however long, moves it, and
 *   a burst (or a backlog read after a stall) is too short. The frames of the run before the one that completes
 *   it are lost (the next block says how many samples, from the timestamps).</li>
 * </ul>
 * Within the window, a frame from an allowed sender with a good CRC is taken as the front-end's: the frame
 * carries no authentication (its CRC-32C is no MAC), so a host that can forge the front-end's address can still
 * replace frames within the window.
 *
 * <p>Buffers are allocated once; {@link #read} allocates nothing per sample. One reader thread.
 */
public final class UdpSampleSource implements SampleSource {

    /** A frame's own sample rate may differ from the configured one by this fraction (100 ppm), no more. */
    public static final double RATE_TOLERANCE = 1e-4;

    /**
     * @param reorderDepth      frames held for a late one (0..64)
     * @param receiveTimeoutMs  a quiet socket for this long gives up the gap held frames wait for
     * @param socketBufferBytes the socket's receive buffer
     * @param senders           who may send frames (no default: {@link Senders#only} or {@link Senders#any()})
     * @param resyncWindow      frames ahead of or behind the next expected one that are still the current sequence
     *                          (more than {@code reorderDepth}, at most 2^20)
     * @param resyncFrames      suspect frames in a row that continue each other before the stream moves to them
     * @param resyncQuietMs     ... read over at least this long, no frame of the current sequence among them
     */
    public record Options(int reorderDepth, int receiveTimeoutMs, int socketBufferBytes, Senders senders,
                          int resyncWindow, int resyncFrames, int resyncQuietMs) {
        public Options {
            if (reorderDepth < 0 || reorderDepth > 64) {
                throw new IllegalArgumentException("reorderDepth must be 0..64, was " + reorderDepth);
            }
            if (receiveTimeoutMs < 1) {
                throw new IllegalArgumentException("receiveTimeoutMs must be >= 1, was " + receiveTimeoutMs);
            }
            if (senders == null) {
                throw new IllegalArgumentException("senders: name the front-ends (Senders.only) or say Senders.any()");
            }
            if (resyncWindow <= reorderDepth || resyncWindow > 1 << 20) {
                throw new IllegalArgumentException("resyncWindow must be " + (reorderDepth + 1) + ".." + (1 << 20)
                        + " (more than reorderDepth), was " + resyncWindow);
            }
            if (resyncFrames < 2 || resyncFrames > 1024) {
                throw new IllegalArgumentException("resyncFrames must be 2..1024, was " + resyncFrames);
            }
            if (resyncQuietMs < 1) {
                throw new IllegalArgumentException("resyncQuietMs must be >= 1, was " + resyncQuietMs);
            }
        }

        /** Reordering as before (4 frames, 50 ms, 8 MiB), a 64-frame window, 8 frames and 100 ms to resync. */
        public Options(int reorderDepth, int receiveTimeoutMs, int socketBufferBytes, Senders senders) {
            this(reorderDepth, receiveTimeoutMs, socketBufferBytes, senders, DEFAULT_RESYNC_WINDOW,
                    DEFAULT_RESYNC_FRAMES, DEFAULT_RESYNC_QUIET_MS);
        }

        /** The defaults, with these senders. */
        public static Options defaults(Senders senders) {
            return new Options(4, 50, 8 << 20, senders);
        }

        /** The same with other resync rules. */
        public Options withResync(int window, int frames, int quietMs) {
            return new Options(reorderDepth, receiveTimeoutMs, socketBufferBytes, senders, window, frames, quietMs);
        }
    }

    public static final int DEFAULT_RESYNC_WINDOW = 64;
    public static final int DEFAULT_RESYNC_FRAMES = 8;
    public static final int DEFAULT_RESYNC_QUIET_MS = 100;

    private final StreamFormat format;
    private final DatagramSocket socket;
    private final Senders senders;
    private final LongSupplier nanoTime;
    private final long resyncWindow;
    private final int resyncFrames;
    private final long resyncQuietNanos;
    private long suspectNext;       // the sequence that continues the run of suspect frames
    private int suspectRun;         // suspect frames in a row that continue each other, none of the current between
    private long suspectRunStart;   // when the run's first frame was read
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
    private long unknownSender;
    private long suspect;
    private long resyncs;
    private long rateMismatch;
    private volatile long lastFrameNanos; // also publishes the counters above

    private volatile boolean closed;
    private volatile int publish; // written after each datagram: makes the counters visible to stats()

    private UdpSampleSource(StreamFormat format, DatagramSocket socket, Options options, LongSupplier nanoTime) {
        this.format = format;
        this.socket = socket;
        this.senders = options.senders();
        this.nanoTime = nanoTime;
        this.resyncWindow = options.resyncWindow();
        this.resyncFrames = options.resyncFrames();
        this.resyncQuietNanos = options.resyncQuietMs() * 1_000_000L;
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

    /**
     * Binds {@code bind} (use 127.0.0.1 in tests) and receives {@code format}'s stream.
     *
     * @param nanoTime the caller's monotonic clock, ns ({@code System::nanoTime} in production): the resync rule's
     *                 quiet time and the stats' {@code lastFrameNanos} are on it
     */
    public static UdpSampleSource open(InetSocketAddress bind, StreamFormat format, Options options,
                                       LongSupplier nanoTime) throws IOException {
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
        return new UdpSampleSource(format, s, options, nanoTime);
    }

    /** A gap longer than this (an hour) is counted as this long: a front-end clock that jumped is no measure. */
    static final long MAX_GAP_NANOS = 3_600_000_000_000L;

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
            if (senders.allows(p.getAddress(), p.getPort())) {
                accept(slot, p.getLength());
            } else {
                unknownSender++;
            }
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
        double rate = FrameCodec.sampleRateHz(b);
        if (!(Math.abs(rate - format.sampleRateHz()) <= RATE_TOLERANCE * format.sampleRateHz())) {
            rateMismatch++;
            return;
        }
        long seq = FrameCodec.sequence(b);
        long now = nanoTime.getAsLong();
        if (!started) {
            started = true;
            expectedSeq = seq;
        }
        long distance = seq - expectedSeq; // wraps for forged extremes: still far either way
        if (distance >= resyncWindow || distance < -resyncWindow) {
            suspect(slot, seq, now);
            return;
        }
        if (distance >= 0) {
            suspectRun = 0; // the current sequence is alive: a run of suspect frames starts again from nothing
        }
        if (seq == expectedSeq) {
            if (heldCount > 0) {
                reordered++; // a later frame arrived first; this one is still delivered in order
            }
            slotSeq[slot] = seq;
            start(slot, 0);
            return;
        }
        if (distance < 0) {
            long back = -distance - 1;
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

    /**
     * A frame far from the current sequence: dropped, unless it completes a run of at least {@code resyncFrames}
     * that continue each other, read over at least {@code resyncQuiet} without a frame of the current sequence
     * among them; then the stream moves to it (frames held for the old sequence are dropped as lost) and it is
     * delivered. The span is the reader's time: a burst of forged frames, or a queue the reader catches up with
     * after a stall, is read in far less, and the genuine stream's next frame starts the count again.
     */
    private void suspect(int slot, long seq, long now) {
        if (suspectRun > 0 && seq == suspectNext) {
            suspectRun++;
        } else {
            suspectRun = 1;
            suspectRunStart = now;
        }
        suspectNext = seq + 1;
        if (suspectRun < resyncFrames || now - suspectRunStart < resyncQuietNanos) {
            suspect++;
            return;
        }
        for (int i = 0; i < slotHeld.length; i++) {
            if (slotHeld[i]) {
                slotHeld[i] = false;
                framesLost++;
            }
        }
        heldCount = 0;
        resyncs++;
        suspectRun = 0;
        expectedSeq = seq;
        deliveredMask = 0;
        lastDeliveredSeq = seq - 2; // not contiguous: the block says how many samples were lost
        slotSeq[slot] = seq;
        start(slot, 0);
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
            // the front-end's timestamps say how long the gap was (a restarted one's clock may be anywhere: at least 1)
            lostSamples = Math.max(1, Math.round(Math.min(Math.max(t0 - lastEndNanos, 0), MAX_GAP_NANOS) * rate / 1e9));
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
        lastFrameNanos = nanoTime.getAsLong();
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
                foreign, acquire == Integer.MIN_VALUE ? 0 : lastFrameNanos, unknownSender, suspect, resyncs, rateMismatch);
    }

    @Override
    public void close() {
        closed = true;
        socket.close();
    }
}
