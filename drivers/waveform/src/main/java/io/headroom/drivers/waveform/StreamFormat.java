package io.headroom.drivers.waveform;

import java.util.List;

/**
 * What a source delivers: its stream id, nominal sample rate and channels (in the order of
 * {@link SampleBlock#channel(int)}).
 */
public record StreamFormat(long streamId, double sampleRateHz, List<ChannelSpec> channels) {

    public StreamFormat {
        channels = List.copyOf(channels);
        if (channels.isEmpty() || channels.size() > FrameCodec.MAX_CHANNELS) {
            throw new IllegalArgumentException("1.." + FrameCodec.MAX_CHANNELS + " channels, was " + channels.size());
        }
        if (!(sampleRateHz > 0)) {
            throw new IllegalArgumentException("sample rate must be > 0, was " + sampleRateHz);
        }
    }

    public int channelCount() {
        return channels.size();
    }

    /** Index of the channel with that name, or -1. */
    public int indexOf(String name) {
        for (int i = 0; i < channels.size(); i++) {
            if (channels.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** Index of the first channel of that kind and phase, or -1. */
    public int indexOf(ChannelKind kind, int phase) {
        for (int i = 0; i < channels.size(); i++) {
            ChannelSpec c = channels.get(i);
            if (c.kind() == kind && c.phase() == phase) {
                return i;
            }
        }
        return -1;
    }

    /** A 3 V + 3 I feed: {@code prefix/voltage-L1..L3} then {@code prefix/current-L1..L3}. */
    public static StreamFormat threePhaseFeed(long streamId, double sampleRateHz, String prefix) {
        return new StreamFormat(streamId, sampleRateHz, List.of(
                ChannelSpec.voltage(prefix + "/voltage-L1", 1),
                ChannelSpec.voltage(prefix + "/voltage-L2", 2),
                ChannelSpec.voltage(prefix + "/voltage-L3", 3),
                ChannelSpec.current(prefix + "/current-L1", 1),
                ChannelSpec.current(prefix + "/current-L2", 2),
                ChannelSpec.current(prefix + "/current-L3", 3)));
    }
}
