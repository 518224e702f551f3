package io.headroom.testsupport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A real etcd cluster on loopback for tests and the bench: Debian's {@code etcd} binary ({@code etcd-server}), one
 * process per member, each with its data folder under {@code dir}. Ports are below 32768, outside the kernel's
 * ephemeral range, and found free at run time by binding them first (a fixed range: 20000–31999, from a random
 * start); a member that cannot bind its port is started again on others. {@link #kill} is a SIGKILL (a crash);
 * {@link #restart} starts a killed member again on its data folder and ports.
 */
public final class EtcdCluster implements AutoCloseable {

    /** The binary; {@code HEADROOM_ETCD} overrides it. */
    public static Path binary() {
        String env = System.getenv("HEADROOM_ETCD");
        return Path.of(env != null && !env.isBlank() ? env : "/usr/bin/etcd");
    }

    public static boolean available() {
        return Files.isExecutable(binary());
    }

    private static final int LOW = 20000;
    private static final int HIGH = 32000;

    private final Path dir;
    private final int[] clientPorts;
    private final int[] peerPorts;
    private final Process[] processes;
    private final String token;
    private final Thread hook;

    private EtcdCluster(Path dir, int[] clientPorts, int[] peerPorts, String token) {
        this.dir = dir;
        this.clientPorts = clientPorts;
        this.peerPorts = peerPorts;
        this.processes = new Process[clientPorts.length];
        this.token = token;
        this.hook = new Thread(this::killAll, "etcd-cluster-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Starts {@code members} members in {@code dir} and waits until the cluster serves (has a leader). */
    public static EtcdCluster start(Path dir, int members) throws IOException {
        if (!available()) {
            throw new IOException("no etcd binary at " + binary() + " (Debian: apt-get install etcd-server)");
        }
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int[] ports = freePorts(2 * members);
            int[] client = java.util.Arrays.copyOfRange(ports, 0, members);
            int[] peer = java.util.Arrays.copyOfRange(ports, members, 2 * members);
            Path d = dir.resolve("etcd-" + attempt);
            Files.createDirectories(d);
            EtcdCluster c = new EtcdCluster(d, client, peer, "headroom-" + Long.toHexString(
                    ThreadLocalRandom.current().nextLong()));
            try {
                for (int i = 0; i < members; i++) {
                    c.launch(i, true);
                }
                c.awaitHealthy(Duration.ofSeconds(30));
                return c;
            } catch (IOException e) {
                last = e;
                c.close();
            }
        }
        throw last;
    }

    /** Free TCP ports on 127.0.0.1 in [20000, 32000), from a random start, each bound once to see that it is free. */
    static int[] freePorts(int n) {
        int[] out = new int[n];
        int found = 0;
        int span = HIGH - LOW;
        int start = ThreadLocalRandom.current().nextInt(span);
        for (int k = 0; k < span && found < n; k++) {
            int port = LOW + (start + k) % span;
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(false);
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                out[found++] = port;
            } catch (IOException busy) {
                // taken: the next one
            }
        }
        if (found < n) {
            throw new IllegalStateException("no " + n + " free ports in " + LOW + "-" + HIGH);
        }
        return out;
    }

    private String name(int i) {
        return "m" + i;
    }

    private String initialCluster() {
        return IntStream.range(0, clientPorts.length)
                .mapToObj(i -> name(i) + "=http://127.0.0.1:" + peerPorts[i]).collect(Collectors.joining(","));
    }

    private synchronized void launch(int i, boolean fresh) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(binary().toString(),
                "--name", name(i),
                "--data-dir", dir.resolve(name(i)).toString(),
                "--listen-client-urls", "http://127.0.0.1:" + clientPorts[i],
                "--advertise-client-urls", "http://127.0.0.1:" + clientPorts[i],
                "--listen-peer-urls", "http://127.0.0.1:" + peerPorts[i],
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPorts[i],
                "--initial-cluster", initialCluster(),
                "--initial-cluster-token", token,
                "--initial-cluster-state", fresh ? "new" : "existing",
                "--heartbeat-interval", "100",
                "--election-timeout", "1000",
                "--logger", "zap",
                "--log-outputs", "stderr"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name(i) + ".log").toFile()));
        processes[i] = pb.start();
    }

    /** Waits until every running member reports healthy (the cluster has a leader and quorum). */
    public void awaitHealthy(Duration within) throws IOException {
        long tries = Math.max(1, within.toMillis() / 100);
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build()) {
            for (int i = 0; i < clientPorts.length; i++) {
                if (processes[i] == null || !processes[i].isAlive()) {
                    continue;
                }
                for (long t = 0; ; t++) {
                    if (!processes[i].isAlive()) {
                        throw new IOException("etcd member " + name(i) + " exited (" + processes[i].exitValue()
                                + "); see " + dir.resolve(name(i) + ".log"));
                    }
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + clientPorts[i] + "/health"))
                                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200 && r.body().contains("\"true\"")) {
                            break;
                        }
                    } catch (IOException e) {
                        // not listening yet
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted");
                    }
                    if (t > tries) {
                        throw new IOException("etcd member " + name(i) + " not healthy within " + within + "; see "
                                + dir.resolve(name(i) + ".log"));
                    }
                    try {
                        Thread.sleep(100); // polling a process we started, not synchronising threads
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted");
                    }
                }
            }
        }
    }

    public int size() {
        return clientPorts.length;
    }

    /** {@code 127.0.0.1:PORT} of each member's client URL. */
    public List<String> endpoints() {
        return IntStream.of(clientPorts).mapToObj(p -> "127.0.0.1:" + p).toList();
    }

    public int clientPort(int i) {
        return clientPorts[i];
    }

    public boolean running(int i) {
        return processes[i] != null && processes[i].isAlive();
    }

    /** SIGKILL to member {@code i}, and waits for it to be gone. */
    public synchronized void kill(int i) {
        Process p = processes[i];
        if (p != null) {
            p.destroyForcibly();
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts a killed member again, on its data folder and ports (it rejoins the cluster). */
    public synchronized void restart(int i) throws IOException {
        if (running(i)) {
            return;
        }
        launch(i, false);
    }

    public Path directory() {
        return dir;
    }

    private void killAll() {
        for (int i = 0; i < processes.length; i++) {
            kill(i);
        }
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp folder: left for the OS
        }
    }
}
