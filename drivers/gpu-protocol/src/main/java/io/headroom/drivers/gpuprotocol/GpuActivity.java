package io.headroom.drivers.gpuprotocol;

/**
 * What one GPU is doing, as carried by the activity extension of a {@link PowerReport} or a {@link CapAck}
 * (wire: {@link #SIZE} bytes; see the module README, "Activity extension").
 *
 * @param utilPct          share of the last sample period a kernel ran (NVML utilization.gpu), 0..100, or
 *                         {@link #UNKNOWN_PCT}
 * @param smActivityPct    SM (compute unit) activity, 0..100, or {@link #UNKNOWN_PCT} where the hardware or the
 *                         library does not expose it
 * @param smClockMHz       SM (graphics) clock, MHz; 0 unknown
 * @param memClockMHz      memory clock, MHz; 0 unknown
 * @param temperatureC     GPU core temperature, °C, 0..254, or {@link #UNKNOWN_TEMPERATURE}
 * @param throttleReasons  the reasons the clocks are held down now, a set of the {@code THROTTLE_*} bits
 */
public record GpuActivity(int utilPct, int smActivityPct, int smClockMHz, int memClockMHz, int temperatureC,
                          int throttleReasons) {

    /** Bytes per GPU on the wire. */
    public static final int SIZE = 10;
    public static final int UNKNOWN_PCT = 255;
    public static final int UNKNOWN_TEMPERATURE = 255;

    /** Clocks held down because the GPU wants more power than its limit (NVML SW power cap). */
    public static final int THROTTLE_POWER_CAP = 1;
    /** Hardware slowdown (NVML HW slowdown: power brake or thermal, as the board signals it). */
    public static final int THROTTLE_HW_SLOWDOWN = 1 << 1;
    /** Thermal slowdown (NVML SW or HW thermal). */
    public static final int THROTTLE_THERMAL = 1 << 2;
    /** External power brake (NVML HW power brake). */
    public static final int THROTTLE_POWER_BRAKE = 1 << 3;
    /** Idle: nothing runs, the clocks are down for that. */
    public static final int THROTTLE_IDLE = 1 << 4;
    /** Clocks set by the application or the operator, or synchronised with other GPUs (boost sync). */
    public static final int THROTTLE_CLOCK_SETTING = 1 << 5;
    /** Any other reason the library reports. */
    public static final int THROTTLE_OTHER = 1 << 6;
    /** Every bit defined in this version; a decoder keeps unknown bits (a newer agent's) as they are. */
    public static final int THROTTLE_KNOWN = (1 << 7) - 1;

    /** Nothing known: what a backend without activity readings reports. */
    public static final GpuActivity UNKNOWN = new GpuActivity(UNKNOWN_PCT, UNKNOWN_PCT, 0, 0, UNKNOWN_TEMPERATURE, 0);

    public GpuActivity {
        pct("utilPct", utilPct);
        pct("smActivityPct", smActivityPct);
        Wire.u16("smClockMHz", smClockMHz);
        Wire.u16("memClockMHz", memClockMHz);
        if (temperatureC < 0 || temperatureC > 255) {
            throw new IllegalArgumentException("temperatureC " + temperatureC + " outside 0..255");
        }
        Wire.u16("throttleReasons", throttleReasons);
    }

    private static void pct(String what, int v) {
        if (v != UNKNOWN_PCT && (v < 0 || v > 100)) {
            throw new IllegalArgumentException(what + " " + v + " outside 0..100 (or " + UNKNOWN_PCT + " unknown)");
        }
    }

    /** The GPU reports that its clocks are held down by its power limit: it would draw more uncapped. */
    public boolean powerThrottled() {
        return (throttleReasons & (THROTTLE_POWER_CAP | THROTTLE_POWER_BRAKE)) != 0;
    }

    /** The GPU reports idle, or a utilisation of at most 5 %. */
    public boolean idle() {
        return (throttleReasons & THROTTLE_IDLE) != 0 || utilPct <= 5;
    }

    /** The utilisation, or the SM activity where only that is known, or -1. */
    public int busyPct() {
        return utilPct != UNKNOWN_PCT ? utilPct : smActivityPct != UNKNOWN_PCT ? smActivityPct : -1;
    }

    void write(Wire.Writer w) {
        w.u8(utilPct).u8(smActivityPct).u16(smClockMHz).u16(memClockMHz).u8(temperatureC).u8(0)
                .u16(throttleReasons);
    }

    static GpuActivity read(Wire.Reader r) throws ProtocolException {
        int util = r.u8();
        int sm = r.u8();
        int smClk = r.u16();
        int memClk = r.u16();
        int temp = r.u8();
        r.u8(); // reserved
        int reasons = r.u16();
        try {
            return new GpuActivity(util, sm, smClk, memClk, temp, reasons);
        } catch (IllegalArgumentException e) {
            throw r.invalid("activity ", e);
        }
    }

    String toJson(int gpu) {
        StringBuilder b = new StringBuilder(160).append("{\"gpu\":").append(gpu);
        if (utilPct != UNKNOWN_PCT) {
            b.append(",\"utilPct\":").append(utilPct);
        }
        if (smActivityPct != UNKNOWN_PCT) {
            b.append(",\"smActivityPct\":").append(smActivityPct);
        }
        if (smClockMHz != 0) {
            b.append(",\"smClockMHz\":").append(smClockMHz);
        }
        if (memClockMHz != 0) {
            b.append(",\"memClockMHz\":").append(memClockMHz);
        }
        if (temperatureC != UNKNOWN_TEMPERATURE) {
            b.append(",\"temperatureC\":").append(temperatureC);
        }
        b.append(",\"powerThrottled\":").append(powerThrottled())
                .append(",\"throttleReasons\":").append(throttleReasons);
        return b.append('}').toString();
    }
}
