package io.headroom.appliance.northbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.headroom.appliance.Appliance;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The whole appliance with the site file's mqtt section, against mosquitto: the edge node is born from the state
 * regulation publishes (its ticks reach DDATA), /metrics says it is connected, and a clean stop sends NDEATH.
 */
class ApplianceMqttIT {

    @TempDir
    Path dir;

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void anApplianceWithAnMqttSectionIsASparkplugEdgeNode() throws Exception {
        Mosquitto.assumePresent();
        try (Mosquitto mq = Mosquitto.start(dir)) {
            LinkedBlockingQueue<String> q = mq.subscribe("spBv1.0/#");
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
                mq.publish("spBv1.0/probe/x", new byte[0]);
                String l = q.poll(200, TimeUnit.MILLISECONDS);
                return l != null && l.startsWith("spBv1.0/probe/x");
            });
            String text = Files.readString(Path.of("src/test/resources/sites/minimal-2feed.yaml"));
            for (String port : new String[]{"57001", "57002", "15021", "15022"}) {
                text = text.replace("127.0.0.1:" + port, "127.0.0.1:" + closedPort());
            }
            text += "\nmqtt:\n  enabled: true\n  broker: mqtt://127.0.0.1:" + mq.port()
                    + "\n  groupId: Plant\n  edgeNodeId: hall-1\n  publishInterval: 200 ms\n";
            Path file = dir.resolve("site.yaml");
            Files.writeString(file, text);
            Site site = SiteLoader.load(file);
            Appliance a = Appliance.start(site, Appliance.Options.of("127.0.0.1", 0, dir.resolve("data")));
            try {
                SparkplugWire.Message nbirth = next(q, "spBv1.0/Plant/NBIRTH/hall-1");
                assertThat(nbirth.payload().seq()).isZero();
                assertThat(nbirth.payload().metric("Properties/Site").value()).isEqualTo(site.name());
                // regulation ticks: the node's Tick goes out as NDATA
                SparkplugWire.Message ndata = next(q, "spBv1.0/Plant/NDATA/hall-1");
                assertThat((Long) ndata.payload().metric("Tick").value()).isPositive();
                await().atMost(Duration.ofSeconds(10)).until(() -> a.mqtt().connected());
                try (HttpClient http = HttpClient.newHttpClient()) {
                    String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.httpPort()
                            + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
                    assertThat(metrics).contains("headroom_mqtt_connected 1.0").contains("headroom_mqtt_births_total 1.0");
                }
            } finally {
                a.close();
            }
            assertThat(next(q, "spBv1.0/Plant/NDEATH/hall-1").payload().metric("bdSeq").value()).isEqualTo(0L);
            assertThat(Files.readString(dir.resolve("data/mqtt-bdseq")).strip()).isEqualTo("0");
        }
    }

    private static SparkplugWire.Message next(LinkedBlockingQueue<String> q, String topic) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            String line = q.poll(100, TimeUnit.MILLISECONDS);
            if (line != null && line.startsWith(topic + " ")) {
                return SparkplugWire.line(line);
            }
        }
        throw new AssertionError("no " + topic + " within 20 s");
    }
}
