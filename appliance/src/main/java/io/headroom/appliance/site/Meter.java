package io.headroom.appliance.site;

/**
 * A power meter read over Modbus.
 *
 * @param profile        the register-map profile (for example {@code janitza-umg96rm}, or {@code sunspec} to
 *                       configure the meter from its own SunSpec announcement)
 * @param modbus         its TCP endpoint when it has no {@code busId} (null on a declared bus)
 * @param pollIntervalMs how often it is read
 * @param deadlineMs     a reading older than this is stale, and the feed it measures is treated conservatively
 * @param busId          the declared bus it sits on ({@link ModbusBusSpec}), or null for its own TCP endpoint
 */
public record Meter(String id, String profile, Endpoint modbus, int unitId, long pollIntervalMs, long deadlineMs,
                    String busId) {

    public Meter(String id, String profile, Endpoint modbus, int unitId, long pollIntervalMs, long deadlineMs) {
        this(id, profile, modbus, unitId, pollIntervalMs, deadlineMs, null);
    }

    public Meter withModbus(Endpoint e) {
        return new Meter(id, profile, e, unitId, pollIntervalMs, deadlineMs, busId);
    }
}
