package io.headroom.appliance.site;

/** A supercapacitor bank behind a bidirectional converter on one feed. */
public record SupercapBank(String id, String feedId, double energyWh, double maxPowerW, Endpoint modbus, int unitId) {
}
