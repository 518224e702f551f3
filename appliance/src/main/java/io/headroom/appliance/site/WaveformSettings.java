package io.headroom.appliance.site;

import io.headroom.appliance.dsp.DetectionSettings;

/**
 * The waveform front end's settings ({@code waveforms:} in the site file; every key optional).
 *
 * @param detection        feed-loss, phase-loss and sag thresholds and persistence
 * @param streamDeadlineMs a stream without a block for this long is silent (an alarm)
 * @param recorderEnabled  write disturbance records on detections and on demand
 * @param preTriggerS      seconds recorded before the trigger sample
 * @param postTriggerS     seconds recorded after it
 * @param recordFormat     {@code binary} or {@code ascii} COMTRADE .dat
 * @param bandWindowS      band-power sliding window, s
 * @param rampSpanS        span of the peak ramp rate, s
 * @param streams          per feed, where its CT/PT samples come from ({@code streams:}; none by default)
 */
public record WaveformSettings(DetectionSettings detection, long streamDeadlineMs, boolean recorderEnabled,
                               double preTriggerS, double postTriggerS, String recordFormat, double bandWindowS,
                               double rampSpanS, java.util.List<WaveformStream> streams) {

    public WaveformSettings {
        streams = streams == null ? java.util.List.of() : java.util.List.copyOf(streams);
    }

    /** Without streams. */
    public WaveformSettings(DetectionSettings detection, long streamDeadlineMs, boolean recorderEnabled,
                            double preTriggerS, double postTriggerS, String recordFormat, double bandWindowS,
                            double rampSpanS) {
        this(detection, streamDeadlineMs, recorderEnabled, preTriggerS, postTriggerS, recordFormat, bandWindowS,
                rampSpanS, java.util.List.of());
    }

    public static final long DEFAULT_STREAM_DEADLINE_MS = 200;
    public static final double DEFAULT_PRE_TRIGGER_S = 0.2;
    public static final double DEFAULT_POST_TRIGGER_S = 0.5;
    public static final String DEFAULT_RECORD_FORMAT = "binary";
    public static final double DEFAULT_BAND_WINDOW_S = 10;
    public static final double DEFAULT_RAMP_SPAN_S = 1;

    public static WaveformSettings defaults() {
        return new WaveformSettings(DetectionSettings.defaults(), DEFAULT_STREAM_DEADLINE_MS, true,
                DEFAULT_PRE_TRIGGER_S, DEFAULT_POST_TRIGGER_S, DEFAULT_RECORD_FORMAT, DEFAULT_BAND_WINDOW_S,
                DEFAULT_RAMP_SPAN_S);
    }
}
