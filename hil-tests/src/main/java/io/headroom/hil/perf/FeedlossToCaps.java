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

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code feedloss-to-caps}: the fast path from the detection event ({@link ContingencyTrigger#fire}, which sends the
 * wave and returns; the trigger's intake threads collect the answers) to the last agent's authenticated
 * acknowledgement that it applied the pre-armed contingency, over loopback UDP. Four parts, side by side in one run,
 * the machine's cores and load average printed first:
 *
 * <ol>
 *   <li><b>Appliance side</b> ({@link #intake}): a trigger armed with 1,000, 10,000 and 50,000 slots fires by
 *       multicast ({@code sent_p50/sent_p99.nN}: the wave out), and pre-built authentic acknowledgements for every
 *       slot are fed to it from other threads as fast as they can send, on many source ports, so the intake threads
 *       ({@link ContingencyTrigger#defaultIntakes()}: one per core, {@code SO_REUSEPORT}) verify at saturation
 *       ({@code intake_acks_per_s.nN}: answers credited over the time from the first to the last;
 *       {@code intake_acks_per_s}: at 50,000).</li>
 *   <li><b>End to end, agents in other processes</b> ({@link AgentFleet}, {@link AgentHost}): 1,000 agents in
 *       {@value #PROCESSES} processes armed through the real DTLS path ({@code POST /contingency}), and 10,000
 *       armed in their hosts (10,000 DTLS endpoints need some 20,000 threads); fired by multicast, retried by
 *       unicast every {@value #RETRY_MS} ms as the appliance does: {@code p50/p99/max.nN}.</li>
 *   <li>The same with 1, 5 and 10 % of the datagrams lost each way between appliance and agents
 *       ({@code lossL.p50/p99/max.nN}): the retries' cost.</li>
 *   <li><b>In-process</b>, the earlier figures: every agent in this JVM, 4 shared trigger sockets
 *       ({@code inproc.p50/p99/max.nN}).</li>
 * </ol>
 * Each end-to-end run is a real apply: consecutive runs fire different contingencies of the armed table, re-armed
 * with a new epoch every {@value #CONTINGENCIES} runs. On this bench the agents' processes share the machine's
 * cores with the appliance, so the end-to-end figures are still pessimistic for a hall whose agents each have a host.
 *
 * <p>Options: {@code --runs N} (end-to-end runs per size and loss level, default {@value #DEFAULT_RUNS}),
 * {@code --processes P} (agent hosts, default {@value #PROCESSES}), {@code --sizes 1000,10000},
 * {@code --no-intake}, {@code --no-e2e}, {@code --no-inproc}, {@code --no-loss}.
 */
public final class FeedlossToCaps {

    static final int SOCKETS = 4;
    private static final int GPUS = 8;
    static final int PROCESSES = 4;
    static final int DEFAULT_RUNS = 100;
    static final int CONTINGENCIES = 20;
    static final int RETRY_MS = 10;
    private static final String P = "feedloss-to-caps.";

    private FeedlossToCaps() {
    }

    public static void run(PrintWriter out) {
        run(List.of(), out, new PrintWriter(System.err, true));
    }

    public static int run(List<String> options, PrintWriter out, PrintWriter err) {
        int runs = DEFAULT_RUNS;
        int processes = PROCESSES;
        int[] sizes = {1_000, 10_000};
        boolean inproc = true;
        boolean loss = true;
        boolean intake = true;
        boolean e2e = true;
        for (int i = 0; i < options.size(); i++) {
            String o = options.get(i);
            switch (o) {
                case "--runs" -> runs = Integer.parseInt(options.get(++i));
                case "--processes" -> processes = Integer.parseInt(options.get(++i));
                case "--sizes" -> sizes = java.util.Arrays.stream(options.get(++i).split(","))
                        .mapToInt(Integer::parseInt).toArray();
                case "--no-inproc" -> inproc = false;
                case "--no-loss" -> loss = false;
                case "--no-intake" -> intake = false;
                case "--no-e2e" -> e2e = false;
                default -> {
                    err.println("perf feedloss-to-caps: unknown option " + o
                            + " (known: --runs N, --processes P, --sizes N,N, --no-intake, --no-e2e, --no-inproc, --no-loss)");
                    return 2;
                }
            }
        }
        Level before = quiet();
        try {
            machine(out);
            for (int n : intake ? new int[]{1_000, 10_000, 50_000} : new int[0]) {
                intake(n, out);
            }
            for (int n : e2e ? sizes : new int[0]) {
                endToEnd(n, processes, runs, loss, out);
            }
            if (inproc) {
                for (int n : sizes) {
                    Result r = measure(n, runs, out, true);
                    print(out, P + "inproc.", "n" + n, r);
                }
            }
            load(out, "end");
            out.println("feedloss-to-caps done");
            out.flush();
            return 0;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("feedloss-to-caps: " + e.getMessage(), e);
        } finally {
            restore(before);
        }
    }

    /** The cores this run had, first; then the load average (the machine may be shared). */
    static void machine(PrintWriter out) {
        int cores = Runtime.getRuntime().availableProcessors();
        String model = "unknown";
        try {
            model = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse(model);
        } catch (IOException e) {
            // not Linux: the count alone
        }
        out.printf(Locale.ROOT, "%scores %d count%n", P, cores);
        out.printf(Locale.ROOT, "# feedloss-to-caps: %d cores (%s), %d ack intake threads, taskset %s%n", cores, model,
                ContingencyTrigger.defaultIntakes(),
                java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/taskset")) ? "yes" : "no");
        load(out, "start");
        out.flush();
    }

    static void load(PrintWriter out, String when) {
        try {
            String la = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
            out.printf(Locale.ROOT, "# feedloss-to-caps: load average at %s: %s%n", when, la);
        } catch (IOException e) {
            // not Linux
        }
        out.flush();
    }

    static void print(PrintWriter out, String prefix, String suffix, Result r) {
        double[] ms = r.lastAckMs().clone();
        double[] sent = r.sentMs().clone();
        Arrays.sort(ms);
        Arrays.sort(sent);
        out.printf(Locale.ROOT, "%sp50.%s %.3f ms%n", prefix, suffix, percentile(ms, 0.50));
        out.printf(Locale.ROOT, "%sp99.%s %.3f ms%n", prefix, suffix, percentile(ms, 0.99));
        out.printf(Locale.ROOT, "%smax.%s %.3f ms%n", prefix, suffix, ms.length == 0 ? Double.NaN : ms[ms.length - 1]);
        out.printf(Locale.ROOT, "%ssent_p99.%s %.3f ms%n", prefix, suffix, percentile(sent, 0.99));
        out.printf(Locale.ROOT, "%sincomplete.%s %d count%n", prefix, suffix, r.incomplete());
        out.flush();
    }

    // ------------------------------------------------------------------ the appliance side: wave and intake

    /** Fires per size for the intake figures (after {@value #INTAKE_WARMUP} warm-up fires). */
    static final int INTAKE_FIRES = 20;
    static final int INTAKE_WARMUP = 5;
    /** Threads that feed the acknowledgements, and source sockets each (the kernel spreads by source port). */
    static final int FEEDERS = 2;
    static final int FEEDER_SOCKETS = 16;

    static void intake(int n, PrintWriter out) throws IOException, InterruptedException {
        SecureRandom random = new SecureRandom();
        int fires = n >= 50_000 ? INTAKE_FIRES / 2 : INTAKE_FIRES;
        try (ContingencyTrigger trigger = ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), n, 1,
                ContingencyTrigger.DEFAULT_IN_FLIGHT, io.headroom.common.SystemTime.NANOS,
                ContingencyTrigger.defaultIntakes());
             java.nio.channels.DatagramChannel hole = java.nio.channels.DatagramChannel.open()
                     .bind(new InetSocketAddress("127.0.0.1", 0))) {
            // nobody joined the group: the wave is one datagram, the answers come from the feeders
            trigger.multicast(new InetSocketAddress(groupAddress(), freeUdpPort()), loopback());
            InetSocketAddress nowhere = (InetSocketAddress) hole.getLocalAddress();
            long session = random.nextLong();
            byte[][] acks = new byte[n][];
            TriggerKey.Scratch scratch = new TriggerKey.Scratch();
            for (int i = 0; i < n; i++) {
                TriggerKey key = TriggerKey.random(random);
                trigger.armed(i, nowhere, 1, key, new int[]{0, 1}, 0);
                acks[i] = io.headroom.drivers.gpuprotocol.TriggerAck.encodeSigned(i, 1, 0,
                        io.headroom.drivers.gpuprotocol.TriggerAck.Status.APPLIED, 1, 5200.0, key, scratch);
            }
            trigger.armedGroup(0, session, 1, TriggerKey.random(random), new int[]{0, 1});
            java.nio.channels.DatagramChannel[][] feeders = new java.nio.channels.DatagramChannel[FEEDERS][FEEDER_SOCKETS];
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(FEEDERS);
            try {
                for (int f = 0; f < FEEDERS; f++) {
                    for (int s = 0; s < FEEDER_SOCKETS; s++) {
                        feeders[f][s] = java.nio.channels.DatagramChannel.open()
                                .bind(new InetSocketAddress("127.0.0.1", 0)).connect(trigger.localAddress());
                    }
                }
                double[] sent = new double[fires];
                double[] rate = new double[fires];
                double[] perCpuS = new double[fires];
                com.sun.management.ThreadMXBean mx =
                        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
                long[] intakeIds = Thread.getAllStackTraces().keySet().stream()
                        .filter(th -> th.getName().startsWith("trigger-intake")).mapToLong(Thread::threadId).toArray();
                long answered = 0;
                long expected = 0;
                for (int k = -INTAKE_WARMUP; k < fires; k++) {
                    System.gc();
                    long cpu0 = cpu(mx, intakeIds);
                    // no retry; acks the kernel dropped (its buffers full) leave the fan-out open to its deadline
                    long number = trigger.fire(0, TimeUnit.MILLISECONDS.toNanos(500), TimeUnit.SECONDS.toNanos(10));
                    List<java.util.concurrent.Future<?>> done = new ArrayList<>();
                    for (int f = 0; f < FEEDERS; f++) {
                        int from = f;
                        done.add(pool.submit(() -> feed(acks, from, feeders[from])));
                    }
                    for (java.util.concurrent.Future<?> d : done) {
                        d.get();
                    }
                    ContingencyTrigger.Report r = trigger.awaitReport(number, Duration.ofSeconds(30));
                    long cpuUsed = cpu(mx, intakeIds) - cpu0;
                    if (k < 0) {
                        continue;
                    }
                    perCpuS[k] = r.answered() * 1e9 / Math.max(1, cpuUsed);
                    sent[k] = (r.sentNanos() - r.startNanos()) / 1e6;
                    long first = Long.MAX_VALUE;
                    long last = Long.MIN_VALUE;
                    for (ContingencyTrigger.AgentResult a : r.agents()) {
                        if (a.latencyNanos() >= 0) {
                            first = Math.min(first, a.latencyNanos());
                            last = Math.max(last, a.latencyNanos());
                        }
                    }
                    rate[k] = r.answered() > 1 ? (r.answered() - 1) * 1e9 / Math.max(1, last - first) : Double.NaN;
                    answered += r.answered();
                    expected += n;
                }
                Arrays.sort(sent);
                Arrays.sort(rate);
                Arrays.sort(perCpuS);
                out.printf(Locale.ROOT, "%ssent_p50.n%d %.3f ms%n", P, n, percentile(sent, 0.5));
                out.printf(Locale.ROOT, "%ssent_p99.n%d %.3f ms%n", P, n, percentile(sent, 0.99));
                out.printf(Locale.ROOT, "%sintake_acks_per_s.n%d %.0f acks/s%n", P, n, percentile(rate, 0.5));
                out.printf(Locale.ROOT, "%sintake_lost_pct.n%d %.2f %%%n", P, n,
                        100.0 * (expected - answered) / Math.max(1, expected));
                // what the intake threads' own CPU time allows: acks per CPU-second of them, times the cores they have
                double perCpu = percentile(perCpuS, 0.5);
                int usable = Math.min(trigger.intakeThreads(), Runtime.getRuntime().availableProcessors());
                out.printf(Locale.ROOT, "%sintake_acks_per_cpu_s.n%d %.0f acks/s%n", P, n, perCpu);
                out.printf(Locale.ROOT, "%sintake_capacity_acks_per_s.n%d %.0f acks/s%n", P, n, perCpu * usable);
                if (n == 50_000) {
                    out.printf(Locale.ROOT, "%sintake_acks_per_s %.0f acks/s%n", P, percentile(rate, 0.5));
                }
                out.printf(Locale.ROOT, "# feedloss-to-caps n=%d: %d intake threads, received per thread %s; "
                        + "intake rate per fire min %.0f max %.0f acks/s%n", n, trigger.intakeThreads(),
                        Arrays.toString(trigger.intakeReceived()), rate[0], rate[rate.length - 1]);
                out.flush();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IOException("feeding acknowledgements failed", e.getCause());
            } finally {
                pool.shutdownNow();
                for (java.nio.channels.DatagramChannel[] fs : feeders) {
                    for (java.nio.channels.DatagramChannel c : fs) {
                        if (c != null) {
                            c.close();
                        }
                    }
                }
            }
        }
    }

    private static long cpu(com.sun.management.ThreadMXBean mx, long[] ids) {
        long sum = 0;
        for (long c : mx.getThreadCpuTime(ids)) {
            sum += Math.max(0, c);
        }
        return sum;
    }

    /** Feeder {@code f}'s share of the acknowledgements (every FEEDERS-th), round robin over its sockets. */
    private static Void feed(byte[][] acks, int f, java.nio.channels.DatagramChannel[] sockets) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(64);
        int s = 0;
        for (int i = f; i < acks.length; i += FEEDERS) {
            b.clear();
            b.put(acks[i]).flip();
            sockets[s].write(b);
            s = s + 1 == sockets.length ? 0 : s + 1;
        }
        return null;
    }

    // ------------------------------------------------------------------ end to end, agents in other processes

    static void endToEnd(int n, int processes, int runs, boolean withLoss, PrintWriter out)
            throws IOException, InterruptedException {
        SecureRandom random = new SecureRandom();
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        boolean dtls = n <= 1_000;
        int groupPort = freeUdpPort();
        long t0 = System.nanoTime();
        List<AutoCloseable> closeables = new ArrayList<>();
        java.util.concurrent.ExecutorService handshakes = java.util.concurrent.Executors.newFixedThreadPool(2);
        try (AgentFleet fleet = AgentFleet.start(n, processes, SOCKETS, secret, dtls, groupPort,
                Duration.ofSeconds(240))) {
            out.printf(Locale.ROOT, "# feedloss-to-caps n=%d: %d agents in %d processes (cores %s), armed %s; "
                            + "started in %.1f s%n", n, n, fleet.processCount(), Arrays.toString(fleet.pinnedCore),
                    dtls ? "over DTLS (PSK)" : "in their hosts", (System.nanoTime() - t0) / 1e9);
            out.flush();
            ContingencyTrigger trigger = ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), n, 1,
                    ContingencyTrigger.DEFAULT_IN_FLIGHT, io.headroom.common.SystemTime.NANOS,
                    ContingencyTrigger.defaultIntakes());
            closeables.add(trigger);
            trigger.multicast(new InetSocketAddress(InetAddress.getByName(AgentHost.GROUP_ADDRESS), groupPort),
                    loopback());
            io.headroom.drivers.gpuprotocol.AgentClient client = null;
            if (dtls) {
                java.util.Map<InetSocketAddress, io.headroom.drivers.gpuprotocol.Dtls.Psk> psks = new java.util.HashMap<>();
                for (int i = 0; i < n; i++) {
                    psks.put(fleet.coap[i], AgentHost.psk(secret, i));
                }
                client = io.headroom.drivers.gpuprotocol.AgentClient.builder().timeout(Duration.ofSeconds(20))
                        .endpoint(io.headroom.drivers.gpuprotocol.Dtls.clientEndpoint(
                                new InetSocketAddress("127.0.0.1", 0), psks, null, handshakes)).build();
                closeables.add(client);
            }
            int[] ids = new int[CONTINGENCIES];
            for (int k = 0; k < ids.length; k++) {
                ids[k] = k;
            }
            long session = AgentHost.session(secret);
            double[] levels = withLoss ? new double[]{0, 0.01, 0.05, 0.10} : new double[]{0};
            long epoch = 0;
            int fired = CONTINGENCIES; // arm before the first fire
            long armNanos = 0;
            int arms = 0;
            for (double loss : levels) {
                fleet.loss(loss, 19 + Math.round(loss * 100));
                int warmup = 10;
                double[] ms = new double[runs];
                double[] sent = new double[runs];
                int complete = 0;
                int incomplete = 0;
                long datagrams = 0;
                for (int r = -warmup; r < runs; r++) {
                    if (fired == CONTINGENCIES) {
                        long a0 = System.nanoTime();
                        arm(fleet, client, trigger, ++epoch, session, ids);
                        armNanos += System.nanoTime() - a0;
                        arms++;
                        fired = 0;
                        System.gc(); // arming made garbage: collect it before, not during, the measurement
                    }
                    ContingencyTrigger.Report f = trigger.awaitReport(trigger.fire(fired++,
                            TimeUnit.SECONDS.toNanos(2), TimeUnit.MILLISECONDS.toNanos(RETRY_MS)), Duration.ofSeconds(30));
                    if (r < 0) {
                        continue;
                    }
                    datagrams += f.datagramsSent();
                    if (f.applied() != n) {
                        incomplete++;
                    } else {
                        ms[complete] = (f.lastAckNanos() - f.startNanos()) / 1e6;
                        sent[complete++] = (f.sentNanos() - f.startNanos()) / 1e6;
                    }
                }
                String prefix = loss == 0 ? P : P + "loss" + Math.round(loss * 100) + ".";
                print(out, prefix, "n" + n, new Result(Arrays.copyOf(ms, complete), Arrays.copyOf(sent, complete),
                        incomplete));
                out.printf(Locale.ROOT, "# feedloss-to-caps n=%d loss %.0f %%: %.2f datagrams sent per run (1 = the "
                        + "multicast wave alone)%n", n, loss * 100, datagrams / (double) runs);
                out.flush();
            }
            out.printf(Locale.ROOT, "# feedloss-to-caps n=%d: %d arms (%s), %.2f s each%n", n, arms,
                    dtls ? "POST /contingency over DTLS to every agent" : "in the hosts", armNanos / 1e9 / arms);
            load(out, "n=" + n);
        } finally {
            for (int i = closeables.size() - 1; i >= 0; i--) {
                try {
                    closeables.get(i).close();
                } catch (Exception e) {
                    // best effort
                }
            }
            handshakes.shutdownNow();
        }
    }

    /** Arms epoch {@code epoch} on every agent (over DTLS when there is a client) and records it in the trigger. */
    private static void arm(AgentFleet fleet, io.headroom.drivers.gpuprotocol.AgentClient client,
                            ContingencyTrigger trigger, long epoch, long session, int[] ids) throws IOException {
        int n = fleet.size();
        if (client != null) {
            List<java.util.concurrent.CompletableFuture<io.headroom.drivers.gpuprotocol.ContingencyAck>> acks =
                    new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                acks.add(client.arm(fleet.coap[i], AgentHost.table(fleet.secret, i, epoch, ids.length, fleet.groupPort)));
            }
            for (int i = 0; i < n; i++) {
                try {
                    io.headroom.drivers.gpuprotocol.ContingencyAck a = acks.get(i).get(60, TimeUnit.SECONDS);
                    if (a.epoch() != epoch || a.agentId() != i) {
                        throw new IOException("agent " + i + " acknowledged epoch " + a.epoch() + " slot " + a.agentId());
                    }
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    throw new IOException("arming agent " + i + " over DTLS failed: " + e, e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
        } else {
            fleet.armInHosts(epoch, ids.length);
        }
        for (int i = 0; i < n; i++) {
            trigger.armed(i, fleet.trigger[i], epoch, AgentHost.triggerKey(fleet.secret, i, epoch), ids, 0);
        }
        trigger.armedGroup(0, session, epoch, AgentHost.groupKey(fleet.secret, epoch), ids);
    }

    // ------------------------------------------------------------------ in process (the earlier figures)

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
