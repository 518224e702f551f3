package io.headroom.appliance.measure;

/**
 * What the meters say about one feed at one tick.
 *
 * @param currentA the highest phase current, A
 * @param powerW   3-phase active power, W (positive = import)
 * @param quality  GOOD, or why it cannot be used as it is
 * @param ageMs    age of the acquisition at the tick
 */
public record FeedMeasurement(String feedId, double currentA, double powerW, MeasurementQuality quality, long ageMs) {

    public boolean usable() {
        return quality == MeasurementQuality.GOOD && Double.isFinite(currentA) && Double.isFinite(powerW);
    }
}
