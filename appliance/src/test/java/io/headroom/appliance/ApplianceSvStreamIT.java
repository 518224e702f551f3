package io.headroom.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.headroom.appliance.dsp.WaveformState;
import io.headroom.appliance.protection.ProtectionLoop;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.appliance.site.WaveformStream;
import io.headroom.drivers.gpuprotocol.NodeAgent;
import io.headroom.drivers.gpuprotocol.SimulatedGpus;
import io.headroom.drivers.waveform.sv.AfPacketChannel;
import io.headroom.drivers.waveform.sv.SvProfile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The "done when": an appliance started from a site file whose {@code waveforms.streams} names an IEC
 * 61850-9-2 / 61869-9 Sampled Values stream on the loopback interface opens it by itself, reads a publisher
 * this test starts as another OS process ({@link SvPublisherProcess}: SV frames through its own AF_PACKET socket on
 * {@code lo}, 61869-9 at 4800 S/s, two ASDUs a frame, paced by a scheduler; a healthy 415 V three-phase feed), and
 * when the publisher, told so on its stdin, drops the feed's voltages to zero detects the loss and fires feed A's
 * armed contingency to
 * the agents (the protection loop's last fan-out, and its journal entry). Each test uses its own destination MAC,
 * APPID and svID. The SV tests are skipped, with the reason, where this process may not open raw sockets (no
 * CAP_NET_RAW). Also: the site file's {@code udp} stream, bound as configured and hearing only its senders; an
 * interface that does not exist, and raw sockets refused, fail the start with what to do.
 */
class ApplianceSvStreamIT {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final int RATE = 4800;
    static final int ASDUS = 2;
    static final double VOLTS_PER_COUNT = 0.01;
    static final double AMPS_PER_COUNT = 0.001;

    @TempDir
    Path dir;
    final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

    /** A raw socket on lo for the publisher, or the test is skipped with the reason. */
    private AfPacketChannel publisherSocketOrSkip() {
        try {
            return track(AfPacketChannel.open("lo", AfPacketChannel.ETH_P_SV, null, 100));
        } catch (IOException e) {
            assumeTrue(false, "no raw socket on lo here (" + e.getMessage() + "): AF_PACKET needs CAP_NET_RAW "
                    + "(run as root, or setcap cap_net_raw+ep on the JDK's java)");
            throw new AssertionError(e);
        }
    }

    private NodeAgent agent(String name) {
        return track(NodeAgent.builder(new SimulatedGpus(8, 200, 700, 700)).name(name)
                .powerPublishInterval(Duration.ZERO).safeCapW(250)
                .bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .triggerAddress(new InetSocketAddress("127.0.0.1", 0)).start()); // its fast-path socket
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** {@code sites/minimal-2feed.yaml} with these agents, no banks, unreachable meters, and {@code extra} appended. */
    private String site(NodeAgent n1, NodeAgent n2, String extra) throws Exception {
        String text;
        try (InputStream in = getClass().getResourceAsStream("/sites/minimal-2feed.yaml")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        text = text.replace("127.0.0.1:57001", "127.0.0.1:" + n1.port()).replace("127.0.0.1:57002", "127.0.0.1:" + n2.port())
                .replace("127.0.0.1:15021", "127.0.0.1:" + closedPort()).replace("127.0.0.1:15022", "127.0.0.1:" + closedPort());
        text = text.substring(0, text.indexOf("supercaps:")) + text.substring(text.indexOf("agents:"));
        return text + extra;
    }

    /** This test's own stream: a multicast MAC, APPID and svID nobody else on lo publishes. */
    record Stream(String mac, int appId, String svId) {
        static Stream unique() {
            int r = ThreadLocalRandom.current().nextInt(0x10000);
            return new Stream(String.format("01-0C-CD-04-%02X-%02X", r >> 8, r & 0xff), 0x4000 | (r & 0x3fff),
                    "HRIT/" + ProcessHandle.current().pid() + "/" + r);
        }

        String yaml(String iface) {
            return "waveforms:\n  streams:\n    - feed: A\n      source: sv\n      interface: " + iface + "\n"
                    + "      destination: " + mac + "\n      appId: " + appId + "\n      svId: \"" + svId + "\"\n"
                    + "      profile: 61869-9-4800\n";
        }
    }

    /**
     * A merging unit on lo in its own OS process ({@link SvPublisherProcess}, this JVM's java and class path):
     * 61869-9 at 4800 S/s, the feed's nominal 415 V line-to-line until {@link #drop}, zero after. Controlled over
     * its stdin; it exits when its stdin closes, and {@link #close} destroys it (forcibly where it lingers).
     */
    static final class Publisher implements AutoCloseable {
        final Process process;
        final Path stderr;
        final java.io.BufferedReader out;
        final java.io.Writer in;

        private Publisher(Process process, Path stderr) {
            this.process = process;
            this.stderr = stderr;
            this.out = process.inputReader(StandardCharsets.UTF_8);
            this.in = process.outputWriter(StandardCharsets.UTF_8);
        }

        /** Starts the publisher and waits for its socket; the test is skipped where it may not open a raw socket. */
        static Publisher start(Stream s, Path dir) throws Exception {
            Path err = dir.resolve("publisher-" + s.appId() + ".stderr");
            Process p = new ProcessBuilder(SvPublisherProcess.command("lo", s.mac(), s.appId(), s.svId()))
                    .redirectError(err.toFile()).start();
            Publisher pub = new Publisher(p, err);
            try {
                String first = pub.line();
                assumeTrue(first == null || !first.startsWith("unavailable "), () -> "no raw socket on lo here ("
                        + first + "): AF_PACKET needs CAP_NET_RAW (run as root, or setcap cap_net_raw+ep on the "
                        + "JDK's java)");
                assertThat(first).as("the publisher's first line; its stderr: %s", pub.errors()).isEqualTo("ready");
                return pub;
            } catch (Throwable t) {
                pub.close();
                throw t;
            }
        }

        /** Its next stdout line, or null at its end (the process gone). */
        String line() throws IOException {
            return out.readLine();
        }

        String errors() {
            try {
                return Files.exists(stderr) ? Files.readString(stderr) : "";
            } catch (IOException e) {
                return e.toString();
            }
        }

        /** Drops the voltages; returns the first zero sample's index. */
        long drop() throws IOException {
            in.write("drop\n");
            in.flush();
            String answer = line();
            assertThat(answer).as("the publisher's answer to drop; its stderr: %s", errors()).startsWith("dropped ");
            return Long.parseLong(answer.substring("dropped ".length()));
        }

        void assertAlive() {
            assertThat(process.isAlive()).as("the publisher process (exit %s); its stderr: %s",
                    process.isAlive() ? "-" : process.exitValue(), errors()).isTrue();
        }

        @Override
        public void close() throws Exception {
            try {
                in.close(); // it exits when its stdin closes
            } catch (IOException ignored) {
                // already gone
            }
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    // a publisher that stops answering must not hang the build: the test fails, and @AfterEach closes its stdin
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aSiteFilesSvStreamOnLoopbackIsOpenedAndAFeedLossOnItFiresTheContingency() throws Exception {
        Stream stream = Stream.unique();
        Publisher publisher = track(Publisher.start(stream, dir));
        NodeAgent n1 = agent("n1");
        NodeAgent n2 = agent("n2");
        Path file = dir.resolve("site.yaml");
        Files.writeString(file, site(n1, n2, stream.yaml("lo")));
        var site = SiteLoader.load(file);
        assertThat(site.waveforms().streams()).singleElement().isInstanceOf(WaveformStream.Sv.class);
        Appliance appliance = track(Appliance.start(site, Appliance.Options.of("127.0.0.1", 0, dir.resolve("data"))));

        // The stream is read: samples at the nominal voltage, and regulation armed the agents with A's contingency.
        await().atMost(WAIT).untilAsserted(() -> {
            publisher.assertAlive();
            SiteState state = appliance.state();
            assertThat(state).as("regulation's first tick").isNotNull();
            WaveformState.FeedStream a = state.waveforms().feeds().get("A");
            assertThat(a).as("feed A's stream in the state").isNotNull();
            assertThat(a.status()).isEqualTo(WaveformState.Status.GOOD);
            assertThat(a.samples()).isGreaterThan(RATE / 2);
            assertThat(a.latest()).as("feed A's half-cycle quantities").isNotNull();
            assertThat(java.util.Arrays.stream(a.latest().urms()).boxed().toList()).allSatisfy(u -> assertThat(u).isBetween(230.0, 250.0));
            assertThat(n1.armedTable()).isNotNull();
            assertThat(n2.armedTable()).isNotNull();
        });
        // The agents hold their tables before the appliance has their answers (and the trigger their addresses):
        // a few regulation ticks later it has them (an answer on loopback takes well under a tick).
        long armedAt = appliance.state().tick();
        await().atMost(WAIT).until(() -> appliance.state().tick() >= armedAt + 5);
        assertThat(appliance.waveformAddress("A")).as("no UDP socket for an SV stream").isNull();
        assertThat(appliance.protection().lastFired()).as("nothing fired on a healthy feed").isNull();

        long dropped = publisher.drop();
        assertThat(dropped).as("samples published before the drop").isGreaterThan(RATE / 2);
        await().atMost(WAIT).until(() -> appliance.protection().lastFired() != null);
        ProtectionLoop.Fired fired = appliance.protection().lastFired();
        assertThat(fired.feedId()).isEqualTo("A");
        assertThat(fired.report().targets()).as("agents armed with A's contingency").isEqualTo(2);
        assertThat(fired.report().applied()).as("agents that applied it: %s; n1 rejected %d", fired.report(), n1.rejectedTriggers()).isEqualTo(2);
        await().atMost(WAIT).until(() -> appliance.journal()
                .entries(Instant.now().minusSeconds(120), Instant.now().plusSeconds(1), null, 10_000).stream()
                .anyMatch(j -> j.kind().equals("protection") && j.subject().equals("A")
                        && j.message().contains("contingency fired")));
        publisher.assertAlive();
    }

    /**
     * The site file's other source: a {@code udp} stream is bound where the file says and heard only from its
     * senders (127.0.0.1 here): a front-end on 127.0.0.2 is refused, one on 127.0.0.1 read. Needs no raw socket.
     */
    @Test
    void aSiteFilesUdpStreamIsBoundAsConfiguredAndHearsOnlyItsSenders() throws Exception {
        int port;
        try (java.net.DatagramSocket d = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            port = d.getLocalPort();
        }
        NodeAgent n1 = agent("n1");
        NodeAgent n2 = agent("n2");
        var site = SiteLoader.parse(dir.resolve("site.yaml").toString(), site(n1, n2,
                "waveforms:\n  streams:\n    - feed: A\n      source: udp\n      bind: 127.0.0.1:" + port + "\n"
                        + "      streamId: 7\n      rate: 4.8 kS/s\n      senders: [127.0.0.1]\n"));
        Appliance appliance = track(Appliance.start(site, Appliance.Options.of("127.0.0.1", 0, dir.resolve("data"))));
        InetSocketAddress at = appliance.waveformAddress("A");
        assertThat(at.getPort()).isEqualTo(port);
        var format = io.headroom.drivers.waveform.StreamFormat.threePhaseFeed(7, RATE, "A");
        double[] fullScale = {500, 500, 500, 200, 200, 200};
        var frontEnd = track(new io.headroom.drivers.waveform.UdpFrameSender(new InetSocketAddress("127.0.0.1", 0),
                at, format, io.headroom.drivers.waveform.SampleEncoding.INT16, fullScale));
        var stranger = track(new io.headroom.drivers.waveform.UdpFrameSender(new InetSocketAddress("127.0.0.2", 0),
                at, format, io.headroom.drivers.waveform.SampleEncoding.INT16, fullScale));
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        track(timer::shutdownNow);
        long t0 = System.nanoTime();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        long[] sent = {0};
        int per = 48;
        double[][] block = new double[6][per];
        timer.scheduleAtFixedRate(() -> {
            try {
                long due = (System.nanoTime() - t0) * RATE / 1_000_000_000L;
                for (; sent[0] + per <= due; sent[0] += per) {
                    for (int i = 0; i < per; i++) {
                        double a = 2 * Math.PI * 60 * (sent[0] + i) / RATE;
                        for (int ph = 0; ph < 3; ph++) {
                            block[ph][i] = 338.9 * Math.sin(a - ph * 2 * Math.PI / 3);
                            block[3 + ph][i] = 70 * Math.sin(a - ph * 2 * Math.PI / 3 - 0.2);
                        }
                    }
                    long nanos = t0 + sent[0] * 1_000_000_000L / RATE;
                    frontEnd.send(block, 0, per, nanos);
                    stranger.send(block, 0, per, nanos);
                }
            } catch (Throwable t) {
                failed.compareAndSet(null, t);
            }
        }, 0, 2, TimeUnit.MILLISECONDS);
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(failed.get()).isNull();
            SiteState state = appliance.state();
            assertThat(state).as("regulation's first tick").isNotNull();
            WaveformState.FeedStream a = state.waveforms().feeds().get("A");
            assertThat(a).as("feed A's stream in the state").isNotNull();
            assertThat(a.status()).isEqualTo(WaveformState.Status.GOOD);
            assertThat(a.samples()).isGreaterThan(RATE / 2);
            assertThat(a.refused().unknownSender()).as("frames from 127.0.0.2").isPositive();
            assertThat(a.latest()).as("feed A's half-cycle quantities").isNotNull();
            assertThat(java.util.Arrays.stream(a.latest().urms()).boxed().toList())
                    .allSatisfy(u -> assertThat(u).isBetween(230.0, 250.0));
        });
    }

    @Test
    void aStreamOnAnInterfaceThatDoesNotExistFailsTheStartNamingTheFeedAndTheInterface() throws Exception {
        publisherSocketOrSkip(); // past this, a raw socket can be opened: the failure is the interface's
        NodeAgent n1 = agent("n1");
        NodeAgent n2 = agent("n2");
        var site = SiteLoader.parse(dir.resolve("site.yaml").toString(),
                site(n1, n2, Stream.unique().yaml("nosuchif0")));
        assertThatThrownBy(() -> track(Appliance.start(site,
                Appliance.Options.of("127.0.0.1", 0, dir.resolve("data")))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("feed A")
                .hasMessageContaining("interface nosuchif0")
                .hasMessageContaining("ip link");
    }

    @Test
    void withoutCapNetRawTheMessageSaysHowToGrantIt() {
        var sv = new WaveformStream.Sv("A", "eth1", "01-0C-CD-04-00-01", 0x4000, "MU01", SvProfile.IEC61869_4800,
                WaveformStream.Sv.DEFAULT_CHANNELS, 0.01, 0.001, false);
        String m = Appliance.svOpenProblem(sv, "AF_PACKET: socket(AF_PACKET, SOCK_RAW) failed: Operation not "
                + "permitted (needs CAP_NET_RAW)");
        assertThat(m).contains("feed A", "interface eth1", "CAP_NET_RAW", "systemd", "root", "setcap");
    }
}
