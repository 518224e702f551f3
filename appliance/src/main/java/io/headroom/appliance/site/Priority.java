package io.headroom.appliance.site;

/** How readily a node's GPUs give up power: flexible first, then standard; critical never below its floor. */
public enum Priority {
    CRITICAL, STANDARD, FLEXIBLE;

    /** The name used in site files and the API. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
