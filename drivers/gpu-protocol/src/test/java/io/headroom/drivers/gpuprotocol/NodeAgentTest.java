package io.headroom.drivers.gpuprotocol;

import io.headroom.testsupport.TestClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.headroom.drivers.gpuprotocol.NodeAgent.Accepted;
import io.headroom.drivers.gpuprotocol.NodeAgent.CapOutcome;
import io.headroom.drivers.gpuprotocol.NodeAgent.Rejected;

/** The agent's cap, sequence, session and lease logic, driven in-process with a fake clock. */
class NodeAgentTest {

    private static final long SESSION = 0x5EED_0001L;

    private final TestClock clock = TestClock.atNanos(5_000_000_000L);
    private final SimulatedGpus gpus = new SimulatedGpus(4, 200, 700, 700);
    private final List<NodeAgent> agents = new ArrayList<>();

    @AfterEach
    void closeAgents() {
        agents.forEach(NodeAgent::close);
    }

    private NodeAgent.Builder builder(GpuBackend backend) {
        return NodeAgent.builder(backend)
                .name("test-agent")
                .bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .nanoTime(clock)
                .automaticLeaseCheck(false)
                .powerPublishInterval(Duration.ZERO)
                .safeCapW(250);
    }

    private NodeAgent start(NodeAgent.Builder b) {
        NodeAgent agent = b.build();
        agents.add(agent);
        return agent.start();
    }

    private NodeAgent startAgent() {
        return start(builder(gpus));
    }

    private static CapAck accepted(CapOutcome outcome) {
        assertThat(outcome).isInstanceOf(Accepted.class);
        return ((Accepted) outcome).ack();
    }

    private static Rejected rejected(CapOutcome outcome) {
        assertThat(outcome).isInstanceOf(Rejected.class);
        return (Rejected) outcome;
    }

    // ------------------------------------------------------------------ start-up

    @Test
    void startUpAppliesTheSafeCapBeforeServing() {
        NodeAgent agent = builder(gpus).build();
        agents.add(agent);
        assertThat(gpus.limitsW()).as("untouched before start").containsOnly(700.0);

        agent.start();

        assertThat(gpus.limitsW()).containsExactly(250.0, 250.0, 250.0, 250.0);
        assertThat(agent.leaseState()).isEqualTo(LeaseState.SAFE_CAP);
        assertThat(agent.port()).isPositive();
        Health h = agent.health();
        assertThat(h.state()).isEqualTo(LeaseState.SAFE_CAP);
        assertThat(h.secondsSinceLastCommand()).isEqualTo(Health.NEVER);
        assertThat(h.lastSequence()).isEqualTo(Health.NO_SEQUENCE);
        assertThat(h.safeCapsW()).containsExactly(250.0, 250.0, 250.0, 250.0);
        assertThat(h.lastRejectedReason()).isEmpty();
        assertThat(agent.powerReport().state()).isEqualTo(LeaseState.SAFE_CAP);
    }

    @Test
    void safeCapsAreClampedIntoEachGpusRange() {
        NodeAgent agent = start(builder(gpus).safeCapsW(List.of(50.0, 300.0, 900.0, 700.0)));
        assertThat(agent.safeCapsW()).containsExactly(200.0, 300.0, 700.0, 700.0);
        assertThat(gpus.limitsW()).containsExactly(200.0, 300.0, 700.0, 700.0);
    }

    @Test
    void defaultSafeCapIsEachGpusMinimum() {
        SimulatedGpus mixed = new SimulatedGpus(List.of(new GpuLimits(100, 400, 400), new GpuLimits(200, 700, 700)));
        NodeAgent agent = start(NodeAgent.builder(mixed).bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .automaticLeaseCheck(false).powerPublishInterval(Duration.ZERO));
        assertThat(agent.safeCapsW()).containsExactly(100.0, 200.0);
        assertThat(mixed.limitsW()).containsExactly(100.0, 200.0);
    }

    @Test
    void safeCapAtTheDefaultLimitIsReportedAsUncapped() {
        NodeAgent agent = start(builder(gpus).safeCapW(700));
        assertThat(agent.leaseState()).isEqualTo(LeaseState.UNCAPPED);
        assertThat(agent.powerReport().state()).isEqualTo(LeaseState.UNCAPPED);
    }

    @Test
    void wrongNumberOfSafeCapsIsAConfigurationError() {
        assertThatThrownBy(() -> builder(gpus).safeCapsW(List.of(300.0)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("1 safe caps configured but the backend has 4 GPUs");
    }

    // ------------------------------------------------------------------ applying caps

    @Test
    void appliesCapsAndReportsThem() {
        NodeAgent agent = startAgent();
        gpus.setDemandW(0, 650);
        gpus.setDemandW(1, 350);
        gpus.setDemandW(2, 100);
        gpus.setDemandW(3, 700);
        clock.advanceMs(1500);

        CapAck ack = accepted(agent.apply(new CapCommand(SESSION, 1, 5000, List.of(300.0, 400.0, 500.0, 600.0))));

        assertThat(gpus.limitsW()).containsExactly(300.0, 400.0, 500.0, 600.0);
        assertThat(ack.session()).isEqualTo(SESSION);
        assertThat(ack.sequence()).isEqualTo(1);
        assertThat(ack.appliedLimitsW()).containsExactly(300.0, 400.0, 500.0, 600.0);
        assertThat(ack.totalPowerW()).isEqualTo(300 + 350 + 100 + 600);
        assertThat(ack.agentTimeMs()).isEqualTo(1500);
        assertThat(ack.leaseExpiresAtMs()).isEqualTo(6500);
        assertThat(ack.leaseRemainingMs()).isEqualTo(5000);

        PowerReport report = agent.powerReport();
        assertThat(report.state()).isEqualTo(LeaseState.CAPPED);
        assertThat(report.agentTimeMs()).isEqualTo(1500);
        assertThat(report.totalW()).isEqualTo(1350);
        assertThat(report.gpus()).containsExactly(new GpuPower(300, 300), new GpuPower(350, 400),
                new GpuPower(100, 500), new GpuPower(600, 600));
        Health health = agent.health();
        assertThat(health.state()).isEqualTo(LeaseState.CAPPED);
        assertThat(health.session()).isEqualTo(SESSION);
        assertThat(health.lastSequence()).isEqualTo(1);
        assertThat(health.secondsSinceLastCommand()).isZero();
    }

    @Test
    void outOfRangeCapRefusesTheWholeCommandAndAppliesNothing() {
        NodeAgent agent = startAgent();
        long writesBefore = gpus.limitWrites();

        Rejected r = rejected(agent.apply(new CapCommand(SESSION, 1, 5000, List.of(300.0, 300.0, 300.0, 900.0))));

        assertThat(r.code()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(r.reason()).isEqualTo("cap 900 W for GPU 3 outside 200..700 W");
        assertThat(gpus.limitWrites()).isEqualTo(writesBefore);
        assertThat(gpus.limitsW()).containsOnly(250.0);
        assertThat(agent.leaseState()).isEqualTo(LeaseState.SAFE_CAP);
        Health h = agent.health();
        assertThat(h.lastRejectedReason()).isEqualTo("cap 900 W for GPU 3 outside 200..700 W");
        assertThat(h.lastSequence()).as("a refused command does not consume its sequence").isEqualTo(Health.NO_SEQUENCE);
    }

    @Test
    void everyOutOfRangeCapIsNamed() {
        NodeAgent agent = startAgent();
        Rejected r = rejected(agent.apply(new CapCommand(SESSION, 1, 5000, List.of(150.5, 300.0, 300.0, 701.0))));
        assertThat(r.reason()).isEqualTo(
                "cap 150.5 W for GPU 0 outside 200..700 W; cap 701 W for GPU 3 outside 200..700 W");
    }

    @Test
    void wrongGpuCountIsRefused() {
        NodeAgent agent = startAgent();
        Rejected r = rejected(agent.apply(CapCommand.uniform(SESSION, 1, 5000, 3, 300)));
        assertThat(r.code()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(r.reason()).isEqualTo("cap command has 3 caps but this node has 4 GPUs");
        assertThat(gpus.limitsW()).containsOnly(250.0);
    }

    @Test
    void leaseLongerThanTheAgentsMaximumIsRefused() {
        NodeAgent agent = start(builder(gpus).maxLease(Duration.ofSeconds(30)));
        Rejected r = rejected(agent.apply(CapCommand.uniform(SESSION, 1, 30_001, 4, 300)));
        assertThat(r.code()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(r.reason()).isEqualTo("lease 30001 ms exceeds this agent's maximum of 30000 ms");
        assertThat(gpus.limitsW()).containsOnly(250.0);
    }

    @Test
    void malformedPayloadIsRefusedWithTheDecoderDiagnostic() {
        NodeAgent agent = startAgent();
        byte[] bad = CapCommand.uniform(SESSION, 1, 5000, 4, 300).encode();
        bad[0] = 9;
        Rejected r = rejected(agent.handleCap(bad));
        assertThat(r.code()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(r.reason()).isEqualTo(
                "malformed cap command: CapCommand: unsupported protocol version 9 (this implementation speaks version 1)");
        assertThat(agent.health().lastRejectedReason()).isEqualTo(r.reason());
        assertThat(gpus.limitsW()).containsOnly(250.0);
    }

    // ------------------------------------------------------------------ sequence and session

    @Test
    void staleSequenceIsRejectedWithConflict() {
        NodeAgent agent = startAgent();
        accepted(agent.apply(CapCommand.uniform(SESSION, 42, 5000, 4, 300)));

        Rejected older = rejected(agent.apply(CapCommand.uniform(SESSION, 41, 5000, 4, 400)));
        assertThat(older.code()).isEqualTo(ResponseCode.CONFLICT);
        assertThat(older.reason()).isEqualTo("stale sequence 41 ≤ 42");
        Rejected same = rejected(agent.apply(CapCommand.uniform(SESSION, 42, 5000, 4, 400)));
        assertThat(same.code()).isEqualTo(ResponseCode.CONFLICT);
        assertThat(same.reason()).isEqualTo("stale sequence 42 ≤ 42");
        assertThat(gpus.limitsW()).containsOnly(300.0);

        accepted(agent.apply(CapCommand.uniform(SESSION, 43, 5000, 4, 400)));
        assertThat(gpus.limitsW()).containsOnly(400.0);
        assertThat(agent.health().lastSequence()).isEqualTo(43);
    }

    @Test
    void newSessionResetsTheSequenceWindow() {
        NodeAgent agent = startAgent();
        accepted(agent.apply(CapCommand.uniform(SESSION, 1000, 5000, 4, 300)));

        long restarted = 0x5EED_0002L;
        CapAck ack = accepted(agent.apply(CapCommand.uniform(restarted, 0, 5000, 4, 450)));

        assertThat(ack.session()).isEqualTo(restarted);
        assertThat(ack.sequence()).isZero();
        assertThat(gpus.limitsW()).containsOnly(450.0);
        Health h = agent.health();
        assertThat(h.session()).isEqualTo(restarted);
        assertThat(h.lastSequence()).isZero();
        Rejected stale = rejected(agent.apply(CapCommand.uniform(restarted, 0, 5000, 4, 500)));
        assertThat(stale.reason()).isEqualTo("stale sequence 0 ≤ 0");
    }

    // ------------------------------------------------------------------ leases

    @Test
    void lapsedLeaseFallsBackToTheSafeCap() {
        NodeAgent agent = startAgent();
        accepted(agent.apply(CapCommand.uniform(SESSION, 1, 5000, 4, 600)));

        clock.advanceMs(4999);
        assertThat(agent.checkLease()).isFalse();
        assertThat(agent.leaseState()).isEqualTo(LeaseState.CAPPED);
        assertThat(gpus.limitsW()).containsOnly(600.0);

        clock.advanceMs(1);
        assertThat(agent.checkLease()).isTrue();
        assertThat(agent.leaseState()).isEqualTo(LeaseState.SAFE_CAP);
        assertThat(gpus.limitsW()).containsOnly(250.0);
        assertThat(agent.powerReport().state()).isEqualTo(LeaseState.SAFE_CAP);
        Health h = agent.health();
        assertThat(h.state()).isEqualTo(LeaseState.SAFE_CAP);
        assertThat(h.secondsSinceLastCommand()).isEqualTo(5);
        assertThat(h.lastSequence()).as("the session window survives a lapse").isEqualTo(1);

        assertThat(agent.checkLease()).as("lapses once").isFalse();
    }

    @Test
    void renewalExtendsTheLease() {
        NodeAgent agent = startAgent();
        accepted(agent.apply(CapCommand.uniform(SESSION, 1, 5000, 4, 600)));
        clock.advanceMs(4000);
        CapAck renewal = accepted(agent.apply(CapCommand.uniform(SESSION, 2, 5000, 4, 600)));
        assertThat(renewal.leaseExpiresAtMs()).isEqualTo(9000);

        clock.advanceMs(4999);
        assertThat(agent.checkLease()).isFalse();
        assertThat(agent.leaseState()).isEqualTo(LeaseState.CAPPED);
        clock.advanceMs(1);
        assertThat(agent.checkLease()).isTrue();
        assertThat(gpus.limitsW()).containsOnly(250.0);
    }

    @Test
    void nextSequenceAfterALapseCapsAgain() {
        NodeAgent agent = startAgent();
        accepted(agent.apply(CapCommand.uniform(SESSION, 1, 1000, 4, 600)));
        clock.advanceMs(1000);
        assertThat(agent.checkLease()).isTrue();

        accepted(agent.apply(CapCommand.uniform(SESSION, 2, 1000, 4, 500)));
        assertThat(agent.leaseState()).isEqualTo(LeaseState.CAPPED);
        assertThat(gpus.limitsW()).containsOnly(500.0);
    }

    @Test
    void timerEnforcesLeasesWithTheRealClock() {
        NodeAgent agent = start(NodeAgent.builder(gpus).name("timer-agent")
                .bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .powerPublishInterval(Duration.ZERO)
                .safeCapW(250));
        accepted(agent.apply(CapCommand.uniform(SESSION, 1, 200, 4, 600)));
        assertThat(gpus.limitsW()).containsOnly(600.0);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(agent.leaseState()).isEqualTo(LeaseState.SAFE_CAP);
            assertThat(gpus.limitsW()).containsOnly(250.0);
        });
    }

    // ------------------------------------------------------------------ backend failures

    @Test
    void backendFailureMidCommandRestoresThePreviousCaps() {
        FailingGpus failing = new FailingGpus(gpus);
        NodeAgent agent = start(builder(failing));
        accepted(agent.apply(CapCommand.uniform(SESSION, 1, 5000, 4, 600)));

        failing.failOnGpu = 2;
        Rejected r = rejected(agent.apply(CapCommand.uniform(SESSION, 2, 5000, 4, 400)));

        assertThat(r.code()).isEqualTo(ResponseCode.INTERNAL_SERVER_ERROR);
        assertThat(r.reason()).isEqualTo("failed to apply cap 400 W to GPU 2: NVML_ERROR_UNKNOWN; previous limits restored");
        assertThat(gpus.limitsW()).containsExactly(600.0, 600.0, 600.0, 600.0);
        assertThat(agent.leaseState()).isEqualTo(LeaseState.CAPPED);
        assertThat(agent.health().lastSequence()).isEqualTo(1);
    }

    @Test
    void safeCapThatFailedIsRetriedByTheLeaseCheck() {
        FailingGpus failing = new FailingGpus(gpus);
        failing.failOnGpu = 1;
        NodeAgent agent = start(builder(failing));
        assertThat(gpus.limitsW()).containsExactly(250.0, 700.0, 250.0, 250.0);

        failing.failOnGpu = -1;
        agent.checkLease();

        assertThat(gpus.limitsW()).containsOnly(250.0);
    }

    /** Delegates to a simulation, failing setLimitW on one chosen GPU. */
    private static final class FailingGpus implements GpuBackend {
        private final SimulatedGpus delegate;
        volatile int failOnGpu = -1;

        FailingGpus(SimulatedGpus delegate) {
            this.delegate = delegate;
        }

        @Override
        public int gpuCount() {
            return delegate.gpuCount();
        }

        @Override
        public double minW(int gpu) {
            return delegate.minW(gpu);
        }

        @Override
        public double maxW(int gpu) {
            return delegate.maxW(gpu);
        }

        @Override
        public double defaultW(int gpu) {
            return delegate.defaultW(gpu);
        }

        @Override
        public double powerW(int gpu) {
            return delegate.powerW(gpu);
        }

        @Override
        public double limitW(int gpu) {
            return delegate.limitW(gpu);
        }

        @Override
        public void setLimitW(int gpu, double watts) {
            if (gpu == failOnGpu) {
                throw new IllegalStateException("NVML_ERROR_UNKNOWN");
            }
            delegate.setLimitW(gpu, watts);
        }
    }
}
