package io.headroom.appliance.metrics;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.actuation.Actuator;
import io.headroom.appliance.actuation.CoapActuator;
import io.headroom.appliance.dsp.FeedLossEvent;
import io.headroom.appliance.grid.GridLink;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.MeasurementQuality;
import io.headroom.appliance.measure.ModbusBuses;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.protection.ProtectionLoop;
import io.headroom.appliance.site.Endpoint;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.headroom.drivers.gpuprotocol.AgentClient;
import io.headroom.drivers.gpuprotocol.ContingencyTrigger;
import io.headroom.drivers.gpuprotocol.NodeAgent;
import io.headroom.drivers.gpuprotocol.SimulatedGpus;
import io.headroom.drivers.modbus.MeterSlave;
import io.headroom.drivers.modbus.RegisterMap;
import io.headroom.grid.Commitment;
import io.headroom.grid.CommitmentBook;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static io.headroom.appliance.metrics.Scrape.samples;
import static io.headroom.appliance.metrics.Scrape.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

class ApplianceMetricsTest {

    static final Duration WAIT = Duration.ofSeconds(15);
    final Clock utc = Clock.systemUTC();

    static SiteState state(Site site, Map<String, FeedMeasurement> feeds, List<String> alarms) {
        return new SiteState(7, Instant.now(), site.control().tickMs(), feeds, Map.of(), Map.of(), List.of(), alarms,
                Map.of(), Map.of(), Map.of());
    }

    @Test
    void existingSeriesReadThePublishedStateAndTheTickListener(@TempDir Path dir) throws Exception {
        Site site = Scrape.exampleSite();
        Map<String, FeedMeasurement> feeds = new HashMap<>();
        for (Feed f : site.feeds()) {
            feeds.put(f.id(), new FeedMeasurement(f.id(), 0.8 * f.limitA(), 90_000, MeasurementQuality.GOOD, 40));
        }
        AtomicReference<SiteState> state = new AtomicReference<>(state(site, feeds, List.of("feed B: meter stale")));
        try (Journal journal = Journal.open(dir.resolve("j.db"), utc, 3600, 1000)) {
            ApplianceMetrics m = new ApplianceMetrics(site, state::get, journal);
            long t = 1_000_000_000L;
            for (int i = 0; i < 20; i++) {
                m.onTick(t, 2_000_000L); // 2 ms ticks, 1 ms late every period
                t += (site.control().tickMs() + 1) * 1_000_000L;
            }
            Map<String, Double> s = samples(m.scrape());
            assertThat(value(s, "headroom_feed_power_watts", "feed=\"A\"")).isEqualTo(90_000);
            assertThat(value(s, "headroom_feed_margin_ratio", "feed=\"A\"")).isCloseTo(0.2, within(1e-9));
            assertThat(value(s, "headroom_alarms_active")).isEqualTo(1);
            assertThat(value(s, "headroom_regulation_tick_seconds_count")).isEqualTo(20);
            assertThat(value(s, "headroom_regulation_tick_seconds_sum")).isCloseTo(0.04, within(1e-9));
            assertThat(value(s, "headroom_regulation_jitter_seconds_count")).isEqualTo(19);
            assertThat(value(s, "headroom_regulation_jitter_seconds_sum")).isCloseTo(0.019, within(1e-9));
            assertThat(value(s, "headroom_journal_dropped_total")).isZero();
        }
    }

    @Test
    void theFastPathIsTimedFromTheDetectionToTheDatagramsAndTheLastAck(@TempDir Path dir) throws Exception {
        Site site = Scrape.exampleSite();
        try (Journal journal = Journal.open(dir.resolve("j.db"), utc, 3600, 1000);
             ContingencyTrigger trigger = ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), 4);
             ProtectionLoop protection = new ProtectionLoop(site, trigger, new io.headroom.appliance.testing.NoActuator(), journal, utc)) {
            ApplianceMetrics m = new ApplianceMetrics(site, () -> null, journal);
            protection.onFired(m);
            protection.start();
            // a real loss through the loop: nothing is armed, so the fan-out targets nobody (no ack recorded)
            long now = System.nanoTime();
            protection.listenerFor(0).onFeedLossEvent(new FeedLossEvent(0, "A", FeedLossEvent.Kind.FEED_LOST,
                    now - 3_000_000L, now - 2_000_000L, 0.01, 0b111, 1));
            await().atMost(WAIT).until(() -> value(samples(m.scrape()), "headroom_protection_fastpath_seconds_count",
                    "stage=\"sent\"") == 1);
            Map<String, Double> s = samples(m.scrape());
            // from the deciding sample (2 ms before the hand-off) to the datagrams out: at least 2 ms, well under 1 s
            assertThat(value(s, "headroom_protection_fastpath_seconds_sum", "stage=\"sent\"")).isBetween(0.002, 1.0);
            assertThat(value(s, "headroom_protection_fastpath_seconds_count", "stage=\"acked\"")).isZero();

            // a fan-out to 4 agents, 3 answering: detection at 0, out at 0.4 ms, last ack at 1.5 ms
            m.onFired(1, 10_000_000L, 10_400_000L, 11_500_000L, 4, 3);
            s = samples(m.scrape());
            assertThat(value(s, "headroom_protection_fastpath_seconds_count", "stage=\"sent\"")).isEqualTo(2);
            assertThat(value(s, "headroom_protection_fastpath_seconds_count", "stage=\"acked\"")).isEqualTo(1);
            assertThat(value(s, "headroom_protection_fastpath_seconds_sum", "stage=\"acked\"")).isCloseTo(0.0015, within(1e-9));
            assertThat(value(s, "headroom_protection_fastpath_seconds_bucket", "stage=\"acked\"", "le=\"+Inf\"")).isEqualTo(1);
            assertThat(value(s, "headroom_protection_silent_agents_total")).isEqualTo(1);
        }
    }

    @Test
    void theOriginIsTheDecidingSampleOnThisHostsClockElseTheHandOff() {
        long sent = 50_000_000_000L;
        assertThat(ProtectionLoop.origin(sent - 1_500_000L, sent - 100_000L, sent)).isEqualTo(sent - 1_500_000L);
        // a remote sender's clock: ahead of ours, or far behind
        assertThat(ProtectionLoop.origin(sent + 5_000_000L, sent - 100_000L, sent)).isEqualTo(sent - 100_000L);
        assertThat(ProtectionLoop.origin(sent - 3_600_000_000_000L, sent - 100_000L, sent)).isEqualTo(sent - 100_000L);
    }

    @Test
    void modbusPollLatencyAndErrorsPerDevice(@TempDir Path dir) throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Site example = Scrape.exampleSite();
        Map<String, Endpoint> modbus = new HashMap<>();
        for (var meter : example.meters()) {
            modbus.put(meter.id(), new Endpoint("127.0.0.1", meter.id().equals("meter-A") ? port : closed));
        }
        Site site = example.withEndpoints(Map.of(), modbus);
        RegisterMap generic = RegisterMap.load("generic-3phase");
        try (Journal journal = Journal.open(dir.resolve("j.db"), utc, 3600, 1000);
             MeterSlave slave = new MeterSlave("127.0.0.1", port, 1, generic);
             ModbusBuses buses = ModbusBuses.of(site, utc)) {
            slave.set(new String[]{"current-L1"}, new double[]{100});
            ApplianceMetrics m = new ApplianceMetrics(site, () -> null, journal).modbus(buses);
            buses.start();
            await().atMost(WAIT).until(() -> {
                Map<String, Double> s = samples(m.scrape());
                return value(s, "headroom_modbus_poll_seconds_count", "device=\"meter-A\"") >= 5
                        && value(s, "headroom_modbus_poll_errors_total", "device=\"meter-B\"") >= 1;
            });
            buses.close();
            Map<String, Double> s = samples(m.scrape());
            double count = value(s, "headroom_modbus_poll_seconds_count", "device=\"meter-A\"");
            double sum = value(s, "headroom_modbus_poll_seconds_sum", "device=\"meter-A\"");
            assertThat(sum / count).as("mean scan time on loopback, s").isGreaterThan(0).isLessThan(0.2);
            assertThat(value(s, "headroom_modbus_poll_errors_total", "device=\"meter-A\"")).isZero();
            assertThat(value(s, "headroom_modbus_poll_seconds_count", "device=\"meter-B\"")).isZero();
            // the device's own counters and the metrics agree
            assertThat(value(s, "headroom_modbus_poll_errors_total", "device=\"meter-C\""))
                    .isEqualTo(buses.device("meter-C").failures());
            assertThat(count).isEqualTo(buses.device("meter-A").scans());
            assertThat(s.keySet()).anyMatch(k -> k.startsWith("headroom_modbus_poll_seconds_bucket{")
                    && k.contains("bus=\"tcp-127.0.0.1:" + port + "\"") && k.contains("device=\"meter-A\""));
        }
    }

    @Test
    void agentAckRoundTripsPerGroupAndTheLastPerNode(@TempDir Path dir) throws Exception {
        int silentPort;
        try (DatagramSocket s = new DatagramSocket(0)) {
            silentPort = s.getLocalPort();
        }
        try (NodeAgent agent = NodeAgent.builder(new SimulatedGpus(8, 200, 700, 700)).name("r1-n1")
                .bindAddress(new InetSocketAddress("127.0.0.1", 0)).powerPublishInterval(Duration.ZERO).safeCapW(500)
                .start()) {
            Site site = Scrape.exampleSite().withEndpoints(Map.of("r1-n1", new Endpoint("127.0.0.1", agent.port()),
                    "r1-n2", new Endpoint("127.0.0.1", silentPort)), Map.of());
            Node answering = site.nodes().stream().filter(n -> n.id().equals("r1-n1")).findFirst().orElseThrow();
            Node silent = site.nodes().stream().filter(n -> n.id().equals("r1-n2")).findFirst().orElseThrow();
            try (Journal journal = Journal.open(dir.resolve("j.db"), utc, 3600, 1000);
                 CoapActuator actuator = new CoapActuator(site, AgentClient.builder().timeout(Duration.ofSeconds(3)).build(), null, System::nanoTime)) {
                ApplianceMetrics m = new ApplianceMetrics(site, () -> null, journal);
                actuator.onAck(m);
                actuator.command(answering, 600);
                actuator.command(silent, 600);
                actuator.flush(System.nanoTime());
                String g = "group=\"" + answering.groupId() + "\"";
                await().atMost(WAIT).until(() -> {
                    Map<String, Double> s = samples(m.scrape());
                    return value(s, "headroom_agent_ack_seconds_count", g) == 1
                            && value(s, "headroom_agent_ack_failures_total", g) == 1;
                });
                Map<String, Double> s = samples(m.scrape());
                assertThat(value(s, "headroom_agent_ack_seconds_sum", g)).isGreaterThan(0).isLessThan(3.0);
                assertThat(value(s, "headroom_node_ack_seconds", "node=\"r1-n1\""))
                        .isEqualTo(value(s, "headroom_agent_ack_seconds_sum", g));
                assertThat(value(s, "headroom_node_ack_seconds", "node=\"r1-n2\"")).isNaN();
            }
        }
    }

    @Test
    void openAdrStateFromTheVenAndTheCommitmentBook(@TempDir Path dir) throws Exception {
        Site site = Scrape.exampleSite();
        Instant now = Instant.now();
        CommitmentBook book = new CommitmentBook();
        book.accept(new Commitment.ImportLimit("ev1/0/IMPORT", now.minusSeconds(60), now.plusSeconds(600), 300_000, "ev1"));
        book.accept(new Commitment.ImportLimit("ev1/1/IMPORT", now.minusSeconds(60), now.plusSeconds(600), 280_000, "ev1"));
        book.accept(new Commitment.ImportLimit("ev2/0/IMPORT", now.plusSeconds(3600), now.plusSeconds(7200), 250_000, "ev2"));
        book.accept(new Commitment.ImportLimit("manual", now.minusSeconds(1), now.plusSeconds(60), 350_000));
        AtomicReference<GridLink.Health> health = new AtomicReference<>(
                new GridLink.Health(true, now.minusSeconds(7), 3));
        try (Journal journal = Journal.open(dir.resolve("j.db"), utc, 3600, 1000)) {
            ApplianceMetrics m = new ApplianceMetrics(site, () -> null, journal)
                    .grid(Scrape.ven("3.1", health::get), book, utc);
            Map<String, Double> s = samples(m.scrape());
            assertThat(value(s, "headroom_openadr_events_active")).isEqualTo(2); // ev1 and the manual one
            assertThat(value(s, "headroom_openadr_registered", "version=\"3.1\"")).isEqualTo(1);
            assertThat(value(s, "headroom_openadr_pending_reports", "version=\"3.1\"")).isEqualTo(3);
            assertThat(value(s, "headroom_openadr_last_poll_age_seconds", "version=\"3.1\"")).isBetween(7.0, 60.0);
            // not enrolled: the events still count, no VEN series
            ApplianceMetrics none = new ApplianceMetrics(site, () -> null, journal).grid(null, book, utc);
            assertThat(Scrape.names(none.scrape())).contains("headroom_openadr_events_active")
                    .doesNotContain("headroom_openadr_registered");
        }
    }

    @Test
    void theVensHealthIsCachedAndRefreshedInTheBackground(@TempDir Path dir) throws Exception {
        Site site = Scrape.exampleSite();
        int[] calls = {0};
        GridLink ven = Scrape.ven("2.0b", () -> {
            calls[0]++;
            return new GridLink.Health(calls[0] > 1, null, 0);
        });
        try (Journal journal = Journal.open(dir.resolve("j.db"), utc, 3600, 1000)) {
            ApplianceMetrics m = new ApplianceMetrics(site, () -> null, journal).grid(ven, new CommitmentBook(), utc);
            for (int i = 0; i < 5; i++) {
                Map<String, Double> s = samples(m.scrape());
                assertThat(value(s, "headroom_openadr_registered", "version=\"2.0b\"")).isZero();
                assertThat(value(s, "headroom_openadr_last_poll_age_seconds")).isNaN(); // never polled
            }
            assertThat(calls[0]).as("one read at registration, none per scrape while fresh").isEqualTo(1);
        }
    }
}
