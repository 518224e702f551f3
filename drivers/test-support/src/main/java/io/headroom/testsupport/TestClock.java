package io.headroom.testsupport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Time that moves only when a test moves it: a UTC {@link Clock} and a monotonic nanosecond clock
 * ({@link LongSupplier}, like {@code System::nanoTime}) advanced together by {@link #advance(Duration)}.
 * {@link #set(Instant)} moves the UTC clock alone (a wall clock may jump; the monotonic one never goes back).
 */
public final class TestClock extends Clock implements LongSupplier {

    /** The UTC start of {@link #atNanos(long)}. */
    public static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

    private final AtomicReference<Instant> now;
    private final AtomicLong nanos;

    /** UTC {@code start}; the monotonic clock at 1 s. */
    public TestClock(Instant start) {
        this(start, 1_000_000_000L);
    }

    public TestClock(Instant start, long startNanos) {
        this.now = new AtomicReference<>(start);
        this.nanos = new AtomicLong(startNanos);
    }

    /** The monotonic clock at {@code startNanos} (UTC at {@link #EPOCH}). */
    public static TestClock atNanos(long startNanos) {
        return new TestClock(EPOCH, startNanos);
    }

    /**
     * Both clocks move forward by {@code d}. A negative {@code d} moves the UTC clock back alone (a wall clock may be
     * set back; the monotonic one never goes back).
     */
    public void advance(Duration d) {
        now.updateAndGet(t -> t.plus(d));
        if (!d.isNegative()) {
            nanos.addAndGet(d.toNanos());
        }
    }

    public void advanceMs(long ms) {
        advance(Duration.ofMillis(ms));
    }

    /** The UTC clock alone jumps to {@code t}. */
    public void set(Instant t) {
        now.set(t);
    }

    /** Monotonic time, ns. */
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public long getAsLong() {
        return nanos.get();
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
