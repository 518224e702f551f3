package io.headroom.drivers.modbus;

import com.ghgande.j2mod.modbus.util.SerialParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Modbus RTU end to end: our bus ({@link Transport.Rtu}: j2mod's serial master on jSerialComm) on one end of a socat
 * pseudo-terminal pair, the pymodbus RTU server (nobody here wrote either) on the other. Both peers are Debian
 * packages: missing, the tests skip locally and fail in CI ({@link Peers}).
 * <p>
 * The bus is configured 19200 8E1, the framing of a typical meter line; pymodbus serves its end 8N1 because a pty
 * holds no parity (see {@link SerialLine#parameters}: the kernel drops PARENB, glibc's tcsetattr then fails, and
 * pyserial has no way around it). The bytes on a pty are the same either way.
 */
class RtuOverPtyIT {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final Duration START = Duration.ofSeconds(10);

    private final List<Peer> peers = new ArrayList<>();

    /** A started process and everything it printed (stdout and stderr). */
    private record Peer(String name, Process process, List<String> output) {
        boolean printed(String text) {
            return output.stream().anyMatch(l -> l.contains(text));
        }

        String log() {
            return name + " (" + (process.isAlive() ? "running" : "exit " + process.exitValue()) + "):\n"
                    + String.join("\n", output);
        }
    }

    private Peer start(String name, List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> out = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    out.add(line);
                }
            } catch (IOException e) {
                out.add("(output closed: " + e.getMessage() + ")");
            }
        }, name + "-output");
        reader.setDaemon(true);
        reader.start();
        Peer peer = new Peer(name, p, out);
        peers.add(peer);
        return peer;
    }

    /** Waits until {@code peer} printed {@code text}; fails at once, with its output, if it exits first. */
    private static void awaitPrinted(Peer peer, String text) {
        await().atMost(START).until(() -> peer.printed(text) || !peer.process().isAlive());
        assertThat(peer.printed(text)).as("%s never printed %s; %s", peer.name(), text, peer.log()).isTrue();
    }

    @AfterEach
    void stopPeers() throws InterruptedException {
        // pymodbus before socat (started after it), so no peer sees its pty vanish first
        for (Peer peer : peers.reversed()) {
            peer.process().destroy();
            if (!peer.process().waitFor(5, TimeUnit.SECONDS)) {
                peer.process().destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        peers.clear();
    }

    /** A socat pty pair in {@code dir}: the links {@code a} and {@code b}, both open once socat reports its loop. */
    private Path[] ptyPair(Path dir) throws IOException {
        Path socat = Peers.tool("socat", "socat");
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Peer peer = start("socat", List.of(socat.toString(), "-d", "-d", "pty,raw,echo=0,link=" + a,
                "pty,raw,echo=0,link=" + b));
        awaitPrinted(peer, "starting data transfer loop");
        return new Path[]{a, b};
    }

    /** pymodbus serving {@code image} as an RTU server on the pty behind {@code link}, 8N1; open when it returns. */
    private void pymodbus(Path link, Path image) throws Exception {
        Path python = Peers.pymodbusSerial();
        Path script = Path.of(RtuOverPtyIT.class.getResource("/pymodbus_device.py").toURI());
        // the real /dev/pts/N: the script tells a serial port from a TCP port by the leading slash, and this is the
        // name pymodbus logs
        Peer peer = start("pymodbus", List.of(python.toString(), script.toString(), link.toRealPath().toString(),
                image.toString(), "8N1"));
        awaitPrinted(peer, "ready");
    }

    private static ModbusBus rtuBus(Path link) {
        // a timeout long enough for a loaded CI machine, short enough that a dead unit costs little
        return new ModbusBus(new BusConfig("line", new Transport.Rtu(link.toString(), 19200, 8, "even", 1),
                Duration.ZERO, Duration.ZERO, Duration.ofMillis(300), 1, Duration.ofMillis(400)), Clock.systemUTC(), System::nanoTime);
    }

    private static int[] encode(RegisterMap map, RegisterMap.Block block, Object... pointsAndValues) {
        int[] words = new int[block.count()];
        for (int i = 0; i < pointsAndValues.length; i += 2) {
            int idx = map.indexOf((String) pointsAndValues[i]);
            RegisterPoint p = map.points().get(idx);
            int[] w = map.encode(idx, ((Number) pointsAndValues[i + 1]).doubleValue());
            System.arraycopy(w, 0, words, p.address() - block.start(), p.words());
        }
        return words;
    }

    private static String unit(int unit, String table, int address, int[] words) {
        StringJoiner w = new StringJoiner(",", "[", "]");
        for (int x : words) {
            w.add(String.valueOf(x));
        }
        return "{\"unit\": " + unit + ", \"" + table + "\": {\"" + address + "\": " + w + "}}";
    }

    /** Waits for {@code condition}; a timeout names every device's counters and last error, and the peers' output. */
    private void awaitLine(ModbusBus bus, Callable<Boolean> condition) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(condition.call())
                .as(() -> waitedFor(bus) + "\n" + peers.stream().map(Peer::log).collect(Collectors.joining("\n")))
                .isTrue());
    }

    private static String waitedFor(ModbusBus bus) {
        StringJoiner s = new StringJoiner("; ");
        for (ModbusBus.Device d : bus.devices()) {
            s.add(d.id() + ": " + d.scans() + " scans, " + d.failures() + " failures, last error " + d.lastError());
        }
        return s.toString();
    }

    @Test
    void readsAnEastronMapServedByPymodbusOverRtu(@TempDir Path dir) throws Exception {
        RegisterMap map = RegisterMap.load("eastron-sdm630");
        RegisterMap.Block block = map.blocks().getFirst();
        int[] words = encode(map, block, "voltage-L2", 239.6, "current-L2", 147.25, "power-total", 102_000,
                "frequency", 49.98, "energy-import", 1_234_000);
        Path image = Files.writeString(dir.resolve("sdm630.json"), unit(7, "ir", block.start(), words));
        Path[] pty = ptyPair(dir);
        pymodbus(pty[0], image);

        // the framing our bus asks jSerialComm for on this pty: 8N1 (the configured 8E1 cannot be set on a pty)
        SerialParameters p = SerialLine.parameters(new Transport.Rtu(pty[1].toString(), 19200, 8, "even", 1));
        assertThat(SerialLine.isPseudoTerminal(pty[1].toString())).isTrue();
        assertThat(p.getParityString()).isEqualTo("none");
        assertThat(p.getDatabits()).isEqualTo(8);

        try (ModbusBus bus = rtuBus(pty[1])) {
            ModbusBus.Device d = bus.add(new DeviceConfig("sdm630", 7, map, Duration.ofMillis(20)));
            bus.start();
            awaitLine(bus, () -> d.latest().quality() == Quality.GOOD);
            assertThat(d.latest().value("current-L2")).isCloseTo(147.25, within(1e-3));
            assertThat(d.latest().value("voltage-L2")).isCloseTo(239.6, within(1e-3));
            assertThat(d.latest().value("power-total")).isCloseTo(102_000, within(0.1));
            assertThat(d.latest().value("frequency")).isCloseTo(49.98, within(1e-4));
            assertThat(d.latest().value("energy-import")).isCloseTo(1_234_000, within(1.0));
            // and it keeps being read: the line is followed, not read once
            long scans = d.scans();
            awaitLine(bus, () -> d.scans() >= scans + 10);
            assertThat(d.failures()).as(waitedFor(bus)).isZero();
        }
    }

    @Test
    void twoUnitsOnOneLineAreReadByOneSchedulerWhileADeadUnitErrors(@TempDir Path dir) throws Exception {
        RegisterMap sdm = RegisterMap.load("eastron-sdm630");
        RegisterMap.Block sdmBlock = sdm.blocks().getFirst();
        RegisterMap generic = RegisterMap.load("generic-3phase");
        RegisterMap.Block genericBlock = generic.blocks().getFirst();
        int[] sdmWords = encode(sdm, sdmBlock, "voltage-L1", 231.5, "power-total", 55_500);
        int[] genericWords = encode(generic, genericBlock, "current-L3", 88.25, "frequency", 50.02);
        Path image = Files.writeString(dir.resolve("line.json"), "{\"units\": [" + unit(7, "ir", sdmBlock.start(),
                sdmWords) + ", " + unit(9, "hr", genericBlock.start(), genericWords) + "]}");
        Path[] pty = ptyPair(dir);
        pymodbus(pty[0], image);

        try (ModbusBus bus = rtuBus(pty[1])) {
            ModbusBus.Device meter = bus.add(new DeviceConfig("sdm630", 7, sdm, Duration.ofMillis(20)));
            ModbusBus.Device other = bus.add(new DeviceConfig("generic", 9, generic, Duration.ofMillis(20)));
            // nobody answers unit 12 on this line: every request to it times out, and the bus then reopens the
            // port (a pty opened with parity failed exactly there, on the reopen)
            ModbusBus.Device dead = bus.add(new DeviceConfig("dead", 12, generic, Duration.ofMillis(20)));
            bus.start();
            awaitLine(bus, () -> meter.latest().quality() == Quality.GOOD
                    && other.latest().quality() == Quality.GOOD && dead.failures() >= 3);
            long meterScans = meter.scans();
            long otherScans = other.scans();
            long deadFailures = dead.failures();
            // the live units keep being read, between the dead one's probes and after its port reopens
            awaitLine(bus, () -> dead.failures() >= deadFailures + 3 && meter.scans() >= meterScans + 10
                    && other.scans() >= otherScans + 10);

            assertThat(meter.latest().value("voltage-L1")).isCloseTo(231.5, within(1e-3));
            assertThat(meter.latest().value("power-total")).isCloseTo(55_500, within(0.1));
            assertThat(other.latest().value("current-L3")).isCloseTo(88.25, within(1e-3));
            assertThat(other.latest().value("frequency")).isCloseTo(50.02, within(1e-4));
            long now = System.nanoTime();
            long deadline = Duration.ofSeconds(2).toNanos();
            assertThat(meter.latest().at(now, deadline).quality()).isEqualTo(Quality.GOOD);
            assertThat(other.latest().at(now, deadline).quality()).isEqualTo(Quality.GOOD);
            // the dead unit: an error naming it, backing off and probed; never a value, never an exception
            assertThat(dead.scans()).isZero();
            assertThat(dead.latest().quality()).isEqualTo(Quality.ERROR);
            assertThat(dead.latest().at(now, deadline).quality()).isEqualTo(Quality.ERROR);
            assertThat(dead.latest().error()).contains("unit 12").contains("registers 0..23");
            assertThat(dead.latest().value("frequency")).isNaN();
            assertThat(dead.health()).isEqualTo(ModbusBus.Health.BACKING_OFF);
            assertThat(dead.probes()).isGreaterThanOrEqualTo(3);
            assertThat(meter.health()).isEqualTo(ModbusBus.Health.HEALTHY);
            assertThat(other.health()).isEqualTo(ModbusBus.Health.HEALTHY);
        }
    }
}
