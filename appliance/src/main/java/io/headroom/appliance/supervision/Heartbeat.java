package io.headroom.appliance.supervision;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * One supervised loop's side of its {@link Supervisor}: the loop {@link #beat}s once per pass (an idle loop too, at
 * its wake-up), reports each event that failed with {@link #failed} (the loop goes on) and, if its thread ends,
 * {@link #stopped}. A beat is a clock read and a volatile write: cheap enough for the fast path, and it allocates
 * nothing.
 *
 * <p>A heartbeat that no supervisor watches ({@link #unwatched}) records the same and is never checked.
 */
public final class Heartbeat {

    private final String loop;
    private final long deadlineNanos;
    private final String consequence;
    private final LongSupplier nanoTime;
    private volatile long lastBeatNanos;
    private final AtomicLong failures = new AtomicLong();
    private volatile String lastFailure;
    private volatile long lastFailureNanos;
    private volatile String stoppedBy;
    private volatile boolean retired;
    private final AtomicReference<Drill> drill = new AtomicReference<>();
    /** For a loop of another module that keeps its own liveness (the trigger's ack intake): read, not pushed. */
    private final Pulled pulled;

    /**
     * How a loop that cannot depend on this package says it lives: the {@code System.nanoTime()} of its last pass,
     * whether its thread still runs, and its count of failed events.
     */
    public record Pulled(LongSupplier lastPassNanos, java.util.function.BooleanSupplier running, LongSupplier failures) {
    }

    Heartbeat(String loop, long deadlineNanos, String consequence, LongSupplier nanoTime) {
        this(loop, deadlineNanos, consequence, nanoTime, null);
    }

    Heartbeat(String loop, long deadlineNanos, String consequence, LongSupplier nanoTime, Pulled pulled) {
        this.pulled = pulled;
        if (deadlineNanos <= 0) {
            throw new IllegalArgumentException("loop " + loop + ": the heartbeat deadline must be positive");
        }
        this.loop = loop;
        this.deadlineNanos = deadlineNanos;
        this.consequence = consequence;
        this.nanoTime = nanoTime;
        this.lastBeatNanos = nanoTime.getAsLong();
    }

    /** A heartbeat nobody checks (a loop run without a supervisor: tests, tools). */
    public static Heartbeat unwatched(String loop) {
        return new Heartbeat(loop, Long.MAX_VALUE, "", io.headroom.appliance.clock.Clocks.system().monotonic());
    }

    public String loop() {
        return loop;
    }

    public long deadlineNanos() {
        return deadlineNanos;
    }

    /** What stops working while this loop is down, in words (for the alarm). */
    public String consequence() {
        return consequence;
    }

    /**
     * The loop is alive: call once per pass. While a {@link Drill} is armed, plays it first (throws or blocks this
     * thread), so that a drilled loop fails or hangs exactly where it would beat.
     */
    public void beat() {
        if (drill.get() != null) {
            play(drill.getAndSet(null));
        }
        lastBeatNanos = nanoTime.getAsLong();
    }

    /** An event of the loop failed; the loop goes on. */
    public void failed(Throwable t) {
        failures.incrementAndGet();
        lastFailure = describe(t);
        lastFailureNanos = nanoTime.getAsLong();
    }

    /** The loop's thread ended on {@code t} (null: it returned by itself); it will beat no more. */
    public void stopped(Throwable t) {
        stoppedBy = t == null ? "its thread returned" : describe(t);
    }

    /** The loop was closed in order (the appliance stops): no longer checked. */
    public void retire() {
        retired = true;
    }

    /** Arms a drill, played at the loop's next beat (replaces one not played yet). */
    public void drill(Drill d) {
        drill.set(d);
    }

    /** Whether an armed drill is still waiting for the loop's next beat (false once the loop is playing it). */
    public boolean drillPending() {
        return drill.get() != null;
    }

    long lastBeatNanos() {
        return pulled == null ? lastBeatNanos : pulled.lastPassNanos().getAsLong();
    }

    long failures() {
        if (pulled != null) {
            long now = pulled.failures().getAsLong();
            long before = failures.getAndSet(now);
            if (now > before) {
                lastFailure = (now - before) + " failed pass(es) since the last check";
                lastFailureNanos = nanoTime.getAsLong();
            }
            return now;
        }
        return failures.get();
    }

    String lastFailure() {
        return lastFailure;
    }

    long lastFailureNanos() {
        return lastFailureNanos;
    }

    String stoppedBy() {
        if (pulled != null && stoppedBy == null && !pulled.running().getAsBoolean()) {
            stoppedBy = "its thread ended";
        }
        return stoppedBy;
    }

    boolean retired() {
        return retired;
    }

    private void play(Drill d) {
        switch (d) {
            case null -> {
            }
            case Drill.Fail f -> throw new Drill.DrillFault("drill: loop " + loop + " fails (" + f.why() + ")");
            case Drill.Hang h -> {
                try {
                    if (!h.latch().await(h.atMost().toNanos(), TimeUnit.NANOSECONDS)) {
                        h.release();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
