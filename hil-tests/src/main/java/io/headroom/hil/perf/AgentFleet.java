package io.headroom.hil.perf;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Agent hosts as processes: {@code processes} child JVMs running {@link AgentHost}, {@code n} agents spread over
 * them (slots {@code 0 .. n-1} in order), each process pinned with {@code taskset} to its own core where the machine
 * has it. Started and stopped by the benchmark: {@link #close()} asks each host to quit, waits, and kills what did
 * not; a host also quits when its stdin ends, so a benchmark that dies leaves no host behind.
 */
public final class AgentFleet implements AutoCloseable {

    private final List<Process> processes = new ArrayList<>();
    private final List<PrintWriter> commands = new ArrayList<>();
    private final List<BufferedReader> answers = new ArrayList<>();
    private final Thread shutdownHook;
    final InetSocketAddress[] coap;
    final InetSocketAddress[] trigger;
    final byte[] secret;
    final boolean dtls;
    final int groupPort;
    /** The core each process was pinned to (-1: not pinned). */
    final int[] pinnedCore;
    final Path logDir;

    /** Set when a start failed: its hosts' logs stay for the exception's reader. */
    private volatile boolean keepLogs;

    private AgentFleet(int n, int processCount, byte[] secret, boolean dtls, int groupPort, Path logDir) {
        this.coap = new InetSocketAddress[n];
        this.trigger = new InetSocketAddress[n];
        this.secret = secret;
        this.dtls = dtls;
        this.groupPort = groupPort;
        this.pinnedCore = new int[processCount];
        this.logDir = logDir;
        this.shutdownHook = new Thread(this::kill, "agent-fleet-kill");
    }

    /**
     * Starts the hosts and waits until every agent is up ({@code startTimeout}); on any failure, whatever started is
     * stopped before the exception leaves.
     *
     * @param socketsPerProcess trigger sockets (each with its thread) per host
     */
    public static AgentFleet start(int n, int processCount, int socketsPerProcess, byte[] secret, boolean dtls,
                                   int groupPort, java.time.Duration startTimeout) throws IOException {
        Path logs = Files.createTempDirectory("headroom-agent-hosts");
        AgentFleet f = new AgentFleet(n, processCount, secret, dtls, groupPort, logs);
        Runtime.getRuntime().addShutdownHook(f.shutdownHook);
        try {
            int cores = Runtime.getRuntime().availableProcessors();
            boolean taskset = Files.isExecutable(Path.of("/usr/bin/taskset"));
            String java = ProcessHandle.current().info().command().orElse("java");
            int first = 0;
            for (int p = 0; p < processCount; p++) {
                int count = n / processCount + (p < n % processCount ? 1 : 0);
                List<String> cmd = new ArrayList<>();
                f.pinnedCore[p] = taskset && cores > 1 ? p % cores : -1;
                if (f.pinnedCore[p] >= 0) {
                    cmd.addAll(List.of("/usr/bin/taskset", "-c", Integer.toString(f.pinnedCore[p])));
                }
                int heapMb = Math.max(128, 64 + count * (dtls ? 2 : 1) / 4);
                cmd.addAll(List.of(java, "-Xmx" + heapMb + "m", "-XX:+UseSerialGC", "-Xss256k",
                        "-Djava.net.preferIPv4Stack=true",
                        "-cp", System.getProperty("java.class.path"), AgentHost.class.getName(),
                        Integer.toString(p), Integer.toString(first), Integer.toString(count),
                        Integer.toString(socketsPerProcess), HexFormat.of().formatHex(secret), dtls ? "dtls" : "inproc",
                        Integer.toString(groupPort)));
                Process proc = new ProcessBuilder(cmd).redirectError(logs.resolve("host" + p + ".log").toFile()).start();
                f.processes.add(proc);
                f.commands.add(new PrintWriter(new OutputStreamWriter(proc.getOutputStream(), StandardCharsets.UTF_8)));
                f.answers.add(new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8)));
                first += count;
            }
            long deadline = System.nanoTime() + startTimeout.toNanos();
            for (int p = 0; p < processCount; p++) {
                while (true) {
                    String line = f.readLine(p, deadline);
                    if (line.equals("ready")) {
                        break;
                    }
                    String[] w = line.split(" ");
                    if (w[0].equals("agent")) {
                        int slot = Integer.parseInt(w[1]);
                        f.coap[slot] = AgentHost.parse(w[2]);
                        f.trigger[slot] = AgentHost.parse(w[3]);
                    }
                }
            }
            return f;
        } catch (IOException | RuntimeException e) {
            f.keepLogs = true; // the exception names a host's log
            f.close();
            throw e;
        }
    }

    private String readLine(int p, long deadline) throws IOException {
        BufferedReader r = answers.get(p);
        while (!r.ready()) {
            if (!processes.get(p).isAlive()) {
                throw new IOException("agent host " + p + " exited with " + processes.get(p).exitValue()
                        + " (its log: " + logDir.resolve("host" + p + ".log") + ")");
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("agent host " + p + " did not answer in time (its log: "
                        + logDir.resolve("host" + p + ".log") + ")");
            }
            try {
                Thread.sleep(5); // polling a pipe, not synchronising threads
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        String line = r.readLine();
        if (line == null) {
            throw new IOException("agent host " + p + " closed its output");
        }
        if (line.startsWith("error")) {
            throw new IOException("agent host " + p + ": " + line);
        }
        return line;
    }

    /** Sends {@code command} to every host and waits for each one's answer line starting with {@code expect}. */
    private void all(String command, String expect, java.time.Duration timeout) throws IOException {
        for (PrintWriter w : commands) {
            w.println(command);
            w.flush();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int p = 0; p < processes.size(); p++) {
            String line = readLine(p, deadline);
            if (!line.startsWith(expect)) {
                throw new IOException("agent host " + p + " answered '" + line + "' to '" + command + "'");
            }
        }
    }

    /** Arms every agent in its host (no DTLS): epoch {@code epoch}, contingencies {@code 0 .. count-1}. */
    public void armInHosts(long epoch, int count) throws IOException {
        all("arm " + epoch + " " + count, "armed", java.time.Duration.ofSeconds(60));
    }

    /** Every trigger socket of every host loses this fraction of datagrams each way from now on. */
    public void loss(double fraction, long seed) throws IOException {
        all("loss " + fraction + " " + seed, "loss", java.time.Duration.ofSeconds(10));
    }

    public int size() {
        return coap.length;
    }

    public int processCount() {
        return processes.size();
    }

    /** The hosts' process ids (for tests: none is left after {@link #close()}). */
    public List<ProcessHandle> handles() {
        return processes.stream().map(Process::toHandle).toList();
    }

    private void kill() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
    }

    @Override
    public void close() {
        for (PrintWriter w : commands) {
            w.println("quit");
            w.close();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // shutting down already: the hook runs
        }
        if (!keepLogs) { // the hosts' stderr logs: kept only when a start failed (the exception names one)
            try (java.util.stream.Stream<Path> files = Files.walk(logDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                // a temp folder left behind
            }
        }
    }
}
