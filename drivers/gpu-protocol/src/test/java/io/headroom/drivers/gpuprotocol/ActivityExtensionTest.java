package io.headroom.drivers.gpuprotocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The activity extension of {@code PowerReport} and {@code CapAck}: its codec, and mixed versions over CoAP both ways
 * (a version-1 appliance with a new agent, a new appliance with a version-1 agent).
 */
class ActivityExtensionTest {

    private static final long SESSION = 0xAC71L;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
    }

    private static final GpuActivity BUSY = new GpuActivity(97, 88, 1410, 2619, 71, GpuActivity.THROTTLE_POWER_CAP);
    private static final GpuActivity IDLE = new GpuActivity(0, GpuActivity.UNKNOWN_PCT, 345, 2619, 33,
            GpuActivity.THROTTLE_IDLE);

    // ------------------------------------------------------------------ codec

    @Test
    void powerReportWithActivityRoundTripsAndAVersionOneReportHasNone() throws Exception {
        PowerReport v1 = new PowerReport(LeaseState.CAPPED, 1234, 500, List.of(new GpuPower(400, 450), new GpuPower(100, 450)));
        PowerReport ext = v1.withActivity(List.of(BUSY, IDLE));

        byte[] bytes = ext.encode();
        assertThat(bytes).hasSize(16 + 8 * 2 + 4 + 10 * 2);
        assertThat(Arrays.copyOf(bytes, 32)).as("the version-1 part is unchanged").isEqualTo(v1.encode());
        PowerReport back = PowerReport.decode(bytes);
        assertThat(back).isEqualTo(ext);
        assertThat(back.activity().get(0).powerThrottled()).isTrue();
        assertThat(back.activity().get(1).idle()).isTrue();
        assertThat(PowerReport.decode(v1.encode()).activity()).isEmpty();
        assertThat(ext.toJson()).contains("\"activity\":[{\"gpu\":0,\"utilPct\":97,\"smActivityPct\":88,"
                + "\"smClockMHz\":1410,\"memClockMHz\":2619,\"temperatureC\":71,\"powerThrottled\":true");
        assertThat(v1.toJson()).doesNotContain("activity");
    }

    @Test
    void capAckWithActivityRoundTrips() throws Exception {
        CapAck v1 = new CapAck(SESSION, 7, 100, 5100, 800, List.of(450.0, 450.0));
        CapAck ext = v1.withActivity(List.of(IDLE, BUSY));
        byte[] bytes = ext.encode();
        assertThat(bytes).hasSize(39 + 4 * 2 + 4 + 10 * 2);
        assertThat(CapAck.decode(bytes)).isEqualTo(ext);
        assertThat(Message.decode(bytes)).isEqualTo(ext);
        assertThat(CapAck.decode(v1.encode()).activity()).isEmpty();
    }

    @Test
    void unknownExtensionBlocksAreSkippedAndBadOnesRefused() throws Exception {
        PowerReport v1 = new PowerReport(LeaseState.UNCAPPED, 1, 100, List.of(new GpuPower(100, 700)));
        byte[] withActivity = v1.withActivity(List.of(BUSY)).encode();
        // A newer agent's block (tag 0x7F, 3 bytes) before the activity block: skipped.
        byte[] base = v1.encode();
        byte[] unknown = {0x7F, 0, 3, 9, 9, 9};
        byte[] mixed = new byte[base.length + unknown.length + (withActivity.length - base.length)];
        System.arraycopy(base, 0, mixed, 0, base.length);
        System.arraycopy(unknown, 0, mixed, base.length, unknown.length);
        System.arraycopy(withActivity, base.length, mixed, base.length + unknown.length, withActivity.length - base.length);
        assertThat(PowerReport.decode(mixed).activity()).containsExactly(BUSY);

        byte[] truncated = Arrays.copyOf(withActivity, withActivity.length - 1);
        assertThatThrownBy(() -> PowerReport.decode(truncated)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("extension block 0x1");
        byte[] wrongCount = withActivity.clone();
        wrongCount[base.length + 3] = 2;
        assertThatThrownBy(() -> PowerReport.decode(wrongCount)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("activity block of 2 GPUs");
        assertThatThrownBy(() -> v1.withActivity(List.of(BUSY, IDLE))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GpuActivity(101, 0, 0, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    /** What a version-1 appliance's decoder accepts: exactly 16 + 8·n bytes. */
    private static boolean versionOneAccepts(byte[] powerReport) {
        return powerReport.length == 16 + 8 * (powerReport[15] & 0xFF);
    }

    // ------------------------------------------------------------------ over CoAP, both ways

    private NodeAgent agent(SimulatedGpus gpus, boolean extension) {
        NodeAgent a = NodeAgent.builder(gpus).name("ext-agent").bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .automaticLeaseCheck(false).powerPublishInterval(Duration.ZERO).safeCapW(300)
                .activityExtension(extension).smoothingExtension(extension).build();
        closeables.add(a);
        return a.start();
    }

    private AgentClient client(boolean extension) {
        AgentClient c = AgentClient.builder().timeout(Duration.ofSeconds(5)).activityExtension(extension)
                .smoothingExtension(extension).build();
        closeables.add(c);
        return c;
    }

    private static InetSocketAddress at(NodeAgent a) {
        return new InetSocketAddress("127.0.0.1", a.port());
    }

    @Test
    void aNewApplianceReadsANewAgentsActivityAndThrottling() throws Exception {
        SimulatedGpus gpus = new SimulatedGpus(2, 200, 700, 700);
        gpus.setDemandW(0, 650);
        gpus.setDemandW(1, 20);
        NodeAgent a = agent(gpus, true);
        AgentClient c = client(true);

        PowerReport p = c.power(at(a)).get(5, TimeUnit.SECONDS);
        assertThat(p.activity()).hasSize(2);
        assertThat(p.activity().get(0).powerThrottled()).as("650 W wanted under a 300 W safe cap").isTrue();
        assertThat(p.activity().get(0).smClockMHz()).isLessThan(SimulatedGpus.SM_CLOCK_MHZ);
        assertThat(p.activity().get(1).idle()).isTrue();
        assertThat(p.activity().get(1).powerThrottled()).isFalse();

        CapAck ack = c.setCaps(at(a), CapCommand.uniform(SESSION, 1, 10_000, 2, 700)).get(5, TimeUnit.SECONDS);
        assertThat(ack.activity()).hasSize(2);
        assertThat(ack.activity().get(0).powerThrottled()).as("uncapped at 700 W it draws its 650 W").isFalse();
    }

    @Test
    void aVersionOneApplianceGetsVersionOnePayloadsFromANewAgent() throws Exception {
        SimulatedGpus gpus = new SimulatedGpus(3, 200, 700, 700);
        gpus.setDemandW(500);
        NodeAgent a = agent(gpus, true);
        AgentClient old = client(false);

        PowerReport p = old.power(at(a)).get(5, TimeUnit.SECONDS);
        assertThat(p.activity()).isEmpty();
        assertThat(versionOneAccepts(p.encode())).isTrue();
        assertThat(p.encode()).hasSize(16 + 8 * 3);
        CapAck ack = old.setCaps(at(a), CapCommand.uniform(SESSION, 1, 10_000, 3, 400)).get(5, TimeUnit.SECONDS);
        assertThat(ack.activity()).isEmpty();
        assertThat(ack.encode()).as("exactly a version-1 CapAck").hasSize(39 + 4 * 3);
        // The same agent, asked by a new appliance, appends the block: a version-1 decoder would refuse that.
        PowerReport q = client(true).power(at(a)).get(5, TimeUnit.SECONDS);
        assertThat(versionOneAccepts(q.encode())).isFalse();
        assertThat(q.activity()).hasSize(3).allMatch(GpuActivity::powerThrottled);
    }

    @Test
    void aNewApplianceWorksWithAVersionOneAgent() throws Exception {
        SimulatedGpus gpus = new SimulatedGpus(2, 200, 700, 700);
        gpus.setDemandW(600);
        NodeAgent old = agent(gpus, false);
        AgentClient c = client(true);

        PowerReport p = c.power(at(old)).get(5, TimeUnit.SECONDS);
        assertThat(p.activity()).as("the old agent ignored the query").isEmpty();
        assertThat(p.totalW()).isEqualTo(600.0);
        CapAck ack = c.setCaps(at(old), CapCommand.uniform(SESSION, 1, 10_000, 2, 350)).get(5, TimeUnit.SECONDS);
        assertThat(ack.activity()).isEmpty();
        assertThat(ack.appliedLimitsW()).containsExactly(350.0, 350.0);
    }

    /** A GPU whose activity read fails: the report and the cap's answer still come, that GPU's activity unknown. */
    @Test
    void aFailingActivityReadLeavesThatGpuUnknownAndFailsNothing() throws Exception {
        SimulatedGpus sim = new SimulatedGpus(2, 200, 700, 700);
        GpuBackend failing = new GpuBackend() {
            public int gpuCount() { return sim.gpuCount(); }
            public double minW(int g) { return sim.minW(g); }
            public double maxW(int g) { return sim.maxW(g); }
            public double defaultW(int g) { return sim.defaultW(g); }
            public double powerW(int g) { return sim.powerW(g); }
            public double limitW(int g) { return sim.limitW(g); }
            public void setLimitW(int g, double w) { sim.setLimitW(g, w); }
            @Override
            public GpuActivity activity(int g) {
                if (g == 1) {
                    throw new IllegalStateException("driver busy");
                }
                return sim.activity(g);
            }
        };
        NodeAgent a = NodeAgent.builder(failing).name("failing-activity").bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .automaticLeaseCheck(false).powerPublishInterval(Duration.ZERO).safeCapW(300).build();
        closeables.add(a);
        a.start();
        AgentClient c = client(true);
        PowerReport p = c.power(at(a)).get(5, TimeUnit.SECONDS);
        assertThat(p.activity()).hasSize(2);
        assertThat(p.activity().get(1)).isEqualTo(GpuActivity.UNKNOWN);
        CapAck ack = c.setCaps(at(a), CapCommand.uniform(SESSION, 1, 10_000, 2, 500)).get(5, TimeUnit.SECONDS);
        assertThat(sim.limitsW()).containsOnly(500.0);
        assertThat(ack.activity().get(1)).isEqualTo(GpuActivity.UNKNOWN);
    }
}
