package io.headroom.appliance.protection;

/**
 * Told about every contingency fan-out once it is complete (every answer in, or its deadline passed), on the
 * trigger's report thread, never on the protection thread: a slow listener delays the next reports, never a fire.
 * Times are the appliance's monotonic clock (the trigger's, {@code System.nanoTime()} in production).
 */
@FunctionalInterface
public interface FastPathListener {

    /**
     * @param feedIndex    the lost feed (index in the site)
     * @param originNanos  the detection: the deciding sample's timestamp, or when the detector handed the event over
     *                     if the waveform source's clock is not this host's ({@link ProtectionLoop#origin})
     * @param sentNanos    when one trigger datagram had been sent to every targeted agent
     * @param lastAckNanos the last agent's acknowledgement (meaningless when {@code answered} is 0)
     * @param targets      agents the contingency was armed on
     * @param answered     agents that answered
     */
    void onFired(int feedIndex, long originNanos, long sentNanos, long lastAckNanos, int targets, int answered);

    FastPathListener NONE = (f, o, s, a, t, n) -> { };
}
