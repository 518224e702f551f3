package io.headroom.drivers.modbus;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

class ModbusMeterPollerTest {

    static final RegisterMap MAP = RegisterMap.load("generic-3phase");

    @Test
    void readsWhatTheSlaveServesAndFollowsChanges() throws Exception {
        int port = FreePort.tcp();
        try (MeterSlave slave = new MeterSlave("127.0.0.1", port, 3, MAP);
             ModbusMeterPoller poller = new ModbusMeterPoller("meter-A", "127.0.0.1", port, 3, MAP, 20, 500, Clock.systemUTC())) {
            slave.set(new String[]{"current-L1", "power-total", "frequency"}, new double[]{142.5, 98_400, 60.01});
            poller.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> poller.latest().quality() == Quality.GOOD
                    && poller.latest().value("current-L1") == 142.5);
            MeterReading r = poller.latest();
            assertThat(r.value("power-total")).isCloseTo(98_400, within(0.01));
            assertThat(r.value("frequency")).isCloseTo(60.01, within(1e-4));
            assertThat(r.source()).isEqualTo("meter-A");

            slave.set(new String[]{"current-L1"}, new double[]{151.0});
            await().atMost(Duration.ofSeconds(10)).until(() -> poller.latest().value("current-L1") == 151.0);
        }
    }

    @Test
    void aDeadMeterIsAnErrorThenStaleNeverAnException() throws Exception {
        int port = FreePort.tcp(); // nothing listens
        try (ModbusMeterPoller poller = new ModbusMeterPoller("meter-X", "127.0.0.1", port, 1, MAP, 20, 200, Clock.systemUTC())) {
            poller.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> poller.failures() >= 3);
            assertThat(poller.latest().quality()).isEqualTo(Quality.ERROR);
            assertThat(poller.latest().error()).isNotBlank();
            assertThat(poller.reads()).isZero();
        }
    }

    @Test
    void aGoodReadingTurnsStaleAfterItsDeadline() {
        MeterReading r = new MeterReading("m", MAP, new double[12], 1_000_000_000L, java.time.Instant.EPOCH, Quality.GOOD, null);
        assertThat(r.at(1_400_000_000L, 500_000_000L).quality()).isEqualTo(Quality.GOOD);
        assertThat(r.at(1_600_000_000L, 500_000_000L).quality()).isEqualTo(Quality.STALE);
        assertThat(r.at(1_600_000_000L, 500_000_000L).error()).contains("600 ms");
    }

    @Test
    void readsAPymodbusServer() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        boolean present = Files.isExecutable(python)
                && new ProcessBuilder(python.toString(), "-c", "import pymodbus").start().waitFor() == 0;
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("python3-pymodbus is required in CI (apt-get install python3-pymodbus)");
        }
        Assumptions.assumeTrue(present, "python3-pymodbus not installed");
        int port = FreePort.tcp();
        Path script = Path.of(getClass().getResource("/pymodbus_meter.py").toURI());
        Process server = new ProcessBuilder(python.toString(), script.toString(), String.valueOf(port), "7",
                "239.6", "147.25", "102000").redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("ready");
            try (ModbusMeterPoller poller = new ModbusMeterPoller("pymodbus", "127.0.0.1", port, 7, MAP, 20, 500, Clock.systemUTC())) {
                poller.start();
                await().atMost(Duration.ofSeconds(15)).until(() -> poller.latest().quality() == Quality.GOOD);
                assertThat(poller.latest().value("current-L2")).isCloseTo(147.25, within(1e-3));
                assertThat(poller.latest().value("voltage-L3")).isCloseTo(239.6, within(1e-3));
                assertThat(poller.latest().value("power-total")).isCloseTo(102_000, within(0.1));
            }
        } finally {
            server.destroy();
            server.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void mbpollReadsOurServer() throws Exception {
        Path mbpoll = Path.of("/usr/bin/mbpoll");
        if (!Files.isExecutable(mbpoll) && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("mbpoll is required in CI (apt-get install mbpoll)");
        }
        Assumptions.assumeTrue(Files.isExecutable(mbpoll), "mbpoll not installed");
        int port = FreePort.tcp();
        try (MeterSlave slave = new MeterSlave("127.0.0.1", port, 5, MAP)) {
            slave.set(new String[]{"current-L1", "current-L2"}, new double[]{123.5, -7.25});
            // -r 7: first register is 1-based in mbpoll (our address 6), -c 2 floats, -t 4:float big-endian words.
            Process p = new ProcessBuilder(mbpoll.toString(), "-m", "tcp", "-a", "5", "-p", String.valueOf(port),
                    "-t", "4:float", "-B", "-r", "7", "-c", "2", "-1", "127.0.0.1").redirectErrorStream(true).start();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("[7]: \t123.5").contains("[9]: \t-7.25");
        }
    }
}
