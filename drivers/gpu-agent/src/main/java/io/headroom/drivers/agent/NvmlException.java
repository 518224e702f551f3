package io.headroom.drivers.agent;

/** NVML could not be loaded or a call failed; the message names the call and NVML's error. */
public final class NvmlException extends RuntimeException {
    public NvmlException(String message, Throwable cause) {
        super(message, cause);
    }
}
