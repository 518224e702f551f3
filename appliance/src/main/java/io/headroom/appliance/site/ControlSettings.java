package io.headroom.appliance.site;

/**
 * Regulation-loop settings.
 *
 * @param tickMs                regulation period
 * @param marginFraction        fraction of each feed's limit held back as margin (0.03 = regulate to 97 %)
 * @param deadbandW             per-GPU cap changes smaller than this are not sent
 * @param raiseHoldMs           after a cap is lowered, how long before it may be raised again
 * @param raiseStepW            the most a per-GPU cap rises per tick (caps fall at once)
 * @param contractImportLimitW  the utility contract's import limit for the whole site, W (0: none)
 * @param rampLimitWPerS        the most the site's import may change per second with supercap banks, W/s
 * @param smoothingTauMs        time constant of the banks' smoothing filter, ms
 * @param bands                 {@code control.bands}: band and ramp limits at the point of interconnection
 */
public record ControlSettings(long tickMs, double marginFraction, double deadbandW, long raiseHoldMs,
                              double raiseStepW, double contractImportLimitW, double rampLimitWPerS,
                              long smoothingTauMs, BandLimits bands) {

    public ControlSettings {
        bands = bands == null ? BandLimits.NONE : bands;
    }

    /** Regulation settings without band limits. */
    public ControlSettings(long tickMs, double marginFraction, double deadbandW, long raiseHoldMs, double raiseStepW,
                           double contractImportLimitW, double rampLimitWPerS, long smoothingTauMs) {
        this(tickMs, marginFraction, deadbandW, raiseHoldMs, raiseStepW, contractImportLimitW, rampLimitWPerS,
                smoothingTauMs, BandLimits.NONE);
    }

    /** The defaults of the site file's optional grid-side settings. */
    public static final double DEFAULT_RAMP_LIMIT_W_PER_S = 50_000;
    public static final long DEFAULT_SMOOTHING_MS = 5_000;

    /** Regulation settings with no contract limit and the default smoothing. */
    public ControlSettings(long tickMs, double marginFraction, double deadbandW, long raiseHoldMs, double raiseStepW) {
        this(tickMs, marginFraction, deadbandW, raiseHoldMs, raiseStepW, 0, DEFAULT_RAMP_LIMIT_W_PER_S,
                DEFAULT_SMOOTHING_MS);
    }
}
