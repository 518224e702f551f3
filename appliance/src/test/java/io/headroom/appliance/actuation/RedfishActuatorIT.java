package io.headroom.appliance.actuation;

import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Endpoint;
import io.headroom.appliance.site.GpuModel;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Priority;
import io.headroom.drivers.redfish.RedfishClient;
import io.headroom.drivers.redfish.RedfishConfig;
import io.headroom.drivers.redfish.RedfishMock;
import io.headroom.testsupport.TestPki;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class RedfishActuatorIT {

    static final GpuModel H100 = new GpuModel("h100-sxm", 200, 700, 700);
    /** On chassis 1 (Controls, allowable 500..3000 W, demand 1900 W): 4 GPUs + 800 W base. */
    static final Node N1 = new Node("n1", "R1", "g", 4, H100, 800, Priority.STANDARD, 200, new Endpoint("127.0.0.1", 5683));
    /** On chassis 2 (legacy Power only, demand 900 W): 2 GPUs + 300 W base. */
    static final Node N2 = new Node("n2", "R1", "g", 2, H100, 300, Priority.STANDARD, 200, new Endpoint("127.0.0.1", 5684));

    @TempDir
    static Path dir;
    static Vertx vertx;
    static TestPki.Server tls;

    RedfishMock mock;
    RedfishActuator actuator;

    @BeforeAll
    static void pki() throws Exception {
        vertx = Vertx.vertx();
        tls = new TestPki(dir).server("bmc-ca", "bmc");
    }

    @AfterAll
    static void stopVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @BeforeEach
    void start() throws Exception {
        mock = RedfishMock.start(vertx, tls);
        Map<String, String> chassisOf = Map.of("n1", "1", "n2", "2");
        actuator = new RedfishActuator(List.of(N1, N2), n -> new RedfishActuator.Bmc(RedfishClient.create(vertx,
                RedfishConfig.builder(mock.uri(), RedfishMock.USER, RedfishMock.PASSWORD).pinnedCa(tls.caPem())
                        .requestTimeout(Duration.ofSeconds(10)).build()), chassisOf.get(n.id())),
                Duration.ofMillis(200), System::nanoTime);
    }

    @AfterEach
    void stop() throws Exception {
        actuator.close();
        mock.close();
    }

    @Test
    void perGpuCapBecomesNodeLimitAndTelemetryComesFromTheBmc() {
        assertThat(actuator.telemetry(N1, System.nanoTime())).isEmpty();
        actuator.command(N1, 450); // 4 × 450 + 800 = 2600 W
        actuator.command(N2, 500); // 2 × 500 + 300 = 1300 W (legacy PowerControl)
        actuator.flush(System.nanoTime());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(mock.chassis.get("1").limitW).isEqualTo(2600.0);
            assertThat(mock.chassis.get("2").limitW).isEqualTo(1300.0);
            assertThat(actuator.telemetry(N1, System.nanoTime())).isPresent();
            assertThat(actuator.telemetry(N2, System.nanoTime())).isPresent();
        });
        NodeTelemetry t1 = actuator.telemetry(N1, System.nanoTime()).orElseThrow();
        assertThat(t1.gpuPowerW()).isEqualTo(1900 - 800.0); // Sensor.Reading − base
        assertThat(t1.capPerGpuW()).isEqualTo(450.0);
        assertThat(t1.fresh()).isTrue();
        NodeTelemetry t2 = actuator.telemetry(N2, System.nanoTime()).orElseThrow();
        assertThat(t2.gpuPowerW()).isEqualTo(900 - 300.0); // PowerConsumedWatts − base
        assertThat(t2.capPerGpuW()).isEqualTo(500.0);
        // telemetry ages: stale after three poll intervals without an answer
        assertThat(actuator.telemetry(N1, System.nanoTime() + Duration.ofSeconds(5).toNanos()).orElseThrow().fresh())
                .isFalse();
        assertThat(RedfishActuator.nodeLimitW(N1, 450)).isEqualTo(2600.0);
    }

    @Test
    void flushNeverBlocksAndKeepsOneRequestInFlightPerNode() {
        String control = "/redfish/v1/Chassis/1/Controls/PowerLimit";
        mock.stalled.add(control); // the BMC never answers about its limit
        actuator.command(N1, 450);
        actuator.flush(System.nanoTime());
        await().atMost(Duration.ofSeconds(10)).until(() -> count("GET " + control) == 1);
        for (int i = 0; i < 20; i++) {
            actuator.command(N1, 300 + i);
            actuator.flush(System.nanoTime());
        }
        // Every flush returned while the first request is still unanswered: one in flight, nothing queued behind it.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> count("GET " + control) == 1 && count("PATCH " + control) == 0);
    }

    @Test
    void limitIsClampedToTheBmcRange() {
        actuator.command(N1, 700); // 4 × 700 + 800 = 3600 W > AllowableMax 3000 W
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            actuator.flush(System.nanoTime());
            assertThat(mock.chassis.get("1").limitW).isEqualTo(3000.0);
        });
        assertThat(mock.patchesTo("/redfish/v1/Chassis/1/Controls/PowerLimit")).isEqualTo(1);
    }

    @Test
    void limitChangedBehindItsBackIsSetAgain() {
        actuator.command(N1, 450);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            actuator.flush(System.nanoTime());
            assertThat(mock.chassis.get("1").limitW).isEqualTo(2600.0);
        });
        mock.chassis.get("1").limitW = 3000.0; // someone else, through the BMC's web page
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            actuator.flush(System.nanoTime());
            assertThat(mock.chassis.get("1").limitW).isEqualTo(2600.0);
        });
        assertThat(mock.patchesTo("/redfish/v1/Chassis/1/Controls/PowerLimit")).isEqualTo(2);
    }

    @Test
    void closeEndsTheBmcSessions() {
        actuator.command(N1, 450);
        actuator.command(N2, 500);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            actuator.flush(System.nanoTime());
            assertThat(mock.sessions).hasSize(2);
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> mock.chassis.get("2").limitW == 1300.0);
        actuator.close();
        assertThat(mock.sessions).isEmpty();
        assertThat(mock.sessionsDeleted.get()).isEqualTo(2);
    }

    @Test
    void aRedfishNodeIsHeldAtTheLowestCapOfItsContingencyPlans() {
        RedfishActuator held = new RedfishActuator(List.of(N1), n -> new RedfishActuator.Bmc(RedfishClient.create(vertx,
                RedfishConfig.builder(mock.uri(), RedfishMock.USER, RedfishMock.PASSWORD).pinnedCa(tls.caPem())
                        .requestTimeout(Duration.ofSeconds(10)).build()), "1"), Duration.ofMillis(200), n -> 300.0, System::nanoTime)
                .feeds(List.of("A", "B"));
        try {
            // before any plan is armed: its N-1 safe cap, whatever regulation asks
            held.command(N1, 600);
            awaitLimit(held, 4 * 300 + 800);
            // the group's plans (N1 second in the group): losing A leaves N1 350 W per GPU, losing B 500 W
            held.arm(decision(plan("A", 700, 350), plan("B", 700, 500)), List.of(N2, N1));
            awaitLimit(held, 4 * 350 + 800);
            assertThat(held.ceilingW(N1, System.nanoTime())).isEqualTo(350.0);
            // under the ceiling, regulation gets what it asks
            held.command(N1, 250);
            awaitLimit(held, 4 * 250 + 800);
            // A is lost: its plan's cap holds even when the plans for the new situation are higher
            held.command(N1, 600);
            held.holdContingency(0, System.nanoTime(), Duration.ofMinutes(1).toNanos());
            held.arm(decision(plan("A", 700, 650), plan("B", 700, 650)), List.of(N2, N1));
            awaitLimit(held, 4 * 350 + 800);
            assertThat(held.ceilingW(N1, System.nanoTime() + Duration.ofMinutes(2).toNanos())).isEqualTo(650.0);
        } finally {
            held.close();
        }
    }

    private void awaitLimit(RedfishActuator a, double limitW) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            a.flush(System.nanoTime());
            assertThat(mock.chassis.get("1").limitW).isEqualTo(limitW);
        });
    }

    private static ContingencyCaps.Contingency plan(String lost, double... caps) {
        return new ContingencyCaps.Contingency(lost, caps);
    }

    private static ContingencyCaps decision(ContingencyCaps.Contingency... plans) {
        return new ContingencyCaps("g", 1, List.of(plans));
    }

    private long count(String request) {
        return mock.requests.stream().filter(request::equals).count();
    }
}
