package io.headroom.appliance.site;

/**
 * A power meter read over Modbus TCP.
 *
 * @param profile        the register-map profile (for example {@code generic-3phase})
 * @param pollIntervalMs how often it is read
 * @param deadlineMs     a reading older than this is stale, and the feed it measures is treated conservatively
 */
public record Meter(String id, String profile, Endpoint modbus, int unitId, long pollIntervalMs, long deadlineMs) {
    public Meter withModbus(Endpoint e) {
        return new Meter(id, profile, e, unitId, pollIntervalMs, deadlineMs);
    }
}
