package io.headroom.appliance.measure;

import io.headroom.appliance.site.Endpoint;
import io.headroom.appliance.site.Meter;
import io.headroom.appliance.site.ModbusBusSpec;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SupercapBank;
import io.headroom.drivers.modbus.BusConfig;
import io.headroom.drivers.modbus.DeviceConfig;
import io.headroom.drivers.modbus.ModbusBus;
import io.headroom.drivers.modbus.RegisterMap;
import io.headroom.drivers.modbus.Transport;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The site's Modbus buses, built by hand from the site file: one {@link ModbusBus} per declared bus
 * ({@code modbusBuses:}, a TCP gateway or an RTU line) and one per TCP endpoint of a device without a bus; every
 * meter (and, when asked, every supercap bank) is a device on its bus, with the register map of its profile
 * (or discovered through SunSpec).
 */
public final class ModbusBuses implements AutoCloseable {

    private final Map<String, ModbusBus> buses = new LinkedHashMap<>();
    private final Map<String, ModbusBus.Device> devices = new LinkedHashMap<>();

    private ModbusBuses() {
    }

    /** The meters' buses. */
    public static ModbusBuses of(Site site, Clock utc) {
        return of(site, utc, false);
    }

    /** The meters' buses and, with {@code withBanks}, the supercap banks on them too. */
    public static ModbusBuses of(Site site, Clock utc, boolean withBanks) {
        return of(site, new io.headroom.appliance.clock.Clocks(io.headroom.appliance.clock.Clocks.system().monotonic(), utc),
                withBanks);
    }

    /**
     * The meters' buses and, with {@code withBanks}, the supercap banks on them too, on the appliance's clocks (each
     * reading's acquisition time is on the monotonic clock that {@link MeasurementPipeline#measure} is asked with).
     */
    public static ModbusBuses of(Site site, io.headroom.appliance.clock.Clocks clocks, boolean withBanks) {
        Clock utc = clocks.utc();
        java.util.function.LongSupplier nanoTime = clocks.monotonic();
        ModbusBuses b = new ModbusBuses();
        for (ModbusBusSpec s : site.modbusBuses()) {
            b.buses.put(s.id(), new ModbusBus(config(s), utc, nanoTime));
        }
        for (Meter m : site.meters()) {
            ModbusBus bus = b.busFor(m.busId(), m.modbus(), m.pollIntervalMs(), utc, nanoTime);
            RegisterMap map = m.map();
            b.devices.put(m.id(), bus.add(new DeviceConfig(m.id(), m.unitId(), map,
                    Duration.ofMillis(m.pollIntervalMs()))));
        }
        if (withBanks) {
            for (SupercapBank c : site.supercaps()) {
                ModbusBus bus = b.busFor(c.busId(), c.modbus(), c.pollIntervalMs(), utc, nanoTime);
                b.devices.put(c.id(), bus.add(new DeviceConfig(c.id(), c.unitId(), c.map(),
                        Duration.ofMillis(c.pollIntervalMs()))));
            }
        }
        return b;
    }

    static BusConfig config(ModbusBusSpec s) {
        Transport t = s.tcp() != null ? new Transport.Tcp(s.tcp().host(), s.tcp().port())
                : new Transport.Rtu(s.rtu().device(), s.rtu().baud(), s.rtu().dataBits(), s.rtu().parity(),
                s.rtu().stopBits());
        return new BusConfig(s.id(), t, Duration.ofMillis(s.interFrameGapMs()), Duration.ofMillis(s.unitIdChangeDelayMs()),
                Duration.ofMillis(s.timeoutMs()), s.retries(), Duration.ofMillis(s.maxBackoffMs()));
    }

    private ModbusBus busFor(String busId, Endpoint tcp, long pollMs, Clock utc, java.util.function.LongSupplier nanoTime) {
        if (busId != null) {
            ModbusBus bus = buses.get(busId);
            if (bus == null) {
                throw new IllegalArgumentException("no Modbus bus " + busId + " in the site");
            }
            return bus;
        }
        String id = "tcp-" + tcp;
        return buses.computeIfAbsent(id, k -> new ModbusBus(BusConfig.tcp(k, tcp.host(), tcp.port())
                .withTimeout(Duration.ofMillis(Math.clamp(pollMs * 5, 50, 1000))), utc, nanoTime));
    }

    /** The device of a meter or bank id. */
    public ModbusBus.Device device(String id) {
        ModbusBus.Device d = devices.get(id);
        if (d == null) {
            throw new IllegalArgumentException("no Modbus device " + id + "; known: " + devices.keySet());
        }
        return d;
    }

    /** The bus a device sits on. */
    public ModbusBus busOf(String deviceId) {
        ModbusBus.Device d = device(deviceId);
        return buses.values().stream().filter(b -> b.devices().contains(d)).findFirst().orElseThrow();
    }

    public Map<String, ModbusBus> buses() {
        return buses;
    }

    public void start() {
        buses.values().forEach(ModbusBus::start);
    }

    @Override
    public void close() {
        buses.values().forEach(ModbusBus::close);
    }
}
