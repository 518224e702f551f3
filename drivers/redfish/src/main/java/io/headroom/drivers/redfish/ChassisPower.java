package io.headroom.drivers.redfish;

/**
 * What a chassis offers for power limiting, found by {@link RedfishClient#discover}.
 *
 * @param chassisId          the chassis' {@code Id}
 * @param kind               which resource carries the limit
 * @param limitResource      the resource that is read and PATCHed: a {@code Control} (ControlType Power), or the
 *                           legacy {@code Power} resource
 * @param powerControlIndex  for {@link Kind#LEGACY_POWER}, the index in {@code PowerControl[]} of the member with a
 *                           {@code PowerLimit}; -1 otherwise
 * @param powerSubsystem     the chassis' {@code PowerSubsystem} resource, or null if it has none
 * @param capacityW          {@code PowerSubsystem.CapacityWatts}, W (NaN if absent)
 */
public record ChassisPower(String chassisId, Kind kind, String limitResource, int powerControlIndex,
                           String powerSubsystem, double capacityW) {

    /** The resource a power limit is set through. */
    public enum Kind {
        /** {@code Chassis/{id}/Controls/{id}} with {@code ControlType: Power} ({@code SetPoint}). */
        CONTROL,
        /** {@code Chassis/{id}/Power}, {@code PowerControl[].PowerLimit.LimitInWatts} (deprecated in Redfish). */
        LEGACY_POWER
    }
}
