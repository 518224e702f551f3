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
 */
public record FeedPhases(String feedId, String meterId, double[] voltageV, double[] currentA, double[] powerW,
                         double[] powerFactor, double totalPowerW, double totalPowerFactor, double frequencyHz,
                         String quality, long ageMs) {
}
