package io.headroom.drivers.gpuprotocol;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** A monotonic nanosecond clock that only moves when told to. */
final class FakeClock implements LongSupplier {

    private final AtomicLong nanos;

    FakeClock(long startNanos) {
        this.nanos = new AtomicLong(startNanos);
    }

    @Override
    public long getAsLong() {
        return nanos.get();
    }

    void advanceMs(long ms) {
        nanos.addAndGet(ms * 1_000_000L);
    }
}
