package io.headroom.drivers.waveform.sv;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Interoperability with Wireshark's dissector, a tool nobody here wrote: tshark reads the frames SvEncoder writes
 * (into a classic pcap file PcapWriter writes) as the same svID, smpCnt, values and quality, and the frame written
 * by hand (test resources) goes through text2pcap (pcapng) into PcapFrameChannel and SvDecoder with the values
 * tshark reads from it. Skipped when tshark is not installed (Debian package {@code tshark}; {@code .ci/run}
 * installs it).
 */
class SvTsharkInteropTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void tsharkPresent() {
        assumeTrue(onPath("tshark") && onPath("text2pcap"),
                "tshark/text2pcap not installed (Debian package tshark; .ci/run installs it)");
    }

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs a tool; returns its stdout lines (stderr discarded: tshark warns when run as root). */
    static List<String> run(Path dir, String... command) throws IOException, InterruptedException {
        Path out = dir.resolve("out-" + System.nanoTime() + ".txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command) + " finished").isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command)).isZero();
        return Files.readAllLines(out, StandardCharsets.UTF_8);
    }

    static final String[] FIELDS = {"frame.number", "vlan.id", "vlan.priority", "sv.appid", "sv.svID", "sv.smpCnt",
            "sv.confRev", "sv.smpSynch", "sv.meas_value", "sv.meas_quality", "sv.reserve1.s_bit", "_ws.malformed",
            "_ws.expert"};

    /** tshark's reading of every frame: one String[] of {@link #FIELDS} per frame. */
    static List<String[]> tshark(Path dir, Path capture) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tshark", "-n", "-o", "sv.decode_data_as_phsmeas:TRUE", "-r",
                capture.toString(), "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"));
        for (String f : FIELDS) {
            cmd.add("-e");
            cmd.add(f);
        }
        List<String[]> rows = new ArrayList<>();
        for (String line : run(dir, cmd.toArray(String[]::new))) {
            rows.add(line.split("\t", -1));
        }
        return rows;
    }

    static String joined(int[] a, int from, int to, boolean hex) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(hex ? String.format("0x%08x", a[i]) : Integer.toString(a[i]));
        }
        return sb.toString();
    }

    @ParameterizedTest
    @EnumSource(SvProfile.class)
    void tsharkReadsTheEncodersFramesAsTheDecoderDoes(SvProfile profile) throws Exception {
        int asdus = profile.asdusPerFrame();
        int modulus = profile.smpCntModulus(50);
        String svId = "HR/" + profile.name();
        SvEncoder tagged = new SvEncoder(SvFrames.parseMac("01-0C-CD-04-00-10"),
                SvFrames.parseMac("02-00-00-00-00-01"), (5 << 13) | 42, 0x4010, svId, 3, 2, modulus);
        SvEncoder plain = new SvEncoder(SvFrames.parseMac("01-0C-CD-04-00-10"),
                SvFrames.parseMac("02-00-00-00-00-01"), -1, 0x4010, svId, 3, 2, modulus);
        int frames = 12;
        int[][] values = new int[frames][asdus * 8];
        int[][] quality = new int[frames][asdus * 8];
        int[] first = new int[frames];
        byte[] buf = new byte[2000];
        Path capture = dir.resolve(profile + ".pcap");
        try (PcapWriter w = PcapWriter.create(capture)) {
            for (int f = 0; f < frames; f++) {
                first[f] = Math.floorMod(modulus - 2 * asdus + f * asdus, modulus); // crosses the wrap
                for (int i = 0; i < asdus * 8; i++) {
                    values[f][i] = (int) Math.round(Math.sin(f * 0.7 + i) * (i % 8 < 4 ? 20_000 : 2_000_000_000.0));
                    quality[f][i] = (f + i) % 5 == 0 ? SvFrames.Q_INVALID | SvFrames.Q_FAILURE
                            : (f + i) % 7 == 0 ? SvFrames.Q_QUESTIONABLE | SvFrames.Q_OLD_DATA
                            : (f + i) % 11 == 0 ? SvFrames.Q_TEST | SvFrames.Q_DERIVED : 0;
                }
                int n = (f % 2 == 0 ? tagged : plain).encode(buf, 0, asdus, first[f], f == 3, values[f], quality[f]);
                w.write(buf, 0, n, 1_700_000_000_000_000_000L + f * 250_000L);
            }
        }
        List<String[]> rows = tshark(dir, capture);
        assertThat(rows).hasSize(frames);
        PcapFrameChannel ch = PcapFrameChannel.open(capture);
        SvDecoder dec = new SvDecoder(SvFrames.parseMac("01-0C-CD-04-00-10"), 0x4010, svId, 8);
        for (int f = 0; f < frames; f++) {
            String[] r = rows.get(f);
            assertThat(r[0]).isEqualTo(Integer.toString(f + 1));
            assertThat(r[1]).isEqualTo(f % 2 == 0 ? "42" : "");
            assertThat(r[2]).isEqualTo(f % 2 == 0 ? "5" : "");
            assertThat(r[3]).isEqualTo("0x4010");
            List<String> svIds = new ArrayList<>();
            List<String> cnts = new ArrayList<>();
            for (int a = 0; a < asdus; a++) {
                svIds.add(svId);
                cnts.add(Integer.toString((first[f] + a) % modulus));
            }
            assertThat(r[4]).isEqualTo(String.join(",", svIds));
            assertThat(r[5]).isEqualTo(String.join(",", cnts));
            assertThat(r[6]).isEqualTo(String.join(",", java.util.Collections.nCopies(asdus, "3")));
            assertThat(r[7]).isEqualTo(String.join(",", java.util.Collections.nCopies(asdus, "2")));
            assertThat(r[8]).isEqualTo(joined(values[f], 0, asdus * 8, false));
            assertThat(r[9]).isEqualTo(joined(quality[f], 0, asdus * 8, true));
            assertThat(r[10]).isEqualTo(f == 3 ? "1" : "0");
            assertThat(r[11]).as("tshark found frame %d malformed", f).isEmpty();
            assertThat(r[12]).as("tshark's expert info on frame %d", f).isEmpty();

            // our decoder on the same file reads what tshark reads
            int n = ch.receive(buf);
            assertThat(dec.decode(buf, 0, n)).isEqualTo(SvDecoder.Result.OK);
            assertThat(dec.simulation()).isEqualTo(f == 3);
            int[] v = new int[asdus * 8];
            int[] q = new int[asdus * 8];
            List<String> decCnts = new ArrayList<>();
            for (int a = 0; a < asdus; a++) {
                decCnts.add(Integer.toString(dec.smpCnt(a)));
                for (int c = 0; c < 8; c++) {
                    v[a * 8 + c] = dec.value(a, c);
                    q[a * 8 + c] = dec.quality(a, c);
                }
            }
            assertThat(String.join(",", decCnts)).isEqualTo(r[5]);
            assertThat(joined(v, 0, v.length, false)).isEqualTo(r[8]);
            assertThat(joined(q, 0, q.length, true)).isEqualTo(r[9]);
        }
    }

    @Test
    void theHandWrittenFrameThroughText2pcapReadsTheSameInTsharkAndTheDecoder() throws Exception {
        Path hex = dir.resolve("le80.hex");
        Files.write(hex, SvTestVectorTest.resource("le80-vlan-one-asdu.hex"));
        Path pcapng = dir.resolve("le80.pcapng");
        run(dir, "text2pcap", "-q", hex.toString(), pcapng.toString()); // pcapng: text2pcap's default
        byte[] file = Files.readAllBytes(pcapng);
        assertThat(file[0]).isEqualTo((byte) 0x0A); // a pcapng Section Header Block
        SvTestVectorTest.assertHandWrittenFrame(PcapFrameChannel.of(file));

        List<String[]> rows = tshark(dir, pcapng);
        assertThat(rows).hasSize(1);
        String[] r = rows.get(0);
        assertThat(r[1]).isEqualTo("0");
        assertThat(r[2]).isEqualTo("4");
        assertThat(r[3]).isEqualTo("0x4000");
        assertThat(r[4]).isEqualTo("HRMU0101");
        assertThat(r[5]).isEqualTo("3000");
        assertThat(r[6]).isEqualTo("1");
        assertThat(r[7]).isEqualTo("2");
        assertThat(r[8]).isEqualTo(joined(SvTestVectorTest.VALUES, 0, 8, false));
        assertThat(r[9]).isEqualTo(joined(SvTestVectorTest.QUALITY, 0, 8, true));
        assertThat(r[10]).isEqualTo("0");
        assertThat(r[11]).isEmpty();
        // and the committed classic-pcap copy is what text2pcap writes from the hex today (timestamps aside)
        assertThat(tshark(dir, writeResource("le80-vlan-one-asdu.pcap")).get(0)).isEqualTo(r);
    }

    Path writeResource(String name) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, SvTestVectorTest.resource(name));
        return p;
    }
}
