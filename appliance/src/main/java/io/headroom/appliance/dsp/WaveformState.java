package io.headroom.appliance.dsp;

import java.util.Map;

/**
 * The waveform front end as regulation saw it at one tick: per feed with a stream, whether the stream is alive
 * and its latest half-cycle quantities; and the site's band power.
 *
 * @param feeds      per feed id that has a waveform stream (feeds without one are absent)
 * @param bands      the site power series' band figures, or null (no stream, or no half cycle yet)
 * @param bandsAgeMs how old {@code bands} was at the tick, ms (null without bands)
 */
public record WaveformState(Map<String, FeedStream> feeds, BandPowerReading bands, Long bandsAgeMs) {

    public WaveformState {
        feeds = Map.copyOf(feeds);
    }

    /** No waveform streams. */
    public static WaveformState none() {
        return new WaveformState(Map.of(), null, null);
    }

    /** A stream's health. */
    public enum Status {
        /** blocks arrive within the deadline */
        GOOD,
        /** nothing for longer than the deadline (or never since start) */
        SILENT,
        /** the DSP thread stopped on an error */
        FAILED
    }

    /**
     * @param ageMs   since the stream's last block, ms (null: none yet)
     * @param blocks  blocks processed since start
     * @param latest  the feed's latest half-cycle quantities (null before the first full cycle)
     * @param samples     samples per channel the stream delivered since start
     * @param samplesLost samples per channel it lost in gaps (frames that never came), since start
     * @param refused     frames the source refused since start, by reason
     */
    public record FeedStream(String feedId, Status status, Long ageMs, long blocks, FeedWaveformMeasurement latest,
                             long samples, long samplesLost, Refused refused) {
        public FeedStream {
            refused = refused == null ? Refused.NONE : refused;
        }

        public FeedStream(String feedId, Status status, Long ageMs, long blocks, FeedWaveformMeasurement latest,
                          long samples, long samplesLost) {
            this(feedId, status, ageMs, blocks, latest, samples, samplesLost, Refused.NONE);
        }

        public FeedStream(String feedId, Status status, Long ageMs, long blocks, FeedWaveformMeasurement latest) {
            this(feedId, status, ageMs, blocks, latest, 0, 0);
        }
    }

    /**
     * Frames a stream's source dropped unread (the waveform module's {@code SourceStats}).
     *
     * @param unknownSender from a sender the input does not allow
     * @param suspect       a sequence number too far from the stream's
     * @param resyncs       times the stream moved to a new sequence (a front-end restart or a long outage)
     * @param rateMismatch  announcing another sample rate than the configured one
     * @param corrupt       bad magic, version, length or CRC
     * @param foreign       another stream id or channel layout
     */
    public record Refused(long unknownSender, long suspect, long resyncs, long rateMismatch, long corrupt, long foreign) {
        public static final Refused NONE = new Refused(0, 0, 0, 0, 0, 0);
    }
}
