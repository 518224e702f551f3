package io.headroom.drivers.waveform.sv;

import io.headroom.drivers.waveform.SampleBlock;
import io.headroom.drivers.waveform.StreamFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The AF_PACKET socket on the loopback interface: SV frames sent through one socket are read by another and by an
 * {@link SvSampleSource} over it; and {@code dumpcap} (Wireshark's capture tool) captures frames the socket sends,
 * whose capture file replays through the decoder. Skipped, with the reason, where the process may not open raw
 * sockets (no CAP_NET_RAW) or has no loopback interface.
 */
class AfPacketChannelTest {

    static final String MAC = "01-0C-CD-04-00-21";

    @TempDir
    Path dir;

    /** A raw socket on lo, or the test is skipped with the reason. */
    static AfPacketChannel openOrSkip(int receiveTimeoutMs) {
        try {
            return AfPacketChannel.open("lo", AfPacketChannel.ETH_P_SV, SvFrames.parseMac(MAC), receiveTimeoutMs);
        } catch (IOException e) {
            assumeTrue(false, "no raw socket here (" + e.getMessage() + "): AF_PACKET needs CAP_NET_RAW");
            throw new AssertionError(e);
        }
    }

    static SvEncoder encoder(String svId) {
        return new SvEncoder(SvFrames.parseMac(MAC), SvFrames.parseMac("02-00-00-00-00-21"), -1, 0x4021, svId, 1, 2,
                4800);
    }

    static int[] values(int smpCnt) {
        int[] v = new int[16];
        for (int a = 0; a < 2; a++) {
            for (int c = 0; c < 8; c++) {
                v[a * 8 + c] = (smpCnt + a) * 10 + c;
            }
        }
        return v;
    }

    @Test
    void framesSentOnLoopbackAreReceivedAndDecodedIntoBlocks() throws Exception {
        try (AfPacketChannel rx = openOrSkip(200); AfPacketChannel tx = openOrSkip(200)) {
            assertThat(rx.interfaceIndex()).isPositive();
            SvEncoder enc = encoder("AFP/1");
            SvEncoder other = encoder("AFP/2");
            byte[] frame = new byte[1500];
            int[] q = new int[16];
            for (int f = 0; f < 20; f++) {
                int n = other.encode(frame, 0, 2, f * 2, false, values(f * 2), q);
                tx.send(frame, n);
                n = enc.encode(frame, 0, 2, f * 2, false, values(f * 2), q);
                tx.send(frame, n);
            }
            SvSampleSource src = SvSampleSource.open(rx, StreamFormat.threePhaseFeed(1, 4800, "A"),
                    SvSampleSource.Options.feed(SvProfile.IEC61869_4800, 50, MAC, 0x4021, "AFP/1"), System::nanoTime);
            SampleBlock b = new SampleBlock(6, 2);
            int smp = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (smp < 40 && System.nanoTime() < deadline) {
                int n = src.read(b);
                assertThat(n).isNotNegative();
                for (int i = 0; i < n; i++) {
                    assertThat(b.channel(0)[i]).isCloseTo((smp * 10 + 4) * 0.01, within(1e-9)); // Va
                    assertThat(b.channel(3)[i]).isCloseTo((smp * 10) * 0.001, within(1e-9));    // Ia
                    smp++;
                }
            }
            assertThat(smp).isEqualTo(40);
            assertThat(src.stats().samplesLost()).isZero();
            // the other stream's 20, and any a bench publishing on lo beside the tests adds
            assertThat(src.stats().foreign()).isGreaterThanOrEqualTo(20);
            // nothing more: the receive timeout answers 0
            assertThat(src.read(b)).isZero();
            src.close();
            assertThat(src.read(b)).isEqualTo(-1);
            assertThatThrownBy(() -> AfPacketChannel.open("no-such-if0", AfPacketChannel.ETH_P_SV, null, 10))
                    .hasMessageContaining("no interface 'no-such-if0'");
        }
    }

    /**
     * Once compiled, a receive allocates nothing. (Before C2 compiles it, the FFM downcall with a captured errno
     * allocates 40 bytes per call in the interpreter and C1: so the test runs rounds of 200 frames (well within the
     * socket's default buffer) until three rounds in a row allocate nothing, at most 5,000 rounds.)
     */
    @Test
    void receivingAllocatesNothingPerFrameOnceCompiled() throws Exception {
        try (AfPacketChannel rx = openOrSkip(200); AfPacketChannel tx = openOrSkip(200)) {
            SvEncoder enc = encoder("AFP/ALLOC");
            byte[] frame = new byte[1500];
            byte[] buf = new byte[1500];
            int[] q = new int[16];
            var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long id = Thread.currentThread().threadId();
            int clean = 0;
            int round = 0;
            long lastUsed = -1;
            while (clean < 3 && round++ < 5000) {
                for (int f = 0; f < 200; f++) {
                    int n = enc.encode(frame, 0, 2, (f * 2) % 4800, false, values(f * 2), q);
                    tx.send(frame, n);
                }
                long before = mx.getThreadAllocatedBytes(id);
                int got = 0;
                for (int f = 0; f < 200; f++) {
                    if (rx.receive(buf) > 0) {
                        got++;
                    }
                }
                lastUsed = mx.getThreadAllocatedBytes(id) - before;
                clean = lastUsed == 0 && got == 200 ? clean + 1 : 0;
            }
            assertThat(clean).as("rounds of 200 frames received with nothing allocated (the last allocated %d "
                    + "bytes) after %d rounds", lastUsed, round).isEqualTo(3);
        }
    }

    @Test
    void aCaptureThatDumpcapWroteReplaysThroughTheDecoder() throws Exception {
        assumeTrue(SvTsharkInteropTest.onPath("dumpcap"), "dumpcap not installed (Debian package tshark pulls it in)");
        try (AfPacketChannel tx = openOrSkip(100)) {
            Path capture = dir.resolve("dumpcap.pcapng");
            int frames = 10;
            Process dumpcap = new ProcessBuilder("dumpcap", "-q", "-i", "lo", "-f",
                    // only this test's stream: a bench running beside the tests publishes SV on lo too
                    "ether proto 0x88ba and ether dst " + MAC.replace('-', ':').toLowerCase() + " and ether[14:2] = 0x4021",
                    "-c",
                    Integer.toString(frames), "-w", capture.toString()).redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(dumpcap.getInputStream(),
                        StandardCharsets.UTF_8));
                StringBuilder said = new StringBuilder();
                String line;
                while ((line = out.readLine()) != null && !line.contains("Capturing on")) {
                    said.append(line).append('\n');
                }
                assumeTrue(line != null, "dumpcap could not capture on lo: " + said);
                SvEncoder enc = encoder("DUMPCAP/1");
                byte[] frame = new byte[1500];
                int[] q = new int[16];
                q[5] = SvFrames.Q_QUESTIONABLE;
                int f = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                // dumpcap stops by itself after `frames` frames: keep the stream going until it has them all
                while (!dumpcap.waitFor(2, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline) {
                    int n = enc.encode(frame, 0, 2, (f * 2) % 4800, false, values(f * 2), q);
                    tx.send(frame, n);
                    f++;
                }
                assertThat(dumpcap.isAlive()).as("dumpcap got its %d frames", frames).isFalse();
                assertThat(dumpcap.exitValue()).isZero();
            } finally {
                dumpcap.destroy();
            }
            byte[] file = Files.readAllBytes(capture);
            assertThat(file[0]).isEqualTo((byte) 0x0A); // dumpcap writes pcapng
            PcapFrameChannel ch = PcapFrameChannel.of(file);
            SvDecoder dec = new SvDecoder(SvFrames.parseMac(MAC), 0x4021, "DUMPCAP/1", 8);
            byte[] buf = new byte[2000];
            int read = 0;
            int previous = -1;
            int n;
            while ((n = ch.receive(buf)) > 0) {
                assertThat(dec.decode(buf, 0, n)).isEqualTo(SvDecoder.Result.OK);
                int cnt = dec.smpCnt(0);
                if (previous >= 0) {
                    assertThat(cnt).isEqualTo(previous + 2);
                }
                previous = cnt;
                for (int a = 0; a < 2; a++) {
                    for (int c = 0; c < 8; c++) {
                        assertThat(dec.value(a, c)).isEqualTo((cnt + a) * 10 + c);
                        assertThat(dec.quality(a, c)).isEqualTo(a == 0 && c == 5 ? SvFrames.Q_QUESTIONABLE : 0);
                    }
                }
                read++;
            }
            assertThat(read).isEqualTo(frames);
        }
    }
}
