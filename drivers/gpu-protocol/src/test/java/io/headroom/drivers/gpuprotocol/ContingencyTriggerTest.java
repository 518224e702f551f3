package io.headroom.drivers.gpuprotocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
    /**
     * Where a test counts datagrams and every agent answers: a retry only if an answer is a second late, so a
     * loaded machine (an agent scheduled 50 ms late) does not add one.
     */
    private static final long PATIENT_RETRY = TimeUnit.SECONDS.toNanos(1);

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

        ContingencyTrigger.Report f = fired(trigger, 2, TIMEOUT, PATIENT_RETRY);

        assertThat(f.targets()).isEqualTo(31);
        assertThat(f.applied()).isEqualTo(31);
        assertThat(f.groupDatagramsSent()).isEqualTo(1);
        assertThat(f.datagramsSent()).as("one to the group, one unicast").isEqualTo(2);
        assertThat(f.attempts(0)).isEqualTo(1);
        assertThat(f.status(30)).isEqualTo(TriggerAck.Status.APPLIED);
        assertThat(hall).allSatisfy(h -> assertThat(h.gpus().limitsW()).containsOnly(400.0));
        assertThat(lateGpus.limitsW()).containsOnly(400.0);
        assertThat(trigger.rejectedAcks()).as("the late agent stays silent to epoch 1's group datagram").isZero();

        // the group re-armed at epoch 3: every agent answers the group datagram again, and only it
        for (int i = 0; i < hall.size(); i++) {
            arm(hall.get(i).agent(), i, 3, listeners.get(i % 3).address(), trigger, group);
        }
        arm(lateAgent, 30, 3, late.address(), trigger, group);
        trigger.armedGroup(0, SESSION, 3, group.groupKey(), new int[]{0, 2});
        ContingencyTrigger.Report again = fired(trigger, 0, TIMEOUT, PATIENT_RETRY);
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
        ContingencyTrigger.Report f = fired(trigger, 0, TIMEOUT, PATIENT_RETRY);
        assertThat(f.applied()).isEqualTo(8);
        assertThat(f.groupDatagramsSent()).isZero();
        assertThat(f.datagramsSent()).isEqualTo(8);
    }

    @Test
    void everyArmedAgentAppliesAndRepeatsAreIdempotent() throws Exception {
        ContingencyTrigger trigger = track(ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), 64));
        List<Hosted> hall = hall(40, 3, trigger);

        ContingencyTrigger.Report report = fired(trigger, 2, TIMEOUT, RETRY);

        assertThat(report.tracked()).isTrue();
        assertThat(report.targets()).isEqualTo(40);
        assertThat(report.applied()).isEqualTo(40);
        assertThat(report.silentCount()).isZero();
        assertThat(report.lastAckNanos()).isGreaterThanOrEqualTo(report.startNanos());
        assertThat(report.sentNanos()).isBetween(report.startNanos(), report.endNanos());
        for (Hosted h : hall) {
            assertThat(h.gpus().limitsW()).containsOnly(400.0);
        }
        assertThat(report.agents()).hasSize(40).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(TriggerAck.Status.APPLIED);
            assertThat(r.latencyNanos()).isNotNegative();
            assertThat(r.powerW()).isPositive();
        });
        ContingencyTrigger.Report again = fired(trigger, 2, TIMEOUT, RETRY);
        assertThat(again.applied()).isEqualTo(40);
        assertThat(again.agents()).allSatisfy(r ->
                assertThat(r.status()).isEqualTo(TriggerAck.Status.ALREADY_APPLIED));
        assertThat(fired(trigger, 1, TIMEOUT, RETRY).targets()).as("contingency 1 is armed nowhere").isZero();
        assertThat(trigger.lastReport().contingencyId()).isEqualTo(1);
        assertThat(trigger.duplicateAcks() + trigger.lateAcks() + trigger.rejectedAcks()).isZero();
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
        Link link = track(new Link(behind.address(), trigger.localAddress(), 1));
        arm(lossy, 3, 1, link.address(), trigger);
        DatagramChannel dead = track(DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0)));
        trigger.armed(4, (InetSocketAddress) dead.getLocalAddress(), 1, TriggerKey.random(random), new int[]{0});

        ContingencyTrigger.Report f = fired(trigger, 0, TimeUnit.MILLISECONDS.toNanos(400), RETRY);

        assertThat(f.targets()).isEqualTo(5);
        assertThat(f.applied()).isEqualTo(4);
        assertThat(f.silentCount()).isEqualTo(1);
        assertThat(f.attempts(3)).as("the lossy agent needed a retry").isGreaterThanOrEqualTo(2);
        assertThat(f.status(3)).isEqualTo(TriggerAck.Status.APPLIED);
        assertThat(f.status(4)).isNull();
        assertThat(f.attempts(4)).as("the dead agent was retried until the deadline").isGreaterThan(2);
        // ... backing off: 50, 100, 200 ms between attempts (a send at 0, 50, 150 and 350 ms), not every 50 ms (8)
        assertThat(f.attempts(4)).as("retries back off").isLessThanOrEqualTo(5);
        assertThat(lossyGpus.limitsW()).containsOnly(300.0);
        assertThat(hall).allSatisfy(h -> assertThat(h.gpus().limitsW()).containsOnly(300.0));
        assertThat(f.silent()).singleElement()
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
        ContingencyTrigger.Report f = fired(trigger, 0, TimeUnit.MILLISECONDS.toNanos(300), RETRY);
        answer.join();
        assertThat(f.applied()).isZero();
        assertThat(f.rejectedAcks()).isEqualTo(1);
        assertThat(trigger.rejectedAcks()).isEqualTo(1);
    }

    @Test
    void aSecondContingencyIsFiredWhileTheFirstOnesAnswersAreStillAwaited() throws Exception {
        ContingencyTrigger trigger = track(ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), 16));
        List<Hosted> hall = hall(8, 2, trigger); // slots 0..7, armed with contingencies 0 and 2
        // slots 8..10: hosts that died, armed with contingency 1 alone
        DatagramChannel dead = track(DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0)));
        for (int slot = 8; slot <= 10; slot++) {
            trigger.armed(slot, (InetSocketAddress) dead.getLocalAddress(), 1, TriggerKey.random(random), new int[]{1});
        }
        long timeoutA = TimeUnit.SECONDS.toNanos(2);

        long a = trigger.fire(1, timeoutA, RETRY);
        long b = trigger.fire(2, TIMEOUT, RETRY);

        ContingencyTrigger.Report second = trigger.awaitReport(b, Duration.ofSeconds(10));
        ContingencyTrigger.Report first = trigger.awaitReport(a, Duration.ofSeconds(10));
        assertThat(second.applied()).isEqualTo(8);
        assertThat(hall).allSatisfy(h -> assertThat(h.gpus().limitsW()).containsOnly(400.0));
        assertThat(first.targets()).isEqualTo(3);
        assertThat(first.silentCount()).isEqualTo(3);
        assertThat(first.endNanos() - first.startNanos()).as("the first fan-out waited for its deadline")
                .isGreaterThanOrEqualTo(timeoutA);
        // A blocking fan-out could not have begun the second before the first ended: here it was out long before.
        assertThat(second.startNanos()).isLessThan(first.endNanos());
        assertThat(second.sentNanos()).as("the second wave out %.1f ms after the first fan-out began",
                (second.sentNanos() - first.startNanos()) / 1e6).isLessThan(first.startNanos() + timeoutA);
        // the silent hosts were retried, backing off: sends at 0, 50, 150, 350, 750, 1150, 1550, 1950 ms at most
        assertThat(first.silent()).allSatisfy(r -> assertThat(r.attempts()).isBetween(3, 8));
        assertThat(second.agents()).allSatisfy(r -> assertThat(r.attempts()).isEqualTo(1));
    }

    @Test
    void theSameContingencyFiredTwiceIsAnsweredForEachFire() throws Exception {
        // the waveform detector and the breaker's contact report the same loss a few milliseconds apart
        ContingencyTrigger trigger = track(ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), 16));
        hall(10, 2, trigger);
        long first = trigger.fire(0, TIMEOUT, PATIENT_RETRY);
        long second = trigger.fire(0, TIMEOUT, PATIENT_RETRY);
        ContingencyTrigger.Report one = trigger.awaitReport(first, WAIT);
        ContingencyTrigger.Report two = trigger.awaitReport(second, WAIT);
        assertThat(one.applied()).isEqualTo(10);
        assertThat(two.applied()).isEqualTo(10);
        assertThat(one.agents()).allSatisfy(r -> assertThat(r.status()).isEqualTo(TriggerAck.Status.APPLIED));
        assertThat(two.agents()).allSatisfy(r -> assertThat(r.status()).isEqualTo(TriggerAck.Status.ALREADY_APPLIED));
        assertThat(one.datagramsSent() + two.datagramsSent()).as("no retry was needed").isEqualTo(20);
        assertThat(trigger.duplicateAcks()).isZero();
    }

    @Test
    void lateAndDuplicatedAnswersAreCountedAndNeverCredited() throws Exception {
        ContingencyTrigger trigger = track(ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), 4));
        TriggerListener behind = track(TriggerListener.open(new InetSocketAddress("127.0.0.1", 0), "slow"));
        SimulatedGpus gpus = new SimulatedGpus(2, 200, 700, 700);
        NodeAgent slow = track(NodeAgent.builder(gpus).name("slow").serve(false).triggerListener(behind)
                .powerPublishInterval(Duration.ZERO).build()).start();
        // the link holds the agent's answers until released
        Link link = track(new Link(behind.address(), trigger.localAddress(), 0));
        link.holdAnswers(true);
        arm(slow, 0, 1, link.address(), trigger);

        ContingencyTrigger.Report silent = fired(trigger, 0, TimeUnit.MILLISECONDS.toNanos(150), RETRY);
        assertThat(silent.silentCount()).isEqualTo(1);
        assertThat(gpus.limitsW()).as("the agent did apply; only its answers are late").containsOnly(300.0);
        link.holdAnswers(false); // the held answers arrive after the deadline: late, not credited to anything
        await().atMost(WAIT).until(() -> trigger.lateAcks() >= 1);
        assertThat(trigger.lastReport().fireNumber()).isEqualTo(silent.fireNumber());

        // now every answer arrives twice (a duplicating network): the fan-out counts one, the second is a duplicate
        link.duplicateAnswers(true);
        long before = trigger.duplicateAcks() + trigger.lateAcks();
        ContingencyTrigger.Report twice = fired(trigger, 2, TIMEOUT, RETRY);
        assertThat(twice.applied()).isEqualTo(1);
        assertThat(twice.answered()).isEqualTo(1);
        assertThat(gpus.limitsW()).containsOnly(400.0);
        // the copy is a duplicate while the fan-out is in flight, late once it completed (on its first answer)
        await().atMost(WAIT).until(() -> trigger.duplicateAcks() + trigger.lateAcks() > before);
        assertThat(trigger.rejectedAcks()).isZero();
    }

    @Test
    void whenEveryRecordIsInFlightTheWaveStillGoesOutUntracked() throws Exception {
        ContingencyTrigger trigger = track(ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), 16, 1, 1));
        List<Hosted> hall = hall(4, 1, trigger);
        DatagramChannel dead = track(DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0)));
        trigger.armed(8, (InetSocketAddress) dead.getLocalAddress(), 1, TriggerKey.random(random), new int[]{1});

        long busy = trigger.fire(1, TimeUnit.SECONDS.toNanos(2), RETRY); // holds the only record
        long untracked = trigger.fire(2, TIMEOUT, RETRY);

        ContingencyTrigger.Report r = trigger.awaitReport(untracked, WAIT);
        assertThat(r.tracked()).isFalse();
        assertThat(r.targets()).isEqualTo(4);
        assertThat(r.datagramsSent()).isEqualTo(4);
        assertThat(r.agents()).isEmpty();
        assertThat(trigger.untrackedFires()).isEqualTo(1);
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(hall).allSatisfy(h -> assertThat(h.gpus().limitsW()).containsOnly(400.0)));
        assertThat(trigger.awaitReport(busy, WAIT).tracked()).isTrue();
        assertThat(fired(trigger, 0, TIMEOUT, RETRY).tracked()).as("its record is free again").isTrue();
    }

    @Test
    void theFastPathAllocatesNothing() throws Exception {
        // the firing thread only sends: the answers (and the JDK's InetSocketAddress per sender that receive()
        // makes) are the intake thread's
        assertThat(allocatedByWarmFire(1, false)).as("bytes allocated by fire() with one answering socket").isZero();
        assertThat(allocatedByWarmFire(4, false)).as("bytes allocated by fire() with four answering sockets").isZero();
        // one multicast datagram to the group, answers from one socket: nothing either
        assertThat(allocatedByWarmFire(1, true)).as("bytes allocated by a multicast fire()").isZero();
    }

    @Test
    void theFastPathAllocatesNothingWithSeveralIntakeThreads() throws Exception {
        // the answers spread over 2 and 4 intake sockets sharing the port (SO_REUSEPORT), each with its thread
        assertThat(allocatedByWarmFire(4, false, 2)).as("bytes allocated by fire() with two intake threads").isZero();
        assertThat(allocatedByWarmFire(8, false, 4)).as("bytes allocated by fire() with four intake threads").isZero();
        assertThat(allocatedByWarmFire(4, true, 2)).as("bytes allocated by a multicast fire(), two intake threads")
                .isZero();
    }

    @Test
    void firingWhileAnotherFanOutIsInFlightAndUntrackedAllocatesNothing() throws Exception {
        // two records: contingency 1 (a dead host, 30 ms) is in flight when contingency 0 fires
        assertThat(allocatedByOverlappingFires(2)).as("bytes allocated by two overlapping fire()s").isZero();
        // one record: the second fire finds it in flight and goes out untracked
        assertThat(allocatedByOverlappingFires(1)).as("bytes allocated by a tracked and an untracked fire()").isZero();
    }

    private ContingencyTrigger.Report fired(ContingencyTrigger trigger, int id, long timeout, long retry)
            throws InterruptedException {
        return trigger.awaitReport(trigger.fire(id, timeout, retry), WAIT);
    }

    private static final Duration WAIT = Duration.ofSeconds(10);

    /**
     * The fewest bytes one warm fire() allocated over five. The least, not one sample: the JDK sometimes allocates
     * on its own account inside a call (lazily built internals), while an allocation that the fast path makes would
     * be in every one of the five.
     */
    private long allocatedByWarmFire(int sockets, boolean multicast) throws Exception {
        return allocatedByWarmFire(sockets, multicast, 1);
    }

    private long allocatedByWarmFire(int sockets, boolean multicast, int intakes) throws Exception {
        ContingencyTrigger trigger = track(ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), 32, 1,
                ContingencyTrigger.DEFAULT_IN_FLIGHT, io.headroom.common.SystemTime.NANOS, intakes));
        assertThat(trigger.intakeThreads()).isEqualTo(intakes);
        ContingencyTable.Multicast group = multicast ? multicast(trigger) : null;
        hall(20, sockets, trigger, group);
        if (group != null) {
            trigger.armedGroup(0, SESSION, 1, group.groupKey(), new int[]{0, 2});
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 50; i++) {
            fired(trigger, 0, TIMEOUT, RETRY); // warm up (JIT, NIO's cached buffers)
        }
        long least = Long.MAX_VALUE;
        for (int k = 0; k < 5; k++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            long n = trigger.fire(0, TIMEOUT, RETRY);
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            assertThat(trigger.awaitReport(n, WAIT).applied()).isEqualTo(20);
            least = Math.min(least, allocated);
        }
        return least;
    }

    /** The same for contingency 0 fired while contingency 1's fan-out to a dead host is in flight. */
    private long allocatedByOverlappingFires(int records) throws Exception {
        ContingencyTrigger trigger = track(ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), 32, 1, records));
        hall(20, 2, trigger);
        DatagramChannel dead = track(DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0)));
        trigger.armed(25, (InetSocketAddress) dead.getLocalAddress(), 1, TriggerKey.random(random), new int[]{1});
        long shortTimeout = TimeUnit.MILLISECONDS.toNanos(30);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long least = Long.MAX_VALUE;
        for (int k = -30; k < 5; k++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            long a = trigger.fire(1, shortTimeout, RETRY);
            long b = trigger.fire(0, TIMEOUT, RETRY);
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            ContingencyTrigger.Report second = trigger.awaitReport(b, WAIT);
            assertThat(trigger.awaitReport(a, WAIT).silentCount()).isEqualTo(1);
            assertThat(second.tracked()).isEqualTo(records > 1);
            if (k >= 0) { // after the warm-up
                least = Math.min(least, allocated);
            }
        }
        return least;
    }

    /**
     * Forwards datagrams between the trigger and an agent's socket, dropping the first {@code drop} triggers; the
     * agent's answers can be held (and released later) or duplicated.
     */
    private static final class Link implements AutoCloseable {
        private final DatagramChannel ch;
        private final Thread thread;
        private final List<ByteBuffer> held = new ArrayList<>();
        private final InetSocketAddress appliance;
        private volatile boolean closed;
        private volatile boolean hold;
        private volatile boolean duplicate;

        Link(InetSocketAddress agent, InetSocketAddress appliance, int drop) throws IOException {
            this.appliance = appliance;
            ch = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
            thread = Thread.ofPlatform().daemon().start(() -> {
                int dropped = 0;
                while (!closed) {
                    try {
                        ByteBuffer b = ByteBuffer.allocate(256);
                        SocketAddress from = ch.receive(b);
                        b.flip();
                        if (from.equals(agent)) {
                            synchronized (held) {
                                if (hold) {
                                    held.add(b);
                                    continue;
                                }
                            }
                            if (duplicate) {
                                ch.send(b.duplicate(), appliance);
                            }
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

        /** Holds the agent's answers from now on; false: sends those held, and forwards again. */
        void holdAnswers(boolean on) throws IOException {
            synchronized (held) {
                hold = on;
                if (!on) {
                    for (ByteBuffer b : held) {
                        ch.send(b, appliance);
                    }
                    held.clear();
                }
            }
        }

        void duplicateAnswers(boolean on) {
            duplicate = on;
        }

        @Override
        public void close() throws Exception {
            closed = true;
            ch.close();
            thread.join(2000);
        }
    }
}
