package io.headroom.grid;

import java.time.Instant;
import java.util.Objects;

/**
 * What the site has promised the utility for a time window. The grid interface turns utility events into
 * commitments; regulation obeys the ones active at each tick. It knows nothing of GPUs.
 *
 * <p>Every commitment has an id (an OpenADR VEN uses {@code <eventID>/<intervalID>/<payloadType>}), a half-open
 * window [start, end), and an {@link #origin()}: the utility event it came from ({@code ""} when none).
 */
public sealed interface Commitment permits Commitment.ImportLimit, Commitment.ExportLimit, Commitment.Price,
        Commitment.SimpleLevel {

    String id();

    Instant start();

    Instant end();

    /** The event (or other source) this commitment came from; commitments of one origin are cancelled together. */
    default String origin() {
        return "";
    }

    default boolean activeAt(Instant t) {
        return !t.isBefore(start()) && t.isBefore(end());
    }

    private static void checkWindow(String id, Instant start, Instant end) {
        Objects.requireNonNull(id, "commitment id");
        Objects.requireNonNull(start, "commitment " + id + ": start");
        Objects.requireNonNull(end, "commitment " + id + ": end");
        if (!end.isAfter(start)) {
            throw new IllegalArgumentException("commitment " + id + ": end " + end + " is not after start " + start);
        }
    }

    private static void checkPower(String id, String what, double w) {
        if (!(w >= 0) || Double.isInfinite(w)) {
            throw new IllegalArgumentException("commitment " + id + ": " + what + " " + w + " W is not a finite power ≥ 0");
        }
    }

    /** The site draws at most {@code limitW} from the utility over [start, end). */
    record ImportLimit(String id, Instant start, Instant end, double limitW, String origin) implements Commitment {
        public ImportLimit {
            checkWindow(id, start, end);
            checkPower(id, "import limit", limitW);
            origin = origin == null ? "" : origin;
        }

        public ImportLimit(String id, Instant start, Instant end, double limitW) {
            this(id, start, end, limitW, "");
        }
    }

    /** The site feeds at most {@code limitW} into the utility over [start, end). */
    record ExportLimit(String id, Instant start, Instant end, double limitW, String origin) implements Commitment {
        public ExportLimit {
            checkWindow(id, start, end);
            checkPower(id, "export limit", limitW);
            origin = origin == null ? "" : origin;
        }
    }

    /**
     * The price of imported energy over [start, end), per kWh in {@code currency} (an ISO 4217 code, or "" when
     * the program does not say). Informational: regulation may use it to shift flexible load.
     */
    record Price(String id, Instant start, Instant end, double perKwh, String currency, String origin) implements Commitment {
        public Price {
            checkWindow(id, start, end);
            if (!Double.isFinite(perKwh)) {
                throw new IllegalArgumentException("commitment " + id + ": price " + perKwh + " is not finite");
            }
            currency = currency == null ? "" : currency;
            origin = origin == null ? "" : origin;
        }
    }

    /**
     * A simple demand-response level over [start, end): 0 normal, 1 moderate shed, 2 high shed, 3 emergency
     * (OpenADR SIMPLE).
     */
    record SimpleLevel(String id, Instant start, Instant end, int level, String origin) implements Commitment {
        public SimpleLevel {
            checkWindow(id, start, end);
            if (level < 0 || level > 3) {
                throw new IllegalArgumentException("commitment " + id + ": simple level " + level + " is not 0..3");
            }
            origin = origin == null ? "" : origin;
        }
    }
}
