package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteLoader.BANK_PROFILES;
import static io.headroom.appliance.site.SiteLoader.DEFAULT_POLL_INTERVAL_MS;
import static io.headroom.appliance.site.SiteYaml.quantity;
import static io.headroom.appliance.site.SiteYaml.unknown;

import java.util.ArrayList;
import java.util.List;

import org.yaml.snakeyaml.nodes.Node;

import io.headroom.appliance.site.Quantity.Kind;
import io.headroom.appliance.site.SiteYaml.MapReader;
import io.headroom.appliance.site.SiteYaml.Val;
import io.headroom.drivers.modbus.RegisterMap;
import io.headroom.drivers.modbus.SupercapBankDriver;

/** {@code supercaps:} the supercapacitor banks and their converters. */
final class SupercapsSection extends SectionReader {
    static final List<String> SUPERCAP_KEYS = List.of("id", "feed", "energy", "maxPower", "modbus", "unitId",
            "bus", "profile", "registerMap", "maxCharge", "maxDischarge", "pollInterval");

    /** {@code registerMap} null for a shipped profile; {@code profile} is then the map file as the site names it. */
    record SupercapD(Val<String> id, Val<String> feed, Double energyWh, Double maxPowerW,
                     Endpoint modbus, Integer unitId, String profile, String busId, Double maxChargeW,
                     Double maxDischargeW, Long pollMs, RegisterMap registerMap) {
    }

    private final FeedsSection feedsSection;
    private final ModbusBusesSection busesSection;
    final List<SupercapD> supercaps = new ArrayList<>();

    SupercapsSection(SiteReading ctx, FeedsSection feedsSection, ModbusBusesSection busesSection) {
        super(ctx);
        this.feedsSection = feedsSection;
        this.busesSection = busesSection;
    }

    void read(MapReader top) {
        List<Node> list = top.list("supercaps", false);
        if (list == null) {
            return;
        }
        for (int i = 0; i < list.size(); i++) {
            String path = "supercaps[" + i + "]";
            MapReader m = MapReader.open(p, list.get(i), path, "a supercap bank", SUPERCAP_KEYS);
            if (m == null) {
                continue;
            }
            Val<String> id = m.get("id", SiteYaml::string, true);
            Val<String> feed = m.get("feed", SiteYaml::string, true);
            if (feed != null && feed.ok() && feedsSection.lacks(feed.value())) {
                p.at(feed.node(), feed.field(), unknown("feed", feed.value(), feedsSection.feedIds));
            }
            Val<Double> energy = m.get("energy", quantity(Kind.ENERGY), true);
            positive(energy);
            Val<Double> maxPower = m.get("maxPower", quantity(Kind.POWER), true);
            positive(maxPower);
            Val<Integer> unit = m.get("unitId", SiteYaml::integer, false);
            unitId(unit);
            String owner = "supercap bank " + (id != null && id.ok() ? id.value() : path);
            Val<String> bus = busesSection.busRef(m, unit, owner);
            Val<Endpoint> modbus = busesSection.modbusOrBus(m, bus, "supercap bank");
            if (modbus != null && modbus.ok()) {
                busesSection.modbusDevices.add(new ModbusBusesSection.Owned(modbus, owner, " unit " + or(unit, 1)));
            }
            Val<String> profile = m.get("profile", SiteYaml::string, false);
            if (profile != null && profile.ok() && !BANK_PROFILES.contains(profile.value())) {
                p.at(profile.node(), profile.field(), "unknown supercap profile '" + profile.value()
                        + "'; known profiles: " + String.join(", ", BANK_PROFILES)
                        + " (or registerMap: a map file of the site's own)");
            }
            Val<String> mapRef = m.get("registerMap", SiteYaml::string, false);
            RegisterMap userMap = null;
            if (mapRef != null && profile != null) {
                p.at(mapRef.node(), mapRef.field(), "give profile or registerMap, not both");
            } else if (mapRef != null && mapRef.ok()) {
                userMap = RegisterMapFile.load(p, mapRef, path(mapRef.value()), SupercapBankDriver::unfit);
            }
            Val<Double> maxCharge = m.get("maxCharge", quantity(Kind.POWER), false);
            positive(maxCharge);
            Val<Double> maxDischarge = m.get("maxDischarge", quantity(Kind.POWER), false);
            positive(maxDischarge);
            for (Val<Double> lim : java.util.Arrays.asList(maxCharge, maxDischarge)) {
                if (lim != null && lim.ok() && maxPower != null && maxPower.ok() && maxPower.value() > 0
                        && lim.value() > maxPower.value()) {
                    p.at(lim.node(), lim.field(), "exceeds the converter's maxPower "
                            + fmt(maxPower.value(), "W") + ", got " + got(lim));
                }
            }
            Val<Long> poll = m.get("pollInterval", SiteYaml::millis, false);
            positive(poll);
            Double max = value(maxPower);
            supercaps.add(new SupercapD(id, feed, value(energy), max, value(modbus),
                    or(unit, 1), userMap != null ? mapRef.value() : or(profile, SupercapBank.DEFAULT_PROFILE),
                    value(bus), or(maxCharge, max), or(maxDischarge, max), or(poll, DEFAULT_POLL_INTERVAL_MS),
                    userMap));
        }
    }
}
