package io.headroom.appliance.measure;

/**
 * The per-phase picture of one feed at one tick, for the snapshot and the API (display and diagnostics; the
 * control loop uses {@link io.headroom.appliance.measure.FeedMeasurement}). Arrays are L1, L2, L3; a value
 * the meter does not provide is NaN.
 *
 * @param voltageV     line-to-neutral voltage per phase, V
 * @param currentA     current per phase, A
 * @param powerW       active power per phase, W (positive = import into the hall)
 * @param powerFactor  power factor per phase (signed as the meter reports it)
 * @param totalPowerW  3-phase active power, W
 * @param totalPowerFactor 3-phase power factor
 * @param frequencyHz  frequency, Hz
 * @param quality      the reading's quality (GOOD, STALE, ERROR, OUT_OF_RANGE) at the tick
 * @param ageMs        age of the acquisition at the tick
 * @param meterId      the meter the values come from
 * @param powerSource  per phase, where {@code powerW} comes from: {@link #METER} (the meter's own per-phase power),
 *                     {@link #DERIVED} (the meter does not give it: V × I × |PF| of the same reading) or null (unknown:
 *                     {@code powerW} is NaN, never a made-up 0)
 */
public record FeedPhases(String feedId, String meterId, double[] voltageV, double[] currentA, double[] powerW,
                         double[] powerFactor, double totalPowerW, double totalPowerFactor, double frequencyHz,
                         String quality, long ageMs, String[] powerSource) {

    /** The phase's power is the meter's own. */
    public static final String METER = "meter";
    /** The meter does not give the phase's power (absent or "not implemented"): V × I × |PF| of the same reading. */
    public static final String DERIVED = "derived";

    /** Per-phase powers as given: each the meter's own where finite, unknown where NaN. */
    public FeedPhases(String feedId, String meterId, double[] voltageV, double[] currentA, double[] powerW,
                      double[] powerFactor, double totalPowerW, double totalPowerFactor, double frequencyHz,
                      String quality, long ageMs) {
        this(feedId, meterId, voltageV, currentA, powerW, powerFactor, totalPowerW, totalPowerFactor, frequencyHz,
                quality, ageMs, sources(powerW));
    }

    private static String[] sources(double[] powerW) {
        String[] s = new String[powerW.length];
        for (int k = 0; k < s.length; k++) {
            s[k] = Double.isFinite(powerW[k]) ? METER : null;
        }
        return s;
    }
}
