package io.headroom.drivers.waveform;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of a waveform stream as the appliance reads it: a {@link UdpSampleSource} on
 * the loopback, one allowed sender and one that is not, and batches of datagrams the fuzzer makes — frames of the
 * feed's own format whose sequence numbers, timestamps, rates, sizes and bytes it chooses (the CRC written right
 * unless it says not to), and raw bytes. The source lives across inputs, as it does in the appliance, so its
 * reordering, loss counting and resync rules meet sequences no test wrote. Whatever arrives, {@code read} returns
 * samples or 0 (nothing within the receive timeout) and never throws; its counters never go backwards.
 * {@code ./headroom fuzz waveform-stream --for 10m} fuzzes for real.
 */
class UdpStreamFuzzTest {

    private static final StreamFormat FEED = StreamFormat.threePhaseFeed(7, 4800, "feed-A");
    private static final float[] SCALES = {0.01f, 0.01f, 0.01f, 0.001f, 0.001f, 0.001f};
    private static final DatagramSocket FRONT_END;
    private static final DatagramSocket STRANGER;
    private static final UdpSampleSource SOURCE;
    private static final SampleBlock BLOCK = new SampleBlock(6, 4096);
    private static long sequence = 1000;

    static {
        try {
            FRONT_END = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
            STRANGER = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
            SOURCE = UdpSampleSource.open(new InetSocketAddress("127.0.0.1", 0), FEED,
                    new UdpSampleSource.Options(4, 1, 1 << 20,
                            Senders.only((InetSocketAddress) FRONT_END.getLocalSocketAddress())), System::nanoTime);
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final CRC32C crc = new CRC32C();

    @FuzzTest
    void stream(FuzzedDataProvider data) throws IOException {
        SourceStats before = SOURCE.stats();
        int datagrams = data.consumeInt(1, 8);
        for (int d = 0; d < datagrams && data.remainingBytes() > 0; d++) {
            byte[] bytes = data.consumeBoolean() ? frame(data) : data.consumeBytes(data.consumeInt(0, 2048));
            DatagramSocket from = data.consumeInt(0, 15) == 0 ? STRANGER : FRONT_END;
            from.send(new DatagramPacket(bytes, bytes.length, SOURCE.localAddress()));
        }
        int n;
        int reads = 0;
        do {
            n = SOURCE.read(BLOCK);
            assertThat(n).as("samples per channel").isBetween(0, BLOCK.capacity());
        } while (n > 0 && ++reads < 64);
        SourceStats after = SOURCE.stats();
        assertThat(after.frames()).isGreaterThanOrEqualTo(before.frames());
        assertThat(after.samplesLost()).isGreaterThanOrEqualTo(before.samplesLost());
        assertThat(after.unknownSender()).isGreaterThanOrEqualTo(before.unknownSender());
        assertThat(after.samplesLost()).isNotNegative();
    }

    /** A frame of the feed's format, the fields the fuzzer's; a bad CRC only when it asks. */
    private byte[] frame(FuzzedDataProvider data) {
        int n = data.consumeInt(1, 64);
        SampleEncoding enc = data.consumeBoolean() ? SampleEncoding.INT16 : SampleEncoding.INT32;
        double rate = data.consumeInt(0, 7) == 0 ? data.consumeDouble() : 4800;
        sequence += data.consumeInt(0, 3) == 0 ? data.consumeLong() : data.consumeInt(-8, 80);
        long first = data.consumeLong();
        double[][] samples = new double[6][n];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 6; c++) {
                samples[c][i] = data.consumeInt(-40_000, 40_000) / 100.0;
            }
        }
        ByteBuffer b = ByteBuffer.allocate(FrameCodec.frameBytes(6, n, enc));
        FrameCodec.encode(b, FEED.streamId(), sequence, first, rate, enc, FEED, SCALES, samples, 0, n);
        byte[] bytes = b.array();
        int flips = data.consumeInt(0, 3);
        for (int k = 0; k < flips; k++) {
            int at = data.consumeInt(0, bytes.length - 1);
            bytes[at] = data.consumeByte();
        }
        if (data.consumeInt(0, 7) != 0) { // mostly a right CRC, so the checks behind it are reached
            crc.reset();
            crc.update(bytes, 0, bytes.length - 4);
            ByteBuffer.wrap(bytes).putInt(bytes.length - 4, (int) crc.getValue());
        }
        return bytes;
    }
}
