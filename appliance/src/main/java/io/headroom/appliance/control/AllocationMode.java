package io.headroom.appliance.control;

import java.util.Locale;

/**
 * How a group's GPU budget follows each node's demand within a priority class (the classes' order and the max-min
 * fair split are the same in both).
 * <ul>
 *   <li>{@link #CLASS_FAIR} (the default): a node's demand is guessed from its draw against its cap: drawing at least
 *       95 % of its cap it wants its GPUs' maximum, otherwise 1.1 × its draw + 10 W;</li>
 *   <li>{@link #DEMAND_AWARE}: where the agent reports its GPUs' activity, a node with a GPU held down by its power
 *       limit (power-cap throttled) wants its maximum, and keeps the cap it reached for {@code holdMs} after the
 *       last throttling report (hold time: a training job's next spike is seconds away); a node that has not
 *       throttled for that long, idle or well under its cap, wants only its draw plus a margin (max of
 *       {@link NodeDemand#AWARE_MARGIN_W} and {@link NodeDemand#AWARE_MARGIN_FRACTION} of it), giving the rest up
 *       to the throttled ones. A node without activity (a version-1 agent, Redfish) is estimated as class-fair.</li>
 * </ul>
 * Floors (critical nodes' included), ceilings, silent nodes and the contingency plans are the same in both: the plans
 * are made for the demand vector either mode gives, so they hold for the caps in force.
 */
public enum AllocationMode {
    CLASS_FAIR,
    DEMAND_AWARE;

    /** The system property that selects the appliance's mode ({@code class-fair} or {@code demand-aware}). */
    public static final String PROPERTY = "headroom.allocation";

    /** "class-fair", "demand-aware". */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static AllocationMode parse(String s) {
        for (AllocationMode m : values()) {
            if (m.label().equals(s) || m.name().equalsIgnoreCase(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("allocation mode '" + s + "': use class-fair or demand-aware");
    }

    /** The mode {@link #PROPERTY} names, {@link #CLASS_FAIR} without it. */
    public static AllocationMode fromSystemProperty() {
        String s = System.getProperty(PROPERTY);
        return s == null || s.isBlank() ? CLASS_FAIR : parse(s.trim());
    }
}
