package io.headroom.appliance.dsp;

/**
 * One band of a regularly sampled power series: a 4th-order Butterworth high-pass at the band's lower edge, then a
 * 4th-order Butterworth low-pass at its upper edge (two biquads each, the same design as {@link BandPowerMonitor}), so
 * a band's peak-to-peak or RMS can be measured against a {@code control.bands} limit. {@link #step} allocates nothing.
 */
public final class BandPass {

    private static final double Q1 = 0.5411961;
    private static final double Q2 = 1.3065630;

    private final double[] b0 = new double[4];
    private final double[] b1 = new double[4];
    private final double[] b2 = new double[4];
    private final double[] a1 = new double[4];
    private final double[] a2 = new double[4];
    private final double[] z1 = new double[4];
    private final double[] z2 = new double[4];
    private boolean started;

    /**
     * @param lowHz        the band's lower edge, Hz
     * @param highHz       the band's upper edge, Hz (below half the series rate)
     * @param seriesRateHz samples per second
     */
    public BandPass(double lowHz, double highHz, double seriesRateHz) {
        if (!(lowHz > 0 && highHz > lowHz && highHz < seriesRateHz / 2)) {
            throw new IllegalArgumentException("need 0 < low < high < rate/2, got " + lowHz + ", " + highHz + ", "
                    + seriesRateHz);
        }
        set(0, lowHz, seriesRateHz, Q1, true);
        set(1, lowHz, seriesRateHz, Q2, true);
        set(2, highHz, seriesRateHz, Q1, false);
        set(3, highHz, seriesRateHz, Q2, false);
    }

    private void set(int i, double f, double fs, double q, boolean highPass) {
        double w = 2 * Math.PI * f / fs;
        double alpha = Math.sin(w) / (2 * q);
        double cos = Math.cos(w);
        double a0 = 1 + alpha;
        if (highPass) {
            b0[i] = (1 + cos) / 2 / a0;
            b1[i] = -(1 + cos) / a0;
        } else {
            b0[i] = (1 - cos) / 2 / a0;
            b1[i] = (1 - cos) / a0;
        }
        b2[i] = b0[i];
        a1[i] = -2 * cos / a0;
        a2[i] = (1 - alpha) / a0;
    }

    /** The next value of the band-passed series; the first value sets the filters to its steady state. */
    public double step(double x) {
        if (!started) {
            started = true;
            double v = x;
            for (int i = 0; i < 4; i++) {
                double y = (b0[i] + b1[i] + b2[i]) / (1 + a1[i] + a2[i]) * v;
                z1[i] = y - b0[i] * v;
                z2[i] = b2[i] * v - a2[i] * y;
                v = y;
            }
        }
        double v = x;
        for (int i = 0; i < 4; i++) {
            double y = b0[i] * v + z1[i];
            z1[i] = b1[i] * v - a1[i] * y + z2[i];
            z2[i] = b2[i] * v - a2[i] * y;
            v = y;
        }
        return v;
    }
}
