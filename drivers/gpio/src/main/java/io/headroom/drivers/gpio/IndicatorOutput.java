package io.headroom.drivers.gpio;

import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.DigitalState;

import java.time.Duration;
import java.util.Objects;

/**
 * An on/off/blink output (alarm relay, status lamp). Starts off. Blinking toggles every half period on the
 * {@link GpioClock}, starting on.
 */
public final class IndicatorOutput implements AutoCloseable {

    public enum Mode { OFF, ON, BLINK }

    private final OutputSpec spec;
    private final DigitalOutput pin;
    private final GpioClock clock;
    private Mode mode = Mode.OFF;
    private Duration blinkPeriod;
    private GpioClock.Cancellable blinker;
    private boolean lit;

    IndicatorOutput(OutputSpec spec, DigitalOutput pin, GpioClock clock) {
        this.spec = Objects.requireNonNull(spec);
        this.pin = Objects.requireNonNull(pin);
        this.clock = Objects.requireNonNull(clock);
        drive(false);
    }

    public OutputSpec spec() {
        return spec;
    }

    public synchronized void on() {
        stopBlinking();
        mode = Mode.ON;
        drive(true);
    }

    public synchronized void off() {
        stopBlinking();
        mode = Mode.OFF;
        drive(false);
    }

    public synchronized void set(boolean on) {
        if (on) {
            on();
        } else {
            off();
        }
    }

    /** Blinks with the given full period (on for half, off for half), starting on. */
    public synchronized void blink(Duration period) {
        Objects.requireNonNull(period, "period");
        if (period.isZero() || period.isNegative()) {
            throw new IllegalArgumentException("blink period must be positive: " + period);
        }
        if (mode == Mode.BLINK && period.equals(blinkPeriod)) {
            return;
        }
        stopBlinking();
        mode = Mode.BLINK;
        blinkPeriod = period;
        drive(true);
        blinker = clock.scheduleAtFixedRate(period.dividedBy(2), this::toggle);
    }

    public synchronized Mode mode() {
        return mode;
    }

    /** The logical state now: true when the relay is energised / the lamp is lit. */
    public synchronized boolean isOn() {
        return lit;
    }

    /** The level of the pin now, read back from the provider. */
    public DigitalState pinState() {
        return pin.state();
    }

    private synchronized void toggle() {
        if (mode == Mode.BLINK) {
            drive(!lit);
        }
    }

    private void stopBlinking() {
        if (blinker != null) {
            blinker.cancel();
            blinker = null;
        }
        blinkPeriod = null;
    }

    private void drive(boolean on) {
        lit = on;
        pin.state(on == spec.activeHigh() ? DigitalState.HIGH : DigitalState.LOW);
    }

    @Override
    public synchronized void close() {
        off();
    }
}
