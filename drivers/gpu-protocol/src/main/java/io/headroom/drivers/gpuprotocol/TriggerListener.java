package io.headroom.drivers.gpuprotocol;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An agent's trigger socket: plain UDP, one platform thread, serving {@link Trigger} datagrams
 * and answering each authentic one with a {@link TriggerAck} datagram to its sender.
 *
 * <p>Triggers are routed by their {@code agentId} to the agent armed with that id: a server
 * normally has one agent per socket, but a bench process may host thousands of agents on a few
 * sockets. Authentication is the agent's job (the MAC with its armed key); this class only
 * counts and logs datagrams it cannot route. Not CoAP: the trigger is one pre-encoded datagram
 * so that the appliance can fan it out to thousands of agents from one thread.
 */
public final class TriggerListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TriggerListener.class);

    private final DatagramChannel channel;
    private final InetSocketAddress address;
    private final Thread thread;
    private final Map<Integer, NodeAgent> agents = new ConcurrentHashMap<>();
    private final AtomicLong unroutable = new AtomicLong();
    private volatile boolean closed;

    private TriggerListener(DatagramChannel channel, String name) throws IOException {
        this.channel = channel;
        this.address = (InetSocketAddress) channel.getLocalAddress();
        this.thread = Thread.ofPlatform().name(name + "-trigger").daemon().unstarted(this::serve);
    }

    /** Binds {@code bind} (port 0 = ephemeral) and starts serving. */
    public static TriggerListener open(InetSocketAddress bind, String name) {
        DatagramChannel ch = null;
        try {
            ch = DatagramChannel.open();
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            ch.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
            ch.bind(bind);
            TriggerListener l = new TriggerListener(ch, name);
            l.thread.start();
            return l;
        } catch (IOException e) {
            if (ch != null) {
                try {
                    ch.close();
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

    /** Datagrams that named no agent of this socket (or were too short to name one). */
    public long unroutable() {
        return unroutable.get();
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

    private void serve() {
        ByteBuffer rx = ByteBuffer.allocate(256);
        while (!closed) {
            SocketAddress from;
            try {
                rx.clear();
                from = channel.receive(rx);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.error("trigger socket {}: receive failed", address, e);
                }
                continue;
            }
            rx.flip();
            int len = rx.remaining();
            NodeAgent agent = len >= Trigger.OFF_AGENT + 4 ? agents.get(rx.getInt(Trigger.OFF_AGENT)) : null;
            if (agent == null) {
                long n = unroutable.incrementAndGet();
                if (Long.bitCount(n) == 1) {
                    LOG.warn("trigger socket {}: ignored a {}-byte datagram from {} that names no agent armed here"
                            + " ({} so far)", address, len, from, n);
                }
                continue;
            }
            byte[] d = Arrays.copyOf(rx.array(), len);
            try {
                byte[] ack = agent.handleTrigger(d).ack();
                if (ack != null) {
                    channel.send(ByteBuffer.wrap(ack), from);
                }
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("trigger socket {}: could not answer {}: {}", address, from, e.toString());
                }
            } catch (RuntimeException e) {
                LOG.error("trigger socket {}: agent {} failed on a trigger", address, agent.name(), e);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("trigger socket {}: close failed", address, e);
        }
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
