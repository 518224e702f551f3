package io.headroom.drivers.modbus;

import java.time.Instant;

/**
 * One acquisition of a meter's register map: the values, when they were acquired (monotonic and UTC),
 * their quality and their source. Immutable: {@code values} is never written after construction.
 */
public record MeterReading(String source, RegisterMap map, double[] values, long acquiredNanos, Instant acquiredUtc,
                           Quality quality, String error) {

    /** The value of a named point; NaN if the map does not declare it or there is no value. */
    public double value(String point) {
        int i = map.indexOf(point);
        return i < 0 || values.length == 0 ? Double.NaN : values[i];
    }

    /** This reading as seen at {@code nowNanos}: STALE if older than the deadline, otherwise unchanged. */
    public MeterReading at(long nowNanos, long deadlineNanos) {
        if (quality == Quality.GOOD && nowNanos - acquiredNanos > deadlineNanos) {
            return new MeterReading(source, map, values, acquiredNanos, acquiredUtc, Quality.STALE,
                    "no reading for " + (nowNanos - acquiredNanos) / 1_000_000 + " ms");
        }
        return this;
    }

    public static MeterReading error(String source, RegisterMap map, long nowNanos, Instant utc, String error) {
        return new MeterReading(source, map, new double[0], nowNanos, utc, Quality.ERROR, error);
    }
}
