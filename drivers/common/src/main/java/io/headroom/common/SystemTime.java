package io.headroom.common;

import java.util.function.LongSupplier;

/**
 * The drivers' clock adapter: the one place outside the appliance's {@code Clocks} where a driver reads the system's
 * monotonic clock. A driver takes a {@link LongSupplier} of monotonic nanoseconds, defaulting to {@link #NANOS}, so a
 * test (or the appliance's virtual time) can drive its timers; the build's {@code NoSystemClockTest} keeps every other
 * read out. A static method reference is monomorphic at each call site, so the fast path pays nothing for it once
 * compiled.
 */
public final class SystemTime {

    /** {@link System#nanoTime()}. */
    public static final LongSupplier NANOS = SystemTime::nanoTime;

    private SystemTime() {
    }

    /** {@link System#nanoTime()}. */
    public static long nanoTime() {
        return System.nanoTime();
    }
}
