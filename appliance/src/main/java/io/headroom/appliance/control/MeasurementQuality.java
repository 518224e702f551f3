package io.headroom.appliance.control;

/** The appliance's view of a datum's trustworthiness (mirrors the drivers' quality, without depending on them). */
public enum MeasurementQuality {
    GOOD, STALE, ERROR, OUT_OF_RANGE
}
