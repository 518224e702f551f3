package io.headroom.hil;

import io.headroom.appliance.site.SupercapBank;
import io.headroom.drivers.modbus.MeterSlave;
import io.headroom.drivers.modbus.RegisterMap;

/**
 * A simulated supercap bank behind its converter, served over Modbus TCP with the bank's profile
 * ({@code supercap-generic}): the appliance writes {@code mode} and {@code power-setpoint}; each plant step the
 * converter follows the setpoint within its power limits while the bank has charge (or room), and the state of
 * charge, voltage (∝ √SoC, as a capacitor's), current and power are published. Discharge is positive.
 */
public final class PlantBank implements AutoCloseable {

    private static final String[] POINTS = {"soc", "voltage", "current", "temperature", "converter-state", "alarms", "power"};

    private final SupercapBank bank;
    private final MeterSlave slave;
    private final MeterSlave.Unit unit;
    private final double[] values = new double[POINTS.length];
    private double soc = 0.5;
    private double powerW;

    PlantBank(SupercapBank bank, int port) throws Exception {
        this.bank = bank;
        this.slave = MeterSlave.tcp("127.0.0.1", port);
        this.unit = slave.serve(bank.unitId(), RegisterMap.load(bank.profile()));
        publish();
    }

    SupercapBank bank() {
        return bank;
    }

    /** Advances by {@code dtS}; returns the power the bank delivers into its feed now, W. */
    double step(double dtS) {
        double mode = unit.value("mode");
        double sp = unit.value("power-setpoint");
        double p = mode == 2 ? Math.clamp(sp, -bank.maxChargeW(), bank.maxDischargeW()) : 0;
        if (p > 0 && soc <= 0.01 || p < 0 && soc >= 0.99) {
            p = 0;
        }
        soc = Math.clamp(soc - p * dtS / 3600 / bank.energyWh(), 0, 1);
        powerW = p;
        publish();
        return p;
    }

    /** State of charge, 0..1. */
    public double socFraction() {
        return soc;
    }

    double soc() {
        return soc;
    }

    double powerW() {
        return powerW;
    }

    private void publish() {
        double v = 800 * Math.sqrt(Math.max(soc, 1e-6));
        values[0] = soc * 100;
        values[1] = v;
        values[2] = powerW / v;
        values[3] = 31.5;
        values[4] = unit.value("mode") == 2 ? 2 : 1;
        values[5] = 0;
        values[6] = powerW;
        unit.set(POINTS, values);
    }

    @Override
    public void close() {
        slave.close();
    }
}
