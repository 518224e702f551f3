package io.headroom.drivers.gpuprotocol;

/**
 * The power-limit range of one GPU, as reported in an {@link Inventory}. Values are held at
 * the wire precision (IEEE 754 binary32), so an encode/decode round trip is exact.
 *
 * @param minW     lowest accepted power limit, W
 * @param maxW     highest accepted power limit, W
 * @param defaultW the limit the GPU runs at when uncapped, W, within {@code [minW, maxW]}
 */
public record GpuLimits(double minW, double maxW, double defaultW) {

    public GpuLimits {
        minW = Wire.watts("minW", minW);
        maxW = Wire.watts("maxW", maxW);
        defaultW = Wire.watts("defaultW", defaultW);
        if (minW > maxW) {
            throw new IllegalArgumentException(
                    "minW " + Wire.fmtW(minW) + " W > maxW " + Wire.fmtW(maxW) + " W");
        }
        if (defaultW < minW || defaultW > maxW) {
            throw new IllegalArgumentException("defaultW " + Wire.fmtW(defaultW) + " W outside "
                    + Wire.fmtW(minW) + ".." + Wire.fmtW(maxW) + " W");
        }
    }

    /** Whether {@code watts} is an acceptable limit for this GPU. */
    public boolean contains(double watts) {
        return watts >= minW && watts <= maxW;
    }

    /** {@code watts} moved into {@code [minW, maxW]}. */
    public double clamp(double watts) {
        return Math.min(maxW, Math.max(minW, watts));
    }

    /** "200..700 W". */
    public String rangeText() {
        return Wire.fmtW(minW) + ".." + Wire.fmtW(maxW) + " W";
    }
}
