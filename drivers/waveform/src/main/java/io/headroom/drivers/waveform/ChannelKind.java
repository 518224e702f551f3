package io.headroom.drivers.waveform;

/** What a channel measures. Its wire code is the high nibble of the frame's per-channel layout byte. */
public enum ChannelKind {
    OTHER(0), VOLTAGE(1), CURRENT(2);

    private final int code;

    ChannelKind(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static ChannelKind ofCode(int code) {
        return switch (code) {
            case 1 -> VOLTAGE;
            case 2 -> CURRENT;
            default -> OTHER;
        };
    }
}
