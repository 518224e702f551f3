package io.headroom.appliance.dsp;

import java.util.List;

/**
 * The latest band-power figures of the site's total power series ({@link SitePowerSeries}), for the
 * smoothing controller, the API and the reports.
 *
 * @param feeds                the feeds whose waveform P3 is summed (feeds without a waveform stream are not)
 * @param sitePowerW           the last value of the series: Σ P3 of those feeds, W
 * @param lowBandMeanSquareW2  mean square of the 0.1–2 Hz band over the window, W²
 * @param highBandMeanSquareW2 mean square of the 3–30 Hz band over the window, W²
 * @param peakRampWPerS        largest |P(t) − P(t − rampSpan)| / rampSpan over the window, W/s
 * @param samples              values added to the series since start
 * @param seriesRateHz         nominal rate of the series (two per cycle), S/s
 * @param windowS              the sliding window, s
 * @param rampSpanS            the ramp rate's span, s
 * @param staleFeeds           feeds whose stream gave no half cycle within the staleness limit at the last
 *                             value (their last P3 is held in the sum)
 * @param atNanos              the appliance's monotonic clock ({@code Clocks}) of the last value
 */
public record BandPowerReading(List<String> feeds, double sitePowerW, double lowBandMeanSquareW2,
                               double highBandMeanSquareW2, double peakRampWPerS, long samples, double seriesRateHz,
                               double windowS, double rampSpanS, int staleFeeds, long atNanos) {

    public BandPowerReading {
        feeds = List.copyOf(feeds);
    }

    /** RMS of the 0.1–2 Hz band, W. */
    public double lowBandRmsW() {
        return Math.sqrt(lowBandMeanSquareW2);
    }

    /** RMS of the 3–30 Hz band, W. */
    public double highBandRmsW() {
        return Math.sqrt(highBandMeanSquareW2);
    }

    /** Seconds of series the window holds now (the window, once full). */
    public double filledS() {
        return Math.min(windowS, samples / seriesRateHz);
    }

    /** Energy of the 0.1–2 Hz band over the window, ∫x² dt, W²·s. */
    public double lowBandEnergyW2s() {
        return lowBandMeanSquareW2 * filledS();
    }

    /** Energy of the 3–30 Hz band over the window, ∫x² dt, W²·s. */
    public double highBandEnergyW2s() {
        return highBandMeanSquareW2 * filledS();
    }

    /** The window is full (the filters have had a window's time to settle). */
    public boolean settled() {
        return samples >= Math.round(windowS * seriesRateHz);
    }
}
