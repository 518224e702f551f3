package io.headroom.drivers.gpuprotocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.headroom.common.SystemTime;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ack intake on several threads (issue 19): the firing socket and more sockets share the port with
 * {@code SO_REUSEPORT}, the kernel spreads the answers over them by sender, and each thread credits what it
 * receives. Every answer still counts once per fan-out, duplicates and late answers are counted apart, forged ones
 * rejected, and the silent agents retried by the owning intake, whichever socket their answers come to.
 */
class ParallelAckIntakeTest {

    private static final long SESSION = 0x19L;
    private static final long RETRY = TimeUnit.MILLISECONDS.toNanos(50);
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** Enough senders that the kernel's hash puts them on more than one of four sockets (1 in 4^15 it does not). */
    private static final int SENDERS = 16;

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

    private ContingencyTrigger trigger(int capacity, int intakes) {
        ContingencyTrigger t = track(ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), capacity, 1,
                ContingencyTrigger.DEFAULT_IN_FLIGHT, SystemTime.NANOS, intakes));
        assertThat(t.intakeThreads()).as("SO_REUSEPORT on this platform").isEqualTo(intakes);
        return t;
    }

    private DatagramChannel udp() throws IOException {
        return track(DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0)));
    }

    private static int intakesThatReceived(ContingencyTrigger t) {
        return (int) Arrays.stream(t.intakeReceived()).filter(n -> n > 0).count();
    }

    @Test
    void realAgentsOnManySocketsAreEachCreditedOnceAcrossTheIntakeThreads() throws Exception {
        ContingencyTrigger trigger = trigger(64, 4);
        List<SimulatedGpus> gpus = new ArrayList<>();
        List<TriggerListener> sockets = new ArrayList<>();
        for (int s = 0; s < SENDERS; s++) {
            sockets.add(track(TriggerListener.open(new InetSocketAddress("127.0.0.1", 0), "host" + s)));
        }
        for (int i = 0; i < 48; i++) {
            SimulatedGpus g = new SimulatedGpus(2, 200, 700, 700);
            gpus.add(g);
            TriggerListener l = sockets.get(i % SENDERS);
            NodeAgent a = track(NodeAgent.builder(g).name("a" + i).serve(false).triggerListener(l)
                    .powerPublishInterval(Duration.ZERO).safeCapW(600).build()).start();
            TriggerKey key = TriggerKey.random(random);
            a.armInProcess(new ContingencyTable(SESSION, 1, i, key, 10_000, List.of(
                    new ContingencyTable.Contingency(0, List.of(300.0, 300.0)),
                    new ContingencyTable.Contingency(1, List.of(400.0, 400.0))), null));
            trigger.armed(i, l.address(), 1, key, new int[]{0, 1});
        }
        for (int round = 0; round < 4; round++) {
            // counts every answer below: retry only after 1 s, so an agent scheduled late on a loaded machine does
            // not answer twice (213 received where 192 were expected, once)
            ContingencyTrigger.Report r = trigger.awaitReport(trigger.fire(round % 2,
                    TimeUnit.SECONDS.toNanos(3), TimeUnit.SECONDS.toNanos(1)), WAIT);
            assertThat(r.targets()).isEqualTo(48);
            assertThat(r.answered()).isEqualTo(48);
            assertThat(r.applied()).isEqualTo(48);
            assertThat(r.agents()).allSatisfy(a -> assertThat(a.status()).isIn(TriggerAck.Status.APPLIED,
                    TriggerAck.Status.ALREADY_APPLIED));
        }
        assertThat(gpus).allSatisfy(g -> assertThat(g.limitsW()).containsOnly(400.0));
        assertThat(Arrays.stream(trigger.intakeReceived()).sum()).isEqualTo(4 * 48);
        assertThat(intakesThatReceived(trigger)).as("answers spread over the intake sockets: %s",
                Arrays.toString(trigger.intakeReceived())).isGreaterThanOrEqualTo(2);
        assertThat(trigger.duplicateAcks()).isZero();
        assertThat(trigger.lateAcks()).isZero();
        assertThat(trigger.rejectedAcks()).isZero();
    }

    @Test
    void anAgentAnsweringOnSeveralSocketsIsCreditedOnceAndTheCopiesCounted() throws Exception {
        ContingencyTrigger trigger = trigger(4, 4);
        DatagramChannel agent = udp();
        TriggerKey key = TriggerKey.random(random);
        trigger.armed(0, (InetSocketAddress) agent.getLocalAddress(), 1, key, new int[]{0});
        List<DatagramChannel> senders = new ArrayList<>();
        for (int s = 0; s < SENDERS; s++) {
            senders.add(udp());
        }
        Thread answer = Thread.ofPlatform().start(() -> {
            try {
                ByteBuffer b = ByteBuffer.allocate(64);
                agent.receive(b);
                byte[] ack = TriggerAck.encodeSigned(0, 1, 0, TriggerAck.Status.APPLIED, 7, 123.0,
                        key, new TriggerKey.Scratch());
                for (DatagramChannel s : senders) { // the same answer from 16 source ports: several intake sockets
                    s.send(ByteBuffer.wrap(ack), trigger.localAddress());
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        ContingencyTrigger.Report r = trigger.awaitReport(trigger.fire(0, TimeUnit.SECONDS.toNanos(3), RETRY), WAIT);
        answer.join();
        assertThat(r.answered()).isEqualTo(1);
        assertThat(r.applied()).isEqualTo(1);
        assertThat(r.agent(0).agentTimeMs()).isEqualTo(7);
        // the copies: duplicates while the fan-out is in flight, late once it completed on the first
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(trigger.duplicateAcks() + trigger.lateAcks()).isEqualTo(SENDERS - 1));
        assertThat(intakesThatReceived(trigger)).as("received by: %s", Arrays.toString(trigger.intakeReceived()))
                .isGreaterThanOrEqualTo(2);
        assertThat(trigger.rejectedAcks()).isZero();
    }

    @Test
    void answersAfterTheDeadlineAreLateWhicheverSocketTheyComeTo() throws Exception {
        ContingencyTrigger trigger = trigger(4, 4);
        DatagramChannel agent = udp();
        TriggerKey key = TriggerKey.random(random);
        trigger.armed(0, (InetSocketAddress) agent.getLocalAddress(), 1, key, new int[]{0});
        ContingencyTrigger.Report r = trigger.awaitReport(trigger.fire(0, TimeUnit.MILLISECONDS.toNanos(200), RETRY),
                WAIT);
        assertThat(r.silentCount()).isEqualTo(1);
        assertThat(r.attempts(0)).as("the owner retried the silent agent").isGreaterThanOrEqualTo(2);
        byte[] ack = TriggerAck.encodeSigned(0, 1, 0, TriggerAck.Status.APPLIED, 7, 123.0, key,
                new TriggerKey.Scratch());
        for (int s = 0; s < SENDERS; s++) {
            udp().send(ByteBuffer.wrap(ack), trigger.localAddress());
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(trigger.lateAcks()).isEqualTo(SENDERS));
        assertThat(trigger.duplicateAcks()).isZero();
        assertThat(trigger.lastReport().fireNumber()).isEqualTo(r.fireNumber());
        assertThat(trigger.lastReport().answered()).isZero();
    }

    @Test
    void anAgentThatMissedTheWaveAnswersTheRetryOnTheRetrySocket() throws Exception {
        ContingencyTrigger trigger = trigger(4, 2);
        DatagramChannel agent = udp();
        TriggerKey key = TriggerKey.random(random);
        trigger.armed(0, (InetSocketAddress) agent.getLocalAddress(), 1, key, new int[]{0});
        Thread answer = Thread.ofPlatform().start(() -> {
            try {
                ByteBuffer b = ByteBuffer.allocate(64);
                agent.receive(b); // the wave: lost
                b.clear();
                SocketAddress from = agent.receive(b); // the retry, from the owner's retry socket
                agent.send(ByteBuffer.wrap(TriggerAck.encodeSigned(0, 1, 0, TriggerAck.Status.APPLIED, 9, 1.0, key,
                        new TriggerKey.Scratch())), from);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        ContingencyTrigger.Report r = trigger.awaitReport(trigger.fire(0, TimeUnit.SECONDS.toNanos(3), RETRY), WAIT);
        answer.join();
        assertThat(r.applied()).isEqualTo(1);
        assertThat(r.attempts(0)).isEqualTo(2);
        assertThat(r.datagramsSent()).isEqualTo(2);
    }

    @Test
    void forgedAnswersOnEveryIntakeAreRejectedAndSummedPerFanOut() throws Exception {
        ContingencyTrigger trigger = trigger(4, 4);
        DatagramChannel agent = udp();
        DatagramChannel dead = udp(); // keeps the fan-out in flight until its deadline
        TriggerKey key = TriggerKey.random(random);
        trigger.armed(0, (InetSocketAddress) agent.getLocalAddress(), 1, key, new int[]{0});
        trigger.armed(1, (InetSocketAddress) dead.getLocalAddress(), 1, TriggerKey.random(random), new int[]{0});
        Thread answer = Thread.ofPlatform().start(() -> {
            try {
                ByteBuffer b = ByteBuffer.allocate(64);
                agent.receive(b);
                byte[] forged = TriggerAck.encodeSigned(0, 1, 0, TriggerAck.Status.APPLIED, 1, 1.0,
                        TriggerKey.random(new SecureRandom()), new TriggerKey.Scratch());
                for (int s = 0; s < SENDERS; s++) {
                    udp().send(ByteBuffer.wrap(forged), trigger.localAddress());
                }
                // the genuine one after every forgery was handled (else a forgery that comes after it is a duplicate)
                await().atMost(WAIT).until(() -> trigger.rejectedAcks() == SENDERS);
                udp().send(ByteBuffer.wrap(TriggerAck.encodeSigned(0, 1, 0, TriggerAck.Status.APPLIED, 1, 1.0, key,
                        new TriggerKey.Scratch())), trigger.localAddress());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        ContingencyTrigger.Report r = trigger.awaitReport(trigger.fire(0, TimeUnit.MILLISECONDS.toNanos(400), RETRY),
                WAIT);
        answer.join();
        assertThat(r.applied()).isEqualTo(1);
        assertThat(r.status(0)).isEqualTo(TriggerAck.Status.APPLIED);
        assertThat(r.status(1)).isNull();
        assertThat(r.rejectedAcks()).as("forged answers, summed over the intake threads").isEqualTo(SENDERS);
        assertThat(trigger.rejectedAcks()).isEqualTo(SENDERS);
    }

    @Test
    void slotsReArmedWhileFiringAreTargetedOnlyWithWhatTheyHold() throws Exception {
        // the fire's scan reads the slots' armed ids from flat arrays under a per-slot sequence: a slot re-armed
        // meanwhile (here: without the contingency fired) must be read whole, never as the new ids with the old
        // slot's datagrams (which would make the wave or a retry send a datagram the slot does not hold)
        ContingencyTrigger trigger = trigger(64, 2);
        InetSocketAddress nowhere = (InetSocketAddress) udp().getLocalAddress();
        TriggerKey key = TriggerKey.random(random);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread armer = Thread.ofPlatform().start(() -> {
            long epoch = 1;
            while (!stop.get()) {
                epoch++;
                for (int slot = 0; slot < 64; slot++) {
                    trigger.armed(slot, nowhere, epoch, key, (epoch + slot) % 2 == 0 ? new int[]{0} : new int[]{1});
                }
            }
        });
        try {
            for (int k = 0; k < 300; k++) {
                ContingencyTrigger.Report r = trigger.awaitReport(trigger.fire(0, TimeUnit.MILLISECONDS.toNanos(20),
                        TimeUnit.MILLISECONDS.toNanos(5)), WAIT);
                assertThat(r.targets()).isBetween(0, 64);
                assertThat(r.silentCount()).isEqualTo(r.targets());
            }
        } finally {
            stop.set(true);
            armer.join();
        }
        assertThat(trigger.intakeFailures()).as("retries of every target found its datagram").isZero();
        assertThat(trigger.intakeRunning()).isTrue();
    }
}
