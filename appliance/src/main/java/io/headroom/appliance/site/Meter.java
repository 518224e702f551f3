package io.headroom.appliance.site;

import java.util.List;

import io.headroom.drivers.modbus.RegisterMap;

/**
 * A power meter read over Modbus.
 *
 * @param profile        the register-map profile (for example {@code janitza-umg96rm}, or {@code sunspec} to
 *                       configure the meter from its own SunSpec announcement)
 * @param modbus         its TCP endpoint when it has no {@code busId} (null on a declared bus)
 * @param pollIntervalMs how often it is read
 * @param deadlineMs     a reading older than this is stale, and the feed it measures is treated conservatively
 * @param busId          the declared bus it sits on ({@link ModbusBusSpec}), or null for its own TCP endpoint
 * @param registerMap    the site's own register map for it ({@code registerMap:} in the site file; {@code profile} is
 *                       then the map file as the site file names it), or null for a shipped profile
 */
public record Meter(String id, String profile, Endpoint modbus, int unitId, long pollIntervalMs, long deadlineMs,
                    String busId, RegisterMap registerMap) {

    /** The points a meter's map must declare to measure a feed. */
    public static final List<String> FEED_POINTS = List.of("current-L1", "current-L2", "current-L3", "power-total");

    public Meter(String id, String profile, Endpoint modbus, int unitId, long pollIntervalMs, long deadlineMs) {
        this(id, profile, modbus, unitId, pollIntervalMs, deadlineMs, null);
    }

    public Meter(String id, String profile, Endpoint modbus, int unitId, long pollIntervalMs, long deadlineMs,
                 String busId) {
        this(id, profile, modbus, unitId, pollIntervalMs, deadlineMs, busId, null);
    }

    /** The map its device is read with: the site's own, or the shipped profile's; null for SunSpec discovery. */
    public RegisterMap map() {
        if (registerMap != null) {
            return registerMap;
        }
        return RegisterMap.SUNSPEC.equals(profile) ? null : RegisterMap.load(profile);
    }

    public Meter withModbus(Endpoint e) {
        return new Meter(id, profile, e, unitId, pollIntervalMs, deadlineMs, busId, registerMap);
    }
}
