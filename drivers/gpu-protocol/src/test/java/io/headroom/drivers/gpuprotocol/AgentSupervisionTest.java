package io.headroom.drivers.gpuprotocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The agent's loops are supervised, and an agent that stops leaves its GPUs at their safe cap. */
class AgentSupervisionTest {

    private static final long SESSION = 0x5AFEL;
    private final SecureRandom random = new SecureRandom();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        closeables.add(c);
        return c;
    }

    /** GPUs whose driver can be made to fail (with an {@link Error}, as a native fault would) or hang. */
    private static final class FaultyGpus implements GpuBackend {
        final SimulatedGpus gpus = new SimulatedGpus(2, 200, 700, 700);
        volatile boolean fail;
        volatile CountDownLatch hang;

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
            if (fail) {
                throw new AssertionError("driver fault");
            }
            CountDownLatch h = hang;
            if (h != null) {
                try {
                    h.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            gpus.setLimitW(gpu, watts);
        }
    }

    private TriggerKey arm(NodeAgent agent, int agentId) {
        TriggerKey key = TriggerKey.random(random);
        agent.armInProcess(new ContingencyTable(SESSION, 1, agentId, key, 10_000,
                List.of(new ContingencyTable.Contingency(0, Collections.nCopies(2, 300.0))), null));
        return key;
    }

    private NodeAgent agent(String name, GpuBackend gpus, TriggerListener listener) {
        return track(NodeAgent.builder(gpus).name(name).serve(false).triggerListener(listener)
                .powerPublishInterval(Duration.ZERO).safeCapW(600).build()).start();
    }

    private static byte[] trigger(int agentId, TriggerKey key) {
        return Trigger.encodeSigned(agentId, 1, 0, key, new TriggerKey.Scratch());
    }

    @Test
    void anExceptionHandlingOneTriggerNeverEndsTheTriggerLoop() throws Exception {
        TriggerListener listener = track(TriggerListener.open(new InetSocketAddress("127.0.0.1", 0), "host"));
        FaultyGpus faulty = new FaultyGpus();
        NodeAgent broken = agent("broken", faulty, listener);
        SimulatedGpus good = new SimulatedGpus(2, 200, 700, 700);
        NodeAgent healthy = agent("healthy", good, listener);
        TriggerKey brokenKey = arm(broken, 0);
        TriggerKey healthyKey = arm(healthy, 1);
        faulty.fail = true;

        try (DatagramSocket appliance = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            appliance.setSoTimeout(5_000);
            byte[] first = trigger(0, brokenKey);
            appliance.send(new DatagramPacket(first, first.length, listener.address()));
            byte[] second = trigger(1, healthyKey);
            appliance.send(new DatagramPacket(second, second.length, listener.address()));
            DatagramPacket answer = new DatagramPacket(new byte[64], 64);
            appliance.receive(answer);
            TriggerAck ack = TriggerAck.decode(java.util.Arrays.copyOf(answer.getData(), answer.getLength()));
            assertThat(ack.agentId()).as("the next agent's trigger is still served").isEqualTo(1);
            assertThat(ack.status()).isEqualTo(TriggerAck.Status.APPLIED);
        }
        assertThat(good.limitsW()).containsOnly(300.0);
        assertThat(listener.failures()).isEqualTo(1);
        assertThat(listener.state(System.nanoTime())).isEqualTo(Health.LoopState.ALIVE);
        Health.Supervision s = healthy.health().supervision();
        assertThat(s.triggerLoop()).isEqualTo(Health.LoopState.ALIVE);
        assertThat(s.triggerFailures()).isEqualTo(1);
        assertThat(s.leaseLoop()).isEqualTo(Health.LoopState.ALIVE);
        assertThat(s.healthy()).isTrue();
        faulty.fail = false; // so that the orderly stop can apply the safe cap
    }

    @Test
    void aStuckTriggerHandlerIsReportedAsAStalledLoop() throws Exception {
        TriggerListener listener = track(TriggerListener.open(new InetSocketAddress("127.0.0.1", 0), "host"));
        FaultyGpus faulty = new FaultyGpus();
        NodeAgent agent = agent("stuck", faulty, listener);
        TriggerKey key = arm(agent, 0);
        assertThat(agent.supervision().healthy()).isTrue();
        CountDownLatch release = new CountDownLatch(1);
        faulty.hang = release;
        try (DatagramSocket appliance = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            byte[] t = trigger(0, key);
            appliance.send(new DatagramPacket(t, t.length, listener.address()));
            // the driver call hangs (holding the agent's lock): the loop stops beating, /health says so without
            // waiting for that lock, and the watchdog would not be kicked
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    agent.health().supervision().triggerLoop() == Health.LoopState.STALLED);
            Health h = Health.decode(agent.health().encode());
            assertThat(h.supervision().healthy()).isFalse();
            assertThat(h.supervision().triggerHeartbeatAgeMs()).isGreaterThanOrEqualTo(TriggerListener.STALL_MILLIS);
            assertThat(h.toJson()).contains("\"triggerLoop\":\"STALLED\"");
            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> agent.supervision().healthy());
        } finally {
            release.countDown();
        }
    }

    @Test
    void anOrderlyStopAppliesTheSafeCapAndACrashLeavesTheLimits() {
        SimulatedGpus gpus = new SimulatedGpus(4, 200, 700, 700);
        NodeAgent agent = NodeAgent.builder(gpus).name("stopping").serve(false).powerPublishInterval(Duration.ZERO)
                .safeCapsW(List.of(350.0, 350.0, 400.0, 400.0)).build().start();
        assertThat(agent.apply(CapCommand.uniform(SESSION, 1, 30_000, 4, 650))).isInstanceOf(NodeAgent.Accepted.class);
        assertThat(gpus.limitsW()).containsOnly(650.0);
        agent.close();
        assertThat(gpus.limitsW()).as("the safe cap, GPU by GPU").containsExactly(350.0, 350.0, 400.0, 400.0);
        assertThat(agent.leaseState()).isEqualTo(LeaseState.SAFE_CAP);

        SimulatedGpus crashed = new SimulatedGpus(4, 200, 700, 700);
        NodeAgent dying = NodeAgent.builder(crashed).name("dying").serve(false).powerPublishInterval(Duration.ZERO)
                .safeCapW(350).build().start();
        assertThat(dying.apply(CapCommand.uniform(SESSION, 1, 30_000, 4, 650))).isInstanceOf(NodeAgent.Accepted.class);
        dying.crash();
        dying.close();
        assertThat(crashed.limitsW()).as("a crash leaves the limits as they were").containsOnly(650.0);
    }
}
