package io.headroom.appliance.dsp;

/**
 * Spectral content of the site's total power series, for the utility's limits on power oscillations: the
 * mean square (W²) of the series band-passed to 0.1–2 Hz and to 3–30 Hz over a sliding window, and the peak
 * ramp rate |P(t) − P(t − span)| / span over the same window.
 *
 * <p>Each band is a 4th-order Butterworth high-pass then a 4th-order Butterworth low-pass (two biquads
 * each, bilinear transform at the series rate); the series must be sampled regularly at ≥ 60 S/s, e.g. the
 * per-half-cycle 3-phase power (100 or 120 S/s). The window is a preallocated ring; {@link #add} allocates
 * nothing. Give the filters a few seconds (≈ 1/0.1 Hz) to settle. One thread adds; the getters read plain
 * fields on that thread (publish a copy for others).
 */
public final class BandPowerMonitor {

    /** A 2nd-order section, direct form II transposed. */
    private static final class Biquad {
        final double b0, b1, b2, a1, a2;
        double z1, z2;

        Biquad(double b0, double b1, double b2, double a0, double a1, double a2) {
            this.b0 = b0 / a0;
            this.b1 = b1 / a0;
            this.b2 = b2 / a0;
            this.a1 = a1 / a0;
            this.a2 = a2 / a0;
        }

        static Biquad lowPass(double f, double fs, double q) {
            double w = 2 * Math.PI * f / fs;
            double alpha = Math.sin(w) / (2 * q);
            double cos = Math.cos(w);
            return new Biquad((1 - cos) / 2, 1 - cos, (1 - cos) / 2, 1 + alpha, -2 * cos, 1 - alpha);
        }

        static Biquad highPass(double f, double fs, double q) {
            double w = 2 * Math.PI * f / fs;
            double alpha = Math.sin(w) / (2 * q);
            double cos = Math.cos(w);
            return new Biquad((1 + cos) / 2, -(1 + cos), (1 + cos) / 2, 1 + alpha, -2 * cos, 1 - alpha);
        }

        double step(double x) {
            double y = b0 * x + z1;
            z1 = b1 * x - a1 * y + z2;
            z2 = b2 * x - a2 * y;
            return y;
        }

        /** Sets the state to the steady state for a constant input {@code x}; returns the output then. */
        double reset(double x) {
            double y = (b0 + b1 + b2) / (1 + a1 + a2) * x;
            z1 = y - b0 * x;
            z2 = b2 * x - a2 * y;
            return y;
        }
    }

    private static final double Q1 = 0.5411961; // 4th-order Butterworth sections
    private static final double Q2 = 1.3065630;

    private final Biquad[] low;
    private final Biquad[] high;
    private final double[] lowSq;
    private final double[] highSq;
    private final double[] history;   // P over the ramp span
    private final double[] ramps;     // |ramp| over the window
    private final int window;
    private final int span;
    private final double spanS;
    private int pos;
    private int spanPos;
    private long count;
    private double lowSum;
    private double highSum;
    private double peakRamp;

    /**
     * @param seriesRateHz samples per second of the power series (≥ 60)
     * @param windowS      sliding window, s (≥ 10 for the 0.1 Hz band)
     * @param rampSpanS    span of the ramp rate, s
     */
    public BandPowerMonitor(double seriesRateHz, double windowS, double rampSpanS) {
        if (seriesRateHz < 60) {
            throw new IllegalArgumentException("the series must be at least 60 S/s for the 3-30 Hz band");
        }
        window = (int) Math.round(windowS * seriesRateHz);
        span = Math.max(1, (int) Math.round(rampSpanS * seriesRateHz));
        if (window < span || window < 2) {
            throw new IllegalArgumentException("window must be longer than the ramp span");
        }
        spanS = span / seriesRateHz;
        low = new Biquad[]{Biquad.highPass(0.1, seriesRateHz, Q1), Biquad.highPass(0.1, seriesRateHz, Q2),
                Biquad.lowPass(2, seriesRateHz, Q1), Biquad.lowPass(2, seriesRateHz, Q2)};
        double top = Math.min(30, 0.45 * seriesRateHz);
        high = new Biquad[]{Biquad.highPass(3, seriesRateHz, Q1), Biquad.highPass(3, seriesRateHz, Q2),
                Biquad.lowPass(top, seriesRateHz, Q1), Biquad.lowPass(top, seriesRateHz, Q2)};
        lowSq = new double[window];
        highSq = new double[window];
        history = new double[span];
        ramps = new double[window];
    }

    /** Adds the next value of the series (W). */
    public void add(double watts) {
        if (count == 0) {
            double v = watts;
            for (Biquad b : low) {
                v = b.reset(v);
            }
            v = watts;
            for (Biquad b : high) {
                v = b.reset(v);
            }
            java.util.Arrays.fill(history, watts);
        }
        double l = watts;
        for (Biquad b : low) {
            l = b.step(l);
        }
        double h = watts;
        for (Biquad b : high) {
            h = b.step(h);
        }
        double oldest = history[spanPos];
        history[spanPos] = watts;
        spanPos = spanPos == span - 1 ? 0 : spanPos + 1;
        double ramp = Math.abs(watts - oldest) / spanS;

        lowSum += l * l - lowSq[pos];
        highSum += h * h - highSq[pos];
        lowSq[pos] = l * l;
        highSq[pos] = h * h;
        double leaving = ramps[pos];
        ramps[pos] = ramp;
        pos = pos == window - 1 ? 0 : pos + 1;
        count++;
        if (ramp >= peakRamp) {
            peakRamp = ramp;
        } else if (leaving >= peakRamp) {
            double m = 0;
            for (double r : ramps) {
                m = Math.max(m, r);
            }
            peakRamp = m;
        }
        if (pos == 0) { // re-sum once per window against rounding drift
            lowSum = 0;
            highSum = 0;
            for (int i = 0; i < window; i++) {
                lowSum += lowSq[i];
                highSum += highSq[i];
            }
        }
    }

    private int filled() {
        return (int) Math.min(count, window);
    }

    /** Mean square of the 0.1–2 Hz band over the window, W². */
    public double lowBandPowerW2() {
        return filled() == 0 ? 0 : Math.max(0, lowSum) / filled();
    }

    /** Mean square of the 3–30 Hz band over the window, W². */
    public double highBandPowerW2() {
        return filled() == 0 ? 0 : Math.max(0, highSum) / filled();
    }

    /** RMS of the 0.1–2 Hz band, W. */
    public double lowBandRmsW() {
        return Math.sqrt(lowBandPowerW2());
    }

    /** RMS of the 3–30 Hz band, W. */
    public double highBandRmsW() {
        return Math.sqrt(highBandPowerW2());
    }

    /** Largest |ΔP| / span over the window, W/s. */
    public double peakRampWPerS() {
        return peakRamp;
    }

    public long count() {
        return count;
    }
}
