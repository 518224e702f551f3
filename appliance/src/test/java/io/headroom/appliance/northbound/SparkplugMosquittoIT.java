package io.headroom.appliance.northbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.site.MqttSettings;
import io.headroom.appliance.site.Site;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * The Sparkplug B edge node against Debian's mosquitto, started here on 127.0.0.1, watched by {@code mosquitto_sub}
 * and decoded by {@link SparkplugWire} (the protobuf schema by hand, not Tahu): births with seq and bdSeq, data by
 * exception, a host's rebirth, a refused command, the will on a cut connection, the NDEATH of a clean stop, and the
 * bdSeq kept across a restart.
 */
class SparkplugMosquittoIT {

    @TempDir
    Path dir;
    private Vertx vertx;
    private final List<SparkplugWire.Message> seen = new ArrayList<>();

    @BeforeEach
    void vertx() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void close() {
        vertx.close().await();
    }

    @Test
    void anEdgeNodeIsBornPublishesChangesAnswersRebirthAndDiesByItsWill() throws Exception {
        Mosquitto.assumePresent();
        Site example = SparkplugStates.exampleSite();
        try (Mosquitto broker = Mosquitto.start(dir); CutProxy proxy = new CutProxy(broker.port())) {
            LinkedBlockingQueue<String> q = broker.subscribe("spBv1.0/#");
            // the subscriber is in once it hears a probe
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
                broker.publish("spBv1.0/probe/x", new byte[0]);
                String l = q.poll(200, TimeUnit.MILLISECONDS);
                return l != null && l.startsWith("spBv1.0/probe/x");
            });
            q.clear();
            MqttSettings cfg = new MqttSettings(true, "127.0.0.1", proxy.port(), false, "Headroom", "hall-a", "", "",
                    "", "", "", "", 100, 5, false);
            Site site = example.withMqtt(cfg);
            AtomicReference<SiteState> state = new AtomicReference<>(SparkplugStates.state(site, 1, 100, true));
            Path bdSeqFile = dir.resolve("mqtt-bdseq");
            SparkplugNode node = new SparkplugNode(cfg, site, state::get, Clock.systemUTC(), vertx, bdSeqFile).start();

            // NBIRTH: seq 0, bdSeq 0 (first session), the rebirth control, the node's N-1 readiness
            SparkplugWire.Message nbirth = next(q, m -> m.type().equals("NBIRTH"));
            assertThat(nbirth.topic()).isEqualTo("spBv1.0/Headroom/NBIRTH/hall-a");
            assertThat(nbirth.payload().seq()).isZero();
            assertThat(nbirth.payload().timestamp()).isPositive();
            SparkplugWire.Metric bd = nbirth.payload().metric("bdSeq");
            assertThat(bd.datatype()).isEqualTo(SparkplugWire.UINT64);
            assertThat(bd.value()).isEqualTo(0L);
            assertThat(nbirth.payload().metric("Node Control/Rebirth").value()).isEqualTo(false);
            assertThat(nbirth.payload().metric("N-1/Ready").value()).isEqualTo(true);
            assertThat(nbirth.payload().metric("Properties/Site").value()).isEqualTo(site.name());

            // a DBIRTH per feed, group and bank, seq 1, 2, ...
            List<String> devices = new SparkplugModel(site).devices().stream().map(SparkplugModel.Device::id).toList();
            assertThat(devices).contains("feed-A", "feed-D", "group-hall-1", "supercap-bank-A");
            List<SparkplugWire.Message> dbirths = new ArrayList<>();
            for (int i = 0; i < devices.size(); i++) {
                dbirths.add(next(q, m -> m.type().equals("DBIRTH")));
            }
            assertThat(dbirths).extracting(SparkplugWire.Message::device).containsExactlyElementsOf(devices);
            for (int i = 0; i < dbirths.size(); i++) {
                assertThat(dbirths.get(i).payload().seq()).isEqualTo(i + 1L);
            }
            SparkplugWire.Metric current = dbirths.get(0).payload().metric("Current");
            assertThat(current.datatype()).isEqualTo(SparkplugWire.DOUBLE);
            assertThat(current.value()).isEqualTo(100.0);
            assertThat(current.properties()).containsEntry("engUnit", "A");
            assertThat(dbirths.get(0).payload().metric("Limit").value())
                    .isEqualTo(site.feed("A").orElseThrow().limitA());
            SparkplugWire.Payload group = dbirths.get(devices.indexOf("group-hall-1")).payload();
            assertThat(group.metric("N-1/Ready").value()).isEqualTo(true);
            assertThat(group.metric("N-1/Lose A/Feasible").value()).isEqualTo(true);
            assertThat(dbirths.get(devices.indexOf("supercap-bank-A")).payload().metric("SoC").value()).isEqualTo(80.0);

            // data by exception: only what changed, seq going on
            state.set(SparkplugStates.state(site, 2, 120, false));
            SparkplugWire.Message feedA = next(q, m -> m.type().equals("DDATA") && m.device().equals("feed-A"));
            assertThat(feedA.payload().names()).containsExactlyInAnyOrder("Current", "Power", "Load Fraction");
            assertThat(feedA.payload().metric("Current").value()).isEqualTo(120.0);
            SparkplugWire.Message groupData = next(q, m -> m.type().equals("DDATA")
                    && m.device().equals("group-hall-1"));
            assertThat(groupData.payload().metric("N-1/Ready").value()).isEqualTo(false);
            assertThat(groupData.payload().names()).doesNotContain("Allowed");
            assertSeqConsecutive();

            // a host asks for a rebirth: NBIRTH again, seq 0, the same bdSeq
            broker.publish("spBv1.0/Headroom/NCMD/hall-a",
                    SparkplugWire.command("Node Control/Rebirth", true, System.currentTimeMillis()));
            SparkplugWire.Message reborn = next(q, m -> m.type().equals("NBIRTH"));
            assertThat(reborn.payload().seq()).isZero();
            assertThat(reborn.payload().metric("bdSeq").value()).isEqualTo(0L);
            assertThat(reborn.payload().metric("N-1/Ready").value()).isEqualTo(false);
            assertThat(node.stats().births.get()).isEqualTo(2);

            // read-only: any other command is refused
            broker.publish("spBv1.0/Headroom/NCMD/hall-a",
                    SparkplugWire.command("Node Control/Reboot", true, System.currentTimeMillis()));
            await().atMost(Duration.ofSeconds(10)).until(() -> node.stats().commandsRefused.get() == 1);
            assertThat(node.stats().births.get()).isEqualTo(2);

            // the network goes: the broker publishes the will, NDEATH with the session's bdSeq; then a new session
            proxy.cut();
            SparkplugWire.Message will = next(q, m -> m.type().equals("NDEATH"));
            assertThat(will.topic()).isEqualTo("spBv1.0/Headroom/NDEATH/hall-a");
            assertThat(will.payload().metric("bdSeq").value()).isEqualTo(0L);
            assertThat(will.payload().seq()).isNull();
            SparkplugWire.Message again = next(q, m -> m.type().equals("NBIRTH"));
            assertThat(again.payload().metric("bdSeq").value()).isEqualTo(1L);
            assertThat(again.payload().seq()).isZero();

            // a clean stop: NDEATH published by the node itself
            node.close();
            SparkplugWire.Message death = next(q, m -> m.type().equals("NDEATH"));
            assertThat(death.payload().metric("bdSeq").value()).isEqualTo(1L);
            assertThat(Files.readString(bdSeqFile).strip()).isEqualTo("1");

            // a restart goes on from the kept bdSeq
            SparkplugNode restarted = new SparkplugNode(cfg, site, state::get, Clock.systemUTC(), vertx, bdSeqFile)
                    .start();
            try {
                assertThat(next(q, m -> m.type().equals("NBIRTH")).payload().metric("bdSeq").value()).isEqualTo(2L);
            } finally {
                restarted.close();
            }
        }
    }

    @Test
    void overMutualTlsWithAPasswordTheNodeIsBornAndAWrongPasswordIsNotLetIn() throws Exception {
        Mosquitto.assumePresent();
        Site example = SparkplugStates.exampleSite();
        var pki = io.headroom.grid.vtn.BenchPki.in(dir.resolve("pki"));
        var broker = pki.party("EC", "mqtt-ca", "broker", true);
        var client = pki.party("EC", "mqtt-ca", "appliance", false);
        int tlsPort = Mosquitto.freePortBelow32768();
        Path passwords = dir.resolve("passwords");
        Process pw = new ProcessBuilder("/usr/bin/mosquitto_passwd", "-b", "-c", passwords.toString(), "headroom",
                "s3cret").redirectErrorStream(true).start();
        assertThat(pw.waitFor()).isZero();
        try (Mosquitto mq = Mosquitto.start(dir, port -> "per_listener_settings true\n"
                + "listener " + tlsPort + " 127.0.0.1\ncafile " + broker.ca() + "\ncertfile " + broker.cert()
                + "\nkeyfile " + broker.key() + "\nrequire_certificate true\nallow_anonymous false\npassword_file "
                + passwords + "\nlistener " + port + " 127.0.0.1\nallow_anonymous true\n")) {
            LinkedBlockingQueue<String> q = mq.subscribe("spBv1.0/#");
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
                mq.publish("spBv1.0/probe/x", new byte[0]);
                String l = q.poll(200, TimeUnit.MILLISECONDS);
                return l != null && l.startsWith("spBv1.0/probe/x");
            });
            MqttSettings good = new MqttSettings(true, "127.0.0.1", tlsPort, true, "Headroom", "hall-tls", "",
                    "headroom", "s3cret", broker.ca().toString(), client.cert().toString(), client.key().toString(),
                    100, 5, false);
            Site site = example.withMqtt(good);
            AtomicReference<SiteState> state = new AtomicReference<>(SparkplugStates.state(site, 1, 100, true));
            SparkplugNode node = new SparkplugNode(good, site, state::get, Clock.systemUTC(), vertx, null).start();
            try {
                SparkplugWire.Message nbirth = next(q, m -> m.type().equals("NBIRTH"));
                assertThat(nbirth.topic()).isEqualTo("spBv1.0/Headroom/NBIRTH/hall-tls");
                await().atMost(Duration.ofSeconds(5)).until(node::connected);
            } finally {
                node.close();
            }
            MqttSettings wrong = new MqttSettings(true, "127.0.0.1", tlsPort, true, "Headroom", "hall-bad", "",
                    "headroom", "wrong", broker.ca().toString(), client.cert().toString(), client.key().toString(),
                    100, 5, false);
            SparkplugNode refused = new SparkplugNode(wrong, site.withMqtt(wrong), state::get, Clock.systemUTC(), vertx,
                    null).start();
            try {
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> !refused.connected());
                assertThat(refused.stats().births.get()).isZero();
            } finally {
                refused.close();
            }
        }
    }

    /** Every message since the last NBIRTH (DATA and BIRTH alike) took the next seq. */
    private void assertSeqConsecutive() {
        long expect = -1;
        for (SparkplugWire.Message m : seen) {
            if (m.type().equals("NBIRTH")) {
                expect = 0;
            }
            if (m.type().equals("NDEATH") || expect < 0) {
                continue;
            }
            assertThat(m.payload().seq()).as("seq of %s", m.topic()).isEqualTo(expect);
            expect = (expect + 1) % 256;
        }
    }

    private SparkplugWire.Message next(LinkedBlockingQueue<String> q, Predicate<SparkplugWire.Message> what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            String line = q.poll(100, TimeUnit.MILLISECONDS);
            if (line == null || line.startsWith("spBv1.0/probe")) {
                continue;
            }
            SparkplugWire.Message m = SparkplugWire.line(line);
            if (!m.type().equals("NCMD")) {
                seen.add(m);
            }
            if (what.test(m)) {
                return m;
            }
        }
        throw new AssertionError("no such message within 15 s; seen: " + seen.stream().map(SparkplugWire.Message::topic)
                .toList());
    }
}
