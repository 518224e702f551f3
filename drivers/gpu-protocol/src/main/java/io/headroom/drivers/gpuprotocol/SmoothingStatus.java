package io.headroom.drivers.gpuprotocol;

/**
 * What an agent did with one GPU's {@link GpuSmoothing}, as its {@link CapAck}'s smoothing status block says (one
 * byte per GPU; sent only when the request asked, {@link GpuProtocol#QUERY_SMOOTHING}).
 */
public enum SmoothingStatus {
    /** The command carried no smoothing for it: smoothing is off on that GPU. */
    NONE(0),
    /** Applied: the GPU now holds the floor and ramp limits. */
    APPLIED(1),
    /** The GPU (or its driver) has no power smoothing: only the cap applies. */
    UNSUPPORTED(2),
    /** The backend refused it (an NVML error); the caps were applied all the same. */
    FAILED(3);

    private final int code;

    SmoothingStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The status of a wire code; a code a newer agent defines reads as {@link #FAILED}. */
    static SmoothingStatus of(int code) {
        for (SmoothingStatus s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return FAILED;
    }
}
