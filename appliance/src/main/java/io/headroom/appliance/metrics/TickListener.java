package io.headroom.appliance.metrics;

/** Told about every regulation tick, on the regulation thread: must return at once. */
@FunctionalInterface
public interface TickListener {
    void onTick(long startNanos, long durationNanos);

    TickListener NONE = (s, d) -> { };
}
