package io.headroom.appliance.dsp;

/**
 * What the waveform detector saw on a feed. Immutable; created only when something happens (never per
 * sample), handed to a {@link FeedLossListener} on the detection thread.
 *
 * @param feedIndex          the feed's index in the detector's configuration (for array lookups downstream)
 * @param feedId             the feed's id in the site
 * @param kind               what happened
 * @param firstSampleNanos   timestamp (source clock) of the first sample of the collapse / sag / recovery:
 *                           the first sample of the run that crossed the threshold
 * @param detectedNanos      timestamp of the sample at which the decision was made
 * @param residual           the voltage left, as a fraction of nominal: the 3-phase instantaneous magnitude
 *                           for {@code FEED_LOST}/{@code FEED_RESTORED}, the lowest Urms(1/2) for the others
 * @param phaseMask          phases concerned, bit 0 = L1, bit 1 = L2, bit 2 = L3
 * @param sequence           per-detector event counter, from 1
 */
public record FeedLossEvent(int feedIndex, String feedId, Kind kind, long firstSampleNanos, long detectedNanos,
                            double residual, int phaseMask, long sequence) {

    public enum Kind {
        /** The 3-phase voltage collapsed below the loss threshold for the loss persistence: act now. */
        FEED_LOST,
        /** After {@code FEED_LOST}: the voltage is back above the restore threshold for its persistence. */
        FEED_RESTORED,
        /** One or two phases' Urms(1/2) fell below the phase-loss threshold while the feed as a whole did not. */
        PHASE_LOST,
        /** Every phase is above the phase-loss threshold again. */
        PHASE_RESTORED,
        /** A dip (IEC 61000-4-30): a phase's Urms(1/2) fell to or below the sag threshold. */
        SAG_START,
        /** The dip ended: every phase is above the sag threshold plus hysteresis; residual = the lowest seen. */
        SAG_END
    }

    /** Detection latency in the source's time: decision sample minus first sample, ns. */
    public long latencyNanos() {
        return detectedNanos - firstSampleNanos;
    }
}
