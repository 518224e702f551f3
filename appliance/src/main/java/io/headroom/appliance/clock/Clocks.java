package io.headroom.appliance.clock;

import java.time.Clock;
import java.util.Objects;

/**
 * The appliance's two clocks, which enter through {@code Appliance.Options} and reach every loop and driver: a
 * {@link MonotonicClock} for time spans and a UTC {@link Clock} for timestamps (the journal, OpenADR, the API).
 * {@link #system()} is the only place the appliance reads the system's clocks (a build rule,
 * {@code NoSystemClockTest}, says so); a test gives virtual ones and the whole appliance runs in virtual time.
 */
public record Clocks(MonotonicClock monotonic, Clock utc) {

    private static final Clocks SYSTEM = new Clocks(System::nanoTime, Clock.systemUTC());

    public Clocks {
        Objects.requireNonNull(monotonic, "monotonic");
        Objects.requireNonNull(utc, "utc");
    }

    /** The clock adapter: {@code System.nanoTime()} and {@link Clock#systemUTC()}. */
    public static Clocks system() {
        return SYSTEM;
    }

    /** The monotonic clock now, ns. */
    public long nanos() {
        return monotonic.nanos();
    }
}
