package io.headroom.appliance.control;

/** Who a limit protects, in the order the arbiter honours them: safety before grid before economics. */
public enum Tier {
    /** Breakers, contingency readiness: never overridden. */
    SAFETY,
    /** The utility contract and grid commitments: yield only to safety and to critical floors. */
    GRID,
    /** Price-driven preferences: yield to everything else. */
    ECONOMICS
}
