package io.headroom.grid;

import java.time.Instant;

/**
 * What the site has promised the utility for a time window. The grid interface turns utility events into
 * commitments; regulation obeys the ones active at each tick. It knows nothing of GPUs.
 */
public sealed interface Commitment permits Commitment.ImportLimit {

    String id();

    Instant start();

    Instant end();

    default boolean activeAt(Instant t) {
        return !t.isBefore(start()) && t.isBefore(end());
    }

    /** The site draws at most {@code limitW} from the utility over [start, end). */
    record ImportLimit(String id, Instant start, Instant end, double limitW) implements Commitment {
        public ImportLimit {
            if (!end.isAfter(start)) {
                throw new IllegalArgumentException("commitment " + id + ": end " + end + " is not after start " + start);
            }
            if (!(limitW >= 0) || Double.isInfinite(limitW)) {
                throw new IllegalArgumentException("commitment " + id + ": import limit " + limitW + " W is not a finite power ≥ 0");
            }
        }
    }
}
