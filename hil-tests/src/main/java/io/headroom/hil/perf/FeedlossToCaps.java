package io.headroom.hil.perf;

import ch.qos.logback.classic.Level;
import io.headroom.drivers.gpuprotocol.CoapExecutors;
import io.headroom.drivers.gpuprotocol.ContingencyTable;
import io.headroom.drivers.gpuprotocol.ContingencyTrigger;
import io.headroom.drivers.gpuprotocol.NodeAgent;
import io.headroom.drivers.gpuprotocol.SimulatedGpus;
import io.headroom.drivers.gpuprotocol.TriggerKey;
import io.headroom.drivers.gpuprotocol.TriggerListener;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code feedloss-to-caps}: from the detection event (the protection thread calls
 * {@link ContingencyTrigger#fire}, which sends the wave and returns; the trigger's intake thread collects the
 * answers) to the last agent's authenticated acknowledgement that it applied
 * the pre-armed contingency, over loopback UDP, for 100, 1,000 and 10,000 agents.
 *
 * <p>How the agents are hosted: all in this JVM, the real {@link NodeAgent} code with simulated GPUs
 * (8 per node), without their CoAP endpoints (arming is done in-process, it is not on the measured
 * path), sharing {@value #SOCKETS} trigger sockets, each with its own receiving thread (and, for the
 * multicast runs, its own membership of the group: the kernel delivers one copy per socket, and the socket's
 * thread hands it to each of its agents, which checks the group MAC and answers for itself). The
 * appliance side is one {@link ContingencyTrigger}: the calling thread sends the wave on one socket, either one
 * {@link io.headroom.drivers.gpuprotocol.GroupTrigger} to the group's multicast address (figures
 * {@code feedloss-to-caps.*}) or unicast datagrams with a per-agent HMAC to every agent
 * ({@code feedloss-to-caps.unicast.*}); every agent answers with its own acknowledgement either way. Each run re-arms a new epoch first, so every run is a real apply,
 * not a repeat. On a real hall each agent has its own host and socket; here 10,000 agents share
 * 4 receiving threads and 2 cores with the sender, which makes the figures pessimistic.
 */
public final class FeedlossToCaps {

    static final int SOCKETS = 4;
    private static final int GPUS = 8;

    private FeedlossToCaps() {
    }

    public static void run(PrintWriter out) {
        Level before = quiet();
        try {
            for (int n : new int[]{100, 1_000, 10_000}) {
                // the group's multicast trigger (the figures the issue names), then unicast to every agent, side by side
                for (boolean multicast : new boolean[]{true, false}) {
                    Result r = measure(n, RUNS, out, multicast);
                    double[] ms = r.lastAckMs();
                    double[] sent = r.sentMs();
                    Arrays.sort(ms);
                    Arrays.sort(sent);
                    String p = multicast ? "feedloss-to-caps." : "feedloss-to-caps.unicast.";
                    out.printf(Locale.ROOT, "%sp50.n%d %.3f ms%n", p, n, percentile(ms, 0.50));
                    out.printf(Locale.ROOT, "%sp99.n%d %.3f ms%n", p, n, percentile(ms, 0.99));
                    out.printf(Locale.ROOT, "%smax.n%d %.3f ms%n", p, n, ms.length == 0 ? Double.NaN : ms[ms.length - 1]);
                    out.printf(Locale.ROOT, "%ssent_p50.n%d %.3f ms%n", p, n, percentile(sent, 0.50));
                    out.printf(Locale.ROOT, "%ssent_p99.n%d %.3f ms%n", p, n, percentile(sent, 0.99));
                    out.printf(Locale.ROOT, "%sincomplete.n%d %d count%n", p, n, r.incomplete());
                    out.flush();
                }
            }
            out.println("feedloss-to-caps done");
            out.flush();
        } finally {
            restore(before);
        }
    }

    /** Runs per size: 200, so that p99 is not simply the largest run. */
    static final int RUNS = 200;

    /**
     * Per complete run (every agent acknowledged): to the last acknowledgement, and to the last trigger datagram
     * handed to the kernel (the appliance's own part); runs that ended with silent agents are counted apart and
     * left out of both, since their "last ack" would flatter them.
     */
    record Result(double[] lastAckMs, double[] sentMs, int incomplete) {
    }

    private static Result measure(int n, int runs, PrintWriter out, boolean multicast) {
        SecureRandom random = new SecureRandom();
        List<AutoCloseable> closeables = new ArrayList<>();
        try (CoapExecutors executors = CoapExecutors.create("feedloss", 1)) {
            List<TriggerListener> sockets = new ArrayList<>();
            for (int s = 0; s < SOCKETS; s++) {
                TriggerListener l = TriggerListener.open(new InetSocketAddress("127.0.0.1", 0), "host" + s);
                sockets.add(l);
                closeables.add(l);
            }
            NodeAgent[] agents = new NodeAgent[n];
            TriggerKey[] keys = new TriggerKey[n];
            for (int i = 0; i < n; i++) {
                SimulatedGpus gpus = new SimulatedGpus(GPUS, 200, 700, 700);
                gpus.setDemandW(650);
                agents[i] = NodeAgent.builder(gpus).name("n" + i).serve(false).sharedExecutors(executors)
                        .triggerListener(sockets.get(i % SOCKETS)).powerPublishInterval(Duration.ZERO)
                        .safeCapW(500).maxLease(Duration.ofMinutes(10)).build().start();
                closeables.add(agents[i]);
                keys[i] = TriggerKey.random(random);
            }
            ContingencyTrigger trigger = ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), n);
            closeables.add(trigger);
            long session = random.nextLong();
            TriggerKey groupKey = TriggerKey.random(random);
            ContingencyTable.Multicast group = null;
            if (multicast) {
                group = new ContingencyTable.Multicast(0, groupKey, groupAddress(),
                        freeUdpPort());
                trigger.multicast(new InetSocketAddress(group.address(), group.port()), loopback());
            }
            int warmup = 20;
            double[] ms = new double[runs];
            double[] sent = new double[runs];
            int complete = 0;
            long timeout = TimeUnit.SECONDS.toNanos(5);
            long retry = TimeUnit.MILLISECONDS.toNanos(n >= 10_000 ? 100 : 20);
            int incomplete = 0;
            for (int r = -warmup; r < runs; r++) {
                long epoch = r + warmup;
                for (int i = 0; i < n; i++) {
                    double cap = 300 + (epoch % 5) * 10;
                    ContingencyTable table = new ContingencyTable(session, epoch, i, keys[i], 600_000, List.of(
                            new ContingencyTable.Contingency(0, java.util.Collections.nCopies(GPUS, cap)),
                            new ContingencyTable.Contingency(1, java.util.Collections.nCopies(GPUS, cap + 50))), group);
                    agents[i].armInProcess(table);
                    trigger.armed(i, sockets.get(i % SOCKETS).address(), epoch, keys[i], new int[]{0, 1},
                            multicast ? 0 : -1);
                }
                if (multicast) {
                    trigger.armedGroup(0, session, epoch, groupKey, new int[]{0, 1});
                }
                System.gc(); // re-arming made garbage: collect it before, not during, the measurement
                ContingencyTrigger.Report f;
                try {
                    f = trigger.awaitReport(trigger.fire((int) (epoch % 2), timeout, retry), Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
                if (r < 0) {
                    continue;
                }
                if (f.applied() != n) {
                    incomplete++;
                } else {
                    ms[complete] = (f.lastAckNanos() - f.startNanos()) / 1e6;
                    sent[complete++] = (f.sentNanos() - f.startNanos()) / 1e6;
                }
            }
            if (incomplete > 0) {
                out.printf(Locale.ROOT, "# feedloss-to-caps n=%d: %d run(s) ended with silent agents%n", n, incomplete);
            }
            return new Result(Arrays.copyOf(ms, complete), Arrays.copyOf(sent, complete), incomplete);
        } finally {
            for (int i = closeables.size() - 1; i >= 0; i--) {
                try {
                    closeables.get(i).close();
                } catch (Exception e) {
                    // best effort
                }
            }
        }
    }

    /** The benchmark's multicast group (administratively scoped; the datagrams stay on the loopback). */
    static final String GROUP_ADDRESS = "239.255.72.100";

    static java.net.InetAddress groupAddress() {
        try {
            return java.net.InetAddress.getByName(GROUP_ADDRESS);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    static int freeUdpPort() {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static java.net.NetworkInterface loopback() {
        try {
            for (java.net.NetworkInterface nif : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                if (nif.isLoopback() && nif.isUp()) {
                    return nif;
                }
            }
        } catch (java.net.SocketException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new IllegalStateException("no loopback interface");
    }

    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int idx = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.clamp(idx, 0, sorted.length - 1)];
    }

    static Level quiet() {
        ch.qos.logback.classic.Logger l =
                (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.headroom.drivers.gpuprotocol");
        Level before = l.getLevel();
        l.setLevel(Level.WARN);
        return before;
    }

    static void restore(Level level) {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.headroom.drivers.gpuprotocol")).setLevel(level);
    }
}
