package io.headroom.drivers.waveform;

/**
 * Counters of a sample source, a snapshot.
 *
 * @param frames          frames accepted and delivered
 * @param samples         samples per channel delivered
 * @param framesLost      frames never received (sequence gaps given up on)
 * @param samplesLost     samples per channel in those gaps
 * @param reordered       frames that arrived after a later one and were still delivered in order
 * @param late            frames that arrived after their gap had been given up on (dropped)
 * @param duplicates      frames received twice (dropped)
 * @param corrupt         datagrams rejected: bad magic, version, length or CRC
 * @param foreign         frames of another stream id or channel layout (dropped)
 * @param lastFrameNanos  the source's monotonic clock when the last frame was accepted, 0 if none
 * @param unknownSender   datagrams from a sender the source does not allow (dropped unread)
 * @param suspect         frames whose sequence number was too far from the expected one (dropped)
 * @param resyncs         times the stream moved to a new sequence after a run of suspect frames
 * @param rateMismatch    frames announcing another sample rate than the configured one (dropped)
 */
public record SourceStats(long frames, long samples, long framesLost, long samplesLost, long reordered, long late,
                          long duplicates, long corrupt, long foreign, long lastFrameNanos, long unknownSender,
                          long suspect, long resyncs, long rateMismatch) {

    public static final SourceStats NONE = new SourceStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** A source that neither filters senders nor follows sequence numbers (SPI, replay). */
    public SourceStats(long frames, long samples, long framesLost, long samplesLost, long reordered, long late,
                       long duplicates, long corrupt, long foreign, long lastFrameNanos) {
        this(frames, samples, framesLost, samplesLost, reordered, late, duplicates, corrupt, foreign, lastFrameNanos,
                0, 0, 0, 0);
    }

    /** Frames refused before their samples were read: corrupt, foreign, unknown sender, suspect, wrong rate. */
    public long refused() {
        return corrupt + foreign + unknownSender + suspect + rateMismatch;
    }
}
