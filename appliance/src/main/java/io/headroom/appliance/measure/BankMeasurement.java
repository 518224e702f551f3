package io.headroom.appliance.measure;

/**
 * A supercap bank as measured at one tick.
 *
 * @param powerW      converter power, W: positive = discharging into the feed, negative = charging from it
 * @param socFraction state of charge, 0..1
 * @param usable      read within its deadline and plausible
 */
public record BankMeasurement(String bankId, String feedId, double powerW, double socFraction, boolean usable) {
}
