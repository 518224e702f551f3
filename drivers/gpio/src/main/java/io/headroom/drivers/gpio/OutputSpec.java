package io.headroom.drivers.gpio;

import java.util.Objects;

/**
 * A digital output: an alarm relay, a status lamp, a watchdog kick line.
 *
 * @param name       a name for logs
 * @param bcm        BCM pin number
 * @param activeHigh true when "on" drives the pin high
 */
public record OutputSpec(String name, int bcm, boolean activeHigh) {
    public OutputSpec {
        Objects.requireNonNull(name, "name");
        Gpio.checkBcm(bcm);
    }

    public static OutputSpec activeHigh(String name, int bcm) {
        return new OutputSpec(name, bcm, true);
    }
}
