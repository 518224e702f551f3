package io.headroom.appliance.supervision;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * Self-supervision, as a protection relay does it: every loop that protection depends on (the protection thread, the
 * waveform DSP threads, regulation, the journal writer) holds a {@link Heartbeat}; {@link #check} turns the
 * heartbeats into one {@link Verdict} per loop. Heartbeats in, verdicts out: no thread, no I/O, time from the
 * injected clock, so that it is tested exhaustively tick by tick. What acts on the verdicts (alarms, the health
 * endpoint, metrics, the hardware and systemd watchdogs) calls {@link #check} itself, so a dead caller hides
 * nothing from the others.
 *
 * <ul>
 *   <li>{@link State#RUNNING}: the loop beat within its deadline.</li>
 *   <li>{@link State#FAILING}: it beats, but an event failed within {@link #FAILURE_MEMORY} (the loop went on):
 *       an alarm, not a reason to restart.</li>
 *   <li>{@link State#STALLED}: no beat for longer than its deadline (hung, dead, or failing every pass).</li>
 *   <li>{@link State#STOPPED}: its thread ended.</li>
 * </ul>
 * The appliance is {@link Report#healthy} while every loop is RUNNING or FAILING.
 */
public final class Supervisor {

    /** How long a failed event keeps its loop {@link State#FAILING} after it. */
    public static final Duration FAILURE_MEMORY = Duration.ofSeconds(60);

    public enum State {
        RUNNING, FAILING, STALLED, STOPPED;

        public boolean healthy() {
            return this == RUNNING || this == FAILING;
        }
    }

    /**
     * One loop at one check.
     *
     * @param silentNanos  since its last beat
     * @param failures     events that failed since it started
     * @param lastFailure  the last one's exception, or null
     * @param stoppedBy    what ended its thread, or null
     * @param consequence  what stops working while it is down, in words
     */
    public record Verdict(String loop, State state, long silentNanos, long deadlineNanos, long failures,
                          String lastFailure, String stoppedBy, String consequence) {

        /** The alarm for this loop, or null while it is RUNNING. The text is stable while the state is. */
        public String alarm() {
            return switch (state) {
                case RUNNING -> null;
                case FAILING -> String.format(Locale.ROOT, "loop %s: %d event(s) failed, the loop goes on (last: %s)",
                        loop, failures, lastFailure);
                case STALLED -> String.format(Locale.ROOT, "loop %s: stalled, no heartbeat for %d ms (deadline %d ms)%s; %s; "
                                + "watchdog kicks stopped", loop, silentNanos / 1_000_000, deadlineNanos / 1_000_000,
                        lastFailure == null ? "" : " (last failure: " + lastFailure + ")", consequence);
                case STOPPED -> String.format(Locale.ROOT, "loop %s: stopped (%s); %s; watchdog kicks stopped", loop,
                        stoppedBy, consequence);
            };
        }
    }

    /** Every loop at one check. */
    public record Report(List<Verdict> loops) {
        public Report {
            loops = List.copyOf(loops);
        }

        /** Every loop RUNNING or FAILING. */
        public boolean healthy() {
            return loops.stream().allMatch(v -> v.state().healthy());
        }

        /** Why it is not healthy: the alarms of the STALLED and STOPPED loops (empty when healthy). */
        public List<String> reasons() {
            return loops.stream().filter(v -> !v.state().healthy()).map(Verdict::alarm).toList();
        }

        /** Every loop's alarm, the FAILING ones too. */
        public List<String> alarms() {
            List<String> out = new ArrayList<>();
            for (Verdict v : loops) {
                if (v.state() != State.RUNNING) {
                    out.add(v.alarm());
                }
            }
            return out;
        }

        public Verdict of(String loop) {
            return loops.stream().filter(v -> v.loop().equals(loop)).findFirst().orElse(null);
        }
    }

    private final LongSupplier nanoTime;
    private final List<Heartbeat> loops = new CopyOnWriteArrayList<>();

    /** @param nanoTime a monotonic clock in ns ({@code System::nanoTime} in the appliance) */
    public Supervisor(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /**
     * Watches a loop from now on; now counts as its first beat.
     *
     * @param deadline    the longest a healthy loop goes between beats (its period, with room for jitter)
     * @param consequence what stops working while it is down, in words ("feed losses are not answered by the
     *                    armed contingencies")
     * @throws IllegalArgumentException when a loop of that name is already watched
     */
    public Heartbeat watch(String loop, Duration deadline, String consequence) {
        for (Heartbeat h : loops) {
            if (h.loop().equals(loop) && !h.retired()) {
                throw new IllegalArgumentException("loop " + loop + " is already supervised");
            }
        }
        Heartbeat h = new Heartbeat(loop, deadline.toNanos(), consequence, nanoTime);
        loops.add(h);
        return h;
    }

    /**
     * Watches a loop of another module that keeps its own liveness ({@link Heartbeat.Pulled}: its last pass, whether
     * it runs, its failures), read at each check instead of beaten.
     */
    public Heartbeat watch(String loop, Duration deadline, String consequence, Heartbeat.Pulled pulled) {
        for (Heartbeat h : loops) {
            if (h.loop().equals(loop) && !h.retired()) {
                throw new IllegalArgumentException("loop " + loop + " is already supervised");
            }
        }
        Heartbeat h = new Heartbeat(loop, deadline.toNanos(), consequence, nanoTime, pulled);
        loops.add(h);
        return h;
    }

    /** The heartbeat of a watched loop (drills arm it), or null. */
    public Heartbeat heartbeat(String loop) {
        for (Heartbeat h : loops) {
            if (h.loop().equals(loop) && !h.retired()) {
                return h;
            }
        }
        return null;
    }

    /** Every watched loop now, in the order they were watched (retired ones left out). */
    public Report check() {
        long now = nanoTime.getAsLong();
        List<Verdict> out = new ArrayList<>(loops.size());
        for (Heartbeat h : loops) {
            if (h.retired()) {
                continue;
            }
            out.add(verdict(h, now));
        }
        return new Report(out);
    }

    static Verdict verdict(Heartbeat h, long now) {
        long silent = Math.max(0, now - h.lastBeatNanos());
        long failures = h.failures();
        String stoppedBy = h.stoppedBy();
        State s;
        if (stoppedBy != null) {
            s = State.STOPPED;
        } else if (silent > h.deadlineNanos()) {
            s = State.STALLED;
        } else if (failures > 0 && now - h.lastFailureNanos() <= FAILURE_MEMORY.toNanos()) {
            s = State.FAILING;
        } else {
            s = State.RUNNING;
        }
        return new Verdict(h.loop(), s, silent, h.deadlineNanos(), failures, h.lastFailure(), stoppedBy, h.consequence());
    }
}
