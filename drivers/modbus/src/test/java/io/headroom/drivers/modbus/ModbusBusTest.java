package io.headroom.drivers.modbus;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

class ModbusBusTest {

    static final RegisterMap GENERIC = RegisterMap.load("generic-3phase");
    static final Duration WAIT = Duration.ofSeconds(15);

    record Frame(int unit, long start, long end, boolean ok) {
    }

    @Test
    void readsWhatTheSlaveServesAndFollowsChanges() throws Exception {
        int port = FreePort.tcp();
        try (MeterSlave slave = new MeterSlave("127.0.0.1", port, 3, GENERIC);
             ModbusBus bus = new ModbusBus(BusConfig.tcp("b", "127.0.0.1", port), Clock.systemUTC(), System::nanoTime)) {
            ModbusBus.Device meter = bus.add(new DeviceConfig("meter-A", 3, GENERIC, Duration.ofMillis(20)));
            slave.set(new String[]{"current-L1", "power-total", "frequency"}, new double[]{142.5, 98_400, 60.01});
            bus.start();
            await().atMost(WAIT).until(() -> meter.latest().quality() == Quality.GOOD
                    && meter.latest().value("current-L1") == 142.5);
            MeterReading r = meter.latest();
            assertThat(r.value("power-total")).isCloseTo(98_400, within(0.01));
            assertThat(r.value("frequency")).isCloseTo(60.01, within(1e-4));
            assertThat(r.source()).isEqualTo("meter-A");
            assertThat(r.acquiredUtc()).isNotNull();
            slave.set(new String[]{"current-L1"}, new double[]{151.0});
            await().atMost(WAIT).until(() -> meter.latest().value("current-L1") == 151.0);
            assertThat(meter.health()).isEqualTo(ModbusBus.Health.HEALTHY);
        }
    }

    @Test
    void vendorProfilesReadBackWhatASlaveServesInTheirLayout() throws Exception {
        for (String profile : List.of("schneider-pm5300", "janitza-umg96rm", "eastron-sdm630")) {
            RegisterMap map = RegisterMap.load(profile);
            int port = FreePort.tcp();
            try (MeterSlave slave = new MeterSlave("127.0.0.1", port, 1, map);
                 ModbusBus bus = new ModbusBus(BusConfig.tcp("b", "127.0.0.1", port), Clock.systemUTC(), System::nanoTime)) {
                slave.set(new String[]{"voltage-L1", "current-L2", "power-total", "frequency"},
                        new double[]{231.5, 88.25, 61_500, 50.02});
                ModbusBus.Device d = bus.add(new DeviceConfig(profile, 1, map, Duration.ofMillis(20)));
                bus.start();
                await().atMost(WAIT).until(() -> d.latest().quality() == Quality.GOOD);
                assertThat(d.latest().value("voltage-L1")).as(profile).isCloseTo(231.5, within(1e-3));
                assertThat(d.latest().value("current-L2")).as(profile).isCloseTo(88.25, within(1e-3));
                assertThat(d.latest().value("power-total")).as(profile).isCloseTo(61_500, within(0.5));
                assertThat(d.latest().value("frequency")).as(profile).isCloseTo(50.02, within(1e-4));
            }
        }
    }

    @Test
    void aDeadDeviceOnASharedGatewayBacksOffWhileTheOthersKeepTheirRate() throws Exception {
        try (FaultyServer gw = new FaultyServer().unit(1, FaultyServer.Behaviour.OK).unit(2, FaultyServer.Behaviour.OK)
                .unit(9, FaultyServer.Behaviour.SILENT);
             ModbusBus bus = new ModbusBus(BusConfig.tcp("gw", "127.0.0.1", gw.port())
                     .withTimeout(Duration.ofMillis(100)).withRetries(1, Duration.ofMillis(800)), Clock.systemUTC(), System::nanoTime)) {
            RegisterMap small = RegisterMap.parse("s", "a,,3,0,u16\nb,,3,1,u16");
            ModbusBus.Device one = bus.add(new DeviceConfig("one", 1, small, Duration.ofMillis(10)));
            ModbusBus.Device two = bus.add(new DeviceConfig("two", 2, small, Duration.ofMillis(10)));
            ModbusBus.Device dead = bus.add(new DeviceConfig("dead", 9, small, Duration.ofMillis(10)));
            bus.start();
            await().atMost(WAIT).until(() -> dead.failures() >= 4 && one.scans() > 100 && two.scans() > 100);
            // the dead unit costs the bus at most (retries + 1) timeouts per backoff: its failures are few
            // while the live units scanned hundreds of times meanwhile
            assertThat(dead.latest().quality()).isEqualTo(Quality.ERROR);
            assertThat(dead.latest().error()).contains("unit 9").contains("registers 0..1");
            assertThat(dead.health()).isEqualTo(ModbusBus.Health.BACKING_OFF);
            assertThat(dead.probes()).isGreaterThanOrEqualTo(3);
            assertThat(one.scans()).isGreaterThan(10 * dead.failures());
            assertThat(two.scans()).isGreaterThan(10 * dead.failures());
            assertThat(one.latest().quality()).isEqualTo(Quality.GOOD);
            assertThat(one.latest().value("b")).isEqualTo(1.0); // the fault server answers address & 0xFFFF
            // and a reading of the dead one turns stale-proof: ERROR is never mistaken for a value
            assertThat(dead.latest().value("a")).isNaN();
        }
    }

    record Poll(String device, long nanos, boolean ok) {
    }

    @Test
    void thePollListenerSeesEveryScanWithItsDurationAndOutcome() throws Exception {
        try (FaultyServer gw = new FaultyServer().unit(1, FaultyServer.Behaviour.OK)
                .unit(2, FaultyServer.Behaviour.SILENT);
             ModbusBus bus = new ModbusBus(BusConfig.tcp("gw", "127.0.0.1", gw.port())
                     .withTimeout(Duration.ofMillis(80)).withRetries(1, Duration.ofMillis(400)), Clock.systemUTC(), System::nanoTime)) {
            RegisterMap small = RegisterMap.parse("s", "a,,3,0,u16\nb,,3,1,u16");
            ModbusBus.Device live = bus.add(new DeviceConfig("live", 1, small, Duration.ofMillis(10)));
            ModbusBus.Device dead = bus.add(new DeviceConfig("dead", 2, small, Duration.ofMillis(10)));
            List<Poll> polls = new CopyOnWriteArrayList<>();
            bus.setPollListener((d, nanos, ok) -> {
                polls.add(new Poll(d.id(), nanos, ok));
                if (polls.size() == 3) {
                    throw new IllegalStateException("a broken listener"); // logged, the bus goes on
                }
            });
            bus.start();
            await().atMost(WAIT).until(() -> dead.failures() >= 2 && live.scans() >= 20);
            bus.close();
            List<Poll> livePolls = polls.stream().filter(p -> p.device().equals("live")).toList();
            List<Poll> deadPolls = polls.stream().filter(p -> p.device().equals("dead")).toList();
            // one call per scan: as many as the device's own counters say, no more
            assertThat(livePolls).hasSize((int) (live.scans() + live.failures())).allMatch(Poll::ok);
            assertThat(deadPolls).hasSize((int) dead.failures()).noneMatch(Poll::ok);
            // every scan has a duration; a dead one lasts at least its timeout (an upper bound on a live one would be a
            // wall-clock speed assert: it failed at 705 ms on a loaded machine)
            assertThat(livePolls).allMatch(p -> p.nanos() > 0);
            assertThat(deadPolls).allMatch(p -> p.nanos() >= 80_000_000L);
        }
    }

    @Test
    void exceptionCodesShortAndGarbledResponsesAreErrorsNeverExceptions() throws Exception {
        try (FaultyServer gw = new FaultyServer().unit(1, FaultyServer.Behaviour.EXCEPTION_2)
                .unit(2, FaultyServer.Behaviour.EXCEPTION_4).unit(3, FaultyServer.Behaviour.SHORT)
                .unit(4, FaultyServer.Behaviour.GARBAGE).unit(5, FaultyServer.Behaviour.BAD_BYTE_COUNT)
                .unit(6, FaultyServer.Behaviour.OK);
             ModbusBus bus = new ModbusBus(BusConfig.tcp("gw", "127.0.0.1", gw.port())
                     .withTimeout(Duration.ofMillis(100)).withRetries(1, Duration.ofMillis(400)), Clock.systemUTC(), System::nanoTime)) {
            RegisterMap map = RegisterMap.parse("s", "a,,3,100,u32\nb,,3,102,u16");
            ModbusBus.Device[] d = new ModbusBus.Device[7];
            for (int u = 1; u <= 6; u++) {
                d[u] = bus.add(new DeviceConfig("u" + u, u, map, Duration.ofMillis(10)));
            }
            bus.start();
            await().atMost(WAIT).until(() -> d[1].failures() >= 2 && d[2].failures() >= 2 && d[3].failures() >= 2
                    && d[4].failures() >= 2 && d[5].failures() >= 2 && d[6].scans() >= 50);
            assertThat(d[1].lastError()).contains("unit 1 function 3 registers 100..102")
                    .contains("exception code 2 (illegal data address)");
            assertThat(d[2].lastError()).contains("exception code 4 (server device failure)");
            assertThat(d[3].lastError()).contains("unit 3");
            assertThat(d[4].lastError()).contains("unit 4");
            assertThat(d[5].lastError()).contains("unit 5");
            for (int u = 1; u <= 5; u++) {
                assertThat(d[u].latest().quality()).as("unit " + u).isEqualTo(Quality.ERROR);
                assertThat(d[u].scans()).as("unit " + u).isZero();
            }
            assertThat(d[6].latest().quality()).isEqualTo(Quality.GOOD);
            assertThat(d[6].latest().value("b")).isEqualTo(102.0);
            // an exception response is an answer: not retried (one request per failed scan)
            assertThat(gw.requests(1)).isLessThanOrEqualTo(d[1].failures() + 1);
        }
    }

    @Test
    void pacingKeepsTheInterFrameGapAndTheUnitChangeDelay() throws Exception {
        try (FaultyServer gw = new FaultyServer().unit(1, FaultyServer.Behaviour.OK).unit(2, FaultyServer.Behaviour.OK);
             ModbusBus bus = new ModbusBus(BusConfig.tcp("gw", "127.0.0.1", gw.port())
                     .withPacing(Duration.ofMillis(3), Duration.ofMillis(8)), Clock.systemUTC(), System::nanoTime)) {
            RegisterMap map = RegisterMap.parse("s", "a,,3,0,u16\nb,,3,10,u16"); // two blocks: two frames per scan
            bus.add(new DeviceConfig("one", 1, map, Duration.ZERO));
            bus.add(new DeviceConfig("two", 2, map, Duration.ZERO));
            List<Frame> frames = new CopyOnWriteArrayList<>();
            bus.setFrameListener((unit, fc, address, count, start, end, ok) -> frames.add(new Frame(unit, start, end, ok)));
            bus.start();
            await().atMost(WAIT).until(() -> frames.size() >= 60);
            int unitChanges = 0;
            for (int i = 1; i < 60; i++) {
                Frame a = frames.get(i - 1);
                Frame b = frames.get(i);
                assertThat(b.start()).as("frames never overlap").isGreaterThanOrEqualTo(a.end());
                long silence = b.start() - a.end();
                long needed = a.unit() == b.unit() ? 3_000_000L : 11_000_000L;
                unitChanges += a.unit() == b.unit() ? 0 : 1;
                assertThat(silence).as("silence before frame " + i).isGreaterThanOrEqualTo(needed);
            }
            assertThat(unitChanges).as("both units were scanned in turn").isGreaterThan(10);
        }
    }

    @Test
    void aReadingTurnsStaleAfterItsDeadline() {
        MeterReading r = new MeterReading("m", GENERIC, new double[12], 1_000_000_000L, java.time.Instant.EPOCH,
                Quality.GOOD, null);
        assertThat(r.at(1_400_000_000L, 500_000_000L).quality()).isEqualTo(Quality.GOOD);
        assertThat(r.at(1_600_000_000L, 500_000_000L).quality()).isEqualTo(Quality.STALE);
        assertThat(r.at(1_600_000_000L, 500_000_000L).error()).contains("600 ms");
    }

    @Test
    void jobsRunOnTheBusThreadAndIoOutsideItIsRefused() throws Exception {
        int port = FreePort.tcp();
        try (MeterSlave slave = new MeterSlave("127.0.0.1", port, 1, GENERIC);
             ModbusBus bus = new ModbusBus(BusConfig.tcp("b", "127.0.0.1", port), Clock.systemUTC(), System::nanoTime)) {
            slave.set(new String[]{"frequency"}, new double[]{50.0});
            bus.start();
            int[] words = bus.submit(io -> io.read(1, 3, 22, 2)).get();
            assertThat(Float.intBitsToFloat((words[0] << 16) | words[1])).isEqualTo(50.0f);
            BusIo[] leaked = new BusIo[1];
            bus.submit(io -> leaked[0] = io).get();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> leaked[0].read(1, 3, 0, 1))
                    .hasMessageContaining("only on the bus thread");
            // a failing job fails its future, and the bus goes on
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> bus.submit(io -> io.read(1, 3, 500, 2)).get())
                    .hasMessageContaining("exception code 2 (illegal data address)");
            assertThat(bus.submit(io -> io.read(1, 3, 22, 2)).get()).containsExactly(words);
        }
    }
}
