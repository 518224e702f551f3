package io.headroom.drivers.gpuprotocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The appliance's fan-out against agents on real UDP sockets on 127.0.0.1. */
class ContingencyTriggerTest {

    private static final long SESSION = 0xFA11L;
    private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(3);
    private static final long RETRY = TimeUnit.MILLISECONDS.toNanos(50);

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final SecureRandom random = new SecureRandom();

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

    private record Hosted(NodeAgent agent, SimulatedGpus gpus) {
    }

    /** {@code n} agents on {@code sockets} shared trigger sockets, armed and registered with the trigger. */
    private List<Hosted> hall(int n, int sockets, ContingencyTrigger trigger) {
        return hall(n, sockets, trigger, null);
    }

    private final List<TriggerListener> listeners = new ArrayList<>();

    /** The same, the agents armed with multicast group {@code group} (null: unicast only). */
    private List<Hosted> hall(int n, int sockets, ContingencyTrigger trigger, ContingencyTable.Multicast group) {
        List<TriggerListener> listeners = new ArrayList<>();
        for (int s = 0; s < sockets; s++) {
            listeners.add(track(TriggerListener.open(new InetSocketAddress("127.0.0.1", 0), "host" + s)));
        }
        this.listeners.addAll(listeners);
        List<Hosted> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SimulatedGpus gpus = new SimulatedGpus(2, 200, 700, 700);
            gpus.setDemandW(500);
            TriggerListener l = listeners.get(i % sockets);
            NodeAgent a = track(NodeAgent.builder(gpus).name("a" + i).serve(false).triggerListener(l)
                    .powerPublishInterval(Duration.ZERO).safeCapW(600).build()).start();
            arm(a, i, 1, l.address(), trigger, group);
            out.add(new Hosted(a, gpus));
        }
        return out;
    }

    private void arm(NodeAgent a, int slot, long epoch, InetSocketAddress triggerAddress, ContingencyTrigger trigger) {
        arm(a, slot, epoch, triggerAddress, trigger, null);
    }

    private void arm(NodeAgent a, int slot, long epoch, InetSocketAddress triggerAddress, ContingencyTrigger trigger,
                     ContingencyTable.Multicast group) {
        TriggerKey key = TriggerKey.random(random);
        ContingencyTable t = new ContingencyTable(SESSION, epoch, slot, key, 10_000, List.of(
                new ContingencyTable.Contingency(0, List.of(300.0, 300.0)),
                new ContingencyTable.Contingency(2, List.of(400.0, 400.0))), group);
        assertThat(a.arm(t)).isInstanceOf(NodeAgent.Armed.class);
        trigger.armed(slot, triggerAddress, epoch, key, new int[]{0, 2}, group == null ? -1 : group.groupId());
    }

    /** A multicast group on the loopback, on a free port, with a fresh key; the trigger sends to it. */
    private ContingencyTable.Multicast multicast(ContingencyTrigger trigger) throws Exception {
        int port;
        try (DatagramChannel probe = DatagramChannel.open().bind(new InetSocketAddress(0))) {
            port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
        ContingencyTable.Multicast m = new ContingencyTable.Multicast(0, TriggerKey.random(random),
                java.net.InetAddress.getByName("239.255.72.42"), port);
        trigger.multicast(new InetSocketAddress(m.address(), m.port()),
                TriggerListener.interfaceFor(java.net.InetAddress.getLoopbackAddress()));
        return m;
    }

    @Test
    void oneMulticastDatagramReachesTheGroupAndTheRestGetUnicast() throws Exception {
        ContingencyTrigger trigger = track(ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), 64));
        ContingencyTable.Multicast group = multicast(trigger);
        List<Hosted> hall = hall(30, 3, trigger, group);
        trigger.armedGroup(0, SESSION, 1, group.groupKey(), new int[]{0, 2});
        assertThat(listeners).allSatisfy(l -> assertThat(l.joinedGroups())
                .containsExactly(new InetSocketAddress(group.address(), group.port())));
        // slot 30: an agent of the group whose latest arm (epoch 2) is not the group's epoch: it gets unicast
        TriggerListener late = track(TriggerListener.open(new InetSocketAddress("127.0.0.1", 0), "late"));
        SimulatedGpus lateGpus = new SimulatedGpus(2, 200, 700, 700);
        NodeAgent lateAgent = track(NodeAgent.builder(lateGpus).name("late").serve(false).triggerListener(late)
                .powerPublishInterval(Duration.ZERO).build()).start();
        arm(lateAgent, 30, 2, late.address(), trigger, group);

        ContingencyTrigger.Fanout f = trigger.fire(2, TIMEOUT, RETRY);

        assertThat(f.targets()).isEqualTo(31);
        assertThat(f.applied()).isEqualTo(31);
        assertThat(f.groupDatagramsSent()).isEqualTo(1);
        assertThat(f.datagramsSent()).as("one to the group, one unicast").isEqualTo(2);
        assertThat(f.attempts(0)).isEqualTo(1);
        assertThat(f.status(30)).isEqualTo(TriggerAck.Status.APPLIED);
        assertThat(hall).allSatisfy(h -> assertThat(h.gpus().limitsW()).containsOnly(400.0));
        assertThat(lateGpus.limitsW()).containsOnly(400.0);
        assertThat(f.rejectedAcks()).as("the late agent stays silent to epoch 1's group datagram").isZero();

        // the group re-armed at epoch 3: every agent answers the group datagram again, and only it
        for (int i = 0; i < hall.size(); i++) {
            arm(hall.get(i).agent(), i, 3, listeners.get(i % 3).address(), trigger, group);
        }
        arm(lateAgent, 30, 3, late.address(), trigger, group);
        trigger.armedGroup(0, SESSION, 3, group.groupKey(), new int[]{0, 2});
        ContingencyTrigger.Fanout again = trigger.fire(0, TIMEOUT, RETRY);
        assertThat(again.applied()).isEqualTo(31);
        assertThat(again.datagramsSent()).isEqualTo(1);
        assertThat(lateGpus.limitsW()).containsOnly(300.0);
    }

    @Test
    void withoutTheMulticastTargetEveryAgentGetsUnicast() throws Exception {
        ContingencyTrigger trigger = track(ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), 16));
        ContingencyTable.Multicast group = multicast(trigger);
        hall(8, 2, trigger, group);
        trigger.armedGroup(0, SESSION, 1, group.groupKey(), new int[]{0, 2});
        trigger.multicast(null, null);
        ContingencyTrigger.Fanout f = trigger.fire(0, TIMEOUT, RETRY);
        assertThat(f.applied()).isEqualTo(8);
        assertThat(f.groupDatagramsSent()).isZero();
        assertThat(f.datagramsSent()).isEqualTo(8);
    }

    @Test
    void everyArmedAgentAppliesAndRepeatsAreIdempotent() {
        ContingencyTrigger trigger = track(ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), 64));
        List<Hosted> hall = hall(40, 3, trigger);

        ContingencyTrigger.Fanout f = trigger.fire(2, TIMEOUT, RETRY);

        assertThat(f.targets()).isEqualTo(40);
        assertThat(f.applied()).isEqualTo(40);
        assertThat(f.silent()).isZero();
        assertThat(f.lastAckNanos()).isGreaterThanOrEqualTo(f.startNanos());
        assertThat(f.sentNanos()).isBetween(f.startNanos(), f.endNanos());
        for (Hosted h : hall) {
            assertThat(h.gpus().limitsW()).containsOnly(400.0);
        }
        ContingencyTrigger.Report report = trigger.report();
        assertThat(report.agents()).hasSize(40).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(TriggerAck.Status.APPLIED);
            assertThat(r.latencyNanos()).isNotNegative();
            assertThat(r.powerW()).isPositive();
        });
        assertThat(trigger.fire(2, TIMEOUT, RETRY).applied()).isEqualTo(40);
        assertThat(trigger.report().agents()).allSatisfy(r ->
                assertThat(r.status()).isEqualTo(TriggerAck.Status.ALREADY_APPLIED));
        assertThat(trigger.fire(1, TIMEOUT, RETRY).targets()).as("contingency 1 is armed nowhere").isZero();
    }

    @Test
    void silentAgentsAreRetriedAndReportedAndTheOthersStillApply() throws Exception {
        ContingencyTrigger trigger = track(ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), 8));
        List<Hosted> hall = hall(3, 1, trigger);
        // slot 3: an agent behind a link that loses the first datagram; slot 4: a dead agent
        TriggerListener behind = track(TriggerListener.open(new InetSocketAddress("127.0.0.1", 0), "lossy"));
        SimulatedGpus lossyGpus = new SimulatedGpus(2, 200, 700, 700);
        NodeAgent lossy = track(NodeAgent.builder(lossyGpus).name("lossy").serve(false).triggerListener(behind)
                .powerPublishInterval(Duration.ZERO).build()).start();
        LossyLink link = track(new LossyLink(behind.address(), trigger.localAddress(), 1));
        arm(lossy, 3, 1, link.address(), trigger);
        DatagramChannel dead = track(DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0)));
        trigger.armed(4, (InetSocketAddress) dead.getLocalAddress(), 1, TriggerKey.random(random), new int[]{0});

        ContingencyTrigger.Fanout f = trigger.fire(0, TimeUnit.MILLISECONDS.toNanos(400), RETRY);

        assertThat(f.targets()).isEqualTo(5);
        assertThat(f.applied()).isEqualTo(4);
        assertThat(f.silent()).isEqualTo(1);
        assertThat(f.attempts(3)).as("the lossy agent needed a retry").isGreaterThanOrEqualTo(2);
        assertThat(f.status(3)).isEqualTo(TriggerAck.Status.APPLIED);
        assertThat(f.status(4)).isNull();
        assertThat(f.attempts(4)).as("the dead agent was retried until the deadline").isGreaterThan(2);
        // ... backing off: 50, 100, 200 ms between attempts (a send at 0, 50, 150 and 350 ms), not every 50 ms (8)
        assertThat(f.attempts(4)).as("retries back off").isLessThanOrEqualTo(5);
        assertThat(lossyGpus.limitsW()).containsOnly(300.0);
        assertThat(hall).allSatisfy(h -> assertThat(h.gpus().limitsW()).containsOnly(300.0));
        assertThat(trigger.report().silent()).singleElement()
                .satisfies(r -> assertThat(r.agentId()).isEqualTo(4));
    }

    @Test
    void forgedAcknowledgementsAreNotCounted() throws Exception {
        ContingencyTrigger trigger = track(ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), 4));
        // an impostor answers for slot 0 with a MAC made with the wrong key
        DatagramChannel impostor = track(DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0)));
        trigger.armed(0, (InetSocketAddress) impostor.getLocalAddress(), 1, TriggerKey.random(random), new int[]{0});
        Thread answer = Thread.ofPlatform().start(() -> {
            try {
                ByteBuffer b = ByteBuffer.allocate(64);
                SocketAddress from = impostor.receive(b);
                impostor.send(ByteBuffer.wrap(TriggerAck.encodeSigned(0, 1, 0, TriggerAck.Status.APPLIED, 1, 1,
                        TriggerKey.random(new SecureRandom()), new TriggerKey.Scratch())), from);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        ContingencyTrigger.Fanout f = trigger.fire(0, TimeUnit.MILLISECONDS.toNanos(300), RETRY);
        answer.join();
        assertThat(f.applied()).isZero();
        assertThat(f.rejectedAcks()).isEqualTo(1);
    }

    @Test
    void theFastPathAllocatesNothing() {
        // all answers from one socket: everything fire() does is measured, and it allocates nothing
        assertThat(allocatedByWarmFire(1)[0]).as("bytes allocated by fire() with one answering socket").isZero();
        // answers from alternating sockets: the JDK's DatagramChannel.receive makes one InetSocketAddress
        // per answer from a sender other than the previous one (at most one answer per datagram sent, retries
        // included); nothing else is allocated
        long[] four = allocatedByWarmFire(4);
        assertThat(four[0]).as("bytes allocated by fire() with four answering sockets, %d datagrams sent", four[1])
                .isLessThanOrEqualTo(four[1] * 96L);
        // one multicast datagram to the group, answers from one socket: nothing either
        assertThat(allocatedByWarmFire(1, true)[0]).as("bytes allocated by a multicast fire()").isZero();
    }

    /**
     * The fewest bytes one warm fire() allocated over five, and the datagrams that one sent. The least, not one
     * sample: the JDK sometimes allocates on its own account inside a call (its selector when fire() waits for a
     * late answer, lazily built internals: 520 bytes seen once in a full build), while an allocation that the
     * fast path makes would be in every one of the five.
     */
    private long[] allocatedByWarmFire(int sockets) {
        return allocatedByWarmFire(sockets, false);
    }

    private long[] allocatedByWarmFire(int sockets, boolean multicast) {
        ContingencyTrigger trigger = track(ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), 32));
        ContingencyTable.Multicast group = null;
        try {
            group = multicast ? multicast(trigger) : null;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        hall(20, sockets, trigger, group);
        if (group != null) {
            trigger.armedGroup(0, SESSION, 1, group.groupKey(), new int[]{0, 2});
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 50; i++) {
            trigger.fire(0, TIMEOUT, RETRY); // warm up (JIT, NIO's cached buffers)
        }
        long[] least = {Long.MAX_VALUE, 0};
        for (int k = 0; k < 5; k++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            ContingencyTrigger.Fanout f = trigger.fire(0, TIMEOUT, RETRY);
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            assertThat(f.applied()).isEqualTo(20);
            if (allocated < least[0]) {
                least[0] = allocated;
                least[1] = f.datagramsSent();
            }
        }
        return least;
    }

    /** Forwards datagrams between the trigger and an agent's socket, dropping the first {@code drop} triggers. */
    private static final class LossyLink implements AutoCloseable {
        private final DatagramChannel ch;
        private final Thread thread;
        private volatile boolean closed;

        LossyLink(InetSocketAddress agent, InetSocketAddress appliance, int drop) throws IOException {
            ch = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
            thread = Thread.ofPlatform().daemon().start(() -> {
                int dropped = 0;
                ByteBuffer b = ByteBuffer.allocate(256);
                while (!closed) {
                    try {
                        b.clear();
                        SocketAddress from = ch.receive(b);
                        b.flip();
                        if (from.equals(agent)) {
                            ch.send(b, appliance);
                        } else if (dropped++ >= drop) {
                            ch.send(b, agent);
                        }
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        InetSocketAddress address() throws IOException {
            return (InetSocketAddress) ch.getLocalAddress();
        }

        @Override
        public void close() throws Exception {
            closed = true;
            ch.close();
            thread.join(2000);
        }
    }
}
