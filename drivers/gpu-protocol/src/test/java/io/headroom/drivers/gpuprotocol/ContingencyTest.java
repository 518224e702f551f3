package io.headroom.drivers.gpuprotocol;

import io.headroom.testsupport.TestClock;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.headroom.drivers.gpuprotocol.NodeAgent.Armed;
import io.headroom.drivers.gpuprotocol.NodeAgent.CapOutcome;
import io.headroom.drivers.gpuprotocol.NodeAgent.Rejected;

/** Arming contingency tables and triggering them, in-process with a fake clock. */
class ContingencyTest {

    private static final long SESSION = 0xC0FFEEL;

    private final TestClock clock = TestClock.atNanos(1_000_000_000L);
    private final SimulatedGpus gpus = new SimulatedGpus(2, 200, 700, 700);
    private final TriggerKey key = TriggerKey.random(new SecureRandom());
    private final List<NodeAgent> agents = new ArrayList<>();

    @AfterEach
    void close() {
        agents.forEach(NodeAgent::close);
    }

    private NodeAgent agent() {
        NodeAgent a = NodeAgent.builder(gpus).name("contingency-agent").serve(false).nanoTime(clock)
                .automaticLeaseCheck(false).powerPublishInterval(Duration.ZERO).safeCapW(250).build();
        agents.add(a);
        return a.start();
    }

    private ContingencyTable table(long session, long epoch, double capA, double capB) {
        return new ContingencyTable(session, epoch, 7, key, 3000, List.of(
                new ContingencyTable.Contingency(0, List.of(capA, capA)),
                new ContingencyTable.Contingency(1, List.of(capB, capB))));
    }

    private static ContingencyAck armed(CapOutcome o) {
        assertThat(o).isInstanceOf(Armed.class);
        return ((Armed) o).ack();
    }

    private TriggerAck ack(TriggerOutcome o) throws ProtocolException {
        assertThat(o.ack()).as("an answer (refusal: %s)", o.refusal()).isNotNull();
        TriggerAck a = TriggerAck.decode(o.ack());
        assertThat(a.authentic(key)).as("the answer carries the armed key's MAC").isTrue();
        return a;
    }

    private TriggerAck trigger(NodeAgent agent, long epoch, int id) throws ProtocolException {
        return ack(agent.handleTrigger(Trigger.signed(7, epoch, id, key).encode()));
    }

    @Test
    void armThenTriggerAppliesTheContingencyOnceAndRepeatsChangeNothing() throws Exception {
        NodeAgent agent = agent();
        ContingencyAck a = armed(agent.arm(table(SESSION, 5, 300, 400)));
        assertThat(a).isEqualTo(new ContingencyAck(SESSION, 5, 7, 2, 0));
        assertThat(gpus.limitsW()).as("arming applies nothing").containsOnly(250.0);

        clock.advanceMs(10);
        TriggerAck first = trigger(agent, 5, 1);
        assertThat(first.status()).isEqualTo(TriggerAck.Status.APPLIED);
        assertThat(first.agentId()).isEqualTo(7);
        assertThat(gpus.limitsW()).containsOnly(400.0);
        assertThat(agent.leaseState()).isEqualTo(LeaseState.CAPPED);
        long writes = gpus.limitWrites();

        clock.advanceMs(10);
        TriggerAck repeat = trigger(agent, 5, 1);
        assertThat(repeat.status()).isEqualTo(TriggerAck.Status.ALREADY_APPLIED);
        assertThat(repeat.agentTimeMs()).as("when it was applied").isEqualTo(first.agentTimeMs());
        assertThat(gpus.limitWrites()).as("a repeat writes nothing").isEqualTo(writes);

        TriggerAck other = trigger(agent, 5, 0);
        assertThat(other.status()).isEqualTo(TriggerAck.Status.APPLIED);
        assertThat(gpus.limitsW()).containsOnly(300.0);
    }

    @Test
    void triggeredCapsHoldForTheTablesLeaseThenTheSafeCap() throws Exception {
        NodeAgent agent = agent();
        armed(agent.arm(table(SESSION, 1, 300, 400)));
        trigger(agent, 1, 0);
        clock.advanceMs(2999);
        assertThat(agent.checkLease()).isFalse();
        assertThat(gpus.limitsW()).containsOnly(300.0);
        clock.advanceMs(1);
        assertThat(agent.checkLease()).isTrue();
        assertThat(gpus.limitsW()).containsOnly(250.0);
        assertThat(agent.leaseState()).isEqualTo(LeaseState.SAFE_CAP);
    }

    @Test
    void staleEpochsAreRefusedAndANewSessionResetsTheWindow() {
        NodeAgent agent = agent();
        armed(agent.arm(table(SESSION, 5, 300, 400)));
        CapOutcome stale = agent.arm(table(SESSION, 5, 300, 410)); // the same epoch with other caps
        assertThat(stale).isInstanceOf(Rejected.class);
        assertThat(((Rejected) stale).code()).isEqualTo(ResponseCode.CONFLICT);
        assertThat(((Rejected) stale).reason()).isEqualTo("stale epoch 5 ≤ 5");
        assertThat(((Rejected) agent.arm(table(SESSION, 4, 300, 400))).reason()).isEqualTo("stale epoch 4 ≤ 5");
        assertThat(armed(agent.arm(table(SESSION, 6, 300, 400))).epoch()).isEqualTo(6);
        assertThat(armed(agent.arm(table(SESSION + 1, 0, 300, 400))).epoch()).as("re-acquired").isZero();
        assertThat(agent.health().lastRejectedReason()).isEqualTo("stale epoch 4 ≤ 5");
    }

    @Test
    void theSameTableArmedAgainIsAcknowledgedAgainAndChangesNothing() throws Exception {
        // The appliance's arm got through but its acknowledgement was lost: it sends the same table again.
        NodeAgent agent = agent();
        ContingencyAck first = armed(agent.arm(table(SESSION, 5, 300, 400)));
        assertThat(trigger(agent, 5, 1).status()).isEqualTo(TriggerAck.Status.APPLIED);
        ContingencyAck again = armed(agent.arm(table(SESSION, 5, 300, 400)));
        assertThat(again).isEqualTo(first);
        assertThat(trigger(agent, 5, 1).status()).as("what was applied in the epoch stays applied")
                .isEqualTo(TriggerAck.Status.ALREADY_APPLIED);
        assertThat(agent.armedTable()).isEqualTo(table(SESSION, 5, 300, 400));
        assertThat(agent.health().lastRejectedReason()).isEmpty();
    }

    @Test
    void outOfRangeCapsAreRefusedWithTheRangeAndNothingIsArmed() {
        NodeAgent agent = agent();
        CapOutcome o = agent.arm(table(SESSION, 1, 100, 900));
        assertThat(o).isInstanceOf(Rejected.class);
        assertThat(((Rejected) o).code()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(((Rejected) o).reason()).isEqualTo(
                "contingency 0: cap 100 W for GPU 0 outside 200..700 W; contingency 0: cap 100 W for GPU 1 outside"
                        + " 200..700 W; contingency 1: cap 900 W for GPU 0 outside 200..700 W; contingency 1: cap 900 W"
                        + " for GPU 1 outside 200..700 W");
        assertThat(agent.armedTable()).isNull();
    }

    @Test
    void forgedTriggersChangeNothingAndGetNoAnswer() throws Exception {
        NodeAgent agent = agent();
        TriggerOutcome unarmed = agent.handleTrigger(Trigger.signed(7, 1, 0, key).encode());
        assertThat(unarmed.ack()).isNull();
        assertThat(unarmed.refusal()).contains("no contingency table is armed");

        armed(agent.arm(table(SESSION, 1, 300, 400)));
        TriggerKey attacker = TriggerKey.random(new SecureRandom());
        TriggerOutcome forged = agent.handleTrigger(Trigger.signed(7, 1, 0, attacker).encode());
        assertThat(forged.ack()).isNull();
        assertThat(forged.refusal()).isEqualTo("unauthenticated trigger (wrong MAC) for epoch 1 contingency 0");

        byte[] tampered = Trigger.signed(7, 1, 0, key).encode();
        tampered[15] = 1; // contingency 0 → 1 without re-computing the MAC
        assertThat(agent.handleTrigger(tampered).ack()).isNull();

        TriggerOutcome otherAgent = agent.handleTrigger(Trigger.signed(8, 1, 0, key).encode());
        assertThat(otherAgent.refusal()).isEqualTo("trigger for agent id 8 but this agent is armed as 7");

        Random noise = new Random(5);
        for (int i = 0; i < 200; i++) {
            byte[] junk = new byte[noise.nextInt(64)];
            noise.nextBytes(junk);
            assertThat(agent.handleTrigger(junk).ack()).isNull();
        }
        assertThat(gpus.limitsW()).containsOnly(250.0);
        assertThat(agent.leaseState()).isEqualTo(LeaseState.SAFE_CAP);
        assertThat(agent.rejectedTriggers()).isEqualTo(204);
    }

    @Test
    void aReplayedTriggerFromAnEarlierEpochChangesNothing() throws Exception {
        NodeAgent agent = agent();
        armed(agent.arm(table(SESSION, 1, 300, 400)));
        byte[] recorded = Trigger.signed(7, 1, 0, key).encode();
        assertThat(ack(agent.handleTrigger(recorded)).status()).isEqualTo(TriggerAck.Status.APPLIED);

        // regulation moves on with a cap command, then re-arms epoch 2
        CapCommand cmd = CapCommand.uniform(SESSION, 1, 5000, 2, 650);
        assertThat(agent.apply(cmd)).isInstanceOf(NodeAgent.Accepted.class);
        armed(agent.arm(table(SESSION, 2, 350, 450)));
        assertThat(gpus.limitsW()).containsOnly(650.0);

        TriggerAck replay = ack(agent.handleTrigger(recorded));
        assertThat(replay.status()).as("epoch 1 is still held (re-arm grace), where it was applied once")
                .isEqualTo(TriggerAck.Status.ALREADY_APPLIED);
        assertThat(gpus.limitsW()).as("the replay changed nothing").containsOnly(650.0);
        clock.advanceMs(3_000);
        assertThat(ack(agent.handleTrigger(recorded)).status()).as("after the grace, epoch 1 is gone")
                .isEqualTo(TriggerAck.Status.EPOCH_MISMATCH);
        assertThat(gpus.limitsW()).containsOnly(650.0);
        assertThat(trigger(agent, 2, 9).status()).isEqualTo(TriggerAck.Status.NOT_ARMED);
        assertThat(gpus.limitsW()).containsOnly(650.0);
    }

    @Test
    void aTriggerThatCrossedAReArmIsAppliedFromThePreviousEpochButNotAfterTheGrace() throws Exception {
        NodeAgent agent = agent();
        armed(agent.arm(table(SESSION, 1, 300, 400)));
        armed(agent.arm(table(SESSION, 2, 350, 450))); // the appliance re-armed while it fired epoch 1
        assertThat(trigger(agent, 1, 1).status()).isEqualTo(TriggerAck.Status.APPLIED);
        assertThat(gpus.limitsW()).as("epoch 1's caps for contingency 1").containsOnly(400.0);
        assertThat(trigger(agent, 1, 1).status()).isEqualTo(TriggerAck.Status.ALREADY_APPLIED);
        assertThat(trigger(agent, 2, 0).status()).as("the current epoch works as before").isEqualTo(TriggerAck.Status.APPLIED);
        assertThat(gpus.limitsW()).containsOnly(350.0);

        armed(agent.arm(table(SESSION, 3, 360, 460)));
        clock.advanceMs(3_000);
        assertThat(trigger(agent, 2, 1).status()).as("past the grace").isEqualTo(TriggerAck.Status.EPOCH_MISMATCH);
        assertThat(trigger(agent, 1, 0).status()).as("two epochs back").isEqualTo(TriggerAck.Status.EPOCH_MISMATCH);
        assertThat(gpus.limitsW()).containsOnly(350.0);
    }

    private final TriggerKey groupKey = TriggerKey.random(new SecureRandom());

    private ContingencyTable groupTable(long session, long epoch, double capA, double capB) {
        try {
            return new ContingencyTable(session, epoch, 7, key, 3000, List.of(
                    new ContingencyTable.Contingency(0, List.of(capA, capA)),
                    new ContingencyTable.Contingency(1, List.of(capB, capB))),
                    new ContingencyTable.Multicast(3, groupKey, java.net.InetAddress.getByName("239.255.72.9"), 5686));
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aGroupTriggerIsAppliedOnceAndAnsweredUnderTheAgentsOwnKey() throws Exception {
        NodeAgent agent = agent();
        armed(agent.arm(groupTable(SESSION, 4, 300, 400)));
        byte[] fire = GroupTrigger.signed(3, SESSION, 4, 1, groupKey).encode();
        TriggerOutcome first = agent.handleGroupTrigger(fire);
        TriggerAck a = ack(first); // authentic under the agent's own key, not the group's
        assertThat(a.status()).isEqualTo(TriggerAck.Status.APPLIED);
        assertThat(a.agentId()).isEqualTo(7);
        assertThat(a.epoch()).isEqualTo(4);
        assertThat(a.authentic(groupKey)).isFalse();
        assertThat(first.checkedWith()).isEqualTo(groupKey);
        assertThat(gpus.limitsW()).containsOnly(400.0);
        long writes = gpus.limitWrites();
        assertThat(ack(agent.handleGroupTrigger(fire)).status()).as("a repeat (or a replay) in the epoch")
                .isEqualTo(TriggerAck.Status.ALREADY_APPLIED);
        assertThat(gpus.limitWrites()).isEqualTo(writes);
        // the unicast trigger of the same epoch and contingency is the same act
        assertThat(trigger(agent, 4, 1).status()).isEqualTo(TriggerAck.Status.ALREADY_APPLIED);
    }

    @Test
    void groupTriggersOfAnotherGroupSessionOrKeyOrAnOlderEpochChangeNothingAndGetNoAnswer() throws Exception {
        NodeAgent agent = agent();
        TriggerOutcome unarmed = agent.handleGroupTrigger(GroupTrigger.signed(3, SESSION, 4, 1, groupKey).encode());
        assertThat(unarmed.ack()).isNull();
        armed(agent.arm(groupTable(SESSION, 4, 300, 400)));

        TriggerOutcome otherGroup = agent.handleGroupTrigger(GroupTrigger.signed(5, SESSION, 4, 1, groupKey).encode());
        assertThat(otherGroup.ack()).isNull();
        assertThat(otherGroup.refusal()).isEqualTo("not this agent's group");
        assertThat(agent.rejectedTriggers()).as("another group's trigger on a shared address is no attack").isZero();

        TriggerOutcome otherSession = agent.handleGroupTrigger(GroupTrigger.signed(3, SESSION + 1, 4, 1, groupKey).encode());
        assertThat(otherSession.ack()).isNull();
        assertThat(otherSession.refusal()).startsWith("group trigger of session");

        TriggerOutcome forged = agent.handleGroupTrigger(
                GroupTrigger.signed(3, SESSION, 4, 1, TriggerKey.random(new SecureRandom())).encode());
        assertThat(forged.ack()).isNull();
        assertThat(forged.refusal()).isEqualTo("unauthenticated group trigger (wrong MAC) for group 3 epoch 4 contingency 1");
        byte[] tampered = GroupTrigger.signed(3, SESSION, 4, 0, groupKey).encode();
        tampered[21] = 1; // contingency 0 → 1 without re-computing the MAC
        assertThat(agent.handleGroupTrigger(tampered).ack()).isNull();
        // a key "already checked" by the socket only counts when it is this agent's key
        TriggerKey other = TriggerKey.random(new SecureRandom());
        byte[] forgedWithOther = GroupTrigger.signed(3, SESSION, 4, 1, other).encode();
        assertThat(agent.handleGroupTrigger(forgedWithOther, other).ack()).isNull();

        armed(agent.arm(groupTable(SESSION, 5, 310, 410)));
        armed(agent.arm(groupTable(SESSION, 6, 320, 420)));
        TriggerOutcome old = agent.handleGroupTrigger(GroupTrigger.signed(3, SESSION, 4, 1, groupKey).encode());
        assertThat(old.ack()).as("a replayed group datagram makes no agent answer").isNull();
        assertThat(old.refusal()).contains("older than the armed epoch 6");
        assertThat(gpus.limitsW()).containsOnly(250.0);
        assertThat(agent.leaseState()).isEqualTo(LeaseState.SAFE_CAP);
        assertThat(agent.rejectedTriggers()).isEqualTo(5);
        // the previous epoch within the re-arm grace is applied, as for a unicast trigger
        assertThat(ack(agent.handleGroupTrigger(GroupTrigger.signed(3, SESSION, 5, 0, groupKey).encode())).status())
                .isEqualTo(TriggerAck.Status.APPLIED);
        assertThat(gpus.limitsW()).containsOnly(310.0);
        // a newer epoch than the armed one (the agent missed an arm) is answered, so the appliance knows at once
        assertThat(ack(agent.handleGroupTrigger(GroupTrigger.signed(3, SESSION, 7, 0, groupKey).encode())).status())
                .isEqualTo(TriggerAck.Status.EPOCH_MISMATCH);
    }

    @Test
    void backendFailureOnTriggerRestoresTheLimitsInForce() throws Exception {
        SimulatedGpus flaky = new SimulatedGpus(2, 200, 700, 700);
        GpuBackend failing = new GpuBackend() {
            public int gpuCount() { return flaky.gpuCount(); }
            public double minW(int g) { return flaky.minW(g); }
            public double maxW(int g) { return flaky.maxW(g); }
            public double defaultW(int g) { return flaky.defaultW(g); }
            public double powerW(int g) { return flaky.powerW(g); }
            public double limitW(int g) { return flaky.limitW(g); }
            public void setLimitW(int g, double w) {
                if (g == 1 && w == 400.0) {
                    throw new IllegalStateException("NVML_ERROR_UNKNOWN");
                }
                flaky.setLimitW(g, w);
            }
        };
        NodeAgent agent = NodeAgent.builder(failing).serve(false).nanoTime(clock).automaticLeaseCheck(false)
                .powerPublishInterval(Duration.ZERO).safeCapW(250).build();
        agents.add(agent.start());
        armed(agent.arm(table(SESSION, 1, 300, 400)));
        TriggerAck a = ack(agent.handleTrigger(Trigger.signed(7, 1, 1, key).encode()));
        assertThat(a.status()).isEqualTo(TriggerAck.Status.FAILED);
        assertThat(flaky.limitsW()).containsOnly(250.0);
    }

    @Test
    void armAndTriggerOverCoap() throws Exception {
        NodeAgent agent = NodeAgent.builder(gpus).name("coap-agent").bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .triggerAddress(new InetSocketAddress("127.0.0.1", 0)).powerPublishInterval(Duration.ZERO)
                .safeCapW(250).build();
        agents.add(agent.start());
        try (AgentClient client = AgentClient.builder().build()) {
            ContingencyAck a = client.arm(agent.address(), table(SESSION, 3, 300, 400)).get();
            assertThat(a.triggerPort()).isEqualTo(agent.triggerAddress().getPort());
            assertThat(client.arm(agent.address(), table(SESSION, 2, 300, 400)))
                    .failsWithin(Duration.ofSeconds(5))
                    .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .havingCause().isInstanceOf(AgentResponseException.class)
                    .withMessageContaining("stale epoch 2 ≤ 3");
            TriggerAck t = client.trigger(agent.address(), Trigger.signed(7, 3, 0, key)).get();
            assertThat(t.status()).isEqualTo(TriggerAck.Status.APPLIED);
            assertThat(t.authentic(key)).isTrue();
            assertThat(gpus.limitsW()).containsOnly(300.0);
            assertThat(client.trigger(agent.address(), Trigger.signed(7, 3, 1, TriggerKey.random(new SecureRandom()))))
                    .failsWithin(Duration.ofSeconds(5))
                    .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .havingCause().isInstanceOf(AgentResponseException.class)
                    .withMessageContaining("wrong MAC");
            assertThat(gpus.limitsW()).containsOnly(300.0);
        }
    }
}
