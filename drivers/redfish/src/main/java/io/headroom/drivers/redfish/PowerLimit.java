package io.headroom.drivers.redfish;

/**
 * A chassis' power limit as its BMC reports it.
 *
 * @param chassisId   the chassis' {@code Id}
 * @param kind        the resource it was read from
 * @param resource    that resource's path
 * @param limitW      the limit in force, W; NaN when capping is disabled ({@code LimitInWatts: null}, or a
 *                    {@code SetPoint} of null, or {@code ControlMode: Disabled})
 * @param minW        the lowest limit accepted, W ({@code AllowableMin}); NaN when the service publishes none
 * @param maxW        the highest limit accepted, W ({@code AllowableMax}, or for the legacy resource
 *                    {@code PowerCapacityWatts}); NaN when the service publishes none
 * @param consumedW   the chassis' power reading, W ({@code Sensor.Reading} of the control, or
 *                    {@code PowerControl[].PowerConsumedWatts}); NaN when there is none
 * @param etag        the resource's ETag (header or {@code @odata.etag}), null if none
 */
public record PowerLimit(String chassisId, ChassisPower.Kind kind, String resource, double limitW, double minW,
                         double maxW, double consumedW, String etag) {

    public boolean cappingEnabled() {
        return !Double.isNaN(limitW);
    }

    public boolean hasReading() {
        return !Double.isNaN(consumedW);
    }
}
