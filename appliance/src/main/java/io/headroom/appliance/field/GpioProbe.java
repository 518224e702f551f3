package io.headroom.appliance.field;

import io.headroom.appliance.site.GpioSettings;
import io.headroom.appliance.site.Site;
import io.headroom.drivers.gpio.DebouncedInput;
import io.headroom.drivers.gpio.Gpio;
import io.headroom.drivers.gpio.GpioProvider;
import io.headroom.drivers.gpio.InputSpec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Commissioning: the level of each GPIO input the site file declares, read once as {@link FieldIo} opens them (same
 * pin, pull and polarity), without starting control; outputs and the watchdog are not touched.
 */
public final class GpioProbe {

    private GpioProbe() {
    }

    /**
     * One input as read.
     *
     * @param level    the pin's electrical level, {@code high} or {@code low}
     * @param asserted whether the contact is asserted (the level the site calls active, after {@code activeLow})
     * @param meaning  what the appliance makes of it: {@code breaker closed}/{@code breaker open}, {@code undervoltage
     *                 relay asserted}/{@code released}
     */
    public record Input(String id, int pin, String kind, String feed, boolean activeLow, String pull, String level,
                        boolean asserted, String meaning) {
    }

    /** The provider used and the inputs read, in the site's order. */
    public record Result(String provider, List<Input> inputs) {
    }

    /** The site's GPIO input ids. */
    public static List<String> inputIds(Site site) {
        return site.gpio().inputs().stream().map(GpioSettings.Input::id).toList();
    }

    /**
     * Reads the site's inputs ({@code only}: that one), with {@code provider}.
     *
     * @throws IllegalArgumentException when {@code only} is not an input of the site (the message names those it has)
     * @throws RuntimeException         when the GPIO cannot be opened (no GPIO on this machine, a pin in use)
     */
    public static Result read(Site site, String only, GpioProvider provider) {
        List<GpioSettings.Input> wanted = new ArrayList<>();
        for (GpioSettings.Input in : site.gpio().inputs()) {
            if (only == null || only.equals(in.id())) {
                wanted.add(in);
            }
        }
        if (only != null && wanted.isEmpty()) {
            List<String> ids = inputIds(site);
            throw new IllegalArgumentException("no GPIO input " + only + " in the site; its inputs: "
                    + (ids.isEmpty() ? "none" : String.join(", ", ids)));
        }
        if (wanted.isEmpty()) {
            throw new IllegalArgumentException("the site declares no GPIO inputs (gpio.inputs)");
        }
        List<Input> out = new ArrayList<>();
        try (Gpio gpio = Gpio.open(provider)) {
            for (GpioSettings.Input in : wanted) {
                InputSpec.Pull pull = switch (in.pull()) {
                    case "up" -> InputSpec.Pull.UP;
                    case "down" -> InputSpec.Pull.DOWN;
                    default -> InputSpec.Pull.NONE;
                };
                DebouncedInput d = gpio.input(new InputSpec(in.id(), in.pin(), !in.activeLow(), pull,
                        Duration.ofMillis(in.debounceMs())));
                boolean asserted = d.rawActive();
                boolean high = asserted != in.activeLow();
                boolean breaker = "breaker-aux".equals(in.kind());
                String meaning = breaker ? (asserted ? "breaker closed" : "breaker open")
                        : (asserted ? "undervoltage relay asserted" : "undervoltage relay released");
                out.add(new Input(in.id(), in.pin(), in.kind(), in.feedId(), in.activeLow(), in.pull(),
                        high ? "high" : "low", asserted, meaning));
            }
            return new Result(gpio.provider().name().toLowerCase(java.util.Locale.ROOT), out);
        }
    }
}
