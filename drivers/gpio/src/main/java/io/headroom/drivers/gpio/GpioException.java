package io.headroom.drivers.gpio;

/** A GPIO provider or pin could not be opened. */
public class GpioException extends RuntimeException {
    public GpioException(String message) {
        super(message);
    }

    public GpioException(String message, Throwable cause) {
        super(message, cause);
    }
}
