package io.headroom.hil;

import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.appliance.site.WaveformStream;
import io.headroom.drivers.waveform.sv.AfPacketChannel;
import io.headroom.drivers.waveform.sv.SvDecoder;
import io.headroom.drivers.waveform.sv.SvFrames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Interoperability of what the bench publishes with a tool nobody here wrote (issue 17's "Debian's tshark decodes
 * the frames the bench publishes"): the bench's plant front-end ({@link WaveformStreamer#sv}, with the streams
 * {@link Bench#svStreams} gives a bench: destination MAC, APPID {@code 0x4000|n}, svID
 * {@code headroom-bench/PID/n}, the 61869-9 profile at 4800 S/s) publishes on {@code lo} while {@code dumpcap}
 * captures feed A's stream alone (a capture filter on its destination MAC and APPID: other benches may publish on
 * lo) until it has {@link #FRAMES} frames; {@code tshark -o sv.decode_data_as_phsmeas:TRUE} then reads every frame
 * as the svID, confRev, smpSynch, continuous smpCnt, values and quality the publisher put on the wire (the same
 * frames read back through a raw socket of this test and the project's decoder; the voltages also at the feed's
 * nominal peak), with nothing malformed and no expert info. Skipped, with the reason, where tshark or dumpcap is
 * not installed (Debian package tshark; {@code .ci/run} installs it) or this process may not open raw sockets.
 */
class BenchSvTsharkTest {

    static final int FRAMES = 300;
    static final String[] FIELDS = {"frame.number", "eth.dst", "sv.appid", "sv.svID", "sv.smpCnt", "sv.confRev",
            "sv.smpSynch", "sv.meas_value", "sv.meas_quality", "sv.reserve1.s_bit", "_ws.malformed", "_ws.expert"};

    @TempDir
    Path dir;

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void tsharkReadsTheBenchsSvFramesAsPublished() throws Exception {
        assumeTrue(onPath("tshark") && onPath("dumpcap"),
                "tshark/dumpcap not installed (Debian package tshark; .ci/run installs it)");
        Site site = SiteLoader.load(Path.of("../sites/example-4feed.yaml"));
        int hz = (int) Math.round(site.frequencyHz());
        List<WaveformStream.Sv> streams = Bench.svStreams(site, 4800);
        assertThat(streams).hasSize(site.feeds().size());
        WaveformStream.Sv a = streams.getFirst();
        assertThat(a.svId()).startsWith("headroom-bench/" + ProcessHandle.current().pid() + "/");
        assertThat(a.appId() & 0xC000).isEqualTo(0x4000);
        int asdus = a.profile().asdusPerFrame();
        int modulus = a.profile().smpCntModulus(hz);
        byte[] mac = SvFrames.parseMac(a.destinationMac());

        WaveformStreamer plant;
        AfPacketChannel rx;
        try {
            rx = AfPacketChannel.open("lo", AfPacketChannel.ETH_P_SV, mac, 100);
            plant = WaveformStreamer.sv(site, streams);
        } catch (IOException e) {
            assumeTrue(false, "no raw socket on lo here (" + e.getMessage() + "): AF_PACKET needs CAP_NET_RAW");
            throw new AssertionError(e);
        }
        // What the publisher put on the wire, by the first ASDU's smpCnt: feed A's frames read back through a raw
        // socket of our own (the whole run stays within one smpCnt period, so the counts are keys)
        Map<Integer, byte[]> sent = new HashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        SvDecoder dec = new SvDecoder(mac, a.appId(), a.svId(), 8);
        Thread reader = Thread.ofPlatform().name("sv-readback").start(() -> {
            byte[] buf = new byte[2000];
            try {
                while (!stop.get()) {
                    int n = rx.receive(buf);
                    if (n > 0 && dec.decode(buf, 0, n) == SvDecoder.Result.OK) {
                        synchronized (sent) {
                            sent.putIfAbsent(dec.smpCnt(0), Arrays.copyOf(buf, n));
                        }
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });

        Path capture = dir.resolve("bench-sv.pcapng");
        Process dumpcap = new ProcessBuilder("dumpcap", "-q", "-n", "-i", "lo", "-f",
                "ether proto 0x88ba and ether dst " + a.destinationMac().replace('-', ':').toLowerCase()
                        + String.format(" and ether[14:2] = 0x%04x", a.appId()),
                "-c", Integer.toString(FRAMES), "-a", "duration:60", "-w", capture.toString())
                .redirectErrorStream(true).start();
        long published = 0;
        try {
            BufferedReader out = dumpcap.inputReader(StandardCharsets.UTF_8);
            StringBuilder said = new StringBuilder();
            String line;
            while ((line = out.readLine()) != null && !line.contains("Capturing on")) {
                said.append(line).append('\n');
            }
            assertThat(line).as("dumpcap capturing on lo; it said: %s", said).isNotNull();
            plant.publish();
            boolean[] up = new boolean[site.feeds().size()];
            Arrays.fill(up, true);
            double[] amps = new double[up.length];
            Arrays.fill(amps, 100);
            long start = System.nanoTime();
            long last = start;
            // dumpcap stops by itself after FRAMES frames of the stream: publish (paced in real time) until it has
            // them, within one smpCnt period (a frame's smpCnt then names it)
            while (dumpcap.isAlive() && published < modulus - 200) {
                LockSupport.parkNanos(1_000_000);
                long now = System.nanoTime();
                plant.emit((now - last) / 1e9, up, amps);
                last = now;
                published = (now - start) * 4800 / 1_000_000_000L;
            }
            assertThat(dumpcap.waitFor(10, TimeUnit.SECONDS)).as("dumpcap got its %d frames within one smpCnt "
                    + "period (%d samples published)", FRAMES, published).isTrue();
            assertThat(dumpcap.exitValue()).isZero();
        } finally {
            dumpcap.destroyForcibly();
            stop.set(true);
            reader.join(5_000);
            rx.close();
            plant.close();
        }

        List<String[]> rows = tshark(capture);
        assertThat(rows).hasSize(FRAMES);
        var feedA = site.feeds().getFirst();
        double vPeakCounts = Math.sqrt(2) * feedA.voltageV() / (feedA.phases() == 3 ? Math.sqrt(3) : 1)
                / a.voltsPerCount();
        int maxV = 0;
        Integer previous = null;
        for (String[] r : rows) {
            String frame = "frame " + r[0];
            assertThat(r[1]).as(frame).isEqualToIgnoringCase(a.destinationMac().replace('-', ':'));
            assertThat(r[2]).as(frame).isEqualTo(String.format("0x%04x", a.appId()));
            String[] cnts = r[4].split(",");
            assertThat(cnts).as(frame).hasSize(asdus);
            assertThat(r[3]).as(frame).isEqualTo(String.join(",", java.util.Collections.nCopies(asdus, a.svId())));
            assertThat(r[5]).as(frame + " confRev").isEqualTo(String.join(",", java.util.Collections.nCopies(asdus, "1")));
            assertThat(r[6]).as(frame + " smpSynch").isEqualTo(String.join(",", java.util.Collections.nCopies(asdus, "2")));
            for (int k = 0; k < asdus; k++) {
                int cnt = Integer.parseInt(cnts[k]);
                if (previous != null) {
                    assertThat(cnt).as(frame + " smpCnt continues the last").isEqualTo((previous + 1) % modulus);
                }
                previous = cnt;
            }
            String[] values = r[7].split(",");
            String[] quality = r[8].split(",");
            assertThat(values).as(frame).hasSize(asdus * SvFrames.CHANNELS);
            assertThat(quality).as(frame + " quality").containsOnly("0x00000000");
            assertThat(r[9]).as(frame + " simulation bit").isEqualTo("0");
            assertThat(r[10]).as(frame + " malformed").isEmpty();
            assertThat(r[11]).as(frame + " expert info").isEmpty();
            for (int k = 0; k < asdus; k++) {
                for (int p = 0; p < 3; p++) {
                    maxV = Math.max(maxV, Math.abs(Integer.parseInt(values[k * 8 + 4 + p])));
                }
            }

            byte[] wire;
            synchronized (sent) {
                wire = sent.get(Integer.parseInt(cnts[0]));
            }
            assertThat(wire).as("%s (smpCnt %s) read back from the wire", frame, cnts[0]).isNotNull();
            assertThat(dec.decode(wire, 0, wire.length)).isEqualTo(SvDecoder.Result.OK);
            List<String> v = new ArrayList<>();
            List<String> q = new ArrayList<>();
            for (int k = 0; k < asdus; k++) {
                for (int c = 0; c < SvFrames.CHANNELS; c++) {
                    v.add(Integer.toString(dec.value(k, c)));
                    q.add(String.format("0x%08x", dec.quality(k, c)));
                }
            }
            assertThat(r[7]).as(frame + " values").isEqualTo(String.join(",", v));
            assertThat(r[8]).as(frame + " quality").isEqualTo(String.join(",", q));
        }
        // 300 frames of 2 samples span 7.5 cycles at 60 Hz: every phase's peak is in them
        assertThat((double) maxV).as("the largest voltage sample, in counts of %s V", a.voltsPerCount())
                .isBetween(vPeakCounts * 0.97, vPeakCounts * 1.05);
    }

    /** tshark's reading of every frame of the capture: one String[] of {@link #FIELDS} per frame. */
    List<String[]> tshark(Path capture) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tshark", "-n", "-o", "sv.decode_data_as_phsmeas:TRUE", "-r",
                capture.toString(), "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"));
        for (String f : FIELDS) {
            cmd.add("-e");
            cmd.add(f);
        }
        Path out = dir.resolve("tshark.txt");
        Path err = dir.resolve("tshark.err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("tshark finished").isTrue();
        assertThat(p.exitValue()).as("tshark's exit; it said: %s", Files.readString(err)).isZero();
        List<String[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            rows.add(line.split("\t", -1));
        }
        return rows;
    }
}
