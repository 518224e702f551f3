package io.headroom.drivers.gpuprotocol;

import io.headroom.common.SystemTime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The appliance's fan-out of a pre-armed contingency to the agents armed with it: the firing thread sends the wave
 * and returns; acknowledgements, retries and the report happen on the trigger's own threads.
 *
 * <p><b>Arm time</b> (any thread, typically the client's completion of {@code POST /contingency}):
 * {@link #armed} records what agent slot {@code agentId} acknowledged and encodes, once, the
 * 32-byte {@link Trigger} datagram of every contingency it holds. {@code agentId}s are dense slot
 * numbers {@code 0 .. capacity-1} chosen by the appliance.
 *
 * <p><b>Fast path</b> ({@link #fire}, one thread at a time, the protection thread): takes a free fan-out record from
 * a small pre-allocated ring, snapshots the targets into it, sends the pre-encoded datagrams (one per multicast
 * group armed with the contingency, then unicast to every other target, in slot order) through a non-blocking
 * socket that only this thread sends on, hands the record to the ack intake and returns. It never waits for an
 * answer, a lock another thread holds for long, or socket space (what the socket has no room for, the intake sends
 * at once); nothing is allocated, computed or looked up by name: slots are array indices, and the datagrams and the
 * records exist beforehand. So a second contingency (feed A lost, then B a millisecond later; or the breaker contact
 * of the same loss) is fired at once while the first one's answers are still being collected.
 *
 * <p><b>Ack intake</b> ({@link AckIntake}, one or more platform threads of the trigger): receives and verifies the
 * answers (length, slot, contingency, epoch, MAC with precomputed key pads), credits each to its fan-out, re-sends to
 * silent agents every {@code retryNanos} then backing off (doubling up to {@value #MAX_BACKOFF_DOUBLINGS} times),
 * and completes a fan-out when every target answered or at its deadline. Each fan-out in flight keeps its own
 * bookkeeping ({@link Fanout}). With {@code intakes} &gt; 1 ({@link #open(InetSocketAddress, int, int, int,
 * LongSupplier, int)}), the firing socket and {@code intakes - 1} more share the port with {@code SO_REUSEPORT} and
 * each is drained by its own thread (one per core): the kernel spreads the answers over them by the sender's
 * address, the threads credit slots by compare-and-set and keep their own tallies, summed without locks.
 *
 * <p><b>Report</b> (a second platform thread of the trigger): copies a completed fan-out into a {@link Report}
 * (allocating), frees its record, and hands the report to the listener ({@link #onComplete}: logs, metrics, the
 * journal) and to {@link #awaitReport}. A slow listener delays reports, never a fire or an answer.
 *
 * <p>When every record is in flight (more than the ring's size of fan-outs within one timeout: a flood), a fire
 * still sends its wave, from the arm-time slots, but collects no answers: its report says {@link Report#tracked()}
 * false.
 */
public final class ContingencyTrigger implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ContingencyTrigger.class);

    /** What one agent slot acknowledged at arm time: immutable, replaced as a whole. */
    static final class Slot {
        final InetSocketAddress address;
        final long epoch;
        final TriggerKey key;
        final byte[][] datagramById;
        /** The multicast group the agent was armed with, or -1. */
        final int groupId;
        /** Bit {@code id} set when armed with contingency {@code id < 64}: the fire's scan reads this object only. */
        final long mask;

        Slot(InetSocketAddress address, long epoch, TriggerKey key, byte[][] datagramById, int groupId) {
            this.address = address;
            this.epoch = epoch;
            this.key = key;
            this.datagramById = datagramById;
            this.groupId = groupId;
            long m = 0;
            for (int id = 0; id < Math.min(64, datagramById.length); id++) {
                if (datagramById[id] != null) {
                    m |= 1L << id;
                }
            }
            this.mask = m;
        }

        boolean armedWith(int contingencyId) {
            if (contingencyId >= 0 && contingencyId < 64) {
                return (mask >>> contingencyId & 1) != 0;
            }
            return contingencyId >= 0 && contingencyId < datagramById.length && datagramById[contingencyId] != null;
        }
    }

    /** A group's pre-encoded {@link GroupTrigger}s for one epoch, by contingency id. */
    static final class GroupSlot {
        final long epoch;
        final byte[][] datagramById;

        GroupSlot(long epoch, byte[][] datagramById) {
            this.epoch = epoch;
            this.datagramById = datagramById;
        }

        boolean armedWith(int contingencyId) {
            return contingencyId >= 0 && contingencyId < datagramById.length && datagramById[contingencyId] != null;
        }
    }

    /**
     * A silent agent is sent the trigger again after {@code retryNanos}, then after twice that, up to
     * {@code retryNanos << MAX_BACKOFF_DOUBLINGS} between attempts: a slow path (a congested or lossy network, a
     * 40–80 ms round trip) is not flooded with repeats it would answer anyway.
     */
    public static final int MAX_BACKOFF_DOUBLINGS = 3;

    /** Fan-outs that may be in flight at once by default ({@link #open(InetSocketAddress, int, int, int)}). */
    public static final int DEFAULT_IN_FLIGHT = 16;

    /** Reports kept for {@link #awaitReport}. */
    private static final int HISTORY = 64;
    /** Untracked fires waiting for their report. */
    private static final int UNTRACKED = 32;

    private final LongSupplier nanoTime;
    private final int capacity;
    private final DatagramChannel channel;
    private final DatagramChannel retryChannel;
    private final Selector selector;
    /** The other intakes' sockets and selectors (empty with one intake). */
    private final DatagramChannel[] extraChannels;
    private final Selector[] extraSelectors;
    private final InetSocketAddress localAddress;
    private final AtomicReferenceArray<Slot> slots;
    /**
     * What the fire's scan reads per slot besides the reference, in flat arrays (contiguous, read in order, no
     * object to follow): the slot's armed ids below 64 as bits, its group and epoch, under a per-slot sequence
     * ({@link #armSeq}, odd while an arm writes them, a seqlock): a fire that reads them while the slot is re-armed
     * takes them from the slot object itself instead, so what it uses always belongs to the slot it targets.
     */
    private final long[] maskOf;
    private final int[] groupOf;
    private final long[] epochOf;
    private final int[] armSeq;
    private static final java.lang.invoke.VarHandle SEQ =
            java.lang.invoke.MethodHandles.arrayElementVarHandle(int[].class);
    private final AtomicReferenceArray<GroupSlot> groups;
    private volatile InetSocketAddress multicastTarget;
    private final TriggerKey.Scratch armScratch = new TriggerKey.Scratch();

    // the fan-outs in flight, their intake and their reports
    private final Fanout[] records;
    /** intakes[0] owns the retries and completes fan-outs. */
    private final AckIntake[] intakes;
    private final Thread reporter;
    private volatile boolean closed;
    private volatile Consumer<Report> listener = r -> { };
    private final Report[] history = new Report[HISTORY];
    private Report lastReport; // guarded by history
    private long listenerFailures; // the report thread's

    // the firing thread's
    private final byte[] txBytes = new byte[Math.max(Trigger.SIZE, GroupTrigger.SIZE)];
    private final ByteBuffer tx = ByteBuffer.wrap(txBytes);
    private long fires;
    private int nextRecord;
    private final boolean[] untrackedGroupSent;

    // untracked fires: written by the firing thread, read by the report thread (single producer, single consumer)
    private final long[] untrackedNumber = new long[UNTRACKED];
    private final int[] untrackedId = new int[UNTRACKED];
    private final long[] untrackedHandedOver = new long[UNTRACKED];
    private final long[] untrackedStart = new long[UNTRACKED];
    private final long[] untrackedSent = new long[UNTRACKED];
    private final int[] untrackedTargets = new int[UNTRACKED];
    private final long[] untrackedDatagrams = new long[UNTRACKED];
    private final long[] untrackedGroupDatagrams = new long[UNTRACKED];
    private final Object[] untrackedAttachment = new Object[UNTRACKED];
    private volatile long untrackedWritten;
    /** Written by the report thread. */
    private volatile long untrackedRead;
    private volatile long untrackedFires;
    private volatile long untrackedUnreported;

    /**
     * One agent's part in a fan-out.
     *
     * @param status       null when it never answered
     * @param latencyNanos from the start of the fan-out to its answer (-1 when silent)
     * @param agentTimeMs  when the agent applied the caps, on its own clock
     * @param attempts     datagrams sent to it (a multicast datagram that reached it counts as one)
     */
    public record AgentResult(int agentId, InetSocketAddress address, TriggerAck.Status status, long latencyNanos,
                              long agentTimeMs, double powerW, int attempts) {
    }

    /**
     * A completed fan-out. Times are the trigger's monotonic clock's ({@code System.nanoTime()} unless one was given).
     *
     * @param fireNumber         what {@link #fire} returned
     * @param tracked            false when every fan-out record was in flight: the wave was sent, no answer collected
     * @param targets            agents the contingency was armed on (and therefore sent to)
     * @param applied            agents whose answer says the caps are in force (APPLIED or ALREADY_APPLIED)
     * @param answered           agents that answered (any status)
     * @param handedOverNanos    when the event that fired it was handed to the firing thread (as given to {@link #fire})
     * @param startNanos         when {@link #fire} began
     * @param sentNanos          when one datagram had been sent to every target (or the deadline passed first)
     * @param lastAckNanos       the last answer (= startNanos if none)
     * @param endNanos           when the fan-out completed: every target answered, or the deadline
     * @param datagramsSent      datagrams sent, retries and group datagrams included
     * @param groupDatagramsSent {@link GroupTrigger}s sent to multicast groups
     * @param rejectedAcks       answers naming this fan-out's contingency and a slot it targeted that were not
     *                           authentic (wrong MAC)
     * @param attachment         what the caller gave {@link #fire}
     * @param agents             every target, in slot order (empty when not tracked)
     */
    public record Report(long fireNumber, int contingencyId, boolean tracked, int targets, int applied, int answered,
                         long handedOverNanos, long startNanos, long sentNanos, long lastAckNanos, long endNanos,
                         long datagramsSent, long groupDatagramsSent, long rejectedAcks, Object attachment,
                         List<AgentResult> agents) {
        /** Targeted agents that never answered. */
        public int silentCount() {
            return targets - answered;
        }

        public List<AgentResult> silent() {
            return agents.stream().filter(a -> a.status() == null).toList();
        }

        /** Slot {@code agentId}'s part, or null when it was not targeted. */
        public AgentResult agent(int agentId) {
            for (AgentResult a : agents) {
                if (a.agentId() == agentId) {
                    return a;
                }
            }
            return null;
        }

        /** Slot {@code agentId}'s answer, or null when silent or not targeted. */
        public TriggerAck.Status status(int agentId) {
            AgentResult a = agent(agentId);
            return a == null ? null : a.status();
        }

        /** Datagrams sent to slot {@code agentId} (0 when not targeted). */
        public int attempts(int agentId) {
            AgentResult a = agent(agentId);
            return a == null ? 0 : a.attempts();
        }
    }

    private ContingencyTrigger(int capacity, int groupCapacity, int inFlight, DatagramChannel channel,
                               DatagramChannel retryChannel, Selector selector, DatagramChannel[] extraChannels,
                               Selector[] extraSelectors, LongSupplier nanoTime)
            throws IOException {
        this.extraChannels = extraChannels;
        this.extraSelectors = extraSelectors;
        this.nanoTime = nanoTime;
        this.capacity = capacity;
        this.channel = channel;
        this.retryChannel = retryChannel;
        this.selector = selector;
        this.localAddress = (InetSocketAddress) channel.getLocalAddress();
        this.slots = new AtomicReferenceArray<>(capacity);
        this.maskOf = new long[capacity];
        this.groupOf = new int[capacity];
        this.epochOf = new long[capacity];
        this.armSeq = new int[capacity];
        this.groups = new AtomicReferenceArray<>(groupCapacity);
        this.untrackedGroupSent = new boolean[groupCapacity];
        this.records = new Fanout[inFlight];
        for (int r = 0; r < inFlight; r++) {
            records[r] = new Fanout(r, capacity, groupCapacity, 1 + extraChannels.length);
        }
        this.reporter = Thread.ofPlatform().name("trigger-report").daemon().unstarted(this::report);
        Runnable onDone = () -> LockSupport.unpark(reporter);
        this.intakes = new AckIntake[1 + extraChannels.length];
        intakes[0] = new AckIntake("trigger-intake", 0, records, channel, retryChannel, selector, capacity, onDone,
                nanoTime);
        for (int k = 1; k < intakes.length; k++) {
            intakes[k] = new AckIntake("trigger-intake-" + k, k, records, extraChannels[k - 1], null,
                    extraSelectors[k - 1], capacity, onDone, nanoTime);
            intakes[k].ownedBy(intakes[0]);
        }
    }

    /**
     * Opens the fan-out socket.
     *
     * @param bind     local address (port 0 = ephemeral)
     * @param capacity agent slots {@code 0 .. capacity-1}
     */
    public static ContingencyTrigger open(InetSocketAddress bind, int capacity) {
        return open(bind, capacity, 1);
    }

    /**
     * Opens the fan-out socket.
     *
     * @param bind          local address (port 0 = ephemeral)
     * @param capacity      agent slots {@code 0 .. capacity-1}
     * @param groupCapacity multicast groups {@code 0 .. groupCapacity-1} ({@link #armedGroup})
     */
    public static ContingencyTrigger open(InetSocketAddress bind, int capacity, int groupCapacity) {
        return open(bind, capacity, groupCapacity, DEFAULT_IN_FLIGHT);
    }

    /**
     * Opens the fan-out sockets (the firing thread's on {@code bind}, the intake's on the same address, ephemeral
     * port) and starts the intake and report threads.
     *
     * @param inFlight fan-outs that may be in flight at once, each with its own records of {@code capacity} slots
     */
    public static ContingencyTrigger open(InetSocketAddress bind, int capacity, int groupCapacity, int inFlight) {
        return open(bind, capacity, groupCapacity, inFlight, SystemTime.NANOS);
    }

    /**
     * As {@link #open(InetSocketAddress, int, int, int)}, on the monotonic clock {@code nanoTime} (nanoseconds): the
     * fan-outs' stamps, deadlines and re-send times, and the intake's heartbeat, all read it.
     */
    public static ContingencyTrigger open(InetSocketAddress bind, int capacity, int groupCapacity, int inFlight,
                                          LongSupplier nanoTime) {
        return open(bind, capacity, groupCapacity, inFlight, nanoTime, 1);
    }

    /**
     * As {@link #open(InetSocketAddress, int, int, int, LongSupplier)}, with {@code intakes} ack intake threads: the
     * firing socket and {@code intakes - 1} more bound to the same address and port with {@code SO_REUSEPORT}, each
     * drained by its own thread (one per core is the point; {@link #defaultIntakes()}). Where the platform has no
     * {@code SO_REUSEPORT}, one intake (logged).
     */
    public static ContingencyTrigger open(InetSocketAddress bind, int capacity, int groupCapacity, int inFlight,
                                          LongSupplier nanoTime, int intakes) {
        Objects.requireNonNull(nanoTime, "nanoTime");
        if (intakes < 1 || intakes > 64) {
            throw new IllegalArgumentException("ack intake threads must be 1..64, got " + intakes);
        }
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        if (groupCapacity < 1 || groupCapacity > 0x10000) {
            throw new IllegalArgumentException("group capacity must be 1..65536, got " + groupCapacity);
        }
        if (inFlight < 1) {
            throw new IllegalArgumentException("fan-outs in flight must be at least 1, got " + inFlight);
        }
        DatagramChannel ch = null;
        DatagramChannel retry = null;
        Selector sel = null;
        DatagramChannel[] extra = new DatagramChannel[0];
        Selector[] extraSel = new Selector[0];
        try {
            boolean reusePort = intakes > 1 && reusePortSupported();
            if (intakes > 1 && !reusePort) {
                LOG.warn("SO_REUSEPORT is not supported here: one ack intake thread instead of {}", intakes);
            }
            ch = socket(bind, reusePort);
            retry = socket(new InetSocketAddress(bind.getAddress(), 0), false);
            sel = Selector.open();
            ch.register(sel, SelectionKey.OP_READ);
            retry.register(sel, SelectionKey.OP_READ);
            int more = reusePort ? intakes - 1 : 0;
            extra = new DatagramChannel[more];
            extraSel = new Selector[more];
            InetSocketAddress shared = (InetSocketAddress) ch.getLocalAddress();
            for (int k = 0; k < more; k++) {
                extra[k] = socket(shared, true);
                extraSel[k] = Selector.open();
                extra[k].register(extraSel[k], SelectionKey.OP_READ);
            }
            ContingencyTrigger t = new ContingencyTrigger(capacity, groupCapacity, inFlight, ch, retry, sel, extra,
                    extraSel, nanoTime);
            for (AckIntake in : t.intakes) {
                in.start();
            }
            t.reporter.start();
            return t;
        } catch (IOException e) {
            closeQuietly(ch, retry, sel);
            closeQuietly(extra, extraSel);
            throw new UncheckedIOException("cannot open the trigger socket on " + bind + ": " + e.getMessage(), e);
        }
    }

    /** One ack intake thread per core the JVM may use. */
    public static int defaultIntakes() {
        return Math.clamp(Runtime.getRuntime().availableProcessors(), 1, 64);
    }

    private static boolean reusePortSupported() {
        try (DatagramChannel probe = DatagramChannel.open(StandardProtocolFamily.INET)) {
            return probe.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        } catch (IOException e) {
            return false;
        }
    }

    private static DatagramChannel socket(InetSocketAddress bind, boolean reusePort) throws IOException {
        DatagramChannel ch = bind.getAddress() instanceof Inet4Address
                ? DatagramChannel.open(StandardProtocolFamily.INET) : DatagramChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 8 << 20);
            ch.setOption(StandardSocketOptions.SO_SNDBUF, 8 << 20);
            if (reusePort) {
                ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            ch.bind(bind);
            ch.configureBlocking(false);
            return ch;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    /** The firing socket's address: where the agents answer the wave. */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Fires the groups armed with {@link #armedGroup} by multicast to {@code group} from now on, out of interface
     * {@code nif} (null: the one the routing table gives), one hop, looped back to local members. Without this, or
     * with {@code group} null, every agent gets unicast triggers.
     */
    public void multicast(InetSocketAddress group, java.net.NetworkInterface nif) {
        if (group != null) {
            if (!group.getAddress().isMulticastAddress()) {
                throw new IllegalArgumentException(group + " is not a multicast address");
            }
            try {
                if (nif != null) {
                    channel.setOption(StandardSocketOptions.IP_MULTICAST_IF, nif);
                }
                channel.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
                channel.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 1);
            } catch (IOException e) {
                throw new UncheckedIOException("trigger socket: cannot send to multicast group " + group + ": "
                        + e.getMessage(), e);
            }
        }
        multicastTarget = group;
    }

    /**
     * Pre-encodes the {@link GroupTrigger}s of group {@code groupId} for {@code epoch} of {@code session}, one per
     * contingency, under {@code groupKey}. When such a contingency fires, the group gets one multicast datagram, and
     * every agent slot armed with the group at that same epoch counts as sent to; the others get unicast triggers.
     */
    public void armedGroup(int groupId, long session, long epoch, TriggerKey groupKey, int[] contingencyIds) {
        if (groupId < 0 || groupId >= groups.length()) {
            throw new IllegalArgumentException("group " + groupId + " outside 0.." + (groups.length() - 1));
        }
        groups.set(groupId, new GroupSlot(epoch, encodeById(contingencyIds,
                (id, scratch) -> GroupTrigger.encodeSigned(groupId, session, epoch, id, groupKey, scratch))));
    }

    /** One datagram per contingency id, indexed by id (null where none), encoded with the arm-time scratch. */
    private byte[][] encodeById(int[] contingencyIds, java.util.function.BiFunction<Integer, TriggerKey.Scratch, byte[]> encode) {
        int max = -1;
        for (int id : contingencyIds) {
            max = Math.max(max, id);
        }
        byte[][] byId = new byte[max + 1][];
        synchronized (armScratch) {
            for (int id : contingencyIds) {
                byId[id] = encode.apply(id, armScratch);
            }
        }
        return byId;
    }

    /**
     * Records that slot {@code agentId} acknowledged arming {@code epoch} with {@code key} for
     * {@code contingencyIds}, its trigger socket being {@code triggerAddress}, and pre-encodes the
     * trigger datagrams. Replaces what the slot held.
     */
    public void armed(int agentId, InetSocketAddress triggerAddress, long epoch, TriggerKey key,
                      int[] contingencyIds) {
        armed(agentId, triggerAddress, epoch, key, contingencyIds, -1);
    }

    /** The same for an agent armed with multicast group {@code groupId} (-1: none). */
    public void armed(int agentId, InetSocketAddress triggerAddress, long epoch, TriggerKey key,
                      int[] contingencyIds, int groupId) {
        checkSlot(agentId);
        byte[][] byId = encodeById(contingencyIds, (id, scratch) -> Trigger.encodeSigned(agentId, epoch, id, key, scratch));
        publish(agentId, new Slot(triggerAddress, epoch, key, byId, groupId));
    }

    /** Sets slot {@code agentId} (null: disarmed) and its flat copies, under its sequence; arms one at a time. */
    private void publish(int agentId, Slot s) {
        synchronized (armSeq) {
            int q = armSeq[agentId];
            SEQ.setVolatile(armSeq, agentId, q + 1);
            // the odd sequence before the data: a volatile store orders what comes before it, not the plain stores
            // after it (an AArch64 controller may make them visible first, and a scan would pass its re-check)
            java.lang.invoke.VarHandle.storeStoreFence();
            maskOf[agentId] = s == null ? 0 : s.mask;
            groupOf[agentId] = s == null ? -1 : s.groupId;
            epochOf[agentId] = s == null ? -1 : s.epoch;
            slots.set(agentId, s);
            SEQ.setRelease(armSeq, agentId, q + 2);
        }
    }

    /** Slot {@code agentId} holds nothing armed any more (no trigger is sent to it). */
    public void disarm(int agentId) {
        checkSlot(agentId);
        publish(agentId, null);
    }

    /** The epoch slot {@code agentId} acknowledged, or -1. */
    public long armedEpoch(int agentId) {
        checkSlot(agentId);
        Slot s = slots.get(agentId);
        return s == null ? -1 : s.epoch;
    }

    /**
     * {@link #fire(int, long, long, long, Object)} with the hand-over now and no attachment.
     */
    public long fire(int contingencyId, long timeoutNanos, long retryNanos) {
        return fire(contingencyId, timeoutNanos, retryNanos, nanoTime.getAsLong(), null);
    }

    /**
     * Fans out contingency {@code contingencyId} to every agent armed with it and returns once the wave is out: one
     * datagram per multicast group armed with it, then one to each target the groups do not cover. The answers,
     * the retries every {@code retryNanos} (backing off) until all answered or {@code timeoutNanos} passed, and the
     * {@link Report} happen on the trigger's threads. One thread at a time; allocates nothing; never waits.
     *
     * @param handedOverNanos when the event was handed to the calling thread (the trigger's monotonic clock), reported back
     * @param attachment      handed back in the {@link Report} (for example the event that fired it)
     * @return this fire's number (from 1), for {@link #awaitReport}
     */
    public long fire(int contingencyId, long timeoutNanos, long retryNanos, long handedOverNanos, Object attachment) {
        long start = nanoTime.getAsLong();
        long number = ++fires;
        Fanout f = claim();
        if (f == null) {
            fireUntracked(number, contingencyId, handedOverNanos, start, attachment);
            return number;
        }
        f.state = Fanout.FILLING;
        f.begin(number, contingencyId, handedOverNanos, start, timeoutNanos, retryNanos, attachment);
        InetSocketAddress mcast = multicastTarget;
        for (int g = 0; g < f.groupFired.length; g++) {
            GroupSlot gs = mcast == null ? null : groups.get(g);
            f.groupFired[g] = gs != null && gs.armedWith(contingencyId) ? gs : null;
        }
        // One pass over the slots (each read once): the targets in slot order, and apart those that no group
        // datagram covers, the unicast wave's
        int targets = 0;
        int unicast = 0;
        ContingencyTrigger.GroupSlot[] groupFired = f.groupFired;
        long bit = contingencyId >= 0 && contingencyId < 64 ? 1L << contingencyId : 0;
        Slot[] fired = f.fired;
        int[] status = f.status;
        for (int i = 0; i < capacity; i++) {
            int q = (int) SEQ.getAcquire(armSeq, i);
            Slot s = slots.get(i);
            long m = maskOf[i];
            int g = groupOf[i];
            long e = epochOf[i];
            java.lang.invoke.VarHandle.acquireFence();
            if (((q & 1) != 0 || (int) SEQ.getOpaque(armSeq, i) != q) && s != null) {
                m = s.mask; // re-armed meanwhile: the object's own, consistent
                g = s.groupId;
                e = s.epoch;
            }
            if (s == null || (bit != 0 ? (m & bit) == 0 : !s.armedWith(contingencyId))) {
                fired[i] = null;
                status[i] = Fanout.NOT_TARGETED;
                continue;
            }
            fired[i] = s;
            status[i] = Fanout.SILENT;
            f.order[targets++] = i;
            if (g >= 0 && g < groupFired.length && groupFired[g] != null && groupFired[g].epoch == e) {
                f.attempts[i] = 1; // reached by multicast; a silent one is retried by unicast like the rest
                f.sentNanos[i] = Fanout.BY_GROUP;
            } else {
                f.attempts[i] = 0;
                f.sentNanos[i] = 0;
                f.unicastOrder[unicast++] = i;
            }
        }
        f.targets = targets;
        f.state = Fanout.IN_FLIGHT; // answers to the first datagrams are credited while the wave goes on
        try {
            boolean groupFailed = false;
            for (int g = 0; g < groupFired.length; g++) {
                if (groupFired[g] != null) {
                    if (sendGroup(groupFired[g], contingencyId, mcast)) {
                        f.groupDatagramsSent++;
                        f.datagramsSent++;
                    } else {
                        groupFired[g] = null; // socket full: its agents get unicast instead
                        groupFailed = true;
                    }
                }
            }
            f.groupSentNanos = nanoTime.getAsLong();
            if (groupFailed) {
                unicast = uncovered(f, targets); // rare: the slow way, over every target again
            }
            boolean full = false;
            for (int k = 0; k < unicast; k++) {
                int i = f.unicastOrder[k];
                Slot s = f.fired[i];
                if (full || !send(s.datagramById[contingencyId], s.address)) {
                    full = true; // no room in the socket: the intake sends the rest at once, from its own
                    f.unsent++;
                    continue;
                }
                f.attempts[i] = 1;
                f.sentNanos[i] = nanoTime.getAsLong();
                f.datagramsSent++;
            }
        } catch (IOException e) {
            f.waveError = e; // logged by the report thread; whatever was not sent, the intake sends
            f.unsent = 0;
            for (int k = 0; k < targets; k++) {
                if (f.attempts[f.order[k]] == 0) {
                    f.unsent++;
                }
            }
        }
        f.waveSentNanos = nanoTime.getAsLong();
        f.waveDone = true;
        intakes[0].wakeup();
        return number;
    }

    /**
     * After a group datagram could not be sent: the targets it covered get unicast like the others; returns how
     * many targets are in {@link Fanout#unicastOrder} now.
     */
    private static int uncovered(Fanout f, int targets) {
        int unicast = 0;
        for (int k = 0; k < targets; k++) {
            int i = f.order[k];
            Slot s = f.fired[i];
            boolean covered = s.groupId >= 0 && s.groupId < f.groupFired.length && f.groupFired[s.groupId] != null
                    && f.groupFired[s.groupId].epoch == s.epoch;
            if (!covered) {
                f.attempts[i] = 0;
                f.sentNanos[i] = 0;
                f.unicastOrder[unicast++] = i;
            }
        }
        return unicast;
    }

    /** The next free record, or null when every one is in flight or waiting for its report. */
    private Fanout claim() {
        for (int k = 0; k < records.length; k++) {
            Fanout f = records[(nextRecord + k) % records.length];
            if (f.state == Fanout.FREE) {
                nextRecord = (f.index + 1) % records.length;
                return f;
            }
        }
        return null;
    }

    private boolean send(byte[] datagram, InetSocketAddress to) throws IOException {
        System.arraycopy(datagram, 0, txBytes, 0, datagram.length);
        tx.clear().limit(datagram.length);
        return channel.send(tx, to) != 0;
    }

    private boolean sendGroup(GroupSlot gs, int contingencyId, InetSocketAddress mcast) throws IOException {
        return send(gs.datagramById[contingencyId], mcast);
    }

    /** The wave without a record (every record is in flight): sent from the arm-time slots, no answer collected. */
    private void fireUntracked(long number, int contingencyId, long handedOverNanos, long start, Object attachment) {
        untrackedFires++;
        InetSocketAddress mcast = multicastTarget;
        long datagrams = 0;
        long groupDatagrams = 0;
        int targets = 0;
        try {
            for (int g = 0; g < untrackedGroupSent.length; g++) {
                GroupSlot gs = mcast == null ? null : groups.get(g);
                untrackedGroupSent[g] = gs != null && gs.armedWith(contingencyId) && sendGroup(gs, contingencyId, mcast);
                if (untrackedGroupSent[g]) {
                    groupDatagrams++;
                    datagrams++;
                }
            }
            for (int i = 0; i < capacity; i++) {
                Slot s = slots.get(i);
                if (s == null || !s.armedWith(contingencyId)) {
                    continue;
                }
                targets++;
                boolean byGroup = s.groupId >= 0 && s.groupId < untrackedGroupSent.length && untrackedGroupSent[s.groupId]
                        && groups.get(s.groupId) != null && groups.get(s.groupId).epoch == s.epoch;
                if (!byGroup && send(s.datagramById[contingencyId], s.address)) {
                    datagrams++;
                }
            }
        } catch (IOException e) {
            // nothing more can be done here; the report says how many went out
        }
        long sent = nanoTime.getAsLong();
        long w = untrackedWritten;
        if (w - untrackedRead >= UNTRACKED) {
            untrackedUnreported++;
            return;
        }
        int k = (int) (w % UNTRACKED);
        untrackedNumber[k] = number;
        untrackedId[k] = contingencyId;
        untrackedHandedOver[k] = handedOverNanos;
        untrackedStart[k] = start;
        untrackedSent[k] = sent;
        untrackedTargets[k] = targets;
        untrackedDatagrams[k] = datagrams;
        untrackedGroupDatagrams[k] = groupDatagrams;
        untrackedAttachment[k] = attachment;
        untrackedWritten = w + 1;
        LockSupport.unpark(reporter);
    }

    // ------------------------------------------------------------------------ the report thread

    private void report() {
        while (!closed) {
            LockSupport.parkNanos(50_000_000L);
            try {
                reportDone();
                reportUntracked();
            } catch (Throwable t) {
                LOG.error("trigger report thread: a pass failed; carrying on", t);
            }
        }
    }

    /** The completed fan-outs, in the order they were fired. */
    private void reportDone() {
        while (true) {
            Fanout next = null;
            for (Fanout f : records) {
                if (f.state == Fanout.DONE && (next == null || f.fireNumber < next.fireNumber)) {
                    next = f;
                }
            }
            if (next == null) {
                return;
            }
            for (int k = 1; k < intakes.length; k++) {
                intakes[k].quiet(); // none is still crediting it (the owner completed it itself)
            }
            Report r = next.report();
            java.io.IOException error = next.waveError;
            next.attachment = null;
            next.state = Fanout.FREE;
            if (error != null) {
                LOG.error("contingency {}: the fan-out socket failed during the wave ({}); the ack intake sent what "
                        + "it could not", r.contingencyId(), error.toString());
            }
            publish(r);
        }
    }

    private void reportUntracked() {
        long read = untrackedRead;
        long written = untrackedWritten;
        while (read < written) {
            int k = (int) (read % UNTRACKED);
            Report r = new Report(untrackedNumber[k], untrackedId[k], false, untrackedTargets[k], 0, 0,
                    untrackedHandedOver[k], untrackedStart[k], untrackedSent[k], untrackedStart[k], untrackedSent[k],
                    untrackedDatagrams[k], untrackedGroupDatagrams[k], 0, untrackedAttachment[k], List.of());
            untrackedAttachment[k] = null;
            untrackedRead = ++read;
            LOG.warn("contingency {}: fired to {} agents without collecting their answers: all {} fan-out records were "
                    + "in flight ({} untracked fire(s) so far)", r.contingencyId(), r.targets(), records.length,
                    untrackedFires);
            publish(r);
        }
        long lost = untrackedUnreported;
        if (lost > 0) {
            LOG.warn("{} untracked fire(s) could not even be reported", lost);
        }
    }

    private void publish(Report r) {
        synchronized (history) {
            history[(int) (r.fireNumber() % HISTORY)] = r;
            lastReport = r;
            history.notifyAll();
        }
        try {
            listener.accept(r);
        } catch (RuntimeException e) {
            long n = ++listenerFailures;
            if (Long.bitCount(n) == 1) {
                LOG.error("contingency {}: the fan-out listener failed ({} so far)", r.contingencyId(), n, e);
            }
        }
    }

    /**
     * Told about every completed fan-out, on the trigger's report thread (logs, metrics, the journal): it delays the
     * next reports, never a fire or an answer. Null: nobody.
     */
    public void onComplete(Consumer<Report> l) {
        this.listener = l == null ? r -> { } : l;
    }

    /**
     * Waits (not on the fast path: tests, benchmarks) for the report of fire {@code fireNumber}; {@code timeout} is
     * real time, whatever the trigger's clock (this thread waits in it).
     *
     * @throws IllegalStateException when it did not come within {@code timeout}, or is no longer kept (more than
     *                               {@value #HISTORY} fires later)
     */
    public Report awaitReport(long fireNumber, Duration timeout) throws InterruptedException {
        long deadline = SystemTime.nanoTime() + timeout.toNanos();
        synchronized (history) {
            while (true) {
                Report r = history[(int) (fireNumber % HISTORY)];
                if (r != null && r.fireNumber() == fireNumber) {
                    return r;
                }
                if (r != null && r.fireNumber() > fireNumber) {
                    throw new IllegalStateException("the report of fire " + fireNumber + " is no longer kept");
                }
                long left = deadline - SystemTime.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("fire " + fireNumber + " not reported within " + timeout);
                }
                history.wait(Math.max(1, left / 1_000_000L));
            }
        }
    }

    /** The last report, or null. */
    public Report lastReport() {
        synchronized (history) {
            return lastReport;
        }
    }

    /** Fan-outs in flight now (fired, not yet reported). */
    public int inFlight() {
        int n = 0;
        for (Fanout f : records) {
            if (f.state != Fanout.FREE) {
                n++;
            }
        }
        return n;
    }

    /** Fires that found every record in flight: sent, answers not collected. */
    public long untrackedFires() {
        return untrackedFires;
    }

    /** Answers refused: malformed, an unknown slot, another epoch, or not authentic. */
    public long rejectedAcks() {
        long n = 0;
        for (AckIntake in : intakes) {
            n += in.rejected();
        }
        return n;
    }

    /** Authentic-looking answers from a slot whose fan-outs in flight have all heard from it already. */
    public long duplicateAcks() {
        long n = 0;
        for (AckIntake in : intakes) {
            n += in.duplicates();
        }
        return n;
    }

    /** Answers that named no fan-out in flight (they came after its deadline). */
    public long lateAcks() {
        long n = 0;
        for (AckIntake in : intakes) {
            n += in.late();
        }
        return n;
    }

    /** Exceptions the ack intake caught and carried on after. */
    public long intakeFailures() {
        long n = 0;
        for (AckIntake in : intakes) {
            n += in.failures();
        }
        return n;
    }

    /** The ack intake threads (1 unless opened with more and {@code SO_REUSEPORT} is there). */
    public int intakeThreads() {
        return intakes.length;
    }

    /** Datagrams each ack intake thread received, by thread (index 0: the owner's two sockets). */
    public long[] intakeReceived() {
        long[] r = new long[intakes.length];
        for (int k = 0; k < r.length; k++) {
            r[k] = intakes[k].received();
        }
        return r;
    }

    /**
     * The monotonic time of the ack intakes' last pass (the oldest of them): it moves at least every
     * {@value AckIntake#IDLE_MILLIS} ms while every intake runs (for supervision).
     */
    public long intakeHeartbeatNanos() {
        long oldest = intakes[0].heartbeatNanos();
        for (int k = 1; k < intakes.length; k++) {
            long h = intakes[k].heartbeatNanos();
            if (h - oldest < 0) {
                oldest = h;
            }
        }
        return oldest;
    }

    /** Whether every ack intake thread still runs. */
    public boolean intakeRunning() {
        for (AckIntake in : intakes) {
            if (!in.running()) {
                return false;
            }
        }
        return true;
    }

    private void checkSlot(int agentId) {
        if (agentId < 0 || agentId >= capacity) {
            throw new IllegalArgumentException("agent slot " + agentId + " outside 0.." + (capacity - 1));
        }
    }

    @Override
    public void close() {
        closed = true;
        for (AckIntake in : intakes) {
            in.close();
        }
        LockSupport.unpark(reporter);
        try {
            reporter.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(channel, retryChannel, selector);
        closeQuietly(extraChannels, extraSelectors);
    }

    private static void closeQuietly(DatagramChannel[] chs, Selector[] sels) {
        for (int k = 0; k < chs.length; k++) {
            closeQuietly(chs[k], null, sels[k]);
        }
    }

    private static void closeQuietly(DatagramChannel ch, DatagramChannel retry, Selector sel) {
        try {
            if (sel != null) {
                sel.close();
            }
            if (ch != null) {
                ch.close();
            }
            if (retry != null) {
                retry.close();
            }
        } catch (IOException e) {
            LOG.debug("closing the trigger sockets failed", e);
        }
    }
}
