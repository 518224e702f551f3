package io.headroom.drivers.gpuprotocol;

import io.headroom.common.SystemTime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An agent's trigger socket: plain UDP, one platform thread, serving {@link Trigger} datagrams
 * and answering each authentic one with a {@link TriggerAck} datagram to its sender; and, for agents armed with a
 * {@link ContingencyTable.Multicast}, the multicast groups their {@link GroupTrigger}s come to (joined on the
 * interface of this socket's address), answered the same way from this socket.
 *
 * <p>Triggers are routed by their {@code agentId} to the agent armed with that id, and group triggers to every
 * agent armed with that multicast address: a server normally has one agent per socket, but a bench process may
 * host thousands of agents on a few sockets. Authentication is the agent's job (the MAC with its armed key); this
 * class only counts and logs datagrams it cannot route. Not CoAP: the trigger is one pre-encoded datagram so that
 * the appliance can fan it out to thousands of agents from one thread.
 *
 * <p>Supervised, since the fast path depends on it: an exception (or an {@link Error} from a backend) while one
 * datagram is handled never ends the loop; it is counted ({@link #failures()}) and logged (the first and then every
 * power-of-two time). The loop beats at least every {@value #HEARTBEAT_MILLIS} ms ({@link #heartbeatNanos()});
 * {@link #state(long)} says {@link Health.LoopState#STALLED} when it has not beaten for {@value #STALL_MILLIS} ms
 * (a handler stuck in the GPU driver) and {@link Health.LoopState#STOPPED} when the thread ended without
 * {@link #close()}: the agent reports it in {@code /health} and stops kicking its systemd watchdog.
 */
public final class TriggerListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TriggerListener.class);

    private final DatagramChannel channel;
    private final Selector selector;
    private final InetSocketAddress address;
    private final Thread thread;
    private final Map<Integer, NodeAgent> agents = new ConcurrentHashMap<>();
    /** Per multicast address and port: its socket and the agents armed with it. */
    private final Map<InetSocketAddress, Group> groups = new ConcurrentHashMap<>();
    /** Per agent, the multicast address it is armed with. */
    private final Map<NodeAgent, InetSocketAddress> memberOf = new ConcurrentHashMap<>();
    private final AtomicLong unroutable = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean closed;
    private volatile boolean running = true;
    private final LongSupplier nanoTime;
    private volatile long heartbeatNanos;
    /** Benches only ({@link #simulateLoss}): the fraction of datagrams lost each way, and its random (this thread's). */
    private volatile double loss;
    private volatile java.util.SplittableRandom lossRandom = new java.util.SplittableRandom(0);
    private final AtomicLong lost = new AtomicLong();

    /** The longest the loop waits for a datagram before it beats again. */
    public static final int HEARTBEAT_MILLIS = 250;
    /** A loop that has not beaten for this long is stalled. */
    public static final int STALL_MILLIS = 1500;

    /** One joined multicast group: its socket (bound to the group's port, shared) and who listens. */
    private record Group(DatagramChannel channel, MembershipKey membership, CopyOnWriteArrayList<NodeAgent> members) {
    }

    private TriggerListener(DatagramChannel channel, Selector selector, String name, LongSupplier nanoTime)
            throws IOException {
        this.nanoTime = nanoTime;
        this.heartbeatNanos = nanoTime.getAsLong();
        this.channel = channel;
        this.selector = selector;
        this.address = (InetSocketAddress) channel.getLocalAddress();
        this.thread = Thread.ofPlatform().name(name + "-trigger").daemon().unstarted(this::serve);
    }

    /** Binds {@code bind} (port 0 = ephemeral) and starts serving. */
    public static TriggerListener open(InetSocketAddress bind, String name) {
        return open(bind, name, SystemTime.NANOS);
    }

    /** As {@link #open(InetSocketAddress, String)}, its heartbeat on the monotonic clock {@code nanoTime}. */
    public static TriggerListener open(InetSocketAddress bind, String name, LongSupplier nanoTime) {
        Objects.requireNonNull(nanoTime, "nanoTime");
        DatagramChannel ch = null;
        Selector sel = null;
        try {
            ch = bind.getAddress() instanceof Inet4Address
                    ? DatagramChannel.open(StandardProtocolFamily.INET) : DatagramChannel.open();
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            ch.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
            ch.bind(bind);
            ch.configureBlocking(false);
            sel = Selector.open();
            ch.register(sel, SelectionKey.OP_READ);
            TriggerListener l = new TriggerListener(ch, sel, name, nanoTime);
            l.thread.start();
            return l;
        } catch (IOException e) {
            closeQuietly(ch);
            if (sel != null) {
                try {
                    sel.close();
                } catch (IOException ignored) {
                    // nothing more to do
                }
            }
            throw new UncheckedIOException("cannot bind the trigger socket on " + bind + ": " + e.getMessage(), e);
        }
    }

    public InetSocketAddress address() {
        return address;
    }

    public int port() {
        return address.getPort();
    }

    /**
     * For benches (a lossy network between appliance and agents without touching the host's network): from now on
     * each agent of this socket misses a trigger (unicast, or its copy of a group trigger) with probability
     * {@code fraction}, and each answer is lost with the same probability, drawn from a random seeded with
     * {@code seed}. 0: none lost (the default).
     */
    public void simulateLoss(double fraction, long seed) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("loss must be in [0, 1), got " + fraction);
        }
        lossRandom = new java.util.SplittableRandom(seed);
        loss = fraction;
    }

    /** Triggers and answers dropped by {@link #simulateLoss}. */
    public long simulatedLosses() {
        return lost.get();
    }

    private boolean lose() {
        double p = loss;
        if (p > 0 && lossRandom.nextDouble() < p) {
            lost.incrementAndGet();
            return true;
        }
        return false;
    }

    /** Datagrams that named no agent of this socket (or were too short to name one). */
    public long unroutable() {
        return unroutable.get();
    }

    /** Exceptions caught while handling a datagram (the loop went on). */
    public long failures() {
        return failures.get();
    }

    /** The monotonic time (the listener's clock) of the loop's last beat. */
    public long heartbeatNanos() {
        return heartbeatNanos;
    }

    /** The loop's state at {@code nowNanos} (the listener's clock). */
    public Health.LoopState state(long nowNanos) {
        if (!running || !thread.isAlive()) {
            return Health.LoopState.STOPPED;
        }
        return nowNanos - heartbeatNanos >= STALL_MILLIS * 1_000_000L ? Health.LoopState.STALLED : Health.LoopState.ALIVE;
    }

    /** The multicast groups this socket has joined now, as {@code address:port}. */
    public java.util.Set<InetSocketAddress> joinedGroups() {
        return java.util.Set.copyOf(groups.keySet());
    }

    void register(int agentId, NodeAgent agent) {
        NodeAgent previous = agents.put(agentId, agent);
        if (previous != null && previous != agent) {
            LOG.warn("trigger socket {}: agent id {} moves from {} to {}", address, agentId, previous.name(),
                    agent.name());
        }
    }

    void unregister(int agentId, NodeAgent agent) {
        agents.remove(agentId, agent);
    }

    /**
     * {@code agent} listens to the group triggers sent to {@code multicast} from now on (null: to none); the group
     * is joined with its first member and left with its last.
     *
     * @throws UncheckedIOException when the group cannot be joined here (the agent still answers unicast triggers)
     */
    synchronized void listen(NodeAgent agent, ContingencyTable.Multicast multicast) {
        InetSocketAddress target = multicast == null ? null : new InetSocketAddress(multicast.address(), multicast.port());
        InetSocketAddress before = memberOf.get(agent);
        if (java.util.Objects.equals(before, target)) {
            return;
        }
        if (before != null) {
            memberOf.remove(agent);
            Group g = groups.get(before);
            if (g != null) {
                g.members().remove(agent);
                if (g.members().isEmpty()) {
                    groups.remove(before);
                    g.membership().drop();
                    closeQuietly(g.channel());
                    LOG.info("trigger socket {}: left multicast group {}", address, text(before));
                }
            }
        }
        if (target == null) {
            return;
        }
        Group g = groups.get(target);
        if (g == null) {
            g = join(target);
            groups.put(target, g);
        }
        g.members().add(agent);
        memberOf.put(agent, target);
    }

    private Group join(InetSocketAddress group) {
        DatagramChannel ch = null;
        try {
            NetworkInterface nif = interfaceFor(address.getAddress());
            ch = DatagramChannel.open(group.getAddress() instanceof Inet4Address
                    ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
            ch.bind(new InetSocketAddress(group.getPort()));
            MembershipKey key = ch.join(group.getAddress(), nif);
            ch.configureBlocking(false);
            Group g = new Group(ch, key, new CopyOnWriteArrayList<>());
            ch.register(selector, SelectionKey.OP_READ, g);
            selector.wakeup();
            LOG.info("trigger socket {}: joined multicast group {} on {}", address, text(group), nif.getName());
            return g;
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UncheckedIOException("trigger socket " + address + ": cannot join multicast group " + text(group)
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * The interface to join groups on: the one holding the trigger socket's address (the loopback for any 127.x
     * address), or, for a wildcard socket, the first interface that is up and does multicast.
     */
    static NetworkInterface interfaceFor(InetAddress local) throws SocketException {
        if (local.isLoopbackAddress()) {
            for (NetworkInterface nif : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nif.isLoopback() && nif.isUp()) {
                    return nif;
                }
            }
        }
        if (!local.isAnyLocalAddress()) {
            NetworkInterface nif = NetworkInterface.getByInetAddress(local);
            if (nif != null) {
                return nif;
            }
        }
        for (NetworkInterface nif : java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nif.isUp() && nif.supportsMulticast() && !nif.isLoopback()) {
                return nif;
            }
        }
        throw new SocketException("no network interface for multicast (socket address " + local.getHostAddress() + ")");
    }

    private void serve() {
        ByteBuffer rx = ByteBuffer.allocate(256);
        try {
            while (!closed) {
                heartbeatNanos = nanoTime.getAsLong();
                try {
                    serveOnce(rx);
                } catch (ClosedSelectorException e) {
                    if (!closed) {
                        LOG.error("trigger socket {}: its selector was closed under it; no more triggers are served", address);
                    }
                    return;
                } catch (Throwable t) {
                    failed("the trigger loop", t);
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L); // not a hot loop if it keeps failing
                }
            }
        } finally {
            running = false;
            if (!closed) {
                LOG.error("trigger socket {}: the trigger loop stopped; no trigger reaches the agents it hosts", address);
            }
        }
    }

    /** Counts a failure and logs it, the first and then every power-of-two time (a flood cannot fill the log). */
    private void failed(String what, Throwable t) {
        long n = failures.incrementAndGet();
        if (Long.bitCount(n) == 1) {
            LOG.error("trigger socket {}: {} failed ({} failure(s) so far); the loop goes on", address, what, n, t);
        }
    }

    private void serveOnce(ByteBuffer rx) {
        {
            try {
                selector.select(HEARTBEAT_MILLIS);
            } catch (IOException e) {
                if (!closed) {
                    LOG.error("trigger socket {}: select failed", address, e);
                }
                return;
            }
            for (SelectionKey k : selector.selectedKeys()) {
                if (!k.isValid()) {
                    continue;
                }
                DatagramChannel ch = (DatagramChannel) k.channel();
                Group g = k.attachment() instanceof Group x ? x : null;
                while (!closed) {
                    SocketAddress from;
                    try {
                        rx.clear();
                        from = ch.receive(rx);
                    } catch (ClosedChannelException e) {
                        break;
                    } catch (IOException e) {
                        LOG.error("trigger socket {}: receive failed", address, e);
                        break;
                    }
                    if (from == null) {
                        break;
                    }
                    rx.flip();
                    try {
                        if (g == null) {
                            unicast(rx, from);
                        } else {
                            group(g, rx, from);
                        }
                    } catch (Throwable t) {
                        failed("handling a " + rx.limit() + "-byte datagram from " + from, t);
                    }
                    heartbeatNanos = nanoTime.getAsLong();
                }
            }
            selector.selectedKeys().clear();
        }
    }

    private void unicast(ByteBuffer rx, SocketAddress from) {
        int len = rx.remaining();
        NodeAgent agent = len >= Trigger.OFF_AGENT + 4 ? agents.get(rx.getInt(Trigger.OFF_AGENT)) : null;
        if (agent == null) {
            long n = unroutable.incrementAndGet();
            if (Long.bitCount(n) == 1) {
                LOG.warn("trigger socket {}: ignored a {}-byte datagram from {} that names no agent armed here"
                        + " ({} so far)", address, len, from, n);
            }
            return;
        }
        if (lose()) {
            return;
        }
        answer(agent, agent.handleTrigger(Arrays.copyOf(rx.array(), len)), from);
    }

    /**
     * A group trigger: every member answers for itself (those of another group or session stay silent). The MAC is
     * computed once per datagram and key: a member armed with the key an earlier member already checked these
     * bytes with does not compute it again.
     */
    private void group(Group g, ByteBuffer rx, SocketAddress from) {
        byte[] d = Arrays.copyOf(rx.array(), rx.remaining());
        TriggerKey checked = null;
        for (NodeAgent agent : g.members()) {
            if (lose()) {
                continue;
            }
            TriggerOutcome outcome;
            try {
                outcome = agent.handleGroupTrigger(d, checked);
                if (outcome.checkedWith() != null) {
                    checked = outcome.checkedWith();
                }
            } catch (RuntimeException | Error e) {
                failed("agent " + agent.name() + " on a group trigger", e);
                continue;
            }
            answer(agent, outcome, from);
        }
    }

    private void answer(NodeAgent agent, TriggerOutcome outcome, SocketAddress to) {
        byte[] ack = outcome.ack();
        if (ack == null || lose()) {
            return;
        }
        try {
            channel.send(ByteBuffer.wrap(ack), to);
        } catch (IOException e) {
            if (!closed) {
                LOG.warn("trigger socket {}: could not answer {} for {}: {}", address, to, agent.name(), e.toString());
            }
        }
    }

    private static String text(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    private static void closeQuietly(DatagramChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("trigger socket {}: selector close failed", address, e);
        }
        closeQuietly(channel);
        for (Group g : groups.values()) {
            closeQuietly(g.channel());
        }
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
