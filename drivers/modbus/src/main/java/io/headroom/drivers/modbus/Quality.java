package io.headroom.drivers.modbus;

/** How far a reading can be trusted. Only GOOD readings may be used as they are. */
public enum Quality {
    /** Read within its deadline and plausible. */
    GOOD,
    /** Older than its deadline. */
    STALE,
    /** The last attempt failed (timeout, exception response, short frame); no fresh value. */
    ERROR,
    /** Read, but outside the physically plausible range. */
    OUT_OF_RANGE
}
