package io.headroom.drivers.gpio;

import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.gpio.digital.DigitalStateChangeListener;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A digital input with software debounce.
 *
 * <p>Every raw edge opens (or extends) a <em>burst</em>; the burst ends when the raw level has not changed for
 * the debounce window. If the level at that point differs from the debounced state, the change is accepted and
 * reported with the time of the burst's <em>first</em> edge (when the contact started to move); otherwise the
 * burst was a glitch and nothing is reported. A glitch shorter than the window is therefore rejected, and
 * contact bounce is reported once, with its first edge's time.
 *
 * <p>Thread-safe: raw edges arrive on Pi4J's thread, the window expires on the {@link GpioClock}'s; listeners
 * run on the latter (or on the former when the debounce is zero), outside any lock.
 */
public final class DebouncedInput implements AutoCloseable {

    private final InputSpec spec;
    private final DigitalInput pin;
    private final GpioClock clock;
    private final List<Consumer<InputEdge>> listeners = new CopyOnWriteArrayList<>();
    private final DigitalStateChangeListener rawListener;

    private final Object lock = new Object();
    private boolean debounced;
    private long burstStartNanos;
    private boolean inBurst;
    private GpioClock.Cancellable window;
    private long windowGeneration;
    private InputEdge lastEdge;
    private long rawEdges;
    private long rejectedGlitches;

    DebouncedInput(InputSpec spec, DigitalInput pin, GpioClock clock) {
        this.spec = Objects.requireNonNull(spec);
        this.pin = Objects.requireNonNull(pin);
        this.clock = Objects.requireNonNull(clock);
        this.debounced = logical(pin.state());
        this.rawListener = e -> onRawEdge();
        pin.addListener(rawListener);
    }

    public InputSpec spec() {
        return spec;
    }

    public String name() {
        return spec.name();
    }

    /** The debounced logical state: true when active. */
    public boolean active() {
        synchronized (lock) {
            return debounced;
        }
    }

    /** The raw logical state right now, without debounce. */
    public boolean rawActive() {
        return logical(pin.state());
    }

    /** The last accepted edge, or null if none since the input was opened. */
    public InputEdge lastEdge() {
        synchronized (lock) {
            return lastEdge;
        }
    }

    /** Raw edges seen so far. */
    public long rawEdges() {
        synchronized (lock) {
            return rawEdges;
        }
    }

    /** Bursts that ended at the debounced state again (glitches) so far. */
    public long rejectedGlitches() {
        synchronized (lock) {
            return rejectedGlitches;
        }
    }

    /** Adds a listener for accepted (debounced) edges. */
    public void addListener(Consumer<InputEdge> listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    public void removeListener(Consumer<InputEdge> listener) {
        listeners.remove(listener);
    }

    private boolean logical(DigitalState state) {
        boolean high = state == DigitalState.HIGH;
        return spec.activeHigh() == high;
    }

    private void onRawEdge() {
        long now = clock.nanoTime();
        Duration debounce = spec.debounce();
        if (debounce.isZero()) {
            InputEdge edge;
            synchronized (lock) {
                rawEdges++;
                boolean raw = rawActive();
                if (raw == debounced) {
                    return;
                }
                debounced = raw;
                edge = new InputEdge(spec.name(), spec.bcm(), raw, now);
                lastEdge = edge;
            }
            fire(edge);
            return;
        }
        synchronized (lock) {
            rawEdges++;
            if (!inBurst) {
                inBurst = true;
                burstStartNanos = now;
            }
            if (window != null) {
                window.cancel();
            }
            long generation = ++windowGeneration;
            window = clock.schedule(debounce, () -> windowExpired(generation));
        }
    }

    private void windowExpired(long generation) {
        InputEdge edge = null;
        synchronized (lock) {
            if (generation != windowGeneration || !inBurst) {
                return; // superseded by a later edge
            }
            inBurst = false;
            window = null;
            boolean raw = rawActive();
            if (raw != debounced) {
                debounced = raw;
                edge = new InputEdge(spec.name(), spec.bcm(), raw, burstStartNanos);
                lastEdge = edge;
            } else {
                rejectedGlitches++;
            }
        }
        if (edge != null) {
            fire(edge);
        }
    }

    private void fire(InputEdge edge) {
        for (Consumer<InputEdge> l : listeners) {
            try {
                l.accept(edge);
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(DebouncedInput.class)
                        .warn("listener of input {} failed", spec.name(), e);
            }
        }
    }

    @Override
    public void close() {
        pin.removeListener(rawListener);
        synchronized (lock) {
            if (window != null) {
                window.cancel();
                window = null;
            }
            windowGeneration++;
        }
    }
}
