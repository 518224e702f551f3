package io.headroom.appliance.control;

/**
 * What a controller asks of the plant: a ceiling on a feed, a group, the whole site or one node. Controllers express
 * limits, not final values, so they compose: the {@link Arbiter} takes the tightest feed, group and site ceiling of
 * each tier, in tier order, and names the one that binds; node ceilings go to the allocation ({@link NodeBounds}),
 * where every one of them holds.
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

    /**
     * At most {@code perGpuW} per GPU on a node's cap, and on its floor with it (so that it holds even against a
     * critical floor), never below the node's GPUs' minimum: what it frees goes to the group's other nodes.
     */
    record NodeCeiling(String nodeId, double perGpuW, Tier tier, String source, String reason) implements Limit {
    }
}
