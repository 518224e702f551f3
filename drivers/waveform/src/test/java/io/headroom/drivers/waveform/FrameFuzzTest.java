package io.headroom.drivers.waveform;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of the waveform stream's frame decoder, the code every datagram on the stream
 * port reaches: {@link FrameCodec#validate} either refuses a datagram with a reason or accepts one whose declared sizes
 * match its length and whose every sample then decodes from within the frame. A fuzzer cannot forge a CRC-32C, so when the first
 * byte is odd the target writes the right CRC into the datagram before validating it: the checks behind the CRC
 * are fuzzed too. Seeds: frames of the bench's encoder ({@code FrameFuzzTestInputs/frame/}); {@code ./headroom
 * fuzz waveform-frame --for 10m} fuzzes for real.
 */
class FrameFuzzTest {

    private static final StreamFormat FEED = StreamFormat.threePhaseFeed(7, 4800, "feed-A");
    private final CRC32C crc = new CRC32C();

    @FuzzTest
    void frame(byte[] input) {
        if (input.length < 1) {
            return;
        }
        boolean fixCrc = (input[0] & 1) == 1;
        byte[] datagram = java.util.Arrays.copyOfRange(input, 1, input.length);
        ByteBuffer buf = ByteBuffer.wrap(datagram);
        if (fixCrc && datagram.length >= 4) {
            crc.reset();
            crc.update(datagram, 0, datagram.length - 4);
            buf.putInt(datagram.length - 4, (int) crc.getValue());
        }
        FrameCodec.Check check = FrameCodec.validate(buf, datagram.length, crc);
        if (check != FrameCodec.Check.OK) {
            return;
        }
        int channels = FrameCodec.channels(buf);
        int n = FrameCodec.samplesPerChannel(buf);
        assertThat(FrameCodec.frameBytes(channels, n, SampleEncoding.ofCode(buf.get(5) & 0xff))).isEqualTo(datagram.length);
        FrameCodec.matches(buf, FEED);
        double[][] dst = new double[channels][n];
        FrameCodec.decode(buf, 0, n, dst, 0);
    }
}
