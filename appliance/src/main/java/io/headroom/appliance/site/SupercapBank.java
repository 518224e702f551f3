package io.headroom.appliance.site;

import io.headroom.drivers.modbus.RegisterMap;

/**
 * A supercapacitor bank behind a bidirectional converter on one feed. Power is positive when the bank
 * discharges into the feed and negative when it charges.
 *
 * @param maxPowerW     the converter's rating, W
 * @param maxChargeW    the largest charge power the appliance may command (a positive number; ≤ maxPowerW)
 * @param maxDischargeW the largest discharge power the appliance may command (≤ maxPowerW)
 * @param profile       the converter's register-map profile ({@code supercap-generic} by default)
 * @param modbus        its TCP endpoint when it has no {@code busId}
 * @param busId         the declared bus it sits on, or null
 * @param pollIntervalMs how often its state is read
 * @param registerMap   the site's own register map for its converter ({@code registerMap:}; {@code profile} is then
 *                      the map file as the site file names it), or null for a shipped profile
 */
public record SupercapBank(String id, String feedId, double energyWh, double maxPowerW, Endpoint modbus, int unitId,
                           String profile, String busId, double maxChargeW, double maxDischargeW,
                           long pollIntervalMs, RegisterMap registerMap) {

    public SupercapBank(String id, String feedId, double energyWh, double maxPowerW, Endpoint modbus, int unitId,
                        String profile, String busId, double maxChargeW, double maxDischargeW, long pollIntervalMs) {
        this(id, feedId, energyWh, maxPowerW, modbus, unitId, profile, busId, maxChargeW, maxDischargeW, pollIntervalMs,
                null);
    }

    /** The map its converter is read and written with: the site's own, or the shipped profile's. */
    public RegisterMap map() {
        return registerMap != null ? registerMap : RegisterMap.load(profile);
    }

    public static final String DEFAULT_PROFILE = "supercap-generic";

    public SupercapBank(String id, String feedId, double energyWh, double maxPowerW, Endpoint modbus, int unitId) {
        this(id, feedId, energyWh, maxPowerW, modbus, unitId, DEFAULT_PROFILE, null, maxPowerW, maxPowerW, 100);
    }

    public SupercapBank withModbus(Endpoint e) {
        return new SupercapBank(id, feedId, energyWh, maxPowerW, e, unitId, profile, busId, maxChargeW, maxDischargeW,
                pollIntervalMs, registerMap);
    }
}
