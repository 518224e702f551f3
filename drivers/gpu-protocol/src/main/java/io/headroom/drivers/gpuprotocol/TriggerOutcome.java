package io.headroom.drivers.gpuprotocol;

/**
 * What became of a trigger ({@link AgentStateMachine#trigger}, {@link AgentStateMachine#groupTrigger}): {@code ack}
 * is the signed {@link TriggerAck} datagram, or null when the trigger was not authentic (malformed, nothing armed,
 * another agent's id, wrong MAC): then {@code refusal} says why and nothing was changed or answered.
 * {@code checkedWith} is the group key the bytes were found authentic with, if any.
 */
record TriggerOutcome(byte[] ack, TriggerAck.Status status, String refusal, TriggerKey checkedWith) {
    TriggerOutcome(byte[] ack, TriggerAck.Status status, String refusal) {
        this(ack, status, refusal, null);
    }
}
