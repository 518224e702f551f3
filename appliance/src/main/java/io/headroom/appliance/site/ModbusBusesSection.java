package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteLoader.DEFAULT_BUS_MAX_BACKOFF_MS;
import static io.headroom.appliance.site.SiteLoader.DEFAULT_BUS_RETRIES;
import static io.headroom.appliance.site.SiteLoader.DEFAULT_BUS_TIMEOUT_MS;
import static io.headroom.appliance.site.SiteLoader.DEFAULT_DATA_BITS;
import static io.headroom.appliance.site.SiteLoader.DEFAULT_PARITY;
import static io.headroom.appliance.site.SiteLoader.PARITIES;
import static io.headroom.appliance.site.SiteYaml.unknown;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.yaml.snakeyaml.nodes.Node;

import io.headroom.appliance.site.SiteYaml.MapReader;
import io.headroom.appliance.site.SiteYaml.Val;

/** {@code modbusBuses:} the shared Modbus lines, and the devices (meters, banks) reached through them or directly. */
final class ModbusBusesSection extends SectionReader {
    static final List<String> BUS_KEYS = List.of("id", "tcp", "rtu", "interFrameGap", "unitChangeDelay",
            "timeout", "retries", "maxBackoff");
    static final List<String> RTU_KEYS = List.of("device", "baud", "parity", "dataBits", "stopBits");

    /** A device on a declared bus: where its unit id was given (or its bus, when defaulted). */
    record OnBus(String busId, int unit, Node at, String field, String owner) {
    }

    /** An endpoint and who uses it, for collision checks. */
    record Owned(Val<Endpoint> endpoint, String owner, String unit) {
    }

    final List<ModbusBusSpec> buses = new ArrayList<>();
    final List<Val<String>> busIdVals = new ArrayList<>();
    final Set<String> busIds = new LinkedHashSet<>();
    private boolean busSectionBroken;
    /** Devices on declared buses, for the one-unit-id-per-bus check. */
    final List<OnBus> busDevices = new ArrayList<>();
    /** Devices reached directly (host:port and unit), for the collision check. */
    final List<Owned> modbusDevices = new ArrayList<>();

    ModbusBusesSection(SiteReading ctx) {
        super(ctx);
    }

    void read(MapReader top) {
        if (top.has("modbusBuses") && !(top.value("modbusBuses") instanceof org.yaml.snakeyaml.nodes.SequenceNode)
                && !SiteYaml.isNull(top.value("modbusBuses"))) {
            busSectionBroken = true; // reported by list(); references to buses are not checked against it
        }
        List<Node> list = top.list("modbusBuses", false);
        if (list == null) {
            return;
        }
        for (int i = 0; i < list.size(); i++) {
            String path = "modbusBuses[" + i + "]";
            MapReader m = MapReader.open(p, list.get(i), path, "a Modbus bus", BUS_KEYS);
            if (m == null) {
                continue;
            }
            Val<String> id = m.get("id", SiteYaml::string, true);
            if (id != null && id.ok()) {
                busIds.add(id.value());
            }
            busIdVals.add(id);
            Val<Endpoint> tcp = m.get("tcp", SiteYaml::endpoint, false);
            SerialLine rtu = null;
            if (m.has("rtu")) {
                if (m.has("tcp")) {
                    p.at(m.keyNode("rtu"), m.field("rtu"), "a bus is either tcp (a gateway) or rtu (a serial "
                            + "line), not both");
                }
                rtu = readSerialLine(m);
            } else if (!m.has("tcp")) {
                m.missing("tcp", "missing required key: tcp (host:port of a gateway) or rtu (a serial line)");
            }
            Val<Long> gap = m.get("interFrameGap", SiteYaml::millis, false);
            notNegative(gap);
            Val<Long> unitChange = m.get("unitChangeDelay", SiteYaml::millis, false);
            notNegative(unitChange);
            Val<Long> timeout = m.get("timeout", SiteYaml::millis, false);
            positive(timeout);
            Val<Integer> retries = m.get("retries", SiteYaml::integer, false);
            if (retries != null && retries.ok() && (retries.value() < 0 || retries.value() > 10)) {
                p.at(retries.node(), retries.field(), "must be 0..10, got " + got(retries));
            }
            Val<Long> backoff = m.get("maxBackoff", SiteYaml::millis, false);
            positive(backoff);
            buses.add(new ModbusBusSpec(value(id), value(tcp), rtu, or(gap, 0L), or(unitChange, 0L),
                    or(timeout, DEFAULT_BUS_TIMEOUT_MS), or(retries, DEFAULT_BUS_RETRIES),
                    or(backoff, DEFAULT_BUS_MAX_BACKOFF_MS)));
        }
    }

    private SerialLine readSerialLine(MapReader bus) {
        MapReader r = bus.map("rtu", true, "a serial line", RTU_KEYS);
        if (r == null) {
            return null;
        }
        Val<String> device = r.get("device", SiteYaml::string, true);
        Val<Integer> baud = r.get("baud", SiteYaml::integer, true);
        positive(baud);
        Val<String> parity = r.get("parity", oneOf(PARITIES), false);
        Val<Integer> dataBits = r.get("dataBits", SiteYaml::integer, false);
        if (dataBits != null && dataBits.ok() && dataBits.value() != 7 && dataBits.value() != 8) {
            p.at(dataBits.node(), dataBits.field(), "must be 7 or 8, got " + got(dataBits));
        }
        String par = or(parity, DEFAULT_PARITY);
        Val<Integer> stopBits = r.get("stopBits", SiteYaml::integer, false);
        if (stopBits != null && stopBits.ok() && stopBits.value() != 1 && stopBits.value() != 2) {
            p.at(stopBits.node(), stopBits.field(), "must be 1 or 2, got " + got(stopBits));
        }
        return new SerialLine(value(device), or(baud, 0), or(dataBits, DEFAULT_DATA_BITS), par,
                or(stopBits, par.equals("none") ? 2 : 1));
    }

    /** {@code bus:} of a meter or bank: a declared bus; records the device's unit id on it. */
    Val<String> busRef(MapReader m, Val<Integer> unit, String owner) {
        Val<String> bus = m.get("bus", SiteYaml::string, false);
        if (bus == null || !bus.ok()) {
            return bus;
        }
        if (!busIds.contains(bus.value())) {
            if (!busSectionBroken) {
                p.at(bus.node(), bus.field(), unknown("Modbus bus", bus.value(), busIds)
                        + (busIds.isEmpty() ? " (declare it under modbusBuses)" : ""));
            }
            return bus;
        }
        if (unit == null) {
            busDevices.add(new OnBus(bus.value(), 1, bus.node(), bus.field(), owner));
        } else if (unit.ok()) {
            busDevices.add(new OnBus(bus.value(), unit.value(), unit.node(), unit.field(), owner));
        }
        return bus;
    }

    /** {@code modbus:} is required without a bus and not allowed with one. */
    Val<Endpoint> modbusOrBus(MapReader m, Val<String> bus, String what) {
        if (bus == null) {
            return m.get("modbus", SiteYaml::endpoint, true);
        }
        if (m.has("modbus")) {
            p.at(m.value("modbus"), m.field("modbus"), "a " + what + " on a bus is reached through the bus"
                    + (bus.ok() ? " '" + bus.value() + "'" : "") + "; remove modbus (or bus)");
        }
        return null;
    }
}
