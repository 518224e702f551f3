package io.headroom.drivers.gpio;

/**
 * A debounced change of a digital input.
 *
 * @param name      the input's name (e.g. {@code breaker.A})
 * @param bcm       its BCM pin number
 * @param active    the debounced logical state after the edge (active-high/low already applied)
 * @param edgeNanos monotonic time ({@link GpioClock#nanoTime()}) of the <em>first</em> raw edge of the
 *                  change, i.e. when the contact actually moved, not when the debounce window expired
 */
public record InputEdge(String name, int bcm, boolean active, long edgeNanos) {
}
