package io.headroom.hil.perf;

import io.headroom.drivers.modbus.BusConfig;
import io.headroom.drivers.modbus.DeviceConfig;
import io.headroom.drivers.modbus.MeterSlave;
import io.headroom.drivers.modbus.ModbusBus;
import io.headroom.drivers.modbus.RegisterMap;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code modbus-scan}: 32 meters × 60 registers (30 float32 points, one block) over Modbus TCP on loopback, each
 * meter its own j2mod server and its own bus scheduler, scanned every 10 ms at most (a 100 Hz ceiling). After a
 * 1 s warm-up, for {@value #MEASURE_S} s: scans per second of the slowest meter, and the p99 staleness of the
 * latest reading (now − acquisition) sampled every 5 ms across all meters, as the regulation loop would see it.
 */
public final class ModbusScanBenchmark {

    static final int METERS = 32;
    static final int POINTS = 30;
    static final long MEASURE_S = 5;

    private ModbusScanBenchmark() {
    }

    public static void run(PrintWriter out) {
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < POINTS; i++) {
            csv.append("p").append(i).append(",W,3,").append(2 * i).append(",f32\n");
        }
        RegisterMap map = RegisterMap.parse("bench-60", csv.toString());
        List<MeterSlave> slaves = new ArrayList<>();
        List<ModbusBus> buses = new ArrayList<>();
        List<ModbusBus.Device> devices = new ArrayList<>();
        try {
            for (int m = 0; m < METERS; m++) {
                int port = freePort();
                MeterSlave s = new MeterSlave("127.0.0.1", port, 1, map);
                s.set(new String[]{"p0"}, new double[]{m});
                slaves.add(s);
                ModbusBus bus = new ModbusBus(BusConfig.tcp("meter-" + m, "127.0.0.1", port), Clock.systemUTC(), System::nanoTime);
                devices.add(bus.add(new DeviceConfig("meter-" + m, 1, map, Duration.ofMillis(10))));
                buses.add(bus);
            }
            buses.forEach(ModbusBus::start);
            LockSupport.parkNanos(1_000_000_000L); // warm-up: connections, JIT
            long[] before = new long[METERS];
            for (int m = 0; m < METERS; m++) {
                before[m] = devices.get(m).scans();
            }
            long t0 = System.nanoTime();
            long end = t0 + MEASURE_S * 1_000_000_000L;
            double[] ages = new double[(int) (MEASURE_S * 220) * METERS];
            int n = 0;
            long next = t0;
            while (System.nanoTime() < end && n + METERS <= ages.length) {
                next += 5_000_000L;
                LockSupport.parkNanos(next - System.nanoTime());
                long now = System.nanoTime();
                for (ModbusBus.Device d : devices) {
                    ages[n++] = (now - d.latest().acquiredNanos()) / 1e6;
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double slowest = Double.MAX_VALUE;
            long failures = 0;
            for (int m = 0; m < METERS; m++) {
                slowest = Math.min(slowest, (devices.get(m).scans() - before[m]) / seconds);
                failures += devices.get(m).failures();
            }
            double[] sorted = Arrays.copyOf(ages, n);
            Arrays.sort(sorted);
            double p99 = sorted[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)];
            out.printf(Locale.ROOT, "modbus-scan.scans_per_s_per_meter %.1f /s%n", slowest);
            out.printf(Locale.ROOT, "modbus-scan.p99_staleness %.1f ms%n", p99);
            out.printf(Locale.ROOT, "modbus-scan.failed_scans %d count%n", failures);
            out.println("modbus-scan done");
            out.flush();
        } catch (Exception e) {
            throw new IllegalStateException("modbus-scan: " + e.getMessage(), e);
        } finally {
            buses.forEach(ModbusBus::close);
            slaves.forEach(MeterSlave::close);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
