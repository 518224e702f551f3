package io.headroom.drivers.gpuprotocol;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of the trigger's acknowledgement intake threads: it receives the agents' {@link TriggerAck}s for every fan-out
 * in flight from its own sockets, verifies them (length, version, slot, contingency, epoch, MAC), and credits each to
 * the earliest fan-out still waiting for that slot. The firing thread never waits for any of this.
 *
 * <p><b>Several threads</b> (issue 19): the firing socket and {@code intakes - 1} more sockets share one port with
 * {@code SO_REUSEPORT}, so the kernel spreads the answers over them by the sender's address and port; each socket
 * is drained by its own intake thread, on its own selector. A slot is credited by a compare-and-set
 * ({@link Fanout#credit(int, int, int, long, long, float)}), so an answer that comes twice, on one socket or on
 * two, counts once; the per-fan-out tallies (answered, applied, last answer, rejected) and this thread's counters
 * (rejected, late, duplicates) are this thread's own, written with release stores and summed by their readers, never
 * under a lock. The <b>owner</b> (intake 0) also drains the retry socket, re-sends to silent agents with back-off,
 * sends what the wave could not, and completes a fan-out when every target answered (any thread's credit) or its
 * deadline passed; another intake that credits a fan-out's last answer wakes the owner.
 *
 * <p>Two sockets for the owner: answers to the wave come to the firing socket (the firing thread only sends on it,
 * this thread only receives: their locks are distinct, so neither waits for the other), and the owner sends its
 * retries, and whatever the wave could not send, from a socket of its own, whose answers come back there.
 *
 * <p>Before a completed fan-out's record is copied and reused, the report thread waits until no intake thread is
 * inside an answer ({@link #quiet()}): an intake that credited a slot has then written its entries.
 *
 * <p>Supervised: an exception while handling one answer or one pass never ends the loop (it is counted and logged,
 * the first and then every power-of-two time); {@link #heartbeatNanos()} moves at least every
 * {@value #IDLE_MILLIS} ms while the loop runs, and {@link #running()} says whether it still does.
 */
final class AckIntake implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(AckIntake.class);

    /** The longest wait for an answer when nothing is due: the heartbeat's period. */
    static final int IDLE_MILLIS = 100;

    private final Fanout[] records;
    /** This thread's index: 0 is the owner. */
    private final int index;
    /** The owner: who completes fan-outs (another intake wakes it when it credited one's last answer). */
    private volatile AckIntake owner;
    /** The firing socket for the owner, this intake's own for the others. */
    private final DatagramChannel fireChannel;
    /** The owner's retry socket; null for the others. */
    private final DatagramChannel retryChannel;
    private final Selector selector;
    private final int capacity;
    private final Runnable onDone;
    private final TriggerKey.Scratch scratch = new TriggerKey.Scratch();
    private final byte[] rxBytes = new byte[256];
    private final ByteBuffer rx = ByteBuffer.wrap(rxBytes);
    private final byte[] txBytes = new byte[Trigger.SIZE];
    private final ByteBuffer tx = ByteBuffer.wrap(txBytes);
    private final Consumer<SelectionKey> ignoreKey = k -> { };
    private final Thread thread;

    private final LongSupplier nanoTime;
    private volatile long heartbeatNanos;
    /** Set while an answer is handled (see {@link #quiet()}). */
    private volatile boolean inAnswer;
    private volatile long received;
    private volatile boolean closed;
    private volatile boolean running = true;
    // written by this thread only
    private volatile long rejected;
    private volatile long late;
    private volatile long duplicates;
    private volatile long failures;

    AckIntake(String name, Fanout[] records, DatagramChannel fireChannel, DatagramChannel retryChannel,
              Selector selector, int capacity, Runnable onDone, LongSupplier nanoTime) {
        this(name, 0, records, fireChannel, retryChannel, selector, capacity, onDone, nanoTime);
    }

    /**
     * Intake {@code index}: the owner (0) drains {@code fireChannel} and {@code retryChannel}, retries and completes;
     * another drains {@code fireChannel} (its own socket on the shared port; {@code retryChannel} null).
     */
    AckIntake(String name, int index, Fanout[] records, DatagramChannel fireChannel, DatagramChannel retryChannel,
              Selector selector, int capacity, Runnable onDone, LongSupplier nanoTime) {
        this.index = index;
        this.owner = this;
        this.nanoTime = nanoTime;
        this.heartbeatNanos = nanoTime.getAsLong();
        this.records = records;
        this.fireChannel = fireChannel;
        this.retryChannel = retryChannel;
        this.selector = selector;
        this.capacity = capacity;
        this.onDone = onDone;
        this.thread = Thread.ofPlatform().name(name).daemon().priority(Thread.MAX_PRIORITY).unstarted(this);
    }

    void start() {
        thread.start();
    }

    /** For an intake other than the owner: the owner it wakes. */
    void ownedBy(AckIntake owner) {
        this.owner = owner;
    }

    /** Wakes the thread: a fan-out's wave is out (allocation-free). */
    void wakeup() {
        selector.wakeup();
    }

    @Override
    public void run() {
        try {
            while (!closed) {
                heartbeatNanos = nanoTime.getAsLong();
                try {
                    once();
                } catch (ClosedSelectorException | ClosedChannelException e) {
                    if (!closed) {
                        LOG.error("trigger ack intake: its socket was closed under it; no more answers are received", e);
                    }
                    return;
                } catch (Throwable t) {
                    long n = ++failures;
                    if (Long.bitCount(n) == 1) {
                        LOG.error("trigger ack intake: a pass failed ({} so far); carrying on", n, t);
                    }
                    LockSupport.parkNanos(1_000_000L); // not a hot loop if it keeps failing
                }
            }
        } finally {
            running = false;
        }
    }

    private void once() throws IOException {
        drain(fireChannel);
        if (retryChannel == null) {
            selector.select(ignoreKey, IDLE_MILLIS);
            return;
        }
        drain(retryChannel);
        long now = nanoTime.getAsLong();
        long waitNanos = IDLE_MILLIS * 1_000_000L;
        for (Fanout f : records) {
            if (f.state != Fanout.IN_FLIGHT || !f.waveDone) {
                continue;
            }
            if (f.answered() >= f.targets || now - f.deadlineNanos >= 0) {
                complete(f, now);
                continue;
            }
            if (f.unsent > 0 || now - f.lastRetryScanNanos >= f.retryNanos) {
                retry(f, now);
            }
            long next = f.unsent > 0 ? 1_000_000L : f.lastRetryScanNanos + f.retryNanos - now;
            waitNanos = Math.min(waitNanos, Math.min(next, f.deadlineNanos - now));
        }
        selector.select(ignoreKey, Math.max(1, (waitNanos + 999_999L) / 1_000_000L));
    }

    private void drain(DatagramChannel ch) throws IOException {
        while (true) {
            rx.clear();
            if (ch.receive(rx) == null) {
                return;
            }
            received++;
            inAnswer = true; // before any record's state is read (see quiet())
            try {
                Fanout credited = accept(nanoTime.getAsLong(), rx.position());
                if (credited != null && index != 0 && credited.answered() >= credited.targets) {
                    owner.wakeup(); // the last answer came here: the owner completes the fan-out now
                }
            } catch (RuntimeException e) {
                long n = ++failures;
                if (Long.bitCount(n) == 1) {
                    LOG.error("trigger ack intake: an answer could not be handled ({} failures so far)", n, e);
                }
            } finally {
                inAnswer = false;
            }
        }
    }

    /**
     * One received datagram: credited to the earliest fan-out in flight whose contingency it names, that targets its
     * slot at its epoch and still waits for it, and whose key authenticates it. A slot answers each datagram it
     * receives, so two fan-outs of the same contingency (a waveform detection and the breaker contact of the same
     * loss) are each credited by an answer of their own.
     */
    private Fanout accept(long now, int len) {
        if (len != TriggerAck.SIZE || (rxBytes[0] & 0xFF) != GpuProtocol.VERSION
                || (rxBytes[1] & 0xFF) != MessageType.TRIGGER_ACK.code()) {
            rejected++;
            return null;
        }
        int agentId = rx.getInt(TriggerAck.OFF_AGENT);
        if (agentId < 0 || agentId >= capacity) {
            rejected++;
            return null;
        }
        int id = rx.getShort(TriggerAck.OFF_ID) & 0xFFFF;
        long epoch = rx.getLong(TriggerAck.OFF_EPOCH);
        int code = rxBytes[TriggerAck.OFF_STATUS] & 0xFF;
        boolean named = false;
        boolean refused = false;
        long tried = Long.MIN_VALUE;
        while (true) {
            Fanout best = null;
            for (Fanout f : records) {
                if (f.state != Fanout.IN_FLIGHT || f.contingencyId != id) {
                    continue;
                }
                ContingencyTrigger.Slot s = f.fired[agentId];
                if (s == null) {
                    continue; // not targeted by this fan-out
                }
                named = true;
                if (!f.awaits(agentId)) {
                    continue;
                }
                if (s.epoch != epoch) {
                    refused = true; // an answer for another epoch (an agent that missed an arm)
                    continue;
                }
                if (f.fireNumber > tried && (best == null || f.fireNumber < best.fireNumber)) {
                    best = f;
                }
            }
            if (best == null) {
                break;
            }
            if (best.fired[agentId].key.verify(scratch, rxBytes, TriggerAck.MAC_OFFSET)
                    && code < TriggerAck.Status.values().length) {
                if (best.credit(index, agentId, code, now, rx.getLong(TriggerAck.OFF_TIME),
                        rx.getFloat(TriggerAck.OFF_POWER))) {
                    return best;
                }
                continue; // another intake thread credited it meanwhile: look again
            }
            best.rejected(index); // forged or tampered, for this fan-out's slot
            refused = true;
            tried = best.fireNumber;
        }
        if (refused) {
            rejected++;
        } else if (named) {
            duplicates++;
        } else {
            late++;
        }
        return null;
    }

    /** Sends what the wave left, and re-sends to the silent agents whose back-off has passed. */
    private void retry(Fanout f, long now) throws IOException {
        f.lastRetryScanNanos = now;
        for (int k = 0; k < f.targets; k++) {
            int i = f.order[k];
            if (!f.awaits(i)) {
                continue;
            }
            int a = f.attempts[i];
            if (a == 0 || now - f.sentAt(i) >= f.retryNanos << Math.min(a - 1, ContingencyTrigger.MAX_BACKOFF_DOUBLINGS)) {
                if (!send(f, i)) {
                    return; // this socket is full too: the next pass goes on
                }
                if (a == 0 && --f.unsent == 0) {
                    f.waveSentNanos = f.sentAt(i);
                }
            }
        }
    }

    private boolean send(Fanout f, int i) throws IOException {
        ContingencyTrigger.Slot s = f.fired[i];
        System.arraycopy(s.datagramById[f.contingencyId], 0, txBytes, 0, Trigger.SIZE);
        tx.clear();
        if (retryChannel.send(tx, s.address) == 0) {
            return false;
        }
        f.attempts[i]++;
        f.sentNanos[i] = nanoTime.getAsLong();
        f.datagramsSent++;
        return true;
    }

    private void complete(Fanout f, long now) {
        f.endNanos = now;
        if (f.unsent > 0) {
            f.waveSentNanos = now; // the deadline came before the socket had room for every first datagram
        }
        f.state = Fanout.DONE;
        onDone.run();
    }

    long heartbeatNanos() {
        return heartbeatNanos;
    }

    /** Datagrams this thread received (any content). */
    long received() {
        return received;
    }

    /**
     * The report thread, after a fan-out was set {@link Fanout#DONE}: waits until this thread is not inside an
     * answer. One that enters later reads the record's state after DONE was written, so it credits nothing there;
     * one that was inside has written its slot entries and tallies when it leaves. A few microseconds at most.
     */
    void quiet() {
        while (inAnswer && running) {
            Thread.onSpinWait();
        }
    }

    boolean running() {
        return running && thread.isAlive();
    }

    long rejected() {
        return rejected;
    }

    long late() {
        return late;
    }

    long duplicates() {
        return duplicates;
    }

    long failures() {
        return failures;
    }

    void close() {
        closed = true;
        selector.wakeup();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
