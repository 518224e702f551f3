package io.headroom.appliance.protection;

/**
 * What the fast path asks of whoever sets the caps, once it has fired a contingency: hold the group's nodes at or
 * below that contingency's caps for a while, so that a regulation command computed before the loss cannot undo them.
 * The actuators provide it ({@code Actuator} extends it): the protection knows nothing of them.
 */
@FunctionalInterface
public interface ContingencyHold {

    /** After contingency {@code feedIndex} was triggered: hold its caps for {@code holdNanos} from {@code nowNanos}. */
    void holdContingency(int feedIndex, long nowNanos, long holdNanos);
}
