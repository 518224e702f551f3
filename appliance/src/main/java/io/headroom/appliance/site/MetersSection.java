package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteLoader.DEFAULT_DEADLINE_MS;
import static io.headroom.appliance.site.SiteLoader.DEFAULT_POLL_INTERVAL_MS;
import static io.headroom.appliance.site.SiteLoader.METER_PROFILES;
import static io.headroom.appliance.site.SiteYaml.unknown;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.yaml.snakeyaml.nodes.Node;

import io.headroom.appliance.site.SiteYaml.MapReader;
import io.headroom.appliance.site.SiteYaml.Val;
import io.headroom.drivers.modbus.RegisterMap;

/** {@code meters:} the Modbus meters, one per feed. */
final class MetersSection extends SectionReader {
    static final List<String> METER_KEYS = List.of("id", "profile", "registerMap", "modbus", "unitId",
            "pollInterval", "deadline", "bus");

    /** {@code registerMap} null for a shipped profile; {@code profile} is then the map file as the site names it. */
    record MeterD(Val<String> id, String profile, Endpoint modbus, Integer unitId, Long pollMs,
                  Long deadlineMs, String busId, RegisterMap registerMap) {
    }

    private final ModbusBusesSection busesSection;
    final List<MeterD> meters = new ArrayList<>();
    final Set<String> meterIds = new LinkedHashSet<>();
    boolean meterSectionRead;

    MetersSection(SiteReading ctx, ModbusBusesSection busesSection) {
        super(ctx);
        this.busesSection = busesSection;
    }

    void read(MapReader top) {
        List<Node> list = top.list("meters", true);
        if (list == null) {
            return;
        }
        meterSectionRead = true;
        for (int i = 0; i < list.size(); i++) {
            String path = "meters[" + i + "]";
            MapReader m = MapReader.open(p, list.get(i), path, "a meter", METER_KEYS);
            if (m == null) {
                continue;
            }
            Val<String> id = m.get("id", SiteYaml::string, true);
            if (id != null && id.ok()) {
                meterIds.add(id.value());
            }
            Val<String> mapRef = m.get("registerMap", SiteYaml::string, false);
            Val<String> profile = m.get("profile", SiteYaml::string, mapRef == null);
            if (profile != null && profile.ok() && !METER_PROFILES.contains(profile.value())) {
                p.at(profile.node(), profile.field(), "unknown meter profile '" + profile.value()
                        + "'; known profiles: " + String.join(", ", METER_PROFILES)
                        + " (or registerMap: a map file of the site's own)");
            }
            RegisterMap userMap = null;
            if (mapRef != null && profile != null) {
                p.at(mapRef.node(), mapRef.field(), "give profile or registerMap, not both");
            } else if (mapRef != null && mapRef.ok()) {
                userMap = RegisterMapFile.load(p, mapRef, path(mapRef.value()), RegisterMapFile::unfitForMeter);
            }
            Val<Integer> unit = m.get("unitId", SiteYaml::integer, false);
            unitId(unit);
            String owner = "meter " + (id != null && id.ok() ? id.value() : path);
            Val<String> bus = busesSection.busRef(m, unit, owner);
            Val<Endpoint> modbus = busesSection.modbusOrBus(m, bus, "meter");
            Val<Long> poll = m.get("pollInterval", SiteYaml::millis, false);
            positive(poll);
            Val<Long> deadline = m.get("deadline", SiteYaml::millis, false);
            positive(deadline);
            long pollMs = poll == null || !poll.ok() ? DEFAULT_POLL_INTERVAL_MS : poll.value();
            if (deadline != null && deadline.ok() && deadline.value() > 0 && deadline.value() < pollMs) {
                p.at(deadline.node(), deadline.field(), "deadline " + deadline.raw()
                        + " is shorter than the poll interval " + fmt(pollMs, "ms"));
            }
            if (modbus != null && modbus.ok()) {
                busesSection.modbusDevices.add(new ModbusBusesSection.Owned(modbus, owner, " unit " + or(unit, 1)));
            }
            meters.add(new MeterD(id, userMap != null ? mapRef.value() : value(profile), value(modbus), or(unit, 1),
                    or(poll, DEFAULT_POLL_INTERVAL_MS),
                    or(deadline, DEFAULT_DEADLINE_MS), value(bus), userMap));
        }
    }
}
