package io.headroom.appliance;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The latest {@link SiteState}: the {@link RegulationLoop} publishes one per tick, everyone else (API, metrics, VEN,
 * field I/O) reads it. Made before the loop, so that its readers can be built before the loop is, and the loop
 * itself built complete (its tick listener, operator controls and supervision given at construction).
 */
public final class LatestState implements Supplier<SiteState> {

    private final AtomicReference<SiteState> state = new AtomicReference<>();

    /** The latest published state; null before the first tick. */
    @Override
    public SiteState get() {
        return state.get();
    }

    void publish(SiteState s) {
        state.set(s);
    }
}
