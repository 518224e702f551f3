package io.headroom.appliance.actuation;

import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Endpoint;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.headroom.drivers.gpuprotocol.AgentClient;
import io.headroom.drivers.gpuprotocol.NodeAgent;
import io.headroom.drivers.gpuprotocol.SimulatedGpus;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The agents' activity reaches the node telemetry through the cap acknowledgements; a version-1 agent gives none. */
class CoapActuatorActivityTest {

    @Test
    void throttledIdleAndBusyGpusComeBackWithTheAckAndAnOldAgentReportsNoActivity() throws Exception {
        SimulatedGpus gpus = new SimulatedGpus(8, 200, 700, 700);
        for (int g = 0; g < 8; g++) {
            gpus.setDemandW(g, g < 3 ? 650 : g < 5 ? 30 : 300); // 3 want more than 400 W, 2 idle, 3 busy under it
        }
        SimulatedGpus oldGpus = new SimulatedGpus(8, 200, 700, 700);
        oldGpus.setDemandW(650);
        try (NodeAgent agent = NodeAgent.builder(gpus).name("r1-n1").bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .powerPublishInterval(Duration.ZERO).safeCapW(500).start();
             NodeAgent old = NodeAgent.builder(oldGpus).name("r1-n2").bindAddress(new InetSocketAddress("127.0.0.1", 0))
                     .powerPublishInterval(Duration.ZERO).safeCapW(500).activityExtension(false).start()) {
            Site site = CoapActuatorStartupTest.exampleSite().withEndpoints(Map.of(
                    "r1-n1", new Endpoint("127.0.0.1", agent.port()), "r1-n2", new Endpoint("127.0.0.1", old.port())),
                    Map.of());
            Node n1 = site.nodes().stream().filter(n -> n.id().equals("r1-n1")).findFirst().orElseThrow();
            Node n2 = site.nodes().stream().filter(n -> n.id().equals("r1-n2")).findFirst().orElseThrow();
            try (CoapActuator actuator = new CoapActuator(site, AgentClient.builder().timeout(Duration.ofSeconds(2)).build(),
                    null, System::nanoTime)) {
                actuator.command(n1, 400);
                actuator.command(n2, 400);
                actuator.flush(System.nanoTime());
                await().atMost(Duration.ofSeconds(10)).until(() -> actuator.telemetry(n1, System.nanoTime()).isPresent()
                        && actuator.telemetry(n2, System.nanoTime()).isPresent());
                NodeTelemetry t = actuator.telemetry(n1, System.nanoTime()).orElseThrow();
                assertThat(t.activity().known()).isTrue();
                assertThat(t.activity().powerThrottled()).isEqualTo(3);
                assertThat(t.activity().idle()).isEqualTo(2);
                assertThat(t.activity().busy()).isEqualTo(6);
                Optional<NodeTelemetry> o = actuator.telemetry(n2, System.nanoTime());
                assertThat(o.orElseThrow().activity().known()).as("a version-1 agent").isFalse();
                assertThat(o.orElseThrow().gpuPowerW()).isEqualTo(8 * 400.0);
            }
        }
    }
}
