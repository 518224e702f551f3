package io.headroom.appliance.northbound;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Assumptions;

/**
 * Debian's {@code mosquitto} broker, started by a test on 127.0.0.1 at a port below 32768 found free at runtime
 * (outside the ephemeral range, so no client's source port takes it meanwhile), and {@code mosquitto_sub}
 * subscribers printing each message's topic and payload in hex. Missing: the test is skipped, or fails in CI.
 */
final class Mosquitto implements AutoCloseable {

    static final Path BROKER = Path.of("/usr/sbin/mosquitto");
    static final Path SUB = Path.of("/usr/bin/mosquitto_sub");
    static final Path PUB = Path.of("/usr/bin/mosquitto_pub");

    private final Process broker;
    private final int port;
    private final Path dir;
    private final List<Process> others = new ArrayList<>();

    static void assumePresent() {
        boolean present = Files.isExecutable(BROKER) && Files.isExecutable(SUB) && Files.isExecutable(PUB);
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("mosquitto and mosquitto-clients are required in CI (.ci/run installs them)");
        }
        Assumptions.assumeTrue(present, "mosquitto or mosquitto-clients not installed (apt-get install mosquitto"
                + " mosquitto-clients): the Sparkplug B test against a real broker is skipped");
    }

    private Mosquitto(Process broker, int port, Path dir) {
        this.broker = broker;
        this.port = port;
        this.dir = dir;
    }

    static Mosquitto start(Path dir) throws IOException {
        return start(dir, port -> "listener " + port + " 127.0.0.1\nallow_anonymous true\n");
    }

    /**
     * A broker whose listeners {@code listeners} writes for the free port it is given (the subscribers' plain
     * listener must be that port); {@code user root} keeps a broker started as root able to read the test's files.
     */
    static Mosquitto start(Path dir, java.util.function.IntFunction<String> listeners) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            int port = freePortBelow32768();
            Path conf = dir.resolve("mosquitto-" + port + ".conf");
            Files.writeString(conf, "user root\npersistence false\nlog_dest stderr\n" + listeners.apply(port));
            Process p = new ProcessBuilder(BROKER.toString(), "-c", conf.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("mosquitto-" + port + ".log").toFile())
                    .start();
            try {
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                        .until(() -> !p.isAlive() || accepts(port));
            } catch (RuntimeException e) {
                p.destroyForcibly();
                throw e;
            }
            if (p.isAlive()) {
                return new Mosquitto(p, port, dir);
            }
            last = new IOException("mosquitto exited (port " + port + " taken?): "
                    + Files.readString(dir.resolve("mosquitto-" + port + ".log")));
        }
        throw last;
    }

    static int freePortBelow32768() throws IOException {
        for (int i = 0; i < 200; i++) {
            int port = ThreadLocalRandom.current().nextInt(20000, 32768);
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(false);
                s.bind(new InetSocketAddress("127.0.0.1", port));
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port in 20000..32767");
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    int port() {
        return port;
    }

    /** A subscriber to {@code filter}: each message arrives in the queue as "TOPIC HEXPAYLOAD". */
    LinkedBlockingQueue<String> subscribe(String filter) throws IOException {
        Process p = new ProcessBuilder(SUB.toString(), "-h", "127.0.0.1", "-p", String.valueOf(port),
                "-t", filter, "-q", "1", "-F", "%t %x").redirectErrorStream(true).start();
        others.add(p);
        LinkedBlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().name("mosquitto_sub").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    q.add(line);
                }
            } catch (IOException ignored) {
                // the subscriber was stopped
            }
        });
        return q;
    }

    /** Publishes a binary payload with {@code mosquitto_pub} (QoS 1), waiting for it to exit. */
    void publish(String topic, byte[] payload) throws IOException, InterruptedException {
        Path f = Files.createTempFile(dir, "payload", ".bin");
        Files.write(f, payload);
        Process p = new ProcessBuilder(PUB.toString(), "-h", "127.0.0.1", "-p", String.valueOf(port), "-q", "1",
                "-t", topic, "-f", f.toString()).redirectErrorStream(true).start();
        if (p.waitFor() != 0) {
            throw new IOException("mosquitto_pub: " + new String(p.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() {
        for (Process p : others) {
            p.destroy();
        }
        broker.destroy();
    }
}
