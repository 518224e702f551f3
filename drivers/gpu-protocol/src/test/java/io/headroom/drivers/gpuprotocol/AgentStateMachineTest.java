package io.headroom.drivers.gpuprotocol;

import io.headroom.testsupport.TestClock;
import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.headroom.drivers.gpuprotocol.AgentStateMachine.Armed;
import io.headroom.drivers.gpuprotocol.AgentStateMachine.CapResult;
import io.headroom.drivers.gpuprotocol.AgentStateMachine.Capped;
import io.headroom.drivers.gpuprotocol.AgentStateMachine.LeaseCheck;
import io.headroom.drivers.gpuprotocol.AgentStateMachine.Refusal;
import io.headroom.drivers.gpuprotocol.AgentStateMachine.Refused;

/**
 * The agent's state machine alone, tick by tick: no CoAP, no socket, no timer; the time is a {@link FakeClock} the
 * test moves.
 */
class AgentStateMachineTest {

    private static final long SESSION = 0xC0FFEEL;
    private static final int AGENT_ID = 7;
    private static final int TRIGGER_PORT = 5685;

    private final TestClock clock = TestClock.atNanos(1_000_000_000L);
    private final SimulatedGpus gpus = new SimulatedGpus(2, 200, 700, 700);
    private final TriggerKey key = TriggerKey.random(new SecureRandom());
    private AgentStateMachine machine;

    @BeforeEach
    void start() {
        machine = new AgentStateMachine("sm", gpus, Inventory.of(gpus), List.of(250.0, 250.0), 30_000, clock);
        machine.applySafeCaps();
    }

    private List<Double> limits() {
        return List.of(gpus.limitW(0), gpus.limitW(1));
    }

    private CapResult cap(long session, long sequence, int leaseMs, double w) {
        return machine.cap(CapCommand.uniform(session, sequence, leaseMs, 2, w));
    }

    private ContingencyTable table(long epoch, int leaseMs, double capA, double capB) {
        return new ContingencyTable(SESSION, epoch, AGENT_ID, key, leaseMs, List.of(
                new ContingencyTable.Contingency(0, List.of(capA, capA)),
                new ContingencyTable.Contingency(1, List.of(capB, capB))));
    }

    private TriggerAck trigger(long epoch, int id) throws ProtocolException {
        TriggerOutcome o = machine.trigger(Trigger.signed(AGENT_ID, epoch, id, key).encode());
        assertThat(o.ack()).as("answered (refusal: %s)", o.refusal()).isNotNull();
        TriggerAck ack = TriggerAck.decode(o.ack());
        assertThat(ack.authentic(key)).isTrue();
        assertThat(ack.status()).isEqualTo(o.status());
        return ack;
    }

    @Test
    void startsAtTheSafeCapUncommanded() {
        assertThat(machine.state()).isEqualTo(LeaseState.SAFE_CAP);
        assertThat(limits()).containsExactly(250.0, 250.0);
        assertThat(machine.healthState().hasSession()).isFalse();
        assertThat(machine.checkLease()).isEqualTo(LeaseCheck.NONE);
    }

    @Test
    void aLeaseHoldsUntilItsLastTickThenTheSafeCapComesBack() {
        assertThat(cap(SESSION, 1, 1000, 600)).isInstanceOf(Capped.class);
        assertThat(machine.state()).isEqualTo(LeaseState.CAPPED);
        assertThat(limits()).containsExactly(600.0, 600.0);
        assertThat(machine.leaseCheckPeriodMs()).as("a tenth of the lease").isEqualTo(100);

        for (int tick = 1; tick < 10; tick++) {
            clock.advanceMs(100);
            assertThat(machine.checkLease()).as("tick %d", tick).isEqualTo(LeaseCheck.NONE);
        }
        clock.advanceMs(99);
        assertThat(machine.checkLease()).as("1 ms before expiry").isEqualTo(LeaseCheck.NONE);
        assertThat(limits()).containsExactly(600.0, 600.0);

        clock.advanceMs(1);
        assertThat(machine.checkLease()).as("at expiry").isEqualTo(LeaseCheck.LAPSED);
        assertThat(machine.state()).isEqualTo(LeaseState.SAFE_CAP);
        assertThat(limits()).containsExactly(250.0, 250.0);
        assertThat(machine.leaseLapses()).isEqualTo(1);
        assertThat(machine.leaseCheckPeriodMs()).isEqualTo(1000);

        clock.advanceMs(5000);
        assertThat(machine.checkLease()).as("lapses once").isEqualTo(LeaseCheck.NONE);
        assertThat(machine.leaseLapses()).isEqualTo(1);
    }

    @Test
    void aRenewalMovesTheExpiry() {
        cap(SESSION, 1, 1000, 600);
        clock.advanceMs(900);
        assertThat(cap(SESSION, 2, 1000, 500)).isInstanceOf(Capped.class);
        clock.advanceMs(999);
        assertThat(machine.checkLease()).isEqualTo(LeaseCheck.NONE);
        assertThat(limits()).containsExactly(500.0, 500.0);
        clock.advanceMs(1);
        assertThat(machine.checkLease()).isEqualTo(LeaseCheck.LAPSED);
    }

    @Test
    void aStaleSequenceIsRefusedAndChangesNothingButANewSessionStartsAfresh() {
        Capped first = (Capped) cap(SESSION, 42, 5000, 600);
        assertThat(first.ack().sequence()).isEqualTo(42);

        CapResult same = cap(SESSION, 42, 5000, 300);
        assertThat(same).isEqualTo(new Refused(Refusal.STALE, "stale sequence 42 ≤ 42"));
        CapResult older = cap(SESSION, 41, 5000, 300);
        assertThat(older).isEqualTo(new Refused(Refusal.STALE, "stale sequence 41 ≤ 42"));
        assertThat(limits()).containsExactly(600.0, 600.0);
        assertThat(machine.healthState().lastRejectedReason()).isEqualTo("stale sequence 41 ≤ 42");
        assertThat(machine.healthState().lastSequence()).isEqualTo(42);

        assertThat(cap(SESSION + 1, 0, 5000, 300)).as("a restarted appliance").isInstanceOf(Capped.class);
        assertThat(machine.healthState().session()).isEqualTo(SESSION + 1);
        assertThat(limits()).containsExactly(300.0, 300.0);
    }

    @Test
    void anInvalidCommandIsRefusedBeforeAnythingIsApplied() {
        assertThat(cap(SESSION, 1, 5000, 900)).isEqualTo(new Refused(Refusal.INVALID,
                "cap 900 W for GPU 0 outside 200..700 W; cap 900 W for GPU 1 outside 200..700 W"));
        assertThat(cap(SESSION, 1, 30_001, 300)).isEqualTo(new Refused(Refusal.INVALID,
                "lease 30001 ms exceeds this agent's maximum of 30000 ms"));
        assertThat(machine.cap(new byte[] {1, 3})).isInstanceOf(Refused.class)
                .extracting(r -> ((Refused) r).refusal()).isEqualTo(Refusal.INVALID);
        assertThat(limits()).containsExactly(250.0, 250.0);
        assertThat(cap(SESSION, 1, 5000, 300)).as("sequence 1 was never used").isInstanceOf(Capped.class);
    }

    @Test
    void aBackendFailureRestoresTheCapsInForce() {
        FailingGpus failing = new FailingGpus(gpus);
        AgentStateMachine m = new AgentStateMachine("sm", failing, Inventory.of(gpus), List.of(250.0, 250.0), 30_000,
                clock);
        m.applySafeCaps();
        assertThat(m.cap(CapCommand.uniform(SESSION, 1, 5000, 2, 600))).isInstanceOf(Capped.class);
        failing.failGpu = 1;
        CapResult r = m.cap(CapCommand.uniform(SESSION, 2, 5000, 2, 400));
        assertThat(r).isInstanceOf(Refused.class);
        assertThat(((Refused) r).refusal()).isEqualTo(Refusal.FAILED);
        assertThat(((Refused) r).reason()).startsWith("failed to apply cap 400 W to GPU 1: ")
                .endsWith("; previous limits restored");
        assertThat(gpus.limitW(0)).as("GPU 0 back at the lease's cap").isEqualTo(600.0);
        assertThat(m.state()).isEqualTo(LeaseState.CAPPED);
    }

    @Test
    void aStaleEpochIsRefusedAndTheSameTableAgainIsARetry() {
        Armed first = (Armed) machine.arm(table(5, 3000, 300, 400), TRIGGER_PORT);
        assertThat(first.retry()).isFalse();
        assertThat(first.replaced()).isNull();
        assertThat(first.ack()).isEqualTo(new ContingencyAck(SESSION, 5, AGENT_ID, 2, TRIGGER_PORT));

        Armed again = (Armed) machine.arm(table(5, 3000, 300, 400), TRIGGER_PORT);
        assertThat(again.retry()).as("a lost acknowledgement").isTrue();
        assertThat(again.ack()).isEqualTo(first.ack());

        assertThat(machine.arm(table(5, 3000, 300, 410), TRIGGER_PORT))
                .isEqualTo(new Refused(Refusal.STALE, "stale epoch 5 ≤ 5"));
        assertThat(machine.arm(table(4, 3000, 300, 400), TRIGGER_PORT))
                .isEqualTo(new Refused(Refusal.STALE, "stale epoch 4 ≤ 5"));
        assertThat(machine.armed()).isEqualTo(table(5, 3000, 300, 400));

        Armed next = (Armed) machine.arm(table(6, 3000, 300, 400), TRIGGER_PORT);
        assertThat(next.replaced()).isEqualTo(table(5, 3000, 300, 400));
        assertThat(machine.armed().epoch()).isEqualTo(6);
    }

    @Test
    void aTriggerAppliesOncePerEpochAndIdAndRepeatsChangeNothing() throws Exception {
        machine.arm(table(1, 3000, 300, 400), TRIGGER_PORT);
        clock.advanceMs(10);
        TriggerAck applied = trigger(1, 0);
        assertThat(applied.status()).isEqualTo(TriggerAck.Status.APPLIED);
        assertThat(applied.agentTimeMs()).isEqualTo(10);
        assertThat(limits()).containsExactly(300.0, 300.0);
        assertThat(machine.state()).isEqualTo(LeaseState.CAPPED);

        cap(SESSION, 1, 5000, 500); // the appliance moves on
        clock.advanceMs(10);
        TriggerAck repeat = trigger(1, 0);
        assertThat(repeat.status()).isEqualTo(TriggerAck.Status.ALREADY_APPLIED);
        assertThat(repeat.agentTimeMs()).as("when it was applied").isEqualTo(10);
        assertThat(limits()).as("the repeat changed nothing").containsExactly(500.0, 500.0);

        assertThat(trigger(1, 1).status()).as("another contingency of the epoch").isEqualTo(TriggerAck.Status.APPLIED);
        assertThat(limits()).containsExactly(400.0, 400.0);
        assertThat(trigger(1, 9).status()).isEqualTo(TriggerAck.Status.NOT_ARMED);

        machine.arm(table(2, 3000, 310, 410), TRIGGER_PORT);
        clock.advanceMs(2000); // past the previous epoch's grace
        assertThat(trigger(2, 0).status()).as("the same id in a new epoch").isEqualTo(TriggerAck.Status.APPLIED);
        assertThat(limits()).containsExactly(310.0, 310.0);
        assertThat(trigger(1, 0).status()).as("epoch 1 is gone").isEqualTo(TriggerAck.Status.EPOCH_MISMATCH);
    }

    @Test
    void aTriggerFromThePreviousEpochIsAppliedWithinTheGraceOnly() throws Exception {
        machine.arm(table(1, 3000, 300, 400), TRIGGER_PORT);
        machine.arm(table(2, 3000, 350, 450), TRIGGER_PORT); // re-armed while epoch 1 was fired
        clock.advanceMs(AgentStateMachine.PREVIOUS_EPOCH_GRACE_NANOS / 1_000_000 - 1);
        assertThat(trigger(1, 0).status()).isEqualTo(TriggerAck.Status.APPLIED);
        assertThat(limits()).containsExactly(300.0, 300.0);
        clock.advanceMs(1);
        assertThat(trigger(1, 1).status()).as("the grace is over").isEqualTo(TriggerAck.Status.EPOCH_MISMATCH);
        assertThat(limits()).containsExactly(300.0, 300.0);
    }

    @Test
    void aTriggersLeaseLapsesLikeACommandsLease() throws Exception {
        machine.arm(table(1, 3000, 300, 400), TRIGGER_PORT);
        trigger(1, 0);
        assertThat(machine.leaseCheckPeriodMs()).isEqualTo(300);
        clock.advanceMs(2999);
        assertThat(machine.checkLease()).isEqualTo(LeaseCheck.NONE);
        clock.advanceMs(1);
        assertThat(machine.checkLease()).isEqualTo(LeaseCheck.LAPSED);
        assertThat(limits()).containsExactly(250.0, 250.0);
    }

    @Test
    void whatIsNotAuthenticChangesNothingAndIsNotAnswered() {
        TriggerOutcome unarmed = machine.trigger(Trigger.signed(AGENT_ID, 1, 0, key).encode());
        assertThat(unarmed.ack()).isNull();
        assertThat(unarmed.refusal()).isEqualTo("trigger for agent 7 epoch 1 contingency 0 but no contingency table is armed");

        machine.arm(table(1, 3000, 300, 400), TRIGGER_PORT);
        TriggerKey other = TriggerKey.random(new SecureRandom());
        TriggerOutcome forged = machine.trigger(Trigger.signed(AGENT_ID, 1, 0, other).encode());
        assertThat(forged.ack()).isNull();
        assertThat(forged.refusal()).isEqualTo("unauthenticated trigger (wrong MAC) for epoch 1 contingency 0");
        TriggerOutcome otherAgent = machine.trigger(Trigger.signed(8, 1, 0, key).encode());
        assertThat(otherAgent.refusal()).isEqualTo("trigger for agent id 8 but this agent is armed as 7");
        assertThat(machine.trigger(new byte[] {1}).refusal()).isEqualTo("malformed trigger (1 bytes)");

        assertThat(machine.rejectedTriggers()).isEqualTo(4);
        assertThat(limits()).containsExactly(250.0, 250.0);
        assertThat(machine.state()).isEqualTo(LeaseState.SAFE_CAP);
    }

    /** A backend that fails to set one GPU's limit when told to. */
    private static final class FailingGpus implements GpuBackend {
        private final GpuBackend gpus;
        int failGpu = -1;

        FailingGpus(GpuBackend gpus) {
            this.gpus = gpus;
        }

        @Override
        public int gpuCount() {
            return gpus.gpuCount();
        }

        @Override
        public double minW(int gpu) {
            return gpus.minW(gpu);
        }

        @Override
        public double maxW(int gpu) {
            return gpus.maxW(gpu);
        }

        @Override
        public double defaultW(int gpu) {
            return gpus.defaultW(gpu);
        }

        @Override
        public double powerW(int gpu) {
            return gpus.powerW(gpu);
        }

        @Override
        public double limitW(int gpu) {
            return gpus.limitW(gpu);
        }

        @Override
        public void setLimitW(int gpu, double watts) {
            if (gpu == failGpu) {
                throw new IllegalStateException("NVML: GPU is lost");
            }
            gpus.setLimitW(gpu, watts);
        }
    }
}
