package io.headroom.drivers.modbus;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A bus driven by its caller in virtual time ({@link ModbusBus#runDue}): scans when due on the caller's clock. */
class ModbusBusRunDueTest {

    static final RegisterMap GENERIC = RegisterMap.load("generic-3phase");

    @Test
    void scansOnlyWhatIsDueAtTheVirtualNowAndStampsReadingsWithThatClock() throws Exception {
        int port = FreePort.tcp();
        AtomicLong now = new AtomicLong(5_000_000_000L);
        Instant epoch = Instant.parse("2026-01-05T00:00:00Z");
        Clock utc = Clock.fixed(epoch, ZoneOffset.UTC);
        try (MeterSlave slave = new MeterSlave("127.0.0.1", port, 3, GENERIC);
             ModbusBus bus = new ModbusBus(BusConfig.tcp("b", "127.0.0.1", port)
                     .withPacing(Duration.ofSeconds(5), Duration.ZERO), utc, now::get)) {
            ModbusBus.Device meter = bus.add(new DeviceConfig("meter-A", 3, GENERIC, Duration.ofMillis(100)));
            slave.set(new String[]{"current-L1"}, new double[]{120.0});

            bus.runDue(); // due at once: one scan, on this thread
            assertThat(meter.scans()).isEqualTo(1);
            assertThat(meter.latest().value("current-L1")).isEqualTo(120.0);
            assertThat(meter.latest().acquiredNanos()).isEqualTo(5_000_000_000L);
            assertThat(meter.latest().acquiredUtc()).isEqualTo(epoch);

            slave.set(new String[]{"current-L1"}, new double[]{130.0});
            now.addAndGet(99_000_000L);
            bus.runDue(); // 99 ms later: not due
            assertThat(meter.scans()).isEqualTo(1);
            assertThat(meter.latest().value("current-L1")).isEqualTo(120.0);

            now.addAndGet(1_000_000L);
            bus.runDue(); // 100 ms: due; the 5 s inter-frame gap is not waited for (the clock does not move)
            assertThat(meter.scans()).isEqualTo(2);
            assertThat(meter.latest().value("current-L1")).isEqualTo(130.0);
            assertThat(meter.latest().acquiredNanos()).isEqualTo(5_100_000_000L);
            assertThat(meter.latest().at(now.get() + 600_000_000L, 500_000_000L).quality()).isEqualTo(Quality.STALE);

            CompletableFuture<int[]> job = bus.submit(io -> io.read(3, 3, 0, 2));
            assertThat(job).isNotDone(); // queued until the caller drives the bus
            bus.runDue();
            assertThat(job).isDone();
            assertThat(job.get()).hasSize(2);

            assertThatThrownBy(bus::start).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void aBusOnItsOwnThreadIsNotDrivenByItsCaller() throws Exception {
        try (ModbusBus bus = new ModbusBus(BusConfig.tcp("b", "127.0.0.1", FreePort.tcp()), Clock.systemUTC(),
                System::nanoTime)) {
            bus.start();
            assertThatThrownBy(bus::runDue).isInstanceOf(IllegalStateException.class);
        }
    }
}
