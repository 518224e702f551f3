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
 * The smoothing extension of {@code CapCommand} and {@code CapAck} (power floors and ramp limits, issue #25): its
 * codec, the simulated GPUs' model, and mixed versions over CoAP both ways.
 */
class SmoothingExtensionTest {

    private static final long SESSION = 0x5300L;
    private static final GpuSmoothing FLOOR_300 = GpuSmoothing.on(300, 100, 50);
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
    }

    // ------------------------------------------------------------------ codec

    @Test
    void capCommandWithSmoothingRoundTripsAfterAnUnchangedVersionOneBody() throws Exception {
        CapCommand v1 = CapCommand.uniform(SESSION, 3, 2000, 2, 500);
        CapCommand ext = v1.withSmoothing(List.of(FLOOR_300, GpuSmoothing.OFF));
        byte[] bytes = ext.encode();
        assertThat(bytes).hasSize(23 + 4 * 2 + 4 + 13 * 2);
        assertThat(Arrays.copyOf(bytes, 31)).as("the version-1 part is unchanged").isEqualTo(v1.encode());
        assertThat(CapCommand.decode(bytes)).isEqualTo(ext);
        assertThat(Message.decode(bytes)).isEqualTo(ext);
        assertThat(CapCommand.decode(v1.encode()).smoothing()).isEmpty();
        assertThat(ext.withoutSmoothing()).isEqualTo(v1);
        assertThat(ext.toJson()).contains("\"smoothing\":[{\"gpu\":0,\"enabled\":true,\"floorW\":300.0,"
                + "\"rampUpWPerS\":100.0,\"rampDownWPerS\":50.0},{\"gpu\":1,\"enabled\":false}]");
        // Unlimited ramps travel as infinity.
        GpuSmoothing floorOnly = GpuSmoothing.on(250, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
        CapCommand floors = v1.withSmoothing(List.of(floorOnly, floorOnly));
        assertThat(CapCommand.decode(floors.encode()).smoothing()).containsExactly(floorOnly, floorOnly);
        assertThat(floors.toJson()).contains("{\"gpu\":1,\"enabled\":true,\"floorW\":250.0}");
    }

    @Test
    void capAckWithStatusRoundTripsWithOrWithoutActivity() throws Exception {
        CapAck v1 = new CapAck(SESSION, 7, 100, 5100, 800, List.of(450.0, 450.0));
        CapAck ext = v1.withSmoothing(List.of(SmoothingStatus.APPLIED, SmoothingStatus.UNSUPPORTED));
        assertThat(ext.encode()).hasSize(39 + 4 * 2 + 4 + 2);
        assertThat(CapAck.decode(ext.encode())).isEqualTo(ext);
        CapAck both = ext.withActivity(List.of(GpuActivity.UNKNOWN, GpuActivity.UNKNOWN));
        assertThat(CapAck.decode(both.encode())).isEqualTo(both);
        assertThat(both.smoothing()).containsExactly(SmoothingStatus.APPLIED, SmoothingStatus.UNSUPPORTED);
        assertThat(ext.toJson()).contains("\"smoothing\":[\"applied\",\"unsupported\"]");
        assertThat(v1.toJson()).doesNotContain("smoothing");
    }

    @Test
    void badSmoothingBlocksAreRefused() {
        CapCommand ext = CapCommand.uniform(SESSION, 1, 2000, 1, 500).withSmoothing(List.of(FLOOR_300));
        byte[] bytes = ext.encode();
        byte[] truncated = Arrays.copyOf(bytes, bytes.length - 1);
        assertThatThrownBy(() -> CapCommand.decode(truncated)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("extension block 0x2");
        byte[] wrongCount = bytes.clone();
        wrongCount[27 + 3] = 2;
        assertThatThrownBy(() -> CapCommand.decode(wrongCount)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("smoothing block of 2 GPUs");
        byte[] negativeRamp = bytes.clone();
        negativeRamp[27 + 4 + 1 + 4] = (byte) 0xBF; // rampUp f32 now negative
        assertThatThrownBy(() -> CapCommand.decode(negativeRamp)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("ramp rates");
        assertThatThrownBy(() -> GpuSmoothing.on(-1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CapCommand.uniform(SESSION, 1, 2000, 2, 500).withSmoothing(List.of(FLOOR_300)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------ the simulated GPUs

    @Test
    void simulatedSmoothingHoldsTheFloorLimitsRampsAndACapStillWins() {
        SimulatedGpus gpus = new SimulatedGpus(1, 200, 700, 700);
        gpus.setDemandW(600);
        gpus.setSmoothing(0, GpuSmoothing.on(400, 100, 50));
        assertThat(gpus.powerW(0)).isEqualTo(600.0);
        gpus.setDemandW(100); // communication phase: demand falls
        gpus.advance(1);
        assertThat(gpus.powerW(0)).as("down at 50 W/s").isEqualTo(550.0);
        gpus.advance(10);
        assertThat(gpus.powerW(0)).as("held up to the floor").isEqualTo(400.0);
        gpus.setDemandW(700);
        gpus.advance(1);
        assertThat(gpus.powerW(0)).as("up at 100 W/s").isEqualTo(500.0);
        gpus.setLimitW(0, 250);
        assertThat(gpus.powerW(0)).as("a cap wins at once").isEqualTo(250.0);
        gpus.setDemandW(0);
        gpus.advance(10);
        assertThat(gpus.powerW(0)).as("a cap under the floor still wins").isEqualTo(250.0);
        gpus.setSmoothing(0, GpuSmoothing.OFF);
        assertThat(gpus.powerW(0)).isEqualTo(0.0);

        gpus.setSmoothingSupported(false);
        assertThat(gpus.supportsSmoothing(0)).isFalse();
        assertThatThrownBy(() -> gpus.setSmoothing(0, FLOOR_300)).isInstanceOf(UnsupportedOperationException.class);
    }

    // ------------------------------------------------------------------ over CoAP, both ways

    private final java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong();

    private NodeAgent agent(SimulatedGpus gpus, boolean extension) {
        NodeAgent a = NodeAgent.builder(gpus).name("smooth-agent").bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .nanoTime(clock::get)
                .automaticLeaseCheck(false).powerPublishInterval(Duration.ZERO).safeCapW(300)
                .smoothingExtension(extension).build();
        closeables.add(a);
        return a.start();
    }

    private AgentClient client(boolean extension) {
        AgentClient c = AgentClient.builder().timeout(Duration.ofSeconds(5)).smoothingExtension(extension).build();
        closeables.add(c);
        return c;
    }

    private static InetSocketAddress at(NodeAgent a) {
        return new InetSocketAddress("127.0.0.1", a.port());
    }

    private static CapCommand smoothed(long sequence, int gpus, GpuSmoothing s) {
        return CapCommand.uniform(SESSION, sequence, 10_000, gpus, 600).withSmoothing(java.util.Collections.nCopies(gpus, s));
    }

    @Test
    void aNewApplianceSendsSmoothingOnceANewAgentOffersItAndTheAgentAppliesIt() throws Exception {
        SimulatedGpus gpus = new SimulatedGpus(2, 200, 700, 700);
        gpus.setDemandW(500);
        NodeAgent a = agent(gpus, true);
        AgentClient c = client(true);

        CapAck first = c.setCaps(at(a), smoothed(1, 2, FLOOR_300)).get(5, TimeUnit.SECONDS);
        assertThat(first.smoothing()).as("not offered yet: sent as version 1, the agent says so")
                .containsExactly(SmoothingStatus.NONE, SmoothingStatus.NONE);
        assertThat(c.smoothingOffered(at(a))).isTrue();
        assertThat(gpus.smoothing(0).enabled()).isFalse();

        CapAck second = c.setCaps(at(a), smoothed(2, 2, FLOOR_300)).get(5, TimeUnit.SECONDS);
        assertThat(second.smoothing()).containsExactly(SmoothingStatus.APPLIED, SmoothingStatus.APPLIED);
        assertThat(second.appliedLimitsW()).containsExactly(600.0, 600.0);
        assertThat(gpus.smoothing(1)).isEqualTo(FLOOR_300);
        gpus.setDemandW(0);
        gpus.advance(60);
        assertThat(gpus.powerW(0)).as("held at the floor").isEqualTo(300.0);

        CapAck plain = c.setCaps(at(a), CapCommand.uniform(SESSION, 3, 10_000, 2, 600)).get(5, TimeUnit.SECONDS);
        assertThat(plain.smoothing()).containsOnly(SmoothingStatus.NONE);
        assertThat(gpus.smoothing(0).enabled()).as("a command without it turns it off").isFalse();

        c.setCaps(at(a), smoothed(4, 2, FLOOR_300)).get(5, TimeUnit.SECONDS);
        assertThat(gpus.smoothing(0).enabled()).isTrue();
        clock.addAndGet(11_000_000_000L);
        assertThat(a.checkLease()).isTrue();
        assertThat(gpus.smoothing(0).enabled()).as("a lapsed lease takes the floor with it").isFalse();
    }

    @Test
    void aGpuWithoutSmoothingKeepsItsCapAndTheAckSaysUnsupported() throws Exception {
        SimulatedGpus gpus = new SimulatedGpus(2, 200, 700, 700);
        gpus.setSmoothingSupported(false);
        NodeAgent a = agent(gpus, true);
        AgentClient c = client(true);
        c.setCaps(at(a), smoothed(1, 2, FLOOR_300)).get(5, TimeUnit.SECONDS);
        CapAck ack = c.setCaps(at(a), smoothed(2, 2, FLOOR_300)).get(5, TimeUnit.SECONDS);
        assertThat(ack.smoothing()).containsExactly(SmoothingStatus.UNSUPPORTED, SmoothingStatus.UNSUPPORTED);
        assertThat(ack.appliedLimitsW()).containsExactly(600.0, 600.0);
    }

    @Test
    void aNewApplianceWorksWithAVersionOneAgentAndNeverSendsItTheBlock() throws Exception {
        SimulatedGpus gpus = new SimulatedGpus(2, 200, 700, 700);
        NodeAgent old = agent(gpus, false);
        AgentClient c = client(true);
        for (int seq = 1; seq <= 3; seq++) {
            CapAck ack = c.setCaps(at(old), smoothed(seq, 2, FLOOR_300)).get(5, TimeUnit.SECONDS);
            assertThat(ack.smoothing()).as("the old agent ignored the query").isEmpty();
            assertThat(ack.appliedLimitsW()).containsExactly(600.0, 600.0);
        }
        assertThat(c.smoothingOffered(at(old))).isFalse();
        assertThat(gpus.smoothing(0).enabled()).isFalse();
        // What the old agent would have said of the block, had it been sent.
        assertThat(old.handleCap(smoothed(9, 2, FLOOR_300).encode())).isInstanceOf(NodeAgent.Rejected.class);
    }

    @Test
    void aVersionOneApplianceGetsVersionOneAcksFromANewAgent() throws Exception {
        SimulatedGpus gpus = new SimulatedGpus(3, 200, 700, 700);
        NodeAgent a = agent(gpus, true);
        AgentClient old = client(false);
        for (int seq = 1; seq <= 2; seq++) {
            CapAck ack = old.setCaps(at(a), smoothed(seq, 3, FLOOR_300)).get(5, TimeUnit.SECONDS);
            assertThat(ack.smoothing()).isEmpty();
            assertThat(ack.activity()).hasSize(3);
            assertThat(ack.withActivity(List.of()).encode()).as("exactly a version-1 CapAck").hasSize(39 + 4 * 3);
        }
        assertThat(gpus.smoothing(0).enabled()).as("a version-1 appliance sends no smoothing").isFalse();
    }
}
