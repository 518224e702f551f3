package io.headroom.grid;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The site's accepted commitments. Readers (the regulation loop) never block: the book is copy-on-write, and
 * the binding import limit at an instant is the lowest of the limits active then (likewise export limits; the
 * highest simple level; the price of the latest-starting active price).
 */
public final class CommitmentBook {

    private final CopyOnWriteArrayList<Commitment> commitments = new CopyOnWriteArrayList<>();

    /** Adds or replaces (same id) a commitment. */
    public void accept(Commitment c) {
        synchronized (commitments) {
            commitments.removeIf(x -> x.id().equals(c.id()));
            commitments.add(c);
        }
    }

    /** Replaces every commitment of {@code origin} by {@code replacement} atomically (an event modified). */
    public void replaceOrigin(String origin, Collection<? extends Commitment> replacement) {
        synchronized (commitments) {
            List<Commitment> next = new ArrayList<>(commitments);
            next.removeIf(x -> x.origin().equals(origin));
            for (Commitment c : replacement) {
                next.removeIf(x -> x.id().equals(c.id()));
                next.add(c);
            }
            commitments.clear();
            commitments.addAll(next);
        }
    }

    /** Cancels a commitment; returns whether it existed. */
    public boolean cancel(String id) {
        synchronized (commitments) {
            return commitments.removeIf(x -> x.id().equals(id));
        }
    }

    /** Cancels every commitment of an origin (an event cancelled); returns how many there were. */
    public int cancelOrigin(String origin) {
        synchronized (commitments) {
            int before = commitments.size();
            commitments.removeIf(x -> x.origin().equals(origin));
            return before - commitments.size();
        }
    }

    /** The lowest import limit active at {@code t}, if any. */
    public OptionalDouble importLimitAt(Instant t) {
        double min = Double.POSITIVE_INFINITY;
        for (Commitment c : commitments) {
            if (c instanceof Commitment.ImportLimit l && l.activeAt(t)) {
                min = Math.min(min, l.limitW());
            }
        }
        return min == Double.POSITIVE_INFINITY ? OptionalDouble.empty() : OptionalDouble.of(min);
    }

    /** The lowest export limit active at {@code t}, if any. */
    public OptionalDouble exportLimitAt(Instant t) {
        double min = Double.POSITIVE_INFINITY;
        for (Commitment c : commitments) {
            if (c instanceof Commitment.ExportLimit l && l.activeAt(t)) {
                min = Math.min(min, l.limitW());
            }
        }
        return min == Double.POSITIVE_INFINITY ? OptionalDouble.empty() : OptionalDouble.of(min);
    }

    /** The highest simple level active at {@code t}, if any. */
    public OptionalInt simpleLevelAt(Instant t) {
        int max = -1;
        for (Commitment c : commitments) {
            if (c instanceof Commitment.SimpleLevel l && l.activeAt(t)) {
                max = Math.max(max, l.level());
            }
        }
        return max < 0 ? OptionalInt.empty() : OptionalInt.of(max);
    }

    /** The active price at {@code t} that started last (the most specific), if any. */
    public Optional<Commitment.Price> priceAt(Instant t) {
        Commitment.Price best = null;
        for (Commitment c : commitments) {
            if (c instanceof Commitment.Price p && p.activeAt(t) && (best == null || p.start().isAfter(best.start()))) {
                best = p;
            }
        }
        return Optional.ofNullable(best);
    }

    public List<Commitment> all() {
        return List.copyOf(new ArrayList<>(commitments));
    }
}
