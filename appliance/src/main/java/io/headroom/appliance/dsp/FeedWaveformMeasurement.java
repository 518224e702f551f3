package io.headroom.appliance.dsp;

/**
 * The electrical quantities of one feed over the last cycle (refreshed every half cycle), from its waveforms.
 * Arrays are per phase L1..L3. Power sign: positive = drawn by the load. Reactive power positive = inductive
 * (current lagging).
 *
 * @param timestampNanos  source time of the last sample of the window
 * @param halfCycles      half cycles closed since start (a change means a new value)
 * @param frequencyHz     from the last two positive-going zero crossings of L1 (NaN if none)
 * @param urms            Urms(1/2), V: RMS over one cycle from a zero crossing of L1, refreshed each half cycle
 * @param irms            A, over the same window
 * @param p               W
 * @param q               var (cross-phase method: exact for a symmetric voltage set)
 * @param s               VA = Urms · Irms
 * @param pf              P / S (NaN with no current)
 * @param p3,q3,s3,pf3    3-phase totals (S arithmetic)
 * @param dPdtWPerS       change of P3 over the last half cycle, W/s
 * @param lost            the fast detector holds the feed lost
 * @param rotation        phase rotation over the last cycle, −sin of the angle of V L2 from V L1: +0.87 for the
 *                        positive sequence L1-L2-L3 (L2 lags L1 by 120°), −0.87 reversed (L1-L3-L2), near 0 when
 *                        L2 is in or against phase with L1; NaN without voltage
 */
public record FeedWaveformMeasurement(String feedId, long timestampNanos, long halfCycles, double frequencyHz,
                                      double[] urms, double[] irms, double[] p, double[] q, double[] s,
                                      double[] pf, double p3, double q3, double s3, double pf3, double dPdtWPerS,
                                      boolean lost, double rotation) {

    /** Without a rotation figure (NaN). */
    public FeedWaveformMeasurement(String feedId, long timestampNanos, long halfCycles, double frequencyHz,
                                   double[] urms, double[] irms, double[] p, double[] q, double[] s, double[] pf,
                                   double p3, double q3, double s3, double pf3, double dPdtWPerS, boolean lost) {
        this(feedId, timestampNanos, halfCycles, frequencyHz, urms, irms, p, q, s, pf, p3, q3, s3, pf3, dPdtWPerS,
                lost, Double.NaN);
    }
}
