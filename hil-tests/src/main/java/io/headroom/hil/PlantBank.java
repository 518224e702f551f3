package io.headroom.hil;

import io.headroom.appliance.site.SupercapBank;
import io.headroom.drivers.modbus.MeterSlave;

/**
 * A simulated supercap bank behind its converter, served over Modbus TCP with the bank's profile
 * ({@code supercap-generic}): the appliance writes {@code mode} and {@code power-setpoint}; each plant step the
 * converter follows the setpoint within its power limits while the bank has charge (or room), and the state of
 * charge, voltage, current and power are published. Discharge is positive.
 *
 * <p>The bank is a capacitor: its usable energy (the site's {@code energyWh}) lies between {@link #V_MIN} and
 * {@link #V_MAX}, so its capacitance is {@code C = 2 E / (Vmax² − Vmin²)} and its voltage {@code √(Vmin² + 2 e / C)}
 * for a stored usable energy {@code e}; its series resistance {@link #ESR_OHM} costs {@code I² R} on every
 * transfer (the bank gives more than the feed gets when discharging, takes less than the feed gives when
 * charging), and the current {@code I = P / V} grows as the bank empties, until the converter's current limit
 * ({@link #MAX_CURRENT_A}) caps the power it can pass near empty. SoC is the usable energy's fraction.
 */
public final class PlantBank implements AutoCloseable {

    /** The bank's voltage window: usable energy lies between these, V. */
    static final double V_MAX = 800;
    static final double V_MIN = 400;
    /** Equivalent series resistance of the whole bank, Ω. */
    static final double ESR_OHM = 0.02;
    /** The converter's current limit on the bank side, A. */
    static final double MAX_CURRENT_A = 300;

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
        this.unit = slave.serve(bank.unitId(), bank.map());
        publish();
    }

    /** The converter's Modbus unit (tests write its mode and setpoint as the appliance would). */
    MeterSlave.Unit unitForTests() {
        return unit;
    }

    SupercapBank bank() {
        return bank;
    }

    /** The bank's capacitance, F, from its usable energy and voltage window. */
    double capacitanceF() {
        return 2 * bank.energyWh() * 3600 / (V_MAX * V_MAX - V_MIN * V_MIN);
    }

    /** The bank's voltage now, V. */
    double voltageV() {
        return Math.sqrt(V_MIN * V_MIN + 2 * soc * bank.energyWh() * 3600 / capacitanceF());
    }

    /** Advances by {@code dtS}; returns the power the bank delivers into its feed now, W. */
    double step(double dtS) {
        double mode = unit.value("mode");
        double sp = unit.value("power-setpoint");
        double p = mode == 2 ? Math.clamp(sp, -bank.maxChargeW(), bank.maxDischargeW()) : 0;
        double v = voltageV();
        p = Math.clamp(p, -MAX_CURRENT_A * v, MAX_CURRENT_A * v); // the converter's current limit
        if (p > 0 && soc <= 0.01 || p < 0 && soc >= 0.99) {
            p = 0;
        }
        double current = p / v;
        double lossW = current * current * ESR_OHM;
        double fromBankW = p + lossW; // discharging: the bank gives more; charging: it takes less than the feed gives
        soc = Math.clamp(soc - fromBankW * dtS / 3600 / bank.energyWh(), 0, 1);
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
        double v = voltageV();
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
