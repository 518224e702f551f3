package io.headroom.appliance.control;

/**
 * What a controller asks of the plant: a ceiling on a feed, a group or the whole site. Controllers express
 * limits, not final values, so they compose: the arbiter takes the tightest of each tier, in tier order, and
 * names the one that binds.
 */
public sealed interface Limit {

    Tier tier();

    /** The controller or commitment that set it, e.g. {@code breaker}, {@code openadr:event-42}. */
    String source();

    /** Why, in words an operator reads on the dashboard. */
    String reason();

    /** At most {@code amps} per phase on a feed. */
    record FeedCeiling(String feedId, double amps, Tier tier, String source, String reason) implements Limit {
    }

    /** At most {@code watts} drawn by a redundancy group's nodes. */
    record GroupCeiling(String groupId, double watts, Tier tier, String source, String reason) implements Limit {
    }

    /** At most {@code watts} imported by the whole site (the sum of its feeds). */
    record SiteCeiling(double watts, Tier tier, String source, String reason) implements Limit {
    }
}
