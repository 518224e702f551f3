package io.headroom.appliance.actuation;

import io.headroom.appliance.site.Node;

/**
 * Told about the outcome of every cap command sent to a node agent, on the client's completion thread: must
 * return at once.
 */
@FunctionalInterface
public interface AckListener {

    /**
     * @param node           the node commanded
     * @param roundTripNanos from sending the command to its acknowledgement (or to the failure: timeout, error answer)
     * @param acknowledged   whether the agent acknowledged it
     */
    void onCapAck(Node node, long roundTripNanos, boolean acknowledged);

    AckListener NONE = (n, t, ok) -> { };
}
