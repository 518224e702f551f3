package io.headroom.drivers.gpuprotocol;

/**
 * Power of one GPU, as reported in a {@link PowerReport}. Values are held at the wire
 * precision (IEEE 754 binary32).
 *
 * @param powerW current draw, W
 * @param limitW power limit enforced by the GPU, W
 */
public record GpuPower(double powerW, double limitW) {

    public GpuPower {
        powerW = Wire.watts("powerW", powerW);
        limitW = Wire.watts("limitW", limitW);
    }
}
