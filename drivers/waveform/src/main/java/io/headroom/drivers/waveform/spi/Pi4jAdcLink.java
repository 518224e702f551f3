package io.headroom.drivers.waveform.spi;

import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalInputConfigBuilder;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.gpio.digital.DigitalStateChangeListener;
import com.pi4j.io.gpio.digital.PullResistance;
import com.pi4j.io.spi.Spi;
import com.pi4j.io.spi.SpiBus;
import com.pi4j.io.spi.SpiChipSelect;
import com.pi4j.io.spi.SpiConfigBuilder;
import com.pi4j.io.spi.SpiMode;

import java.io.IOException;
import java.util.concurrent.locks.LockSupport;

/**
 * {@link AdcLink} through Pi4J 3: an SPI device in mode 1 (CPOL 0, CPHA 1, as the ADS131M family requires) and
 * the DRDY pin as a digital input. The DRDY listener stamps each falling edge with {@link System#nanoTime()} and
 * queues it (a 64-edge single-producer ring, no lock); the reader takes edges in order. Edges that find the ring
 * full are counted ({@link #edgesOverrun()}) and show up as a time gap to the source.
 *
 * <p>Pi4J's own event objects and SPI transfer may allocate; this class does not, per sample. The edge stamp is
 * taken when Pi4J calls the listener, so it carries the GPIO event path's latency and jitter (Pi4J 3 events have
 * no kernel timestamp). The {@link Context} belongs to the caller; {@link #close()} shuts down only the two IOs.
 */
public final class Pi4jAdcLink implements AdcLink {

    /**
     * Where the converter is wired.
     *
     * @param bus        SPI bus (0 = /dev/spidev0.x on a Pi)
     * @param chipSelect chip select line
     * @param baud       SCLK, Hz (the ADS131M08 allows up to 25 MHz; 8 MHz is comfortable on a Pi)
     * @param drdyPin    BCM number of the GPIO wired to DRDY (active low)
     * @param spiProvider  Pi4J provider id for SPI, or null for the context's default
     * @param gpioProvider Pi4J provider id for the digital input, or null for the context's default
     */
    public record Wiring(int bus, int chipSelect, int baud, int drdyPin, String spiProvider, String gpioProvider) {
        public Wiring {
            if (bus < 0 || bus > 6) {
                throw new IllegalArgumentException("SPI bus must be 0..6, was " + bus);
            }
            if (chipSelect < 0 || chipSelect > 10) {
                throw new IllegalArgumentException("chip select must be 0..10, was " + chipSelect);
            }
            if (baud < 1 || baud > 25_000_000) {
                throw new IllegalArgumentException("baud must be 1..25 MHz, was " + baud);
            }
            if (drdyPin < 0) {
                throw new IllegalArgumentException("drdyPin must be >= 0, was " + drdyPin);
            }
        }

        /** Bus 0, CS 0, 8 MHz, DRDY on BCM 25, the context's default providers. */
        public static Wiring defaults() {
            return new Wiring(0, 0, 8_000_000, 25, null, null);
        }
    }

    private static final int RING = 64;
    private static final int MASK = RING - 1;

    private final Context context;
    private final Spi spi;
    private final DigitalInput drdy;
    private final DigitalStateChangeListener listener;
    private final long[] edges = new long[RING];
    private volatile long head;      // written by the listener only
    private volatile long tail;      // written by the reader only
    private volatile Thread waiter;
    private volatile long overrun;
    private volatile boolean closed;

    public Pi4jAdcLink(Context context, Wiring wiring, String id) {
        this.context = context;
        SpiConfigBuilder sc = Spi.newConfigBuilder(context)
                .id(id + "-spi")
                .name("ADS131M " + id)
                .bus(SpiBus.getByNumber(wiring.bus()))
                .chipSelect(SpiChipSelect.getByNumber(wiring.chipSelect()))
                .mode(SpiMode.MODE_1)
                .baud(wiring.baud());
        if (wiring.spiProvider() != null) {
            sc.provider(wiring.spiProvider());
        }
        this.spi = context.create(sc.build());
        DigitalInputConfigBuilder dc = DigitalInput.newConfigBuilder(context)
                .id(id + "-drdy")
                .name("ADS131M " + id + " DRDY")
                .address(wiring.drdyPin())
                .pull(PullResistance.PULL_UP)
                .debounce(0L);
        if (wiring.gpioProvider() != null) {
            dc.provider(wiring.gpioProvider());
        }
        DigitalInput in;
        try {
            in = context.create(dc.build());
        } catch (RuntimeException e) {
            context.shutdown(spi);
            throw e;
        }
        this.drdy = in;
        this.listener = e -> {
            long now = System.nanoTime();
            if (e.state() == DigitalState.LOW) {
                onEdge(now);
            }
        };
        drdy.addListener(listener);
    }

    /** The Pi4J SPI device (for diagnostics and tests). */
    public Spi spi() {
        return spi;
    }

    /** The Pi4J DRDY input (for diagnostics and tests). */
    public DigitalInput drdy() {
        return drdy;
    }

    /** Called on each DRDY falling edge; public so a platform with hardware timestamps can feed its own. */
    public void onEdge(long nanos) {
        long h = head;
        if (h - tail >= RING) {
            overrun = overrun + 1; // single writer
            return;
        }
        edges[(int) (h & MASK)] = nanos;
        head = h + 1;
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    @Override
    public long awaitDataReady(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            long t = tail;
            if (head != t) {
                long edge = edges[(int) (t & MASK)];
                tail = t + 1;
                return edge;
            }
            if (closed) {
                return NO_EDGE;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return NO_EDGE;
            }
            waiter = Thread.currentThread();
            if (head == t && !closed) {
                LockSupport.parkNanos(this, left);
            }
            waiter = null;
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    @Override
    public void transfer(byte[] tx, byte[] rx, int len) throws IOException {
        int n;
        try {
            n = spi.transfer(tx, 0, rx, 0, len);
        } catch (RuntimeException e) {
            throw new IOException("SPI transfer failed: " + e.getMessage(), e);
        }
        if (n < 0) {
            throw new IOException("SPI transfer failed: " + n);
        }
        // a positive count is not checked against len: providers differ (the mock answers 0); a short
        // transfer fails the frame's CRC and is counted there
    }

    @Override
    public long edgesOverrun() {
        return overrun;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
        drdy.removeListener(listener);
        shutdown(drdy);
        shutdown(spi);
    }

    private void shutdown(com.pi4j.io.IO<?, ?, ?> io) {
        try {
            context.shutdown(io);
        } catch (RuntimeException e) {
            // already gone with the context
        }
    }
}
