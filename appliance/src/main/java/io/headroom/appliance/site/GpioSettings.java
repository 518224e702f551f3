package io.headroom.appliance.site;

import java.util.List;

/**
 * Field I/O on the appliance's GPIO header ({@code gpio:} in the site file), by BCM pin number.
 *
 * @param inputs   breaker auxiliary contacts and undervoltage relays
 * @param outputs  alarm relay and status lamp
 * @param watchdog the hardware watchdog, or null
 */
public record GpioSettings(List<Input> inputs, List<Output> outputs, Watchdog watchdog) {

    public GpioSettings {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    public static GpioSettings none() {
        return new GpioSettings(List.of(), List.of(), null);
    }

    /**
     * A digital input.
     *
     * @param kind       {@code breaker-aux} (closed = breaker closed) or {@code undervoltage} (asserted = voltage lost)
     * @param feedId     the feed it watches
     * @param activeLow  the contact pulls the pin low when asserted
     * @param pull       {@code up}, {@code down} or {@code off}
     * @param debounceMs a level must hold this long to count
     */
    public record Input(String id, int pin, String kind, String feedId, boolean activeLow, String pull,
                        long debounceMs) {
    }

    /** A digital output; {@code kind}: {@code alarm-relay} or {@code status-lamp}. */
    public record Output(String id, int pin, String kind, boolean activeLow) {
    }

    /**
     * The hardware watchdog: a pin toggled every {@code kickMs} (an external watchdog IC), or the Linux
     * watchdog device ({@code /dev/watchdog}) written every {@code kickMs}. Exactly one of pin and device.
     */
    public record Watchdog(Integer pin, String device, long kickMs) {
    }
}
