package io.headroom.appliance.clock;

import java.util.function.LongSupplier;

/**
 * The appliance's monotonic clock: nanoseconds from an arbitrary origin, never going back, for deadlines, ages,
 * periods and latencies (what {@code System.nanoTime()} is in production, {@link Clocks#system()}). A
 * {@link LongSupplier} too, which is how the drivers take it: they know nothing of the appliance.
 */
@FunctionalInterface
public interface MonotonicClock extends LongSupplier {

    /** Now, ns. Only differences mean anything. */
    long nanos();

    @Override
    default long getAsLong() {
        return nanos();
    }
}
