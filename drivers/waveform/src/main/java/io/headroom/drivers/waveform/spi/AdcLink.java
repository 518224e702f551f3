package io.headroom.drivers.waveform.spi;

import java.io.IOException;

/**
 * The hardware seam of {@link SpiAdcSampleSource}: the DRDY edge and one SPI frame. {@link Pi4jAdcLink} is the
 * Pi4J implementation; tests script one. Used by a single reader thread, except {@link #close()}.
 */
public interface AdcLink extends AutoCloseable {

    /** Returned by {@link #awaitDataReady} when no edge came within the timeout, or once closed. */
    long NO_EDGE = Long.MIN_VALUE;

    /**
     * Waits for the next DRDY falling edge (one new conversion of every channel) not yet consumed and returns
     * when it was seen, {@link System#nanoTime()} clock; {@link #NO_EDGE} on timeout or once closed.
     */
    long awaitDataReady(long timeoutNanos) throws InterruptedException;

    /** One full-duplex frame, chip select low throughout: sends {@code tx[0, len)}, receives {@code rx[0, len)}. */
    void transfer(byte[] tx, byte[] rx, int len) throws IOException;

    /** DRDY edges that arrived while the edge queue was full (the reader fell behind); 0 if not tracked. */
    default long edgesOverrun() {
        return 0;
    }

    /** Makes a blocked {@link #awaitDataReady} return {@link #NO_EDGE}; releases the hardware. Any thread. */
    @Override
    void close();
}
