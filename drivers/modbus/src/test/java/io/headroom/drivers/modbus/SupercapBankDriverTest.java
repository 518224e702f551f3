package io.headroom.drivers.modbus;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

class SupercapBankDriverTest {

    static final RegisterMap MAP = RegisterMap.load("supercap-generic");
    static final SupercapBankDriver.Limits LIMITS = new SupercapBankDriver.Limits(40_000, 50_000);

    @Test
    void readsTheBankAndWritesAVerifiedSetpoint() throws Exception {
        int port = FreePort.tcp();
        try (MeterSlave slave = new MeterSlave("127.0.0.1", port, 2, MAP);
             ModbusBus bus = new ModbusBus(BusConfig.tcp("b", "127.0.0.1", port), Clock.systemUTC(), System::nanoTime)) {
            slave.set(new String[]{"soc", "voltage", "current", "temperature", "converter-state", "alarms", "power"},
                    new double[]{81.5, 742.3, -12.5, 31.2, 1, 0b100001, -9000});
            ModbusBus.Device dev = bus.add(new DeviceConfig("bank-A", 2, MAP, Duration.ofMillis(20)));
            SupercapBankDriver bank = new SupercapBankDriver(bus, dev, LIMITS);
            bus.start();
            await().atMost(Duration.ofSeconds(15)).until(() -> dev.latest().quality() == Quality.GOOD);
            SupercapBankDriver.BankState s = bank.state(System.nanoTime(), 1_000_000_000L);
            assertThat(s.socPercent()).isCloseTo(81.5, within(1e-9));
            assertThat(s.voltageV()).isCloseTo(742.3, within(1e-9));
            assertThat(s.currentA()).isCloseTo(-12.5, within(1e-9));
            assertThat(s.temperatureC()).isCloseTo(31.2, within(1e-9));
            assertThat(s.converterState()).isEqualTo(1);
            assertThat(s.alarms()).isEqualTo(0b100001L);
            assertThat(s.powerW()).isEqualTo(-9000.0);

            SupercapBankDriver.Applied a = bank.command(SupercapBankDriver.Mode.POWER, -35_000).get();
            assertThat(a.setpointW()).isEqualTo(-35_000.0);
            assertThat(slave.unit(2).value("power-setpoint")).isEqualTo(-35_000.0);
            assertThat(slave.unit(2).value("mode")).isEqualTo(2.0);
            await().atMost(Duration.ofSeconds(15)).until(() ->
                    bank.state(System.nanoTime(), 1_000_000_000L).setpointW() == -35_000.0);
            assertThat(bank.command(SupercapBankDriver.Mode.POWER, 50_000).get().setpointW()).isEqualTo(50_000.0);
        }
    }

    @Test
    void outOfLimitSetpointsAreRefusedBeforeAnythingIsSent() throws Exception {
        int port = FreePort.tcp();
        try (MeterSlave slave = new MeterSlave("127.0.0.1", port, 1, MAP);
             ModbusBus bus = new ModbusBus(BusConfig.tcp("b", "127.0.0.1", port), Clock.systemUTC(), System::nanoTime)) {
            ModbusBus.Device dev = bus.add(new DeviceConfig("bank-B", 1, MAP, Duration.ofMillis(50)));
            SupercapBankDriver bank = new SupercapBankDriver(bus, dev, LIMITS);
            bus.start();
            assertThatThrownBy(() -> bank.command(SupercapBankDriver.Mode.POWER, -40_001))
                    .isInstanceOf(SupercapBankDriver.SetpointRefusedException.class)
                    .hasMessage("bank bank-B: charge setpoint -40001 W exceeds the bank's charge limit -40000 W "
                            + "(charge is negative, discharge positive)");
            assertThatThrownBy(() -> bank.command(SupercapBankDriver.Mode.POWER, 50_000.6))
                    .hasMessageContaining("discharge setpoint 50001 W exceeds the bank's discharge limit 50000 W");
            assertThatThrownBy(() -> bank.command(SupercapBankDriver.Mode.POWER, Double.NaN))
                    .hasMessageContaining("is not a number");
            assertThatThrownBy(() -> bank.command(SupercapBankDriver.Mode.STANDBY, 1000))
                    .hasMessageContaining("needs mode POWER, got STANDBY");
            assertThat(slave.unit(1).writes()).isZero();
        }
    }

    @Test
    void aConverterThatClampsTheSetpointFailsTheReadBack() throws Exception {
        int port = FreePort.tcp();
        try (MeterSlave slave = new MeterSlave("127.0.0.1", port, 1, MAP);
             ModbusBus bus = new ModbusBus(BusConfig.tcp("b", "127.0.0.1", port), Clock.systemUTC(), System::nanoTime)) {
            int low = MAP.points().get(MAP.indexOf("power-setpoint")).address() + 1;
            // the converter keeps the low word of the setpoint at 0: -35000 (0xFFFF7748) reads back as -65536
            slave.unit(1).onWrite((address, value) -> address == low ? 0 : value);
            ModbusBus.Device dev = bus.add(new DeviceConfig("bank-C", 1, MAP, Duration.ofMillis(50)));
            SupercapBankDriver bank = new SupercapBankDriver(bus, dev, LIMITS);
            bus.start();
            assertThatThrownBy(() -> bank.command(SupercapBankDriver.Mode.POWER, -35_000).get())
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("bank bank-C: read-back mismatch: wrote mode 2 setpoint -35000 W, "
                            + "the converter holds mode 2 setpoint -65536 W");
        }
    }

    @Test
    void aProfileWithoutWritableSetpointIsRejected() {
        RegisterMap ro = RegisterMap.parse("ro", "soc,%,3,0,u16\nvoltage,V,3,1,u16\ncurrent,A,3,2,s16\n"
                + "temperature,C,3,3,s16\nconverter-state,,3,4,u16\nalarms,,3,5,bitfield16\nmode,,3,6,u16\n"
                + "power-setpoint,W,3,7,s32");
        try (ModbusBus bus = new ModbusBus(BusConfig.tcp("b", "127.0.0.1", 1), Clock.systemUTC(), System::nanoTime)) {
            ModbusBus.Device dev = bus.add(new DeviceConfig("bank-D", 1, ro, Duration.ofMillis(50)));
            assertThatThrownBy(() -> new SupercapBankDriver(bus, dev, LIMITS))
                    .hasMessageContaining("must declare mode and power-setpoint writable (rw)");
        }
    }
}
