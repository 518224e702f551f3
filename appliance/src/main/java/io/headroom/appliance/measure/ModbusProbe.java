package io.headroom.appliance.measure;

import io.headroom.appliance.clock.Clocks;
import io.headroom.appliance.site.Endpoint;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Meter;
import io.headroom.appliance.site.ModbusBusSpec;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SupercapBank;
import io.headroom.drivers.modbus.BusConfig;
import io.headroom.drivers.modbus.MeterReading;
import io.headroom.drivers.modbus.ModbusBus;
import io.headroom.drivers.modbus.ModbusDeviceException;
import io.headroom.drivers.modbus.Quality;
import io.headroom.drivers.modbus.RegisterMap;
import io.headroom.drivers.modbus.RegisterPoint;
import io.headroom.drivers.modbus.SunSpec;
import io.headroom.drivers.modbus.SupercapBankDriver;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.LongSupplier;

/**
 * Commissioning: one read of a meter's or a supercap bank's whole register map, over the Modbus connection the site
 * file declares for it (its declared bus, or its own TCP endpoint), without starting control or any other device.
 * Every point once (SunSpec meters discover their map first), each with its map name, unit and quality, and what the
 * appliance would make of the reading: a meter's feeds (current, power, per-phase picture) or a bank's state.
 */
public final class ModbusProbe {

    private ModbusProbe() {
    }

    /** How the device answered. */
    public enum Outcome {
        /** Read, and every check of the map holds. */
        OK,
        /** The device answered, but with a Modbus exception, or values outside the map's plausible range. */
        FAILED,
        /** No answer: connection refused, timeout, no route, garbled frames. */
        UNREACHABLE
    }

    /** One point of the map as read. */
    public record Point(String name, String unit, int function, int address, String type, double value, String text,
                       String quality) {
    }

    /** A feed this meter measures, as the measurement pipeline would see it. */
    public record FeedFigures(FeedMeasurement feed, FeedPhases phases, double limitA) {
    }

    /**
     * The result of a probe.
     *
     * @param kind      {@code meter} or {@code bank}
     * @param transport the bus's transport as the site file declares it
     * @param bus       the declared bus, or null for the device's own TCP endpoint
     * @param profile   the map's profile (after discovery for SunSpec), or null if none could be read
     * @param quality   the reading's quality ({@link Quality} name), null if unreachable
     * @param error     why it is not OK, or null
     * @param feeds     for a meter, the feeds it measures (empty for a bank or when no values were read)
     * @param bank      for a bank, its state as the bank driver reads it (null otherwise or without values)
     * @param bankUnfit for a bank, why its map cannot drive it, or null
     */
    public record Result(String kind, String id, String transport, String bus, int unitId, String profile,
                         long durationMs, Outcome outcome, String quality, String error, List<Point> points,
                         List<FeedFigures> feeds, SupercapBankDriver.BankState bank, String bankUnfit) {
    }

    /** A probe cannot start: the id is not in the site (the message names the ids it has). */
    public static final class UnknownDeviceException extends IllegalArgumentException {
        public UnknownDeviceException(String message) {
            super(message);
        }
    }

    /** The meter ids of the site. */
    public static List<String> meterIds(Site site) {
        return site.meters().stream().map(Meter::id).toList();
    }

    /** The supercap bank ids of the site. */
    public static List<String> bankIds(Site site) {
        return site.supercaps().stream().map(SupercapBank::id).toList();
    }

    /** Reads meter {@code id} once. */
    public static Result meter(Site site, String id, Clocks clocks) {
        Meter m = site.meters().stream().filter(x -> x.id().equals(id)).findFirst()
                .orElseThrow(() -> new UnknownDeviceException("no meter " + id + " in the site; its meters: "
                        + (site.meters().isEmpty() ? "none" : String.join(", ", meterIds(site)))));
        return probe(site, "meter", m.id(), m.busId(), m.modbus(), m.unitId(), m.pollIntervalMs(), m.map(), clocks);
    }

    /** Reads supercap bank {@code id} once. */
    public static Result bank(Site site, String id, Clocks clocks) {
        SupercapBank c = site.supercaps().stream().filter(x -> x.id().equals(id)).findFirst()
                .orElseThrow(() -> new UnknownDeviceException("no supercap bank " + id + " in the site; its banks: "
                        + (site.supercaps().isEmpty() ? "none" : String.join(", ", bankIds(site)))));
        return probe(site, "bank", c.id(), c.busId(), c.modbus(), c.unitId(), c.pollIntervalMs(), c.map(), clocks);
    }

    private static BusConfig busConfig(Site site, String busId, Endpoint tcp, long pollMs) {
        if (busId != null) {
            ModbusBusSpec s = site.modbusBus(busId)
                    .orElseThrow(() -> new UnknownDeviceException("no Modbus bus " + busId + " in the site"));
            return ModbusBuses.config(s);
        }
        // as the appliance polls it, but never shorter than a second: a probe is not on a deadline
        return BusConfig.tcp("tcp-" + tcp, tcp.host(), tcp.port())
                .withTimeout(Duration.ofMillis(Math.max(1000, Math.clamp(pollMs * 5, 50, 1000))));
    }

    private record Read(RegisterMap map, MeterReading reading) {
    }

    private static Result probe(Site site, String kind, String id, String busId, Endpoint tcp, int unitId,
                                long pollMs, RegisterMap configured, Clocks clocks) {
        BusConfig config = busConfig(site, busId, tcp, pollMs);
        Clock utc = clocks.utc();
        LongSupplier nanoTime = clocks.monotonic();
        long t0 = nanoTime.getAsLong();
        RegisterMap[] discovered = {configured};
        Read read;
        String error = null;
        Outcome outcome;
        try (ModbusBus bus = new ModbusBus(config, utc, nanoTime)) {
            bus.runDue(); // driven from here, not from a thread of its own: no device is scanned but this one
            CompletableFuture<Read> f = bus.submit(io -> {
                RegisterMap map = configured;
                if (map == null) {
                    map = SunSpec.discover(io, unitId, id);
                    discovered[0] = map;
                }
                List<RegisterMap.Block> blocks = map.blocks();
                int[][] words = new int[blocks.size()][];
                for (int b = 0; b < blocks.size(); b++) {
                    RegisterMap.Block blk = blocks.get(b);
                    words[b] = io.read(unitId, blk.function(), blk.start(), blk.count());
                }
                int n = map.points().size();
                double[] values = new double[n];
                String[] texts = new String[n];
                String bad = map.decodeAll(words, values, texts);
                return new Read(map, new MeterReading(id, map, values, texts, nanoTime.getAsLong(), utc.instant(),
                        bad == null ? Quality.GOOD : Quality.OUT_OF_RANGE, bad));
            });
            bus.runDue();
            read = f.get();
            outcome = read.reading().quality() == Quality.GOOD ? Outcome.OK : Outcome.FAILED;
            error = read.reading().error();
        } catch (ExecutionException e) {
            read = null;
            Throwable c = e.getCause();
            if (c instanceof ModbusDeviceException d) {
                outcome = d.answered() ? Outcome.FAILED : Outcome.UNREACHABLE;
            } else {
                outcome = Outcome.FAILED; // a SunSpec device without a usable announcement, a map that does not fit
            }
            error = c.getMessage() == null ? c.toString() : c.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        long ms = (nanoTime.getAsLong() - t0) / 1_000_000;
        RegisterMap map = read != null ? read.map() : discovered[0];
        List<Point> points = new ArrayList<>();
        if (map != null) {
            MeterReading r = read == null ? null : read.reading();
            for (int i = 0; i < map.points().size(); i++) {
                RegisterPoint p = map.points().get(i);
                double v = r == null ? Double.NaN : r.value(i);
                String text = r == null || r.texts().length == 0 ? null : r.texts()[i];
                String q;
                if (r == null) {
                    q = Quality.ERROR.name();
                } else if (text != null) {
                    q = r.quality().name();
                } else if (Double.isNaN(v)) {
                    q = "NOT_IMPLEMENTED";
                } else {
                    q = r.quality().name();
                }
                points.add(new Point(p.name(), p.unit(), p.function(), p.address(), p.type().name(), v, text, q));
            }
        }
        List<FeedFigures> feeds = new ArrayList<>();
        SupercapBankDriver.BankState bank = null;
        String unfit = null;
        MeterReading r = read == null ? null : read.reading();
        if (kind.equals("meter") && r != null) {
            long now = r.acquiredNanos();
            for (Feed f : site.feeds()) {
                if (id.equals(f.meterId())) {
                    feeds.add(new FeedFigures(MeasurementPipeline.toFeed(f, r, now),
                            MeasurementPipeline.toPhases(f, r, now), f.limitA()));
                }
            }
        }
        if (kind.equals("bank") && map != null) {
            unfit = SupercapBankDriver.unfit(map);
            if (r != null) {
                double state = r.value("converter-state");
                double mode = r.value("mode");
                double alarms = r.value("alarms");
                bank = new SupercapBankDriver.BankState(id, r.value("soc"), r.value("voltage"), r.value("current"),
                        r.value("temperature"), Double.isNaN(state) ? -1 : (int) state,
                        Double.isNaN(alarms) ? 0 : (long) alarms, Double.isNaN(mode) ? -1 : (int) mode,
                        r.value("power-setpoint"), r.value("power"), r.quality(), r.acquiredNanos(), r.error());
            }
        }
        return new Result(kind, id, config.transport().toString(), busId, unitId, map == null ? null : map.profile(),
                ms, outcome, r == null ? null : r.quality().name(), error, points, feeds, bank, unfit);
    }

    /** Used by {@link #bank}: the feed and limits of the bank as the site file gives them (for reports). */
    public static SupercapBank bankSpec(Site site, String id) {
        return site.supercaps().stream().filter(x -> x.id().equals(id)).findFirst().orElse(null);
    }
}
