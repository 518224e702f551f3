package io.headroom.drivers.gpuprotocol;

/**
 * One GPU's power smoothing, as carried by the smoothing extension of a {@link CapCommand} (wire: {@link #SIZE}
 * bytes; see the module README, "Smoothing extension"): a power floor the GPU's draw is held up to, and limits on how
 * fast its draw may rise and fall. A power limit (cap) always wins over the floor. NVML implements it on Blackwell
 * and newer ({@code nvmlDevicePowerSmoothing*}); {@link SimulatedGpus} models it.
 *
 * @param enabled        whether smoothing is on; off, the other fields are ignored
 * @param floorW         the power floor, W, {@code >= 0}
 * @param rampUpWPerS    the fastest rise of the draw, W/s, {@code > 0}; infinite: not limited
 * @param rampDownWPerS  the fastest fall of the draw, W/s, {@code > 0}; infinite: not limited
 */
public record GpuSmoothing(boolean enabled, double floorW, double rampUpWPerS, double rampDownWPerS) {

    /** Bytes per GPU on the wire: flags u8, floorW f32, rampUpWPerS f32, rampDownWPerS f32. */
    public static final int SIZE = 13;

    /** Smoothing off. */
    public static final GpuSmoothing OFF = new GpuSmoothing(false, 0, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);

    public GpuSmoothing {
        if (!Double.isFinite(floorW) || floorW < 0) {
            throw new IllegalArgumentException("power floor must be finite and >= 0 W, got " + floorW);
        }
        if (!(rampUpWPerS > 0) || !(rampDownWPerS > 0)) {
            throw new IllegalArgumentException("ramp rates must be > 0 W/s (infinite: unlimited), got up "
                    + rampUpWPerS + ", down " + rampDownWPerS);
        }
    }

    /** Smoothing on with this floor and these ramp limits. */
    public static GpuSmoothing on(double floorW, double rampUpWPerS, double rampDownWPerS) {
        return new GpuSmoothing(true, floorW, rampUpWPerS, rampDownWPerS);
    }

    void write(Wire.Writer w) {
        w.u8(enabled ? 1 : 0).f32(floorW).f32(rampUpWPerS).f32(rampDownWPerS);
    }

    static GpuSmoothing read(Wire.Reader r) throws ProtocolException {
        int flags = r.u8();
        double floor = r.f32();
        double up = r.f32();
        double down = r.f32();
        try {
            return new GpuSmoothing((flags & 1) != 0, floor, up, down);
        } catch (IllegalArgumentException e) {
            throw r.invalid("smoothing ", e);
        }
    }

    String toJson(int gpu) {
        if (!enabled) {
            return "{\"gpu\":" + gpu + ",\"enabled\":false}";
        }
        // An unlimited ramp (infinite) is left out: JSON has no infinity.
        return "{\"gpu\":" + gpu + ",\"enabled\":true,\"floorW\":" + Wire.jsonW(floorW)
                + (Double.isInfinite(rampUpWPerS) ? "" : ",\"rampUpWPerS\":" + Wire.jsonW(rampUpWPerS))
                + (Double.isInfinite(rampDownWPerS) ? "" : ",\"rampDownWPerS\":" + Wire.jsonW(rampDownWPerS)) + "}";
    }
}
