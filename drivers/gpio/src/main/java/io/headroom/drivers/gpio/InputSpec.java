package io.headroom.drivers.gpio;

import java.time.Duration;
import java.util.Objects;

/**
 * A digital input: a breaker auxiliary contact or an undervoltage relay.
 *
 * @param name       a name for logs and events
 * @param bcm        BCM pin number (0–27 on a 40-pin header)
 * @param activeHigh true when a high level means "active" (contact closed / relay tripped)
 * @param pull       the bias resistor to request
 * @param debounce   how long the level must stay unchanged before a change is accepted; zero disables
 */
public record InputSpec(String name, int bcm, boolean activeHigh, Pull pull, Duration debounce) {

    public enum Pull { NONE, UP, DOWN }

    public InputSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pull, "pull");
        Objects.requireNonNull(debounce, "debounce");
        Gpio.checkBcm(bcm);
        if (debounce.isNegative()) {
            throw new IllegalArgumentException("debounce must not be negative: " + debounce);
        }
    }

    public static InputSpec activeHigh(String name, int bcm, Duration debounce) {
        return new InputSpec(name, bcm, true, Pull.DOWN, debounce);
    }

    public static InputSpec activeLow(String name, int bcm, Duration debounce) {
        return new InputSpec(name, bcm, false, Pull.UP, debounce);
    }
}
