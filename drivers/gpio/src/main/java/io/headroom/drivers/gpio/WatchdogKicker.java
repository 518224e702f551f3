package io.headroom.drivers.gpio;

import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.DigitalState;

import java.time.Duration;
import java.util.Objects;

/**
 * Kicks a hardware watchdog by toggling its input pin every {@code period}. {@link #stop()} stops kicking and
 * leaves the pin where it is, so that the watchdog expires and resets the board; that is the point of calling
 * it (the appliance's main loop stops kicking when it stops being healthy).
 */
public final class WatchdogKicker implements AutoCloseable {

    private final OutputSpec spec;
    private final DigitalOutput pin;
    private final GpioClock clock;
    private final Duration period;
    private GpioClock.Cancellable task;
    private boolean high;
    private long kicks;

    WatchdogKicker(OutputSpec spec, DigitalOutput pin, GpioClock clock, Duration period) {
        this.spec = Objects.requireNonNull(spec);
        this.pin = Objects.requireNonNull(pin);
        this.clock = Objects.requireNonNull(clock);
        this.period = Objects.requireNonNull(period);
        if (period.isZero() || period.isNegative()) {
            throw new IllegalArgumentException("watchdog period must be positive: " + period);
        }
        pin.state(DigitalState.LOW);
    }

    public OutputSpec spec() {
        return spec;
    }

    public Duration period() {
        return period;
    }

    /** Starts kicking (one toggle now, then one every period). Idempotent. */
    public synchronized void start() {
        if (task != null) {
            return;
        }
        kick();
        task = clock.scheduleAtFixedRate(period, this::scheduledKick);
    }

    /** Stops kicking: the watchdog will expire and reset the board. Idempotent. */
    public synchronized void stop() {
        if (task != null) {
            task.cancel();
            task = null;
        }
    }

    public synchronized boolean running() {
        return task != null;
    }

    /** Toggles so far. */
    public synchronized long kicks() {
        return kicks;
    }

    private synchronized void scheduledKick() {
        if (task != null) { // a tick already due when stop() ran must not kick
            kick();
        }
    }

    private synchronized void kick() {
        high = !high;
        pin.state(high ? DigitalState.HIGH : DigitalState.LOW);
        kicks++;
    }

    @Override
    public void close() {
        stop();
    }
}
