package io.headroom.drivers.waveform;

/** How samples are carried in a frame: signed big-endian integers, value = count × the channel's scale. */
public enum SampleEncoding {
    INT16(1, 2, 32767), INT32(2, 4, 2_147_483_647);

    private final int code;
    private final int bytes;
    private final long maxCount;

    SampleEncoding(int code, int bytes, long maxCount) {
        this.code = code;
        this.bytes = bytes;
        this.maxCount = maxCount;
    }

    public int code() {
        return code;
    }

    public int bytes() {
        return bytes;
    }

    public long maxCount() {
        return maxCount;
    }

    /** The encoding of a wire code, or null. */
    public static SampleEncoding ofCode(int code) {
        return switch (code) {
            case 1 -> INT16;
            case 2 -> INT32;
            default -> null;
        };
    }
}
