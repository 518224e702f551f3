package io.headroom.waveform;

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
    private final InetSocketAddress target;
    private final StreamFormat format;
    private final SampleEncoding encoding;
    private final float[] scales;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(FrameCodec.MAX_DATAGRAM);
    private long nextSequence;

    public UdpFrameSender(InetSocketAddress target, StreamFormat format, SampleEncoding encoding, double[] fullScale)
            throws IOException {
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
        channel.bind(new InetSocketAddress(target.getAddress(), 0));
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
