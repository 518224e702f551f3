package io.headroom.appliance.measure;

/**
 * The appliance's view of a datum's trustworthiness (mirrors the drivers' quality, without depending on them), and
 * {@code FROZEN}: fresh reads of a loaded feed that keep giving the very same values, which a live meter's noise never
 * does (a gateway serving its cache for a dead meter): as untrustworthy as a stale one.
 */
public enum MeasurementQuality {
    GOOD, STALE, ERROR, OUT_OF_RANGE, FROZEN
}
