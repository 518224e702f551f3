package io.headroom.appliance.journal;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a group's regulation decision is worth a journal row. Pure and clock-injected: time comes in with each
 * offer (the tick's instant), nothing is written here.
 *
 * <p>A decision is worth a row when its <em>substance</em> changed since the group's last row: the tier or kind of
 * the binding limit (its {@link Decision#substance}, e.g. {@code SAFETY/FeedCeiling/breaker}), the group's budget
 * by more than {@code budgetFraction} of the last journaled budget, or the feasibility of its plans. Which of a
 * balanced group's equivalent feeds binds (A, B, C, D in turn, several times a second) is not substance: each such
 * switch is <em>folded</em>, counted, and the count goes with the group's next row. Rows are rate-limited to one
 * per {@code minInterval} per group: a substantive change within it waits, folded, and is journaled at the first
 * offer after the interval if it still differs from the last row (the group's state then, not the one that came
 * first). With decisions folded, a row sums them up at the latest {@code maxSilence} after the group's last.
 */
public final class DecisionFilter {

    /**
     * One tick's decision of a group, as far as the journal cares.
     *
     * @param group     the redundancy group
     * @param substance the tier and kind of the binding limit (what must change for a row), e.g.
     *                  {@code SAFETY/FeedCeiling/breaker}
     * @param detail    what binds in full, the feed included ({@code SAFETY/FeedCeiling/breaker/C}): a change of
     *                  detail alone is a folded decision
     * @param budgetW   the group's budget, W (NaN when none could be evaluated)
     * @param feasible  whether every plan of the group is feasible
     */
    public record Decision(String group, String substance, String detail, double budgetW, boolean feasible) {
        public Decision {
            Objects.requireNonNull(group);
            Objects.requireNonNull(substance);
            Objects.requireNonNull(detail);
        }
    }

    /**
     * A row to journal.
     *
     * @param folded      equivalent decisions folded into this row since the group's previous row (0: none)
     * @param foldedSince the first of them (null when none)
     * @param reason      what made it worth a row: {@code first}, {@code binding}, {@code budget}, {@code feasibility},
     *                    {@code summary} (folded decisions summed up after {@code maxSilence})
     */
    public record Row(long folded, Instant foldedSince, String reason) {
        /** The text appended to the decision's message: {@code " (37 equivalent decisions folded since T)"} or "". */
        public String suffix() {
            return folded == 0 ? "" : " (" + folded + " equivalent decision" + (folded == 1 ? "" : "s")
                    + " folded since " + foldedSince + ")";
        }
    }

    /**
     * The appliance's: at most one row per group every 10 s; a budget that moved by more than 5 %; decisions folded
     * for 10 minutes without a row are summed up in one (reason {@code summary}).
     */
    public static DecisionFilter defaults() {
        return new DecisionFilter(Duration.ofSeconds(10), 0.05, Duration.ofMinutes(10));
    }

    private final Duration minInterval;
    private final Duration maxSilence;
    private final double budgetFraction;
    private final Map<String, GroupState> groups = new HashMap<>();

    public DecisionFilter(Duration minInterval, double budgetFraction) {
        this(minInterval, budgetFraction, null);
    }

    /**
     * @param maxSilence with decisions folded, a group's row is written at the latest this long after its last one
     *                   (the group's state then, reason {@code summary}), so the count is not held back for ever;
     *                   null: never
     */
    public DecisionFilter(Duration minInterval, double budgetFraction, Duration maxSilence) {
        if (minInterval.isNegative() || !(budgetFraction >= 0) || maxSilence != null && maxSilence.compareTo(minInterval) < 0) {
            throw new IllegalArgumentException("minInterval " + minInterval + ", budgetFraction " + budgetFraction
                    + ", maxSilence " + maxSilence);
        }
        this.minInterval = minInterval;
        this.budgetFraction = budgetFraction;
        this.maxSilence = maxSilence;
    }

    private static final class GroupState {
        Decision journaled;
        Instant journaledAt;
        String lastDetail;
        long folded;
        Instant foldedSince;
    }

    /** This tick's decision of a group at {@code at}: a row to journal, or empty (folded or unchanged). */
    public Optional<Row> offer(Decision d, Instant at) {
        GroupState g = groups.computeIfAbsent(d.group(), k -> new GroupState());
        if (g.journaled == null) {
            return Optional.of(journal(g, d, at, "first"));
        }
        String why = substantive(g.journaled, d);
        boolean detailMoved = !d.detail().equals(g.lastDetail);
        g.lastDetail = d.detail();
        if (why != null && !at.isBefore(g.journaledAt.plus(minInterval))) {
            return Optional.of(journal(g, d, at, why));
        }
        if (detailMoved) {
            if (g.folded++ == 0) {
                g.foldedSince = at;
            }
        }
        if (maxSilence != null && g.folded > 0 && !at.isBefore(g.journaledAt.plus(maxSilence))) {
            return Optional.of(journal(g, d, at, "summary"));
        }
        return Optional.empty();
    }

    /** Equivalent decisions folded into a group's next row so far. */
    public long folded(String group) {
        GroupState g = groups.get(group);
        return g == null ? 0 : g.folded;
    }

    private Row journal(GroupState g, Decision d, Instant at, String why) {
        Row r = new Row(g.folded, g.foldedSince, why);
        g.journaled = d;
        g.journaledAt = at;
        g.lastDetail = d.detail();
        g.folded = 0;
        g.foldedSince = null;
        return r;
    }

    /** What of substance differs between the last row and {@code d}, or null. */
    private String substantive(Decision last, Decision d) {
        if (!last.substance().equals(d.substance())) {
            return "binding";
        }
        if (last.feasible() != d.feasible()) {
            return "feasibility";
        }
        double a = last.budgetW();
        double b = d.budgetW();
        if (Double.isNaN(a) != Double.isNaN(b)) {
            return "budget";
        }
        if (!Double.isNaN(a) && Math.abs(b - a) > budgetFraction * Math.max(Math.abs(a), 1.0)) {
            return "budget";
        }
        return null;
    }
}
