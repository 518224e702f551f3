package io.headroom.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.headroom.appliance.dsp.WaveformState;
import io.headroom.appliance.protection.ProtectionLoop;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.appliance.site.WaveformStream;
import io.headroom.drivers.gpio.GpioProvider;
import io.headroom.drivers.gpuprotocol.NodeAgent;
import io.headroom.drivers.gpuprotocol.SimulatedGpus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

/**
 * The site file's {@code comtrade} and {@code spi} sources, opened by {@link Appliance#start}: a recorded
 * back-fed fault ({@code src/test/resources/comtrade/backfeed-fault.cfg}, written by an independent Python
 * script: 0.25 s of a healthy 415 V feed, then the source opens and the voltages decay over 5 cycles) replayed
 * in real time, in a loop, as feed A's stream fires feed A's armed contingency to the agents; an ADS131M on
 * Pi4J's mock SPI is opened and, with no DRDY edge ever, is a silent stream.
 */
class ApplianceComtradeStreamIT {

    static final Duration WAIT = Duration.ofSeconds(20);

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

    private NodeAgent agent(String name) {
        return track(NodeAgent.builder(new SimulatedGpus(8, 200, 700, 700)).name(name)
                .powerPublishInterval(Duration.ZERO).safeCapW(250)
                .bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .triggerAddress(new InetSocketAddress("127.0.0.1", 0)).start());
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

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

    @Test
    void aRecordedBackFedFaultReplayedFromTheSiteFileFiresTheFeedsContingency() throws Exception {
        Path cfg = Path.of(getClass().getResource("/comtrade/backfeed-fault.cfg").toURI());
        NodeAgent n1 = agent("n1");
        NodeAgent n2 = agent("n2");
        Path file = dir.resolve("site.yaml");
        Files.writeString(file, site(n1, n2, "waveforms:\n  streams:\n    - feed: A\n      source: comtrade\n"
                + "      file: " + cfg + "\n      channels: [VA, VB, VC, IA, IB, IC]\n      loop: true\n"));
        var site = SiteLoader.load(file);
        assertThat(site.waveforms().streams()).singleElement().isInstanceOf(WaveformStream.Comtrade.class);
        Appliance appliance = track(Appliance.start(site, Appliance.Options.of("127.0.0.1", 0, dir.resolve("data"))));

        await().atMost(WAIT).untilAsserted(() -> {
            SiteState state = appliance.state();
            assertThat(state).as("regulation's first tick").isNotNull();
            WaveformState.FeedStream a = state.waveforms().feeds().get("A");
            assertThat(a).as("feed A's stream in the state").isNotNull();
            assertThat(a.samples()).as("replayed in real time").isGreaterThan(2400);
            assertThat(n1.armedTable()).isNotNull();
            assertThat(n2.armedTable()).isNotNull();
        });
        // each pass of the record ends in the fault: once the agents' answers are in, a pass fires to both
        await().atMost(WAIT).until(() -> {
            ProtectionLoop.Fired f = appliance.protection().lastFired();
            return f != null && f.report().applied() == 2;
        });
        ProtectionLoop.Fired fired = appliance.protection().lastFired();
        assertThat(fired.feedId()).isEqualTo("A");
        assertThat(fired.report().targets()).as("agents armed with A's contingency").isEqualTo(2);
        await().atMost(WAIT).until(() -> appliance.journal()
                .entries(Instant.now().minusSeconds(120), Instant.now().plusSeconds(1), null, 10_000).stream()
                .anyMatch(j -> j.kind().equals("protection") && j.subject().equals("A")
                        && j.message().contains("contingency fired")));
    }

    @Test
    void anSpiStreamIsOpenedThroughPi4jAndWithoutDrdyEdgesIsSilent() throws Exception {
        NodeAgent n1 = agent("n1");
        NodeAgent n2 = agent("n2");
        var site = SiteLoader.parse(dir.resolve("site.yaml").toString(), site(n1, n2,
                "waveforms:\n  streams:\n    - {feed: B, source: spi, drdyPin: 25, rate: 4 kS/s, voltsPerCode: 0.0238,"
                        + " ampsPerCode: 0.0006}\n"));
        Appliance appliance = track(Appliance.start(site, Appliance.Options.of("127.0.0.1", 0, dir.resolve("data"))
                .withGpio(GpioProvider.MOCK)));
        await().atMost(WAIT).untilAsserted(() -> {
            SiteState state = appliance.state();
            assertThat(state).isNotNull();
            WaveformState.FeedStream b = state.waveforms().feeds().get("B");
            assertThat(b).as("feed B's stream in the state").isNotNull();
            assertThat(b.status()).isEqualTo(WaveformState.Status.SILENT);
            assertThat(state.alarms()).anyMatch(s -> s.startsWith("feed B: waveform stream silent"));
        });
        assertThat(appliance.protection().lastFired()).isNull();
    }
}
