package io.headroom.drivers.gpuprotocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/**
 * The fast path on the clock it is given (issue 21 point 4): stamps, deadlines and heartbeats come from the injected
 * monotonic clock, here one that moves only when the test moves it.
 */
class ContingencyTriggerClockTest {

    private static final long T0 = 5_000_000_000_000L;
    private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(3);
    private static final long RETRY = TimeUnit.MILLISECONDS.toNanos(50);

    private final AtomicLong now = new AtomicLong(T0);
    private final SecureRandom random = new SecureRandom();

    private void arm(NodeAgent a, int slot, TriggerListener l, ContingencyTrigger trigger) {
        TriggerKey key = TriggerKey.random(random);
        ContingencyTable t = new ContingencyTable(7, 1, slot, key, 10_000,
                List.of(new ContingencyTable.Contingency(0, List.of(300.0, 300.0))), null);
        assertThat(a.arm(t)).isInstanceOf(NodeAgent.Armed.class);
        trigger.armed(slot, l.address(), 1, key, new int[]{0}, -1);
    }

    @Test
    void aFanOutIsStampedAndTimedOutOnTheInjectedClock() throws Exception {
        SimulatedGpus gpus = new SimulatedGpus(2, 200, 700, 700);
        try (ContingencyTrigger trigger = ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), 2, 1,
                ContingencyTrigger.DEFAULT_IN_FLIGHT, now::get);
             TriggerListener l = TriggerListener.open(new InetSocketAddress("127.0.0.1", 0), "host", now::get);
             NodeAgent answering = NodeAgent.builder(gpus).name("a0").serve(false)
                     .triggerListener(l).powerPublishInterval(Duration.ZERO).safeCapW(600).build().start();
             NodeAgent silent = NodeAgent.builder(new SimulatedGpus(2, 200, 700, 700)).name("a1").serve(false)
                     .triggerListener(l).powerPublishInterval(Duration.ZERO).safeCapW(600).build().start()) {
            arm(answering, 0, l, trigger);
            arm(silent, 1, l, trigger);
            assertThat(l.heartbeatNanos()).as("the listener's beat is on its clock").isEqualTo(T0);
            assertThat(l.state(T0 + TriggerListener.STALL_MILLIS * 1_000_000L))
                    .isEqualTo(Health.LoopState.STALLED);
            silent.close(); // slot 1 never answers: the fan-out ends only at its deadline

            long fire = trigger.fire(0, TIMEOUT, RETRY);
            await().atMost(Duration.ofSeconds(10)).until(() -> gpus.limitsW().equals(List.of(300.0, 300.0)));
            // The clock stands still: however long the intake waits in real time, the deadline is not reached.
            assertThat(trigger.lastReport()).isNull();
            now.addAndGet(TIMEOUT);
            ContingencyTrigger.Report r = trigger.awaitReport(fire, Duration.ofSeconds(10));
            assertThat(r.startNanos()).isEqualTo(T0);
            assertThat(r.endNanos()).isEqualTo(T0 + TIMEOUT);
            assertThat(r.answered()).isEqualTo(1);
            assertThat(r.silentCount()).isEqualTo(1);
        }
    }
}
