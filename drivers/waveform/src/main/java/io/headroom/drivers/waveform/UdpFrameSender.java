package io.headroom.drivers.waveform;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * Sends a sample stream as {@link FrameCodec} frames over UDP: the plant simulator's ADC front-end, and the
 * tests' (which also use {@link #encode} and {@link #sendRaw} to lose, reorder, duplicate or corrupt frames).
 * Scales are fixed per channel: {@code fullScale[c] / maxCount}. One thread.
 */
public final class UdpFrameSender implements AutoCloseable {

    private final DatagramChannel channel;
    private volatile InetSocketAddress target;
    private final StreamFormat format;
    private final SampleEncoding encoding;
    private final float[] scales;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(FrameCodec.MAX_DATAGRAM);
    private long nextSequence;

    /** Sends from a free port of the target's own address. */
    public UdpFrameSender(InetSocketAddress target, StreamFormat format, SampleEncoding encoding, double[] fullScale)
            throws IOException {
        this(new InetSocketAddress(target.getAddress(), 0), target, format, encoding, fullScale);
    }

    /**
     * Sends from {@code source} (port 0: a free one; {@link #localAddress} says which), so that a receiver can be
     * told where its frames come from ({@link Senders}).
     */
    public UdpFrameSender(InetSocketAddress source, InetSocketAddress target, StreamFormat format,
                          SampleEncoding encoding, double[] fullScale) throws IOException {
        if (fullScale.length != format.channelCount()) {
            throw new IllegalArgumentException("one full scale per channel");
        }
        this.target = target;
        this.format = format;
        this.encoding = encoding;
        this.scales = new float[fullScale.length];
        for (int c = 0; c < fullScale.length; c++) {
            scales[c] = (float) (fullScale[c] / encoding.maxCount());
        }
        this.channel = DatagramChannel.open();
        try {
            channel.bind(source);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    /** Where the frames come from. */
    public InetSocketAddress localAddress() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Where frames go now. */
    public InetSocketAddress target() {
        return target;
    }

    /** Sends to {@code target} from now on (a receiver that restarted on another port), from the same source. */
    public void retarget(InetSocketAddress target) {
        this.target = target;
    }

    public StreamFormat format() {
        return format;
    }

    /** The most samples per channel one frame of this stream can carry. */
    public int maxSamplesPerFrame() {
        return FrameCodec.maxSamplesPerFrame(format.channelCount(), encoding);
    }

    /** Encodes and sends {@code n} samples per channel from {@code offset}; returns the sequence used. */
    public long send(double[][] samples, int offset, int n, long firstSampleNanos) throws IOException {
        long seq = nextSequence++;
        buffer.clear();
        encode(seq, samples, offset, n, firstSampleNanos, buffer);
        buffer.flip();
        channel.send(buffer, target);
        return seq;
    }

    /** Encodes one frame with an explicit sequence number into {@code dst} (advancing its position). */
    public int encode(long sequence, double[][] samples, int offset, int n, long firstSampleNanos, ByteBuffer dst) {
        return FrameCodec.encode(dst, format.streamId(), sequence, firstSampleNanos, format.sampleRateHz(), encoding,
                format, scales, samples, offset, n);
    }

    /** Sends bytes as they are (from position to limit). */
    public void sendRaw(ByteBuffer datagram) throws IOException {
        channel.send(datagram, target);
    }

    /** The sequence number {@link #send} will use next. */
    public long nextSequence() {
        return nextSequence;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
