package io.headroom.appliance.site;

/**
 * Regulation-loop settings.
 *
 * @param tickMs          regulation period
 * @param marginFraction  fraction of each feed's limit held back as margin (0.03 = regulate to 97 %)
 * @param deadbandW       per-GPU cap changes smaller than this are not sent
 * @param raiseHoldMs     after a cap is lowered, how long before it may be raised again
 * @param raiseStepW      the most a per-GPU cap rises per tick (caps fall at once)
 */
public record ControlSettings(long tickMs, double marginFraction, double deadbandW, long raiseHoldMs,
                              double raiseStepW) {
}
