package io.headroom.grid.openadr3;

/**
 * A VTN call that failed. {@code status} is the HTTP status, or 0 when the VTN could not be reached (then the
 * outcome of a write is unknown).
 */
public final class VtnException extends RuntimeException {

    private final int status;

    public VtnException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public boolean unreachable() {
        return status == 0;
    }
}
