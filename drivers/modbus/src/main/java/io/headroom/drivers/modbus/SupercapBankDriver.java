package io.headroom.drivers.modbus;

import java.util.List;

import java.util.concurrent.CompletableFuture;

/**
 * A supercapacitor bank's converter on a {@link ModbusBus}: reads SoC, voltage, current, temperature, converter
 * state and alarms (the bus scans them like a meter's), and writes the converter's mode and power setpoint.
 * <p>
 * Sign convention: power is <b>positive when the bank discharges</b> into the feed and <b>negative when it
 * charges</b>. A setpoint outside the bank's declared limits ({@code -maxChargeW ≤ P ≤ maxDischargeW}) or not
 * finite is refused with {@link SetpointRefusedException} before anything is sent. After a write the registers are
 * read back and compared with what was written; a device that clamps or ignores the command fails the future
 * with a {@link ModbusDeviceException} saying what it holds instead.
 * <p>
 * The profile must declare {@code soc}, {@code voltage}, {@code current}, {@code temperature},
 * {@code converter-state}, {@code alarms}, and writable {@code mode} and {@code power-setpoint}
 * ({@code supercap-generic} does).
 */
public final class SupercapBankDriver {

    /** Converter modes as written to the {@code mode} register. */
    public enum Mode {
        OFF(0), STANDBY(1), POWER(2);

        private final int code;

        Mode(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    /** The bank's limits, W, both positive numbers. */
    public record Limits(double maxChargeW, double maxDischargeW) {
        public Limits {
            if (!(maxChargeW >= 0) || !(maxDischargeW >= 0)) {
                throw new IllegalArgumentException("bank limits must be >= 0 W, got charge " + maxChargeW
                        + " discharge " + maxDischargeW);
            }
        }
    }

    /** A bank state as read; quality and values as in {@link MeterReading}. */
    public record BankState(String bank, double socPercent, double voltageV, double currentA, double temperatureC,
                            int converterState, long alarms, int mode, double setpointW, double powerW,
                            Quality quality, long acquiredNanos, String error) {
    }

    /** What a verified command left in the converter. */
    public record Applied(Mode mode, double setpointW) {
    }

    /** A setpoint the bank must not be given. */
    public static final class SetpointRefusedException extends IllegalArgumentException {
        public SetpointRefusedException(String message) {
            super(message);
        }
    }

    private static final String[] REQUIRED = {"soc", "voltage", "current", "temperature", "converter-state", "alarms",
            "mode", "power-setpoint"};

    private final ModbusBus bus;
    private final ModbusBus.Device device;
    private final Limits limits;
    private final RegisterMap map;
    private final int modeIndex;
    private final int setpointIndex;

    public SupercapBankDriver(ModbusBus bus, ModbusBus.Device device, Limits limits) {
        this.bus = bus;
        this.device = device;
        this.limits = limits;
        this.map = device.map();
        if (map == null) {
            throw new IllegalArgumentException("bank " + device.id() + ": needs a fixed profile (not SunSpec discovery)");
        }
        String unfit = unfit(map);
        if (unfit != null) {
            throw new IllegalArgumentException("bank " + device.id() + ": profile " + map.profile() + " " + unfit);
        }
        this.modeIndex = map.indexOf("mode");
        this.setpointIndex = map.indexOf("power-setpoint");
    }

    /**
     * Why a map cannot drive a bank (it lacks a point the driver reads, or does not declare {@code mode} and
     * {@code power-setpoint} writable), or null when it can.
     */
    public static String unfit(RegisterMap map) {
        List<String> lacks = new java.util.ArrayList<>();
        for (String p : REQUIRED) {
            if (map.indexOf(p) < 0) {
                lacks.add(p);
            }
        }
        if (!lacks.isEmpty()) {
            return "lacks point" + (lacks.size() > 1 ? "s " : " ") + String.join(", ", lacks) + " (a bank needs "
                    + String.join(", ", REQUIRED) + ")";
        }
        if (!map.points().get(map.indexOf("mode")).writable()
                || !map.points().get(map.indexOf("power-setpoint")).writable()) {
            return "must declare mode and power-setpoint writable (rw)";
        }
        return null;
    }

    public String id() {
        return device.id();
    }

    public Limits limits() {
        return limits;
    }

    /** The bank as last read, seen at {@code nowNanos} (STALE past {@code deadlineNanos}). */
    public BankState state(long nowNanos, long deadlineNanos) {
        MeterReading r = device.latest().at(nowNanos, deadlineNanos);
        double state = r.value("converter-state");
        double mode = r.value("mode");
        double alarms = r.value("alarms");
        return new BankState(device.id(), r.value("soc"), r.value("voltage"), r.value("current"),
                r.value("temperature"), Double.isNaN(state) ? -1 : (int) state, Double.isNaN(alarms) ? 0 : (long) alarms,
                Double.isNaN(mode) ? -1 : (int) mode, r.value("power-setpoint"), r.value("power"), r.quality(),
                r.acquiredNanos(), r.error());
    }

    /**
     * Checks a setpoint against the limits.
     *
     * @throws SetpointRefusedException saying which limit and by how much
     */
    public void check(Mode mode, double powerW) {
        if (!Double.isFinite(powerW)) {
            throw new SetpointRefusedException("bank " + device.id() + ": setpoint " + powerW + " W is not a number");
        }
        if (powerW < -limits.maxChargeW()) {
            throw new SetpointRefusedException("bank " + device.id() + ": charge setpoint " + watts(powerW)
                    + " exceeds the bank's charge limit " + watts(-limits.maxChargeW())
                    + " (charge is negative, discharge positive)");
        }
        if (powerW > limits.maxDischargeW()) {
            throw new SetpointRefusedException("bank " + device.id() + ": discharge setpoint " + watts(powerW)
                    + " exceeds the bank's discharge limit " + watts(limits.maxDischargeW())
                    + " (charge is negative, discharge positive)");
        }
        if (mode != Mode.POWER && powerW != 0) {
            throw new SetpointRefusedException("bank " + device.id() + ": setpoint " + watts(powerW)
                    + " needs mode POWER, got " + mode);
        }
    }

    /**
     * Writes the setpoint, then the mode, reads both back and compares. Refused setpoints throw at once
     * ({@link SetpointRefusedException}); a failed write or read-back completes the future exceptionally.
     */
    public CompletableFuture<Applied> command(Mode mode, double powerW) {
        check(mode, powerW);
        RegisterPoint sp = map.points().get(setpointIndex);
        RegisterPoint md = map.points().get(modeIndex);
        int[] spWords = map.encode(setpointIndex, powerW);
        int[] mdWords = map.encode(modeIndex, mode.code());
        int unit = device.unitId();
        return bus.submit(io -> {
            io.write(unit, sp.address(), spWords);
            io.write(unit, md.address(), mdWords);
            int[] spBack = io.read(unit, 3, sp.address(), sp.words());
            int[] mdBack = io.read(unit, 3, md.address(), md.words());
            double gotSp = RegisterMap.decode(sp, spBack, 0, 0, false);
            double gotMode = RegisterMap.decode(md, mdBack, 0, 0, false);
            double resolution = Math.abs(sp.scale());
            if (Math.abs(gotSp - powerW) > resolution / 2 + 1e-9 || gotMode != mode.code()) {
                throw new ModbusDeviceException("bank " + device.id() + ": read-back mismatch: wrote mode "
                        + mode.code() + " setpoint " + watts(powerW) + ", the converter holds mode " + (long) gotMode
                        + " setpoint " + watts(gotSp), 0, null);
            }
            return new Applied(mode, gotSp);
        });
    }

    private static String watts(double w) {
        return String.format(java.util.Locale.ROOT, "%.0f W", w);
    }
}
