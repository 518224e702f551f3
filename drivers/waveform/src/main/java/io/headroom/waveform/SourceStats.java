package io.headroom.waveform;

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
 * @param lastFrameNanos  {@link System#nanoTime()} when the last frame was accepted, 0 if none
 */
public record SourceStats(long frames, long samples, long framesLost, long samplesLost, long reordered, long late,
                          long duplicates, long corrupt, long foreign, long lastFrameNanos) {

    public static final SourceStats NONE = new SourceStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
