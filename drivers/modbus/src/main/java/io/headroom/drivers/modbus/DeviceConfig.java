package io.headroom.drivers.modbus;

import java.time.Duration;

/**
 * One device on a bus.
 *
 * @param id          the source name its readings carry, e.g. {@code meter-A}
 * @param map         its register map, or null to discover it through SunSpec on first contact
 * @param minInterval the shortest time between two scans of this device
 */
public record DeviceConfig(String id, int unitId, RegisterMap map, Duration minInterval) {
    public DeviceConfig {
        if (unitId < 0 || unitId > 255) {
            throw new IllegalArgumentException("device " + id + ": unit id must be 0..255, got " + unitId);
        }
        if (minInterval.isNegative()) {
            throw new IllegalArgumentException("device " + id + ": negative interval");
        }
    }
}
