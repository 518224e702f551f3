package io.headroom.drivers.gpuprotocol;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The bookkeeping of one fan-out in flight: pre-allocated arrays indexed by agent slot, reused once its report was
 * copied. {@link ContingencyTrigger} holds a small ring of them, so that several contingencies (feed A lost, then B
 * a millisecond later) are in flight at once, each with its own targets, answers and retries.
 *
 * <p>Who writes what, in order ({@link #state} is the hand-over, a volatile write each time):
 * <ol>
 *   <li>{@link #FREE} → {@link #FILLING}: the firing thread snapshots the targets ({@link #fired}, {@link #order},
 *       {@link #status} set to {@link #SILENT}) and publishes {@link #IN_FLIGHT} <em>before</em> it sends, so that
 *       answers to its first datagrams are credited while the wave is still going out;</li>
 *   <li>during the wave the firing thread alone writes {@link #attempts}, {@link #sentNanos} and the send counters,
 *       then sets {@link #waveDone}; after that the intake thread owns them (retries);</li>
 *   <li>the intake thread credits answers (a compare-and-set of the slot's status from {@link #SILENT}, so that a
 *       slot is credited once even when several intake threads share the work), and at the deadline or the last
 *       answer sets {@link #DONE};</li>
 *   <li>the report thread copies it ({@link #report()}) and sets {@link #FREE}.</li>
 * </ol>
 */
final class Fanout {

    static final int FREE = 0;
    static final int FILLING = 1;
    static final int IN_FLIGHT = 2;
    static final int DONE = 3;

    /** {@link #sentNanos}: reached by the group datagram, sent at {@link #groupSentNanos}. */
    static final long BY_GROUP = Long.MIN_VALUE;

    /** {@link #status}: targeted, no authentic answer yet. */
    static final int SILENT = -1;
    /** {@link #status}: not armed with the contingency, not sent to. */
    static final int NOT_TARGETED = -2;

    private static final VarHandle STATUS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle TALLY = MethodHandles.arrayElementVarHandle(long[].class);

    /**
     * Each intake thread's tallies of this fan-out sit {@value} longs (128 bytes) apart in {@link #tallies}: every
     * one is written by its own thread only (a release store, no lock, no shared cache line) and the sums are read
     * by whoever needs them (the owning intake to complete the fan-out, the report thread to copy it).
     */
    static final int STRIDE = 16;
    static final int ANSWERED = 0;
    static final int APPLIED = 1;
    static final int LAST_ACK = 2;
    static final int REJECTED = 3;

    final int index;
    volatile int state = FREE;
    /** Every target was sent its first datagram, or left to the intake thread ({@link #unsent}). */
    volatile boolean waveDone;

    // the firing thread's, before IN_FLIGHT; read-only afterwards
    long fireNumber;
    int contingencyId;
    long handedOverNanos;
    long startNanos;
    long deadlineNanos;
    long retryNanos;
    Object attachment;
    final ContingencyTrigger.Slot[] fired;
    final ContingencyTrigger.GroupSlot[] groupFired;
    final int[] order;
    /** The targets no group datagram covers (the unicast wave), in slot order. */
    final int[] unicastOrder;
    int targets;

    // the firing thread's during the wave, the intake thread's after waveDone
    final int[] attempts;
    final long[] sentNanos;
    long datagramsSent;
    long groupDatagramsSent;
    /** Targets the wave could not send (socket buffer full): the intake thread sends them at once. */
    int unsent;
    /** When every target had been sent one datagram (the wave, and the intake's sends of what it left). */
    long waveSentNanos;
    long lastRetryScanNanos;
    /** When the wave's group datagrams were out (the send time of every target they covered). */
    long groupSentNanos;
    /** A send failure of the wave (reported by the report thread: the firing thread does not log). */
    java.io.IOException waveError;

    // the intake threads': a slot's entries by the thread whose compare-and-set credited it
    final int[] status;
    final long[] ackNanos;
    final long[] agentTimeMs;
    final float[] powerW;
    /** Per intake thread, {@link #STRIDE} apart: answered, applied, last answer, rejected ({@link #tally}). */
    private final long[] tallies;
    /** The owning intake's. */
    long endNanos;

    Fanout(int index, int capacity, int groupCapacity) {
        this(index, capacity, groupCapacity, 1);
    }

    Fanout(int index, int capacity, int groupCapacity, int intakes) {
        this.index = index;
        this.tallies = new long[(intakes + 1) * STRIDE]; // one stride of padding before the first
        fired = new ContingencyTrigger.Slot[capacity];
        groupFired = new ContingencyTrigger.GroupSlot[groupCapacity];
        order = new int[capacity];
        unicastOrder = new int[capacity];
        attempts = new int[capacity];
        sentNanos = new long[capacity];
        status = new int[capacity];
        ackNanos = new long[capacity];
        agentTimeMs = new long[capacity];
        powerW = new float[capacity];
    }

    /** The firing thread: resets the record for a new fan-out (targets are filled in by the caller). */
    void begin(long fireNumber, int contingencyId, long handedOverNanos, long startNanos, long timeoutNanos,
               long retryNanos, Object attachment) {
        this.fireNumber = fireNumber;
        this.contingencyId = contingencyId;
        this.handedOverNanos = handedOverNanos;
        this.startNanos = startNanos;
        this.deadlineNanos = startNanos + timeoutNanos;
        this.retryNanos = retryNanos;
        this.attachment = attachment;
        this.targets = 0;
        this.datagramsSent = 0;
        this.groupDatagramsSent = 0;
        this.unsent = 0;
        this.waveSentNanos = startNanos;
        this.lastRetryScanNanos = startNanos;
        this.groupSentNanos = startNanos;
        this.waveError = null;
        java.util.Arrays.fill(tallies, 0L);
        this.endNanos = startNanos;
        this.waveDone = false;
    }

    /** When slot {@code i}'s last datagram was sent (the owning intake, after {@link #waveDone}). */
    long sentAt(int i) {
        long t = sentNanos[i];
        return t == BY_GROUP ? groupSentNanos : t;
    }

    /** The intake thread: whether slot {@code i} is still waiting for this fan-out's answer. */
    boolean awaits(int i) {
        return (int) STATUS.getVolatile(status, i) == SILENT;
    }

    /**
     * The intake thread: records an authentic answer for slot {@code i}; false when another intake thread credited
     * it first (a duplicate).
     */
    boolean credit(int i, int code, long nowNanos, long agentTime, float power) {
        return credit(0, i, code, nowNanos, agentTime, power);
    }

    /** As {@link #credit(int, int, long, long, float)}, by intake thread {@code intake} (its own tallies). */
    boolean credit(int intake, int i, int code, long nowNanos, long agentTime, float power) {
        if (!STATUS.compareAndSet(status, i, SILENT, code)) {
            return false;
        }
        ackNanos[i] = nowNanos;
        agentTimeMs[i] = agentTime;
        powerW[i] = power;
        int base = (intake + 1) * STRIDE;
        if (code == TriggerAck.Status.APPLIED.code() || code == TriggerAck.Status.ALREADY_APPLIED.code()) {
            TALLY.setRelease(tallies, base + APPLIED, tallies[base + APPLIED] + 1);
        }
        if (tallies[base + ANSWERED] == 0 || nowNanos - tallies[base + LAST_ACK] > 0) {
            TALLY.setRelease(tallies, base + LAST_ACK, nowNanos);
        }
        // last: whoever sees the count sees the slot's entries and the other tallies
        TALLY.setRelease(tallies, base + ANSWERED, tallies[base + ANSWERED] + 1);
        return true;
    }

    /** Intake thread {@code intake}: an answer for one of this fan-out's slots that was not authentic. */
    void rejected(int intake) {
        int base = (intake + 1) * STRIDE;
        TALLY.setRelease(tallies, base + REJECTED, tallies[base + REJECTED] + 1);
    }

    private long sum(int what) {
        long n = 0;
        for (int b = STRIDE; b < tallies.length; b += STRIDE) {
            n += (long) TALLY.getAcquire(tallies, b + what);
        }
        return n;
    }

    /** Targets that answered (any status), summed over the intake threads. */
    int answered() {
        return (int) sum(ANSWERED);
    }

    int applied() {
        return (int) sum(APPLIED);
    }

    long rejectedAcks() {
        return sum(REJECTED);
    }

    /** The last answer over every intake thread (= the start when none). */
    long lastAckNanos() {
        long last = startNanos;
        for (int b = STRIDE; b < tallies.length; b += STRIDE) {
            if ((long) TALLY.getAcquire(tallies, b + ANSWERED) > 0) {
                long t = (long) TALLY.getAcquire(tallies, b + LAST_ACK);
                if (t - last > 0) {
                    last = t;
                }
            }
        }
        return last;
    }

    /** The report thread, once {@link #DONE}: a copy (allocates), agents in slot order (the order of {@link #order}). */
    ContingencyTrigger.Report report() {
        List<ContingencyTrigger.AgentResult> list = new ArrayList<>(targets);
        for (int k = 0; k < targets; k++) {
            int i = order[k];
            int s = status[i];
            boolean answeredHere = s >= 0;
            list.add(new ContingencyTrigger.AgentResult(i, fired[i].address,
                    answeredHere ? TriggerAck.Status.fromCode(s) : null,
                    answeredHere ? ackNanos[i] - startNanos : -1, answeredHere ? agentTimeMs[i] : -1,
                    answeredHere ? powerW[i] : Double.NaN, attempts[i]));
        }
        return new ContingencyTrigger.Report(fireNumber, contingencyId, true, targets, applied(), answered(),
                handedOverNanos, startNanos, waveSentNanos, lastAckNanos(), endNanos, datagramsSent, groupDatagramsSent,
                rejectedAcks(), attachment, List.copyOf(list));
    }
}
