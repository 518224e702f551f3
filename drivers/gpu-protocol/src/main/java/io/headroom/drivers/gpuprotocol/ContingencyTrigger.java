package io.headroom.drivers.gpuprotocol;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The appliance's fan-out of a pre-armed contingency: one UDP socket, one thread (the caller's),
 * parallel unicast datagrams to every agent armed for the contingency, acknowledgements collected
 * as they arrive, silent agents retried with the same datagram, a report of who applied what and when.
 *
 * <p><b>Arm time</b> (any thread, typically the client's completion of {@code POST /contingency}):
 * {@link #armed} records what agent slot {@code agentId} acknowledged and encodes, once, the
 * 32-byte {@link Trigger} datagram of every contingency it holds. {@code agentId}s are dense slot
 * numbers {@code 0 .. capacity-1} chosen by the appliance.
 *
 * <p><b>Fast path</b> ({@link #fire}, one thread at a time, for example the protection thread):
 * sends the pre-encoded datagrams in slot order through a non-blocking channel, draining
 * acknowledgements in between; then waits for the rest on a selector, re-sending to agents silent
 * for {@code retryNanos} (doubling per attempt up to {@value #MAX_BACKOFF_DOUBLINGS} times); returns when every targeted
 * agent answered or at the deadline. Nothing
 * is allocated, computed or looked up by name: slots are array indices, the ack's {@code agentId}
 * is the index, MACs use precomputed key pads, and the result is this object's own arrays
 * ({@link Fanout}, valid until the next {@code fire}). {@link #report()} copies it (allocating)
 * for logs and the API.
 */
public final class ContingencyTrigger implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ContingencyTrigger.class);

    /** What one agent slot acknowledged at arm time: immutable, replaced as a whole. */
    private static final class Slot {
        final InetSocketAddress address;
        final long epoch;
        final TriggerKey key;
        final byte[][] datagramById;
        /** The multicast group the agent was armed with, or -1. */
        final int groupId;

        Slot(InetSocketAddress address, long epoch, TriggerKey key, byte[][] datagramById, int groupId) {
            this.address = address;
            this.epoch = epoch;
            this.key = key;
            this.datagramById = datagramById;
            this.groupId = groupId;
        }
    }

    /** A group's pre-encoded {@link GroupTrigger}s for one epoch, by contingency id. */
    private static final class GroupSlot {
        final long epoch;
        final byte[][] datagramById;

        GroupSlot(long epoch, byte[][] datagramById) {
            this.epoch = epoch;
            this.datagramById = datagramById;
        }
    }

    /**
     * A silent agent is sent the trigger again after {@code retryNanos}, then after twice that, up to
     * {@code retryNanos << MAX_BACKOFF_DOUBLINGS} between attempts: a slow path (a congested or lossy network, a
     * 40–80 ms round trip) is not flooded with repeats it would answer anyway.
     */
    public static final int MAX_BACKOFF_DOUBLINGS = 3;

    private final int capacity;
    private final DatagramChannel channel;
    private final Selector selector;
    private final InetSocketAddress localAddress;
    private final AtomicReferenceArray<Slot> slots;
    private final AtomicReferenceArray<GroupSlot> groups;
    private volatile InetSocketAddress multicastTarget;
    private final TriggerKey.Scratch armScratch = new TriggerKey.Scratch();

    // fast-path state, owned by the firing thread
    private final TriggerKey.Scratch scratch = new TriggerKey.Scratch();
    private final byte[] rxBytes = new byte[256];
    private final ByteBuffer rx = ByteBuffer.wrap(rxBytes);
    private final byte[] txBytes = new byte[Trigger.SIZE];
    private final ByteBuffer tx = ByteBuffer.wrap(txBytes);
    private final Consumer<SelectionKey> ignoreKey = k -> { };
    private final Slot[] fired;
    private final int[] order;
    private final GroupSlot[] groupFired;
    private final byte[] groupTxBytes = new byte[GroupTrigger.SIZE];
    private final ByteBuffer groupTx = ByteBuffer.wrap(groupTxBytes);
    private final Fanout fanout;

    /** The outcome of the last {@link #fire}: arrays indexed by agent slot, owned by the trigger. */
    public static final class Fanout {
        /** Status code of each targeted slot's answer ({@link TriggerAck.Status#code()}), -1 = silent, -2 = not targeted. */
        final int[] status;
        final long[] ackNanos;
        final long[] agentTimeMs;
        final float[] powerW;
        final int[] attempts;
        int contingencyId;
        int targets;
        int answered;
        int applied;
        long startNanos;
        long sentNanos;
        long lastAckNanos;
        long endNanos;
        long datagramsSent;
        long groupDatagramsSent;
        long rejectedAcks;

        Fanout(int capacity) {
            status = new int[capacity];
            ackNanos = new long[capacity];
            agentTimeMs = new long[capacity];
            powerW = new float[capacity];
            attempts = new int[capacity];
        }

        public int contingencyId() {
            return contingencyId;
        }

        /** Agents the contingency was armed on (and therefore sent to). */
        public int targets() {
            return targets;
        }

        /** Agents that answered (any status). */
        public int answered() {
            return answered;
        }

        /** Agents whose answer says the caps are in force (APPLIED or ALREADY_APPLIED). */
        public int applied() {
            return applied;
        }

        /** Targeted agents that never answered. */
        public int silent() {
            return targets - answered;
        }

        /** {@code System.nanoTime()} when {@link #fire} began. */
        public long startNanos() {
            return startNanos;
        }

        /** {@code System.nanoTime()} when the first wave was out: one datagram sent to every targeted agent (or the deadline passed). */
        public long sentNanos() {
            return sentNanos;
        }

        /** {@code System.nanoTime()} of the last answer (= startNanos if none). */
        public long lastAckNanos() {
            return lastAckNanos;
        }

        public long endNanos() {
            return endNanos;
        }

        /** Datagrams sent, retries included (group datagrams too). */
        public long datagramsSent() {
            return datagramsSent;
        }

        /** {@link GroupTrigger}s sent to multicast groups (one per group armed for the contingency). */
        public long groupDatagramsSent() {
            return groupDatagramsSent;
        }

        /** Answers ignored: malformed, unknown slot, wrong epoch/contingency or wrong MAC. */
        public long rejectedAcks() {
            return rejectedAcks;
        }

        /** The answer's status for slot {@code agentId}, or null when silent or not targeted. */
        public TriggerAck.Status status(int agentId) {
            int s = status[agentId];
            return s < 0 ? null : TriggerAck.Status.fromCode(s);
        }

        public boolean targeted(int agentId) {
            return status[agentId] != -2;
        }

        public long ackNanos(int agentId) {
            return ackNanos[agentId];
        }

        public int attempts(int agentId) {
            return attempts[agentId];
        }
    }

    /**
     * One agent's part in a fan-out.
     *
     * @param status       null when it never answered
     * @param latencyNanos from the start of the fan-out to its answer (-1 when silent)
     * @param agentTimeMs  when the agent applied the caps, on its own clock
     * @param attempts     datagrams sent to it
     */
    public record AgentResult(int agentId, InetSocketAddress address, TriggerAck.Status status, long latencyNanos,
                              long agentTimeMs, double powerW, int attempts) {
    }

    /** A copy of a fan-out's outcome. */
    public record Report(int contingencyId, int targets, int applied, int answered, long startNanos,
                         long lastAckNanos, long endNanos, long datagramsSent, long groupDatagramsSent,
                         List<AgentResult> agents) {
        public List<AgentResult> silent() {
            return agents.stream().filter(a -> a.status() == null).toList();
        }
    }

    private ContingencyTrigger(int capacity, int groupCapacity, DatagramChannel channel, Selector selector)
            throws IOException {
        this.capacity = capacity;
        this.channel = channel;
        this.selector = selector;
        this.localAddress = (InetSocketAddress) channel.getLocalAddress();
        this.slots = new AtomicReferenceArray<>(capacity);
        this.groups = new AtomicReferenceArray<>(groupCapacity);
        this.groupFired = new GroupSlot[groupCapacity];
        this.fired = new Slot[capacity];
        this.order = new int[capacity];
        this.fanout = new Fanout(capacity);
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
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        if (groupCapacity < 1 || groupCapacity > 0x10000) {
            throw new IllegalArgumentException("group capacity must be 1..65536, got " + groupCapacity);
        }
        DatagramChannel ch = null;
        Selector sel = null;
        try {
            ch = bind.getAddress() instanceof Inet4Address
                    ? DatagramChannel.open(StandardProtocolFamily.INET) : DatagramChannel.open();
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 8 << 20);
            ch.setOption(StandardSocketOptions.SO_SNDBUF, 8 << 20);
            ch.bind(bind);
            ch.configureBlocking(false);
            sel = Selector.open();
            ch.register(sel, SelectionKey.OP_READ);
            return new ContingencyTrigger(capacity, groupCapacity, ch, sel);
        } catch (IOException e) {
            closeQuietly(ch, sel);
            throw new UncheckedIOException("cannot open the trigger socket on " + bind + ": " + e.getMessage(), e);
        }
    }

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
        slots.set(agentId, new Slot(triggerAddress, epoch, key, byId, groupId));
    }

    /** Slot {@code agentId} holds nothing armed any more (no trigger is sent to it). */
    public void disarm(int agentId) {
        checkSlot(agentId);
        slots.set(agentId, null);
    }

    /** The epoch slot {@code agentId} acknowledged, or -1. */
    public long armedEpoch(int agentId) {
        checkSlot(agentId);
        Slot s = slots.get(agentId);
        return s == null ? -1 : s.epoch;
    }

    /**
     * Fans out contingency {@code contingencyId} to every agent armed with it and collects the
     * answers, re-sending to silent agents every {@code retryNanos}, until all answered or
     * {@code timeoutNanos} passed. Runs on the calling thread; allocates nothing.
     *
     * @return this trigger's {@link Fanout}, valid until the next call
     */
    public Fanout fire(int contingencyId, long timeoutNanos, long retryNanos) {
        Fanout f = fanout;
        long start = System.nanoTime();
        f.contingencyId = contingencyId;
        f.startNanos = start;
        f.sentNanos = start;
        f.lastAckNanos = start;
        f.answered = 0;
        f.applied = 0;
        f.datagramsSent = 0;
        f.groupDatagramsSent = 0;
        f.rejectedAcks = 0;
        InetSocketAddress mcast = multicastTarget;
        for (int g = 0; g < groupFired.length; g++) {
            GroupSlot gs = mcast == null ? null : groups.get(g);
            groupFired[g] = gs != null && contingencyId >= 0 && contingencyId < gs.datagramById.length
                    && gs.datagramById[contingencyId] != null ? gs : null;
        }
        int targets = 0;
        for (int i = 0; i < capacity; i++) {
            Slot s = slots.get(i);
            boolean armedHere = s != null && contingencyId >= 0 && contingencyId < s.datagramById.length
                    && s.datagramById[contingencyId] != null;
            fired[i] = armedHere ? s : null;
            f.status[i] = armedHere ? -1 : -2;
            f.attempts[i] = 0;
            f.ackNanos[i] = 0;
            if (armedHere) {
                order[targets++] = i;
            }
        }
        f.targets = targets;
        long deadline = start + timeoutNanos;
        try {
            // the groups armed with this contingency: one multicast datagram each, for every slot armed at its epoch
            for (int g = 0; g < groupFired.length; g++) {
                if (groupFired[g] != null) {
                    System.arraycopy(groupFired[g].datagramById[contingencyId], 0, groupTxBytes, 0, GroupTrigger.SIZE);
                    groupTx.clear();
                    if (channel.send(groupTx, mcast) == 0) {
                        groupFired[g] = null; // socket full: its agents get unicast instead
                    } else {
                        f.groupDatagramsSent++;
                        f.datagramsSent++;
                    }
                }
            }
            long groupsSentNanos = System.nanoTime();
            // first wave: everyone the groups did not reach, in slot order, draining answers as we go
            for (int k = 0; k < targets; k++) {
                int i = order[k];
                Slot s = fired[i];
                if (s.groupId >= 0 && s.groupId < groupFired.length && groupFired[s.groupId] != null
                        && groupFired[s.groupId].epoch == s.epoch) {
                    f.attempts[i] = 1; // sent by multicast; a silent one is retried by unicast like the rest
                    f.ackNanos[i] = groupsSentNanos;
                    continue;
                }
                while (!send(i, contingencyId)) {
                    drain(contingencyId);
                    if (System.nanoTime() - deadline >= 0) {
                        break;
                    }
                }
                if ((k & 31) == 31) {
                    drain(contingencyId);
                }
            }
            f.sentNanos = System.nanoTime();
            // then: answers, and retries of the silent ones
            long lastRetryScan = System.nanoTime();
            while (f.answered < targets) {
                drain(contingencyId);
                if (f.answered >= targets) {
                    break;
                }
                long now = System.nanoTime();
                if (now - deadline >= 0) {
                    break;
                }
                if (now - lastRetryScan >= retryNanos) {
                    lastRetryScan = now;
                    for (int k = 0; k < targets; k++) {
                        int i = order[k];
                        if (f.status[i] == -1 && now - f.ackNanos[i] >= retryNanos << Math.min(f.attempts[i] - 1, MAX_BACKOFF_DOUBLINGS)) {
                            if (!send(i, contingencyId)) {
                                break; // socket full: the next scan continues
                            }
                        }
                    }
                    continue;
                }
                long waitMs = Math.max(1, Math.min((deadline - now) / 1_000_000L, retryNanos / 1_000_000L));
                selector.select(ignoreKey, waitMs);
            }
        } catch (IOException e) {
            LOG.error("contingency {}: fan-out socket failed after {} of {} answers", contingencyId, f.answered,
                    targets, e);
        }
        f.endNanos = System.nanoTime();
        return f;
    }

    /** Sends slot i's datagram; false when the socket buffer is full. ackNanos holds the last send time while silent. */
    private boolean send(int i, int contingencyId) throws IOException {
        Slot s = fired[i];
        System.arraycopy(s.datagramById[contingencyId], 0, txBytes, 0, Trigger.SIZE);
        tx.clear();
        if (channel.send(tx, s.address) == 0) {
            return false;
        }
        fanout.attempts[i]++;
        fanout.ackNanos[i] = System.nanoTime();
        fanout.datagramsSent++;
        return true;
    }

    private void drain(int contingencyId) throws IOException {
        Fanout f = fanout;
        while (true) {
            rx.clear();
            if (channel.receive(rx) == null) {
                return;
            }
            long now = System.nanoTime();
            int len = rx.position();
            if (len != TriggerAck.SIZE || (rxBytes[0] & 0xFF) != GpuProtocol.VERSION
                    || (rxBytes[1] & 0xFF) != MessageType.TRIGGER_ACK.code()) {
                f.rejectedAcks++;
                continue;
            }
            int agentId = rx.getInt(TriggerAck.OFF_AGENT);
            if (agentId < 0 || agentId >= capacity || fired[agentId] == null || f.status[agentId] != -1) {
                f.rejectedAcks++; // unknown, not targeted, or a duplicate answer
                continue;
            }
            Slot s = fired[agentId];
            if (rx.getLong(TriggerAck.OFF_EPOCH) != s.epoch
                    || (rx.getShort(TriggerAck.OFF_ID) & 0xFFFF) != contingencyId
                    || !s.key.verify(scratch, rxBytes, TriggerAck.MAC_OFFSET)) {
                f.rejectedAcks++;
                continue;
            }
            int status = rxBytes[TriggerAck.OFF_STATUS] & 0xFF;
            f.status[agentId] = status;
            f.ackNanos[agentId] = now;
            f.agentTimeMs[agentId] = rx.getLong(TriggerAck.OFF_TIME);
            f.powerW[agentId] = rx.getFloat(TriggerAck.OFF_POWER);
            f.answered++;
            if (status == TriggerAck.Status.APPLIED.code() || status == TriggerAck.Status.ALREADY_APPLIED.code()) {
                f.applied++;
            }
            f.lastAckNanos = now;
        }
    }

    /** A copy of the last fan-out (allocates; not for the fast path). */
    public Report report() {
        Fanout f = fanout;
        List<AgentResult> list = new ArrayList<>(f.targets);
        for (int i = 0; i < capacity; i++) {
            if (f.status[i] == -2) {
                continue;
            }
            boolean answered = f.status[i] >= 0;
            list.add(new AgentResult(i, fired[i] == null ? null : fired[i].address,
                    answered ? TriggerAck.Status.fromCode(f.status[i]) : null,
                    answered ? f.ackNanos[i] - f.startNanos : -1, answered ? f.agentTimeMs[i] : -1,
                    answered ? f.powerW[i] : Double.NaN, f.attempts[i]));
        }
        return new Report(f.contingencyId, f.targets, f.applied, f.answered, f.startNanos, f.lastAckNanos,
                f.endNanos, f.datagramsSent, f.groupDatagramsSent, List.copyOf(list));
    }

    private void checkSlot(int agentId) {
        if (agentId < 0 || agentId >= capacity) {
            throw new IllegalArgumentException("agent slot " + agentId + " outside 0.." + (capacity - 1));
        }
    }

    @Override
    public void close() {
        closeQuietly(channel, selector);
    }

    private static void closeQuietly(DatagramChannel ch, Selector sel) {
        try {
            if (sel != null) {
                sel.close();
            }
            if (ch != null) {
                ch.close();
            }
        } catch (IOException e) {
            LOG.debug("closing the trigger socket failed", e);
        }
    }
}
