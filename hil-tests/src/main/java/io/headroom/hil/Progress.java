package io.headroom.hil;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Progress of long work on stderr (stdout stays the figures): {@code WHAT: still running, N s} every few seconds while
 * it runs, the lines the work notes with the time so far, and {@code WHAT: done in N s} at the end if it took longer
 * than the first tick.
 */
public final class Progress implements AutoCloseable {

    private final PrintWriter err;
    private final String what;
    private final LongSupplier nanos;
    private final long t0;
    private final ScheduledExecutorService ticker;
    private volatile boolean ticked;

    private Progress(PrintWriter err, String what, long everyS, LongSupplier nanos) {
        this.err = err;
        this.what = what;
        this.nanos = nanos;
        this.t0 = nanos.getAsLong();
        if (everyS > 0) {
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "progress");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleAtFixedRate(this::tick, everyS, everyS, TimeUnit.SECONDS);
        } else {
            ticker = null;
        }
    }

    /** Starts reporting on {@code err}: a "still running" line every {@code everyS} seconds (0: none). */
    public static Progress start(PrintWriter err, String what, long everyS) {
        return new Progress(err, what, everyS, System::nanoTime);
    }

    /** For tests: no ticker, the given clock. */
    static Progress manual(PrintWriter err, String what, LongSupplier nanos) {
        return new Progress(err, what, 0, nanos);
    }

    private long elapsedS() {
        return Math.round((nanos.getAsLong() - t0) / 1e9);
    }

    void tick() {
        ticked = true;
        synchronized (err) {
            err.printf(Locale.ROOT, "%s: still running, %d s%n", what, elapsedS());
            err.flush();
        }
    }

    /** {@code WHAT: [N s] line}. */
    public void note(String line) {
        synchronized (err) {
            err.printf(Locale.ROOT, "%s: [%d s] %s%n", what, elapsedS(), line);
            err.flush();
        }
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.shutdownNow();
        }
        if (ticked || ticker == null) {
            synchronized (err) {
                err.printf(Locale.ROOT, "%s: done in %d s%n", what, elapsedS());
                err.flush();
            }
        }
    }
}
