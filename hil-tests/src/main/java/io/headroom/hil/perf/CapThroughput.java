package io.headroom.hil.perf;

import ch.qos.logback.classic.Level;
import io.headroom.drivers.gpuprotocol.AgentClient;
import io.headroom.drivers.gpuprotocol.CapCommand;
import io.headroom.drivers.gpuprotocol.CoapExecutors;
import io.headroom.drivers.gpuprotocol.Dtls;
import io.headroom.drivers.gpuprotocol.NodeAgent;
import io.headroom.drivers.gpuprotocol.SimulatedGpus;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code cap-throughput}: sustained cap updates per second (each a changed cap with a lease, a new
 * sequence, acknowledged) from one appliance client to 1,000 agents over DTLS 1.2 with a PSK per agent.
 *
 * <p>All 1,000 agents live in this JVM, each with its own DTLS endpoint (socket) on 127.0.0.1 and
 * its own PSK identity; their CoAP protocol stages share one executor and their DTLS handshakes one
 * more. The client keeps one command in flight per agent (as {@code CoapActuator} does) and sends the
 * next as soon as the previous is acknowledged. Figure: acknowledged updates per second over 3
 * windows of 5 s after a 3 s warm-up, the median window. Client, agents and 2 shared cores: the
 * client's side alone would go faster.
 */
public final class CapThroughput {

    private static final int AGENTS = 1_000;
    private static final int GPUS = 8;

    private CapThroughput() {
    }

    public static void run(PrintWriter out) {
        Level before = FeedlossToCaps.quiet();
        ch.qos.logback.classic.Logger cf =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.eclipse.californium");
        Level cfBefore = cf.getLevel();
        cf.setLevel(Level.ERROR);
        List<AutoCloseable> closeables = new ArrayList<>();
        ExecutorService handshakes = Executors.newFixedThreadPool(2);
        try (CoapExecutors executors = CoapExecutors.create("cap-throughput", 2)) {
            SecureRandom random = new SecureRandom();
            Map<InetSocketAddress, Dtls.Psk> psks = new HashMap<>();
            List<InetSocketAddress> addresses = new ArrayList<>();
            for (int i = 0; i < AGENTS; i++) {
                byte[] key = new byte[32];
                random.nextBytes(key);
                Dtls.Psk psk = new Dtls.Psk("agent-n" + i, key);
                NodeAgent a = NodeAgent.builder(new SimulatedGpus(GPUS, 200, 700, 700)).name("n" + i)
                        .endpoint(Dtls.agentEndpoint(new InetSocketAddress("127.0.0.1", 0), psk, "n" + i, handshakes))
                        .sharedExecutors(executors).powerPublishInterval(Duration.ZERO).safeCapW(500).build().start();
                closeables.add(a);
                psks.put(a.address(), psk);
                addresses.add(a.address());
            }
            AgentClient client = AgentClient.builder().timeout(Duration.ofSeconds(5))
                    .endpoint(Dtls.clientEndpoint(new InetSocketAddress("127.0.0.1", 0), psks, null, handshakes))
                    .build();
            closeables.add(client);
            long session = random.nextLong();
            AtomicLong acked = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            long[] seq = new long[AGENTS];
            volatileRunning = true;
            for (int i = 0; i < AGENTS; i++) {
                next(client, addresses.get(i), i, session, seq, acked, failed);
            }
            pause(3_000);
            double[] rates = new double[3];
            for (int w = 0; w < rates.length; w++) {
                long a0 = acked.get();
                long t0 = System.nanoTime();
                pause(5_000);
                rates[w] = (acked.get() - a0) / ((System.nanoTime() - t0) / 1e9);
            }
            volatileRunning = false;
            Arrays.sort(rates);
            if (failed.get() > 0) {
                out.printf(Locale.ROOT, "# cap-throughput: %d update(s) failed%n", failed.get());
            }
            out.printf(Locale.ROOT, "cap-throughput.updates_per_s %.0f updates/s%n", rates[1]);
            out.println("cap-throughput done");
            out.flush();
        } finally {
            volatileRunning = false;
            for (int i = closeables.size() - 1; i >= 0; i--) {
                try {
                    closeables.get(i).close();
                } catch (Exception e) {
                    // best effort
                }
            }
            handshakes.shutdownNow();
            cf.setLevel(cfBefore);
            FeedlossToCaps.restore(before);
        }
    }

    private static volatile boolean volatileRunning;

    private static void next(AgentClient client, InetSocketAddress agent, int i, long session, long[] seq,
                             AtomicLong acked, AtomicLong failed) {
        if (!volatileRunning) {
            return;
        }
        long s = ++seq[i];
        double cap = 400 + (s % 2) * 10;
        client.setCaps(agent, CapCommand.uniform(session, s, 5000, GPUS, cap)).whenComplete((ack, err) -> {
            if (err == null) {
                acked.incrementAndGet();
            } else if (volatileRunning) {
                failed.incrementAndGet();
            }
            next(client, agent, i, session, seq, acked, failed);
        });
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms); // a measurement window, not synchronisation
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
