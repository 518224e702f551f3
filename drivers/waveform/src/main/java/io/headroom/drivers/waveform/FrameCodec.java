package io.headroom.drivers.waveform;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The waveform stream's UDP frame (version 1), big-endian; see the module README for the table.
 *
 * <pre>
 *  0 u32  magic 0x48525746 ("HRWF")
 *  4 u8   version (1)
 *  5 u8   encoding: 1 int16, 2 int32
 *  6 u16  channel count C (1..64)
 *  8 u32  stream id
 * 12 u64  sequence number (+1 per frame of the stream)
 * 20 i64  timestamp of the frame's first sample, ns (sender's clock, Unix epoch)
 * 28 f64  sample rate, Hz (per channel)
 * 36 u16  samples per channel in this frame, N (&ge; 1)
 * 38 u16  flags (bit 0: a sample of this frame was clipped at full scale)
 * 40 C × f32  scale per channel: value = count × scale (V or A per count)
 * 40+4C C × u8 layout per channel: kind in the high nibble (0 other, 1 voltage, 2 current),
 *             phase in the low nibble (0 none, 1 L1, 2 L2, 3 L3, 4 N)
 * 40+5C N × C samples, sample-major (s0c0 s0c1 .. s0cC-1 s1c0 ..), int16 or int32
 * end-4 u32  CRC-32C of every byte before it
 * </pre>
 *
 * Stateless; the decode methods read absolute positions and allocate nothing.
 */
public final class FrameCodec {

    public static final int MAGIC = 0x48525746;
    public static final int VERSION = 1;
    public static final int MAX_CHANNELS = 64;
    public static final int MAX_DATAGRAM = 65_507;
    public static final int FIXED_HEADER = 40;
    public static final int FLAG_CLIPPED = 1;

    private FrameCodec() {
    }

    public static int headerBytes(int channels) {
        return FIXED_HEADER + 5 * channels;
    }

    public static int frameBytes(int channels, int samplesPerChannel, SampleEncoding enc) {
        return headerBytes(channels) + samplesPerChannel * channels * enc.bytes() + 4;
    }

    /** The most samples per channel that fit in one datagram. */
    public static int maxSamplesPerFrame(int channels, SampleEncoding enc) {
        return Math.min(65_535, (MAX_DATAGRAM - headerBytes(channels) - 4) / (channels * enc.bytes()));
    }

    /**
     * Encodes one frame at {@code dst}'s position (big-endian), advancing it. Samples are rounded to counts
     * of {@code scales[c]} and clipped at full scale (which sets {@link #FLAG_CLIPPED}).
     *
     * @return the frame's length in bytes
     */
    public static int encode(ByteBuffer dst, long streamId, long sequence, long firstSampleNanos, double sampleRateHz,
                             SampleEncoding enc, StreamFormat format, float[] scales,
                             double[][] samples, int offset, int n) {
        int channels = format.channelCount();
        if (n < 1 || n > maxSamplesPerFrame(channels, enc)) {
            throw new IllegalArgumentException("samples per frame must be 1.." + maxSamplesPerFrame(channels, enc));
        }
        dst.order(ByteOrder.BIG_ENDIAN);
        int start = dst.position();
        dst.putInt(MAGIC).put((byte) VERSION).put((byte) enc.code()).putShort((short) channels)
                .putInt((int) streamId).putLong(sequence).putLong(firstSampleNanos).putDouble(sampleRateHz)
                .putShort((short) n);
        int flagsAt = dst.position();
        dst.putShort((short) 0);
        for (int c = 0; c < channels; c++) {
            dst.putFloat(scales[c]);
        }
        for (int c = 0; c < channels; c++) {
            dst.put((byte) format.channels().get(c).layoutByte());
        }
        boolean clipped = false;
        long max = enc.maxCount();
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < channels; c++) {
                long count = Math.round(samples[c][offset + i] / scales[c]);
                if (count > max) {
                    count = max;
                    clipped = true;
                } else if (count < -max) {
                    count = -max;
                    clipped = true;
                }
                if (enc == SampleEncoding.INT16) {
                    dst.putShort((short) count);
                } else {
                    dst.putInt((int) count);
                }
            }
        }
        if (clipped) {
            dst.putShort(flagsAt, (short) FLAG_CLIPPED);
        }
        CRC32C crc = new CRC32C();
        ByteBuffer view = dst.duplicate();
        view.position(start).limit(dst.position());
        crc.update(view);
        dst.putInt((int) crc.getValue());
        return dst.position() - start;
    }

    /** Why a datagram was rejected, or {@link Check#OK}. */
    public enum Check { OK, SHORT, MAGIC, VERSION, ENCODING, CHANNELS, LENGTH, CRC }

    /** Validates the frame in {@code buf[0, length)}: magic, version, sizes and CRC. */
    public static Check validate(ByteBuffer buf, int length, CRC32C crc) {
        if (length < FIXED_HEADER + 4) {
            return Check.SHORT;
        }
        if (buf.getInt(0) != MAGIC) {
            return Check.MAGIC;
        }
        if ((buf.get(4) & 0xff) != VERSION) {
            return Check.VERSION;
        }
        SampleEncoding enc = SampleEncoding.ofCode(buf.get(5) & 0xff);
        if (enc == null) {
            return Check.ENCODING;
        }
        int channels = buf.getShort(6) & 0xffff;
        if (channels < 1 || channels > MAX_CHANNELS) {
            return Check.CHANNELS;
        }
        int n = buf.getShort(36) & 0xffff;
        if (n < 1 || length != frameBytes(channels, n, enc)) {
            return Check.LENGTH;
        }
        crc.reset();
        ByteBuffer view = buf.duplicate();
        view.position(0).limit(length - 4);
        crc.update(view);
        if ((int) crc.getValue() != buf.getInt(length - 4)) {
            return Check.CRC;
        }
        return Check.OK;
    }

    public static int channels(ByteBuffer frame) {
        return frame.getShort(6) & 0xffff;
    }

    public static long streamId(ByteBuffer frame) {
        return frame.getInt(8) & 0xffff_ffffL;
    }

    public static long sequence(ByteBuffer frame) {
        return frame.getLong(12);
    }

    public static long firstSampleNanos(ByteBuffer frame) {
        return frame.getLong(20);
    }

    public static double sampleRateHz(ByteBuffer frame) {
        return frame.getDouble(28);
    }

    public static int samplesPerChannel(ByteBuffer frame) {
        return frame.getShort(36) & 0xffff;
    }

    public static int flags(ByteBuffer frame) {
        return frame.getShort(38) & 0xffff;
    }

    public static int layoutByte(ByteBuffer frame, int channel) {
        return frame.get(FIXED_HEADER + 4 * channels(frame) + channel) & 0xff;
    }

    /** True when the frame's channel count and layout bytes are those of {@code format}. */
    public static boolean matches(ByteBuffer frame, StreamFormat format) {
        int channels = channels(frame);
        if (channels != format.channelCount()) {
            return false;
        }
        for (int c = 0; c < channels; c++) {
            if (layoutByte(frame, c) != format.channels().get(c).layoutByte()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Decodes samples {@code [from, from + n)} of a validated frame into {@code dst} channels starting at
     * {@code dstOffset}, scaled.
     */
    public static void decode(ByteBuffer frame, int from, int n, double[][] dst, int dstOffset) {
        int channels = channels(frame);
        SampleEncoding enc = SampleEncoding.ofCode(frame.get(5) & 0xff);
        int data = headerBytes(channels);
        for (int c = 0; c < channels; c++) {
            double scale = frame.getFloat(FIXED_HEADER + 4 * c);
            double[] out = dst[c];
            int stride = channels * enc.bytes();
            int pos = data + (from * channels + c) * enc.bytes();
            if (enc == SampleEncoding.INT16) {
                for (int i = 0; i < n; i++, pos += stride) {
                    out[dstOffset + i] = frame.getShort(pos) * scale;
                }
            } else {
                for (int i = 0; i < n; i++, pos += stride) {
                    out[dstOffset + i] = frame.getInt(pos) * scale;
                }
            }
        }
    }
}
