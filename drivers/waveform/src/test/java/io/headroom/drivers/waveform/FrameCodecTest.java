package io.headroom.drivers.waveform;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class FrameCodecTest {

    @ParameterizedTest
    @EnumSource(SampleEncoding.class)
    void aFrameRoundTripsAndAnyFlippedBitIsCaught(SampleEncoding enc) {
        StreamFormat f = StreamFormat.threePhaseFeed(9, 1_000_000, "x");
        Random r = new Random(3);
        double[][] s = new double[6][50];
        for (double[] c : s) {
            for (int i = 0; i < c.length; i++) {
                c[i] = (r.nextDouble() - 0.5) * 600;
            }
        }
        float[] scales = new float[6];
        java.util.Arrays.fill(scales, (float) (400.0 / enc.maxCount()));
        ByteBuffer b = ByteBuffer.allocate(65_536);
        int len = FrameCodec.encode(b, 9, 77, 123_456_789L, 1e6, enc, f, scales, s, 0, 50);
        assertThat(len).isEqualTo(FrameCodec.frameBytes(6, 50, enc));
        CRC32C crc = new CRC32C();
        assertThat(FrameCodec.validate(b, len, crc)).isEqualTo(FrameCodec.Check.OK);
        assertThat(FrameCodec.sequence(b)).isEqualTo(77);
        assertThat(FrameCodec.firstSampleNanos(b)).isEqualTo(123_456_789L);
        assertThat(FrameCodec.sampleRateHz(b)).isEqualTo(1e6);
        assertThat(FrameCodec.matches(b, f)).isTrue();
        assertThat(FrameCodec.flags(b) & FrameCodec.FLAG_CLIPPED).as("±300 beyond ±400 full scale? no; clipped only if >400")
                .isZero();
        double[][] out = new double[6][50];
        FrameCodec.decode(b, 0, 50, out, 0);
        for (int c = 0; c < 6; c++) {
            for (int i = 0; i < 50; i++) {
                assertThat(out[c][i]).isCloseTo(s[c][i], within(400.0 / enc.maxCount()));
            }
        }
        for (int bit = 0; bit < len * 8; bit += 7) {
            b.put(bit / 8, (byte) (b.get(bit / 8) ^ (1 << (bit % 8))));
            assertThat(FrameCodec.validate(b, len, crc)).as("bit %d flipped", bit).isNotEqualTo(FrameCodec.Check.OK);
            b.put(bit / 8, (byte) (b.get(bit / 8) ^ (1 << (bit % 8))));
        }
    }
}
