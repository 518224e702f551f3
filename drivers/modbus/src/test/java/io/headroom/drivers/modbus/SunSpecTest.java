package io.headroom.drivers.modbus;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

class SunSpecTest {

    /** A device image: SunS at {@code base}, models 1, 203 (meter int+SF), 64001 (unknown), 802 (battery). */
    static MeterSlave.Unit seed(MeterSlave.Unit u, int base) {
        List<SunSpec.Model> models = List.of(new SunSpec.Model(1, base + 2, 66), new SunSpec.Model(203, base + 70, 105),
                new SunSpec.Model(64001, base + 177, 10), new SunSpec.Model(802, base + 189, 62));
        for (Map.Entry<Integer, Integer> e : SunSpec.headerWords(base, models).entrySet()) {
            u.setWords(3, e.getKey(), e.getValue());
        }
        for (SunSpec.Model m : models) {
            u.setWords(3, m.address() + 2, new int[m.length()]); // every register of a model is readable
        }
        int common = base + 4;
        int[] mn = textWords("Acme Meters", 16);
        u.setWords(3, common, mn);
        int meter = base + 72;
        u.setWords(3, meter + 1, 1423, 1388, 1402, 0xFFFF); // A per phase, A_SF = -1
        u.setWords(3, meter + 6, 2315, 2309, 2320);         // V per phase
        u.setWords(3, meter + 13, 0xFFFF);                   // V_SF = -1
        u.setWords(3, meter + 14, 6001, 0xFFFE);              // Hz, Hz_SF = -2
        u.setWords(3, meter + 16, 9840, 3300, 3270, 3270, 1); // W total and per phase, W_SF = +1
        u.setWords(3, meter + 31, (short) -9800 & 0xFFFF, 0, 0, 0, 0xFFFE); // PF -98.00 %
        int battery = base + 191;
        u.setWords(3, battery + 9, 734);                  // SoC, SoC_SF -1
        u.setWords(3, battery + 20, 3);                   // State CONNECTED
        u.setWords(3, battery + 24, 0, 1 << 1);           // Evt1: over-temp alarm
        u.setWords(3, battery + 32, 7120);                // V, V_SF -1
        u.setWords(3, battery + 42, (short) -1250 & 0xFFFF); // A, A_SF -1 (charging)
        u.setWords(3, battery + 45, (short) -890 & 0xFFFF);  // W, W_SF 1
        u.setWords(3, battery + 54, 0xFFFF);              // SoC_SF
        u.setWords(3, battery + 57, 0xFFFF);              // V_SF
        u.setWords(3, battery + 59, 0xFFFF);              // A_SF
        u.setWords(3, battery + 61, 1);                   // W_SF
        return u;
    }

    static int[] textWords(String s, int n) {
        RegisterMap m = RegisterMap.parse("t", "s,,3,0,string:" + n);
        return m.encodeText(0, s);
    }

    @Test
    void discoversTheModelChainAndReadsTheDeviceFromItsOwnAnnouncement() throws Exception {
        for (int base : SunSpec.BASES) {
            int port = FreePort.tcp();
            try (MeterSlave slave = MeterSlave.tcp("127.0.0.1", port);
                 ModbusBus bus = new ModbusBus(BusConfig.tcp("b", "127.0.0.1", port), Clock.systemUTC(), System::nanoTime)) {
                seed(slave.serve(4, null), base);
                ModbusBus.Device d = bus.add(new DeviceConfig("sunspec-" + base, 4, null, Duration.ofMillis(20)));
                bus.start();
                await().atMost(Duration.ofSeconds(15)).until(() -> d.latest().quality() == Quality.GOOD);
                MeterReading r = d.latest();
                assertThat(d.map().profile()).isEqualTo("sunspec:1+203+802");
                assertThat(r.text("manufacturer")).isEqualTo("Acme Meters");
                assertThat(r.value("current-L1")).isCloseTo(142.3, within(1e-9));
                assertThat(r.value("voltage-L3")).isCloseTo(232.0, within(1e-9));
                assertThat(r.value("frequency")).isCloseTo(60.01, within(1e-9));
                assertThat(r.value("power-total")).isCloseTo(98_400, within(1e-9));
                assertThat(r.value("power-factor")).isCloseTo(-0.98, within(1e-9));
                assertThat(r.value("soc")).isCloseTo(73.4, within(1e-9));
                assertThat(r.value("voltage")).isCloseTo(712.0, within(1e-9));
                assertThat(r.value("current")).isCloseTo(-125.0, within(1e-9));
                assertThat(r.value("power")).isCloseTo(-8900, within(1e-9));
                assertThat((long) r.value("alarms")).isEqualTo(2L);
                assertThat(r.value("state")).isEqualTo(3.0);
            }
        }
    }

    @Test
    void aDeviceWithoutTheMarkerIsAnErrorThatSaysWhereItLooked() throws Exception {
        int port = FreePort.tcp();
        try (MeterSlave slave = MeterSlave.tcp("127.0.0.1", port);
             ModbusBus bus = new ModbusBus(BusConfig.tcp("b", "127.0.0.1", port), Clock.systemUTC(), System::nanoTime)) {
            slave.serve(1, null).setWords(3, 40000, 0x1234, 0x5678);
            ModbusBus.Device d = bus.add(new DeviceConfig("plain", 1, null, Duration.ofMillis(20)));
            bus.start();
            await().atMost(Duration.ofSeconds(15)).until(() -> d.failures() >= 1);
            assertThat(d.lastError()).contains("no SunSpec marker 'SunS'").contains("40000: 0x1234 0x5678")
                    .contains("0: exception 2").contains("50000: exception 2");
            assertThat(d.latest().quality()).isEqualTo(Quality.ERROR);
        }
    }

    @Test
    void floatMeterModelAndAnUnknownOnlyChain() {
        RegisterMap m = SunSpec.build(List.of(new SunSpec.Model(213, 40002, 124)));
        assertThat(m.indexOf("power-total")).isNotNegative();
        assertThat(m.points().get(m.indexOf("frequency")).address()).isEqualTo(40004 + 24);
        assertThat(m.blocks()).hasSize(1);
        assertThat(SunSpec.build(List.of(new SunSpec.Model(64001, 40002, 10)))).isNull();
    }
}
