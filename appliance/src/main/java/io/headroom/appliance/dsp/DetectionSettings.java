package io.headroom.appliance.dsp;

/**
 * Thresholds and persistence of the waveform detectors, as fractions of the nominal phase-to-neutral RMS
 * voltage and seconds. Defaults ({@link #defaults()}):
 *
 * <ul>
 *   <li>{@code lossFraction} 0.5, {@code lossPersistenceS} 0.001: the feed is lost when the instantaneous
 *       3-phase voltage magnitude √((va²+vb²+vc²)/3) stays below 50 % of nominal for 1 ms. A balanced 3-phase
 *       set has a constant magnitude, so this needs no window and works at any phase angle: the decision comes
 *       {@code lossPersistenceS} after the first collapsed sample (a quarter cycle is 4.17 ms at 60 Hz). A 20 %
 *       sag (magnitude 0.8), noise, or a zero-filled frame shorter than the persistence do not trip it;</li>
 *   <li>{@code restoreFraction} 0.85, {@code restorePersistenceS} 0.02: restored after 20 ms above 85 %;</li>
 *   <li>{@code phaseLossFraction} 0.5: a phase whose Urms(1/2) is below 50 % is lost (one or two phases
 *       gone: the 3-phase magnitude does not collapse; seen within about one cycle);</li>
 *   <li>{@code sagFraction} 0.9, {@code sagHysteresis} 0.02: the IEC 61000-4-30 dip thresholds on
 *       Urms(1/2);</li>
 *   <li>{@code zeroCrossHysteresis} 0.1: a zero crossing counts only after the voltage has been beyond
 *       ±10 % of the nominal peak since the last one (noise does not make extra crossings);</li>
 *   <li>{@code singlePhase} {@link SinglePhase#CONTINGENCY}, {@code singlePhasePersistenceCycles} 1.5: one
 *       (or two) phases whose instantaneous voltage stays within ±{@code phaseLossFraction} of the nominal peak
 *       for 1.5 nominal cycles is a lost feed ({@code FEED_LOST} with those phases in its mask: for three-phase
 *       IT load behind a UPS rectifier a lost phase is a loss of the feed's capacity). A healthy phase leaves
 *       that band for two thirds of every half cycle, and a phase out for one cycle (which the ITIC curve rides
 *       through) stays in it for at most 1⅓ cycles, so neither fires. {@link SinglePhase#ALARM}: only the
 *       {@code PHASE_LOST} event (journaled, recorded, no contingency).</li>
 * </ul>
 *
 * Keep {@code lossPersistenceS} longer than one stream frame (so that a single zero-filled frame cannot trip)
 * and shorter than a quarter cycle minus the frame duration (so that the loss is seen in time).
 */
public record DetectionSettings(double lossFraction, double lossPersistenceS, double restoreFraction,
                                double restorePersistenceS, double phaseLossFraction, double sagFraction,
                                double sagHysteresis, double zeroCrossHysteresis, SinglePhase singlePhase,
                                double singlePhasePersistenceCycles) {

    /** What a phase lost while the others stay (one or two phases) does. */
    public enum SinglePhase {
        /** Fires the feed's contingency ({@code FEED_LOST}) after the single-phase persistence. */
        CONTINGENCY,
        /** A {@code PHASE_LOST} event only. */
        ALARM
    }

    /** With the default single-phase policy ({@link SinglePhase#CONTINGENCY} after 1.5 cycles). */
    public DetectionSettings(double lossFraction, double lossPersistenceS, double restoreFraction,
                             double restorePersistenceS, double phaseLossFraction, double sagFraction,
                             double sagHysteresis, double zeroCrossHysteresis) {
        this(lossFraction, lossPersistenceS, restoreFraction, restorePersistenceS, phaseLossFraction, sagFraction,
                sagHysteresis, zeroCrossHysteresis, SinglePhase.CONTINGENCY, DEFAULT_SINGLE_PHASE_CYCLES);
    }

    /** 1.5 cycles: more than the 1⅓ cycles a phase out for one cycle stays near zero. */
    public static final double DEFAULT_SINGLE_PHASE_CYCLES = 1.5;

    public DetectionSettings {
        java.util.Objects.requireNonNull(singlePhase, "singlePhase");
        check("singlePhasePersistenceCycles", singlePhasePersistenceCycles, 1.4, 50);
        check("lossFraction", lossFraction, 0.01, 0.95);
        check("lossPersistenceS", lossPersistenceS, 0, 0.1);
        check("restoreFraction", restoreFraction, lossFraction, 1.5);
        check("restorePersistenceS", restorePersistenceS, 0, 10);
        check("phaseLossFraction", phaseLossFraction, 0.01, 0.95);
        check("sagFraction", sagFraction, 0.05, 0.99);
        check("sagHysteresis", sagHysteresis, 0, 0.2);
        check("zeroCrossHysteresis", zeroCrossHysteresis, 0, 0.5);
    }

    private static void check(String name, double v, double min, double max) {
        if (!(v >= min && v <= max)) {
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], was " + v);
        }
    }

    public static DetectionSettings defaults() {
        return new DetectionSettings(0.5, 0.001, 0.85, 0.02, 0.5, 0.9, 0.02, 0.1);
    }

    public DetectionSettings withLossPersistenceS(double s) {
        return new DetectionSettings(lossFraction, s, restoreFraction, restorePersistenceS, phaseLossFraction,
                sagFraction, sagHysteresis, zeroCrossHysteresis, singlePhase, singlePhasePersistenceCycles);
    }

    public DetectionSettings withSinglePhase(SinglePhase mode, double persistenceCycles) {
        return new DetectionSettings(lossFraction, lossPersistenceS, restoreFraction, restorePersistenceS,
                phaseLossFraction, sagFraction, sagHysteresis, zeroCrossHysteresis, mode, persistenceCycles);
    }
}
