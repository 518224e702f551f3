package io.headroom.grid.openadr3;

/**
 * A VTN call that failed. {@code status} is the HTTP status, or 0 when the VTN could not be reached (then the
 * outcome of a write is unknown).
 */
public final class VtnException extends RuntimeException {

    private final int status;
    private final String retryAfter;

    public VtnException(int status, String message, Throwable cause) {
        this(status, message, cause, null);
    }

    /** {@code retryAfter}: the answer's Retry-After header as sent (null: none). */
    public VtnException(int status, String message, Throwable cause, String retryAfter) {
        super(message, cause);
        this.status = status;
        this.retryAfter = retryAfter;
    }

    /** The VTN's Retry-After header, as sent, or null ({@link Backoff#retryAfter} reads it). */
    public String retryAfter() {
        return retryAfter;
    }

    public int status() {
        return status;
    }

    public boolean unreachable() {
        return status == 0;
    }
}
