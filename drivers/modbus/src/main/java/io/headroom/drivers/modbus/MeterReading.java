package io.headroom.drivers.modbus;

import java.time.Instant;

/**
 * One acquisition of a device's register map: the values, when they were acquired (monotonic and UTC),
 * their quality and their source. Immutable: the arrays are never written after construction.
 *
 * @param values per point of {@code map} (NaN for strings and unimplemented SunSpec points); empty if no value
 * @param texts  per point, the text of string points (null elsewhere); empty if no value
 * @param error  why the quality is not GOOD, or null
 */
public record MeterReading(String source, RegisterMap map, double[] values, String[] texts, long acquiredNanos,
                           Instant acquiredUtc, Quality quality, String error) {

    private static final String[] NO_TEXT = new String[0];

    public MeterReading(String source, RegisterMap map, double[] values, long acquiredNanos, Instant acquiredUtc,
                        Quality quality, String error) {
        this(source, map, values, NO_TEXT, acquiredNanos, acquiredUtc, quality, error);
    }

    /** The value of a named point; NaN if the map does not declare it or there is no value. */
    public double value(String point) {
        int i = map == null ? -1 : map.indexOf(point);
        return i < 0 || values.length == 0 ? Double.NaN : values[i];
    }

    /** The value of point {@code i} of the map; NaN if there is no value. */
    public double value(int i) {
        return i < 0 || values.length == 0 ? Double.NaN : values[i];
    }

    /** The text of a string point, or null. */
    public String text(String point) {
        int i = map == null ? -1 : map.indexOf(point);
        return i < 0 || texts.length == 0 ? null : texts[i];
    }

    /** This reading as seen at {@code nowNanos}: STALE if older than the deadline, otherwise unchanged. */
    public MeterReading at(long nowNanos, long deadlineNanos) {
        if (quality == Quality.GOOD && nowNanos - acquiredNanos > deadlineNanos) {
            return new MeterReading(source, map, values, texts, acquiredNanos, acquiredUtc, Quality.STALE,
                    "no reading for " + (nowNanos - acquiredNanos) / 1_000_000 + " ms");
        }
        return this;
    }

    public static MeterReading error(String source, RegisterMap map, long nowNanos, Instant utc, String error) {
        return new MeterReading(source, map, new double[0], NO_TEXT, nowNanos, utc, Quality.ERROR, error);
    }
}
