package io.headroom.grid;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The site's accepted commitments. Readers (the regulation loop) never block: the book is copy-on-write, and
 * the binding import limit at an instant is the lowest of the limits active then.
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

    /** Cancels a commitment; returns whether it existed. */
    public boolean cancel(String id) {
        synchronized (commitments) {
            return commitments.removeIf(x -> x.id().equals(id));
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

    public List<Commitment> all() {
        return List.copyOf(new ArrayList<>(commitments));
    }
}
