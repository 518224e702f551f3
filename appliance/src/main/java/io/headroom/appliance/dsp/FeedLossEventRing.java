package io.headroom.appliance.dsp;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The hand-off from the detection thread to the protection loop: a preallocated single-producer,
 * single-consumer ring with volatile sequences. {@link #onFeedLossEvent} (the producer) never waits: when the
 * ring is full the event is dropped and counted ({@link #overflows()}), which at the default capacity means
 * the consumer has been gone for hundreds of events. The consumer polls, or parks in {@link #take} until the
 * producer unparks it.
 */
public final class FeedLossEventRing implements FeedLossListener {

    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(FeedLossEvent[].class);

    private final FeedLossEvent[] slots;
    private final int mask;
    private volatile long published;   // events written (producer)
    private volatile long consumed;    // events read (consumer)
    private long overflows;
    private volatile Thread waiter;

    private final java.util.function.LongSupplier nanoTime;

    /** Timed waits on the system's monotonic clock. */
    public FeedLossEventRing(int capacityPowerOfTwo) {
        this(capacityPowerOfTwo, io.headroom.appliance.clock.Clocks.system().monotonic());
    }

    /** @param nanoTime the monotonic clock that {@link #take}'s timeout is measured on, ns */
    public FeedLossEventRing(int capacityPowerOfTwo, java.util.function.LongSupplier nanoTime) {
        this.nanoTime = java.util.Objects.requireNonNull(nanoTime, "nanoTime");
        if (Integer.bitCount(capacityPowerOfTwo) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two");
        }
        slots = new FeedLossEvent[capacityPowerOfTwo];
        mask = capacityPowerOfTwo - 1;
    }

    /** Producer side (the detection thread): never blocks. */
    @Override
    public void onFeedLossEvent(FeedLossEvent event) {
        long p = published;
        if (p - consumed >= slots.length) {
            overflows++;
            return;
        }
        SLOTS.setRelease(slots, (int) (p & mask), event);
        published = p + 1;
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    /** Consumer side: the next event, or null when none is waiting. */
    public FeedLossEvent poll() {
        long c = consumed;
        if (c >= published) {
            return null;
        }
        int i = (int) (c & mask);
        FeedLossEvent e = (FeedLossEvent) SLOTS.getAcquire(slots, i);
        SLOTS.setRelease(slots, i, (FeedLossEvent) null);
        consumed = c + 1;
        return e;
    }

    /** Consumer side: the next event, waiting up to {@code timeout}; null on timeout or interrupt. */
    public FeedLossEvent take(long timeout, TimeUnit unit) {
        FeedLossEvent e = poll();
        if (e != null) {
            return e;
        }
        long deadline = nanoTime.getAsLong() + unit.toNanos(timeout);
        waiter = Thread.currentThread();
        try {
            while ((e = poll()) == null) {
                long left = deadline - nanoTime.getAsLong();
                if (left <= 0 || Thread.currentThread().isInterrupted()) {
                    return null;
                }
                LockSupport.parkNanos(this, left);
            }
            return e;
        } finally {
            waiter = null;
        }
    }

    /** Events dropped because the ring was full (read from the producer's thread for exactness). */
    public long overflows() {
        return overflows;
    }

    public long published() {
        return published;
    }
}
