package io.headroom.appliance.actuation;

import io.headroom.appliance.site.Endpoint;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.headroom.drivers.gpuprotocol.AgentClient;
import io.headroom.drivers.gpuprotocol.GpuSmoothing;
import io.headroom.drivers.gpuprotocol.NodeAgent;
import io.headroom.drivers.gpuprotocol.SimulatedGpus;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The band controller's GPU floors and ramp limits reach the agents with the cap commands (the smoothing extension):
 * an agent that offered it applies them, a version-1 agent keeps its caps alone, and an actuator not told to carry them
 * sends none.
 */
class CoapActuatorSmoothingTest {

    @Test
    void floorsAndRampsReachANewAgentAndAnOldOneKeepsItsCaps() throws Exception {
        SimulatedGpus gpus = new SimulatedGpus(8, 200, 700, 700);
        SimulatedGpus oldGpus = new SimulatedGpus(8, 200, 700, 700);
        try (NodeAgent agent = NodeAgent.builder(gpus).name("r1-n1").bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .powerPublishInterval(Duration.ZERO).safeCapW(500).start();
             NodeAgent old = NodeAgent.builder(oldGpus).name("r1-n2").bindAddress(new InetSocketAddress("127.0.0.1", 0))
                     .powerPublishInterval(Duration.ZERO).safeCapW(500).smoothingExtension(false).start()) {
            Site site = CoapActuatorStartupTest.exampleSite().withEndpoints(Map.of(
                    "r1-n1", new Endpoint("127.0.0.1", agent.port()), "r1-n2", new Endpoint("127.0.0.1", old.port())),
                    Map.of());
            Node n1 = site.nodes().stream().filter(n -> n.id().equals("r1-n1")).findFirst().orElseThrow();
            Node n2 = site.nodes().stream().filter(n -> n.id().equals("r1-n2")).findFirst().orElseThrow();
            try (CoapActuator actuator = new CoapActuator(site, AgentClient.builder().timeout(Duration.ofSeconds(2)).build(),
                    null, System::nanoTime).carryGpuSmoothing(true)) {
                assertThat(actuator.carriesGpuSmoothing()).isTrue();
                actuator.gpuSmoothing(350, 120, 60);
                send(actuator, n1, n2, 600); // the first command finds out who offers the extension
                await().atMost(Duration.ofSeconds(10)).until(() -> actuator.telemetry(n1, System.nanoTime()).isPresent()
                        && actuator.telemetry(n2, System.nanoTime()).isPresent());
                assertThat(gpus.smoothing(0).enabled()).isFalse();

                send(actuator, n1, n2, 610);
                await().atMost(Duration.ofSeconds(10)).until(() -> gpus.smoothing(7).enabled());
                assertThat(gpus.smoothing(0)).isEqualTo(GpuSmoothing.on(350, 120, 60));
                assertThat(gpus.limitW(0)).isEqualTo(610.0);
                await().atMost(Duration.ofSeconds(10)).until(() -> oldGpus.limitW(0) == 610.0);
                assertThat(oldGpus.smoothing(0).enabled()).as("a version-1 agent gets its caps alone").isFalse();
                await().atMost(Duration.ofSeconds(10)).until(() -> actuator.gpuSmoothingAcks()[0] >= 8);

                actuator.gpuSmoothing(Double.NaN, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY); // band aside
                send(actuator, n1, n2, 620);
                await().atMost(Duration.ofSeconds(10)).until(() -> !gpus.smoothing(0).enabled());
                assertThat(gpus.limitW(0)).isEqualTo(620.0);
            }
        }
    }

    @Test
    void anActuatorNotToldToCarryThemSendsNone() throws Exception {
        SimulatedGpus gpus = new SimulatedGpus(8, 200, 700, 700);
        try (NodeAgent agent = NodeAgent.builder(gpus).name("r1-n1").bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .powerPublishInterval(Duration.ZERO).safeCapW(500).start()) {
            Site site = CoapActuatorStartupTest.exampleSite().withEndpoints(Map.of(
                    "r1-n1", new Endpoint("127.0.0.1", agent.port())), Map.of());
            Node n1 = site.nodes().stream().filter(n -> n.id().equals("r1-n1")).findFirst().orElseThrow();
            try (CoapActuator actuator = new CoapActuator(site, AgentClient.builder().timeout(Duration.ofSeconds(2)).build(),
                    null, System::nanoTime)) {
                assertThat(actuator.carriesGpuSmoothing()).isFalse();
                actuator.gpuSmoothing(350, 120, 60);
                for (double cap : new double[] {600, 610}) {
                    actuator.command(n1, cap);
                    actuator.flush(System.nanoTime());
                    await().atMost(Duration.ofSeconds(10)).until(() -> gpus.limitW(0) == cap);
                }
                assertThat(gpus.smoothing(0).enabled()).isFalse();
            }
        }
    }

    private static void send(CoapActuator a, Node n1, Node n2, double cap) {
        a.command(n1, cap);
        a.command(n2, cap);
        a.flush(System.nanoTime());
    }
}
