package io.headroom.hil;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The hall network between the appliance and the bench's node agents, with faults: a UDP relay that loses,
 * delays and reorders datagrams, per node and per direction, seeded.
 *
 * <p>Each agent binds {@link #AGENT_HOST} ({@code 127.0.0.2}) on a port {@code P}; the relay binds the same port on
 * {@link #FRONT_HOST} ({@code 127.0.0.1}), where the appliance's site file says the agent is. What the appliance
 * sends to {@code 127.0.0.1:P} goes out again from a relay socket of its own per appliance socket (its CoAP client,
 * its trigger socket) to {@code 127.0.0.2:P}; the agent's answers come back the same way. The agent's trigger socket
 * is relayed alike on its own port, so the trigger port an agent acknowledges at arm time is the one the appliance
 * must use. Everything is plain UDP, so CoAP, DTLS and the trigger datagrams cross it untouched.
 *
 * <p>An {@link Impairment} applies to a node's datagrams in both directions: each is dropped with probability
 * {@code loss}, else delivered after {@code delay ± jitter} (uniform; a jitter wider than the gap between two
 * datagrams reorders them). One platform thread does the relaying; delays are kept to about a millisecond.
 */
public final class NetImpairment implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NetImpairment.class);

    /** Where the appliance reaches the agents: the relay. */
    public static final String FRONT_HOST = "127.0.0.1";
    /** Where the agents really listen. */
    public static final String AGENT_HOST = "127.0.0.2";

    /**
     * What a node's link does to each datagram.
     *
     * @param loss     probability of dropping it, 0..1
     * @param delayS   mean one-way delay, s (0..10)
     * @param jitterS  the delay varies uniformly by ± this, s (never below 0)
     */
    public record Impairment(double loss, double delayS, double jitterS) {
        public static final Impairment NONE = new Impairment(0, 0, 0);

        public Impairment {
            if (!(loss >= 0 && loss <= 1)) {
                throw new IllegalArgumentException("loss " + loss + " outside 0..1");
            }
            if (!(delayS >= 0 && delayS <= 10)) {
                throw new IllegalArgumentException("delay " + delayS + " s outside 0..10 s");
            }
            if (!(jitterS >= 0 && jitterS <= 10)) {
                throw new IllegalArgumentException("jitter " + jitterS + " s outside 0..10 s");
            }
        }

        boolean none() {
            return loss == 0 && delayS == 0 && jitterS == 0;
        }

        /** One datagram's fate: -1 when it is lost, else how long it is held, ns. */
        long fate(Random random) {
            if (loss > 0 && random.nextDouble() < loss) {
                return -1;
            }
            return (long) (Math.max(0, delayS + (random.nextDouble() * 2 - 1) * jitterS) * 1e9);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.0f %% loss, %.0f ± %.0f ms", loss * 100, delayS * 1000, jitterS * 1000);
        }
    }

    /** One relayed port: the appliance-facing socket and, per appliance socket seen, one agent-facing socket. */
    private final class Link {
        final String nodeId;
        final DatagramChannel front;
        final InetSocketAddress agent;
        final Map<SocketAddress, DatagramChannel> backs = new HashMap<>();

        Link(String nodeId, DatagramChannel front, InetSocketAddress agent) {
            this.nodeId = nodeId;
            this.front = front;
            this.agent = agent;
        }

        /** The agent-facing socket for appliance socket {@code from} (made at its first datagram). */
        DatagramChannel back(SocketAddress from) throws IOException {
            DatagramChannel b = backs.get(from);
            if (b == null) {
                b = DatagramChannel.open(StandardProtocolFamily.INET);
                b.bind(new InetSocketAddress(FRONT_HOST, 0));
                b.configureBlocking(false);
                b.register(selector, SelectionKey.OP_READ, new Back(this, from));
                backs.put(from, b);
            }
            return b;
        }
    }

    private record Back(Link link, SocketAddress appliance) {
    }

    /** A datagram on its way: due at {@code dueNanos}, sent by {@code out} to {@code to}. */
    private record InFlight(long dueNanos, long order, DatagramChannel out, SocketAddress to, byte[] data) {
    }

    private final Selector selector;
    private final Thread thread;
    private final Random random;
    private final Map<String, Impairment> byNode = new ConcurrentHashMap<>();
    private volatile Impairment everyone = Impairment.NONE;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<InFlight> queue = new PriorityQueue<>((a, b) -> a.dueNanos != b.dueNanos
            ? Long.compare(a.dueNanos, b.dueNanos) : Long.compare(a.order, b.order));
    private final AtomicLong relayed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private long order;
    private volatile boolean closed;

    /** Starts the relay thread; links are added with {@link #link}. {@code seed} makes the faults repeatable. */
    public NetImpairment(long seed) {
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the network relay's selector", e);
        }
        this.random = new Random(seed);
        this.thread = Thread.ofPlatform().name("bench-network").daemon().unstarted(this::serve);
        thread.setPriority(Thread.MAX_PRIORITY);
        thread.start();
    }

    /**
     * Relays {@code FRONT_HOST:port} to {@code AGENT_HOST:port} for node {@code nodeId}; port 0 takes a free one.
     *
     * @return the port: bind the agent's socket on {@link #AGENT_HOST} with it
     * @throws UncheckedIOException when the port cannot be bound on {@link #FRONT_HOST}
     */
    public int link(String nodeId, int port) {
        DatagramChannel front;
        try {
            front = DatagramChannel.open(StandardProtocolFamily.INET);
            front.bind(new InetSocketAddress(FRONT_HOST, port));
            front.configureBlocking(false);
        } catch (IOException e) {
            throw new UncheckedIOException("network relay: cannot bind " + FRONT_HOST + ":" + port + " for " + nodeId
                    + ": " + e.getMessage(), e);
        }
        int bound = ((InetSocketAddress) localAddress(front)).getPort();
        Link l = new Link(nodeId, front, new InetSocketAddress(AGENT_HOST, bound));
        CountDownLatch registered = new CountDownLatch(1);
        tasks.add(() -> {
            try {
                front.register(selector, SelectionKey.OP_READ, l);
            } catch (IOException e) {
                log.error("network relay: cannot register {}:{}", FRONT_HOST, bound, e);
            }
            registered.countDown();
        });
        selector.wakeup();
        try {
            registered.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return bound;
    }

    /** The agents' address for a port {@link #link} returned. */
    public static InetSocketAddress agentAddress(int port) {
        return new InetSocketAddress(AGENT_HOST, port);
    }

    /** From now on, {@code nodes}' links (all of them when null) do {@code impairment}. */
    public void impair(Collection<String> nodes, Impairment impairment) {
        if (nodes == null) {
            byNode.clear();
            everyone = impairment;
        } else {
            for (String n : nodes) {
                byNode.put(n, impairment);
            }
        }
        log.info("network: {} now {}", nodes == null ? "every agent's link" : "the links of " + nodes,
                impairment.none() ? "clean" : impairment);
    }

    /** Datagrams delivered so far, both directions. */
    public long relayed() {
        return relayed.get();
    }

    /** Datagrams dropped so far, both directions. */
    public long dropped() {
        return dropped.get();
    }

    private Impairment of(String nodeId) {
        Impairment i = byNode.get(nodeId);
        return i != null ? i : everyone;
    }

    private void serve() {
        ByteBuffer rx = ByteBuffer.allocate(65_536);
        while (!closed) {
            try {
                Runnable t;
                while ((t = tasks.poll()) != null) {
                    t.run();
                }
                long now = System.nanoTime();
                InFlight next = queue.peek();
                if (next == null) {
                    selector.select();
                } else if (next.dueNanos - now > 1_000_000L) {
                    selector.select(Math.max(1, (next.dueNanos - now) / 1_000_000L));
                } else {
                    selector.selectNow();
                }
                for (SelectionKey k : selector.selectedKeys()) {
                    if (!k.isValid() || !k.isReadable()) {
                        continue;
                    }
                    DatagramChannel ch = (DatagramChannel) k.channel();
                    while (true) {
                        rx.clear();
                        SocketAddress from = ch.receive(rx);
                        if (from == null) {
                            break;
                        }
                        rx.flip();
                        byte[] data = new byte[rx.remaining()];
                        rx.get(data);
                        if (k.attachment() instanceof Link l) {
                            pass(l.nodeId, l.back(from), l.agent, data); // appliance → agent
                        } else if (k.attachment() instanceof Back b) {
                            pass(b.link().nodeId, b.link().front, b.appliance(), data); // agent → appliance
                        }
                    }
                }
                selector.selectedKeys().clear();
                now = System.nanoTime();
                while (!queue.isEmpty() && queue.peek().dueNanos - now <= 0) {
                    InFlight f = queue.poll();
                    send(f.out(), f.to(), f.data());
                }
            } catch (IOException e) {
                if (!closed) {
                    log.warn("network relay: {}", e.toString());
                }
            } catch (RuntimeException e) {
                log.error("network relay failed on a datagram; it goes on", e);
            }
        }
    }

    private void pass(String nodeId, DatagramChannel out, SocketAddress to, byte[] data) {
        Impairment imp = of(nodeId);
        if (imp.none()) {
            send(out, to, data);
            return;
        }
        long holdNanos = imp.fate(random);
        if (holdNanos < 0) {
            dropped.incrementAndGet();
            return;
        }
        queue.add(new InFlight(System.nanoTime() + holdNanos, order++, out, to, data));
    }

    private void send(DatagramChannel out, SocketAddress to, byte[] data) {
        try {
            out.send(ByteBuffer.wrap(data), to);
            relayed.incrementAndGet();
        } catch (IOException e) {
            dropped.incrementAndGet(); // a closed agent socket: the datagram is lost, as on a real network
        }
    }

    private static SocketAddress localAddress(DatagramChannel ch) {
        try {
            return ch.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SelectionKey k : selector.keys()) {
            try {
                k.channel().close();
            } catch (IOException e) {
                log.debug("network relay: close failed", e);
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            log.debug("network relay: selector close failed", e);
        }
    }

    /** Whether {@link #AGENT_HOST} can be bound here (Linux routes all of 127/8 to the loopback). */
    public static boolean available() {
        try (DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET)) {
            ch.bind(new InetSocketAddress(InetAddress.getByName(AGENT_HOST), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
