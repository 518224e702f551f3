package io.headroom.drivers.modbus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/** Against peers nobody here wrote: a pymodbus server and mbpoll as a client. */
class InteropIT {

    static final Duration WAIT = Duration.ofSeconds(20);

    private static Process startPymodbus(Path python, int port, Path image) throws Exception {
        return startPymodbus(python, String.valueOf(port), image);
    }

    private static Process startPymodbus(Path python, String port, Path image) throws Exception {
        Path script = Path.of(InteropIT.class.getResource("/pymodbus_device.py").toURI());
        Process server = new ProcessBuilder(python.toString(), script.toString(), port, image.toString())
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("ready");
        return server;
    }

    private static String json(int unit, String table, int address, int[] words) {
        StringJoiner w = new StringJoiner(",", "[", "]");
        for (int x : words) {
            w.add(String.valueOf(x));
        }
        return "{\"unit\": " + unit + ", \"" + table + "\": {\"" + address + "\": " + w + "}}";
    }

    @Test
    void readsAnEastronMapServedByPymodbusAsInputRegisters(@TempDir Path dir) throws Exception {
        Path python = Peers.pymodbus();
        RegisterMap map = RegisterMap.load("eastron-sdm630");
        RegisterMap.Block block = map.blocks().getFirst();
        int[] words = new int[block.count()];
        double[][] values = {{map.indexOf("voltage-L2"), 239.6}, {map.indexOf("current-L2"), 147.25},
                {map.indexOf("power-total"), 102_000}, {map.indexOf("frequency"), 49.98},
                {map.indexOf("energy-import"), 1_234_000}};
        for (double[] v : values) {
            RegisterPoint p = map.points().get((int) v[0]);
            System.arraycopy(map.encode((int) v[0], v[1]), 0, words, p.address() - block.start(), p.words());
        }
        Path image = Files.writeString(dir.resolve("sdm630.json"), json(7, "ir", block.start(), words));
        int port = FreePort.tcp();
        Process server = startPymodbus(python, port, image);
        try (ModbusBus bus = new ModbusBus(BusConfig.tcp("py", "127.0.0.1", port).withTimeout(Duration.ofMillis(500)),
                Clock.systemUTC(), System::nanoTime)) {
            ModbusBus.Device d = bus.add(new DeviceConfig("sdm630", 7, map, Duration.ofMillis(20)));
            bus.start();
            await().atMost(WAIT).until(() -> d.latest().quality() == Quality.GOOD);
            assertThat(d.latest().value("current-L2")).isCloseTo(147.25, within(1e-3));
            assertThat(d.latest().value("voltage-L2")).isCloseTo(239.6, within(1e-3));
            assertThat(d.latest().value("power-total")).isCloseTo(102_000, within(0.1));
            assertThat(d.latest().value("frequency")).isCloseTo(49.98, within(1e-4));
            assertThat(d.latest().value("energy-import")).isCloseTo(1_234_000, within(1.0));
        } finally {
            server.destroy();
            server.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void discoversASunSpecDeviceServedByPymodbus(@TempDir Path dir) throws Exception {
        Path python = Peers.pymodbus();
        int port0 = FreePort.tcp();
        int[] words;
        try (MeterSlave scratch = MeterSlave.tcp("127.0.0.1", port0)) {
            words = SunSpecTest.seed(scratch.serve(1, null), 40000).words(3, 40000, 260);
        }
        Path image = Files.writeString(dir.resolve("sunspec.json"), json(3, "hr", 40000, words));
        int port = FreePort.tcp();
        Process server = startPymodbus(python, port, image);
        try (ModbusBus bus = new ModbusBus(BusConfig.tcp("py", "127.0.0.1", port).withTimeout(Duration.ofMillis(500)),
                Clock.systemUTC(), System::nanoTime)) {
            ModbusBus.Device d = bus.add(new DeviceConfig("sunspec", 3, null, Duration.ofMillis(20)));
            bus.start();
            await().atMost(WAIT).until(() -> d.latest().quality() == Quality.GOOD);
            assertThat(d.map().profile()).isEqualTo("sunspec:1+203+802");
            assertThat(d.latest().value("power-total")).isCloseTo(98_400, within(1e-9));
            assertThat(d.latest().value("soc")).isCloseTo(73.4, within(1e-9));
            assertThat(d.latest().text("manufacturer")).isEqualTo("Acme Meters");
        } finally {
            server.destroy();
            server.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void mbpollReadsOurServer() throws Exception {
        Path mbpoll = Peers.tool("mbpoll", "mbpoll");
        int port = FreePort.tcp();
        try (MeterSlave slave = new MeterSlave("127.0.0.1", port, 5, RegisterMap.load("janitza-umg96rm"))) {
            slave.set(new String[]{"current-L1", "current-L2"}, new double[]{123.5, -7.25});
            // mbpoll numbers registers from 1: wire address 19012 is -r 19013; -t 4:float, -B big-endian words
            Process p = new ProcessBuilder(mbpoll.toString(), "-m", "tcp", "-a", "5", "-p", String.valueOf(port),
                    "-t", "4:float", "-B", "-r", "19013", "-c", "2", "-1", "127.0.0.1").redirectErrorStream(true).start();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("[19013]: \t123.5").contains("[19015]: \t-7.25");
        }
    }
}
