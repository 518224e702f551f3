package io.headroom.appliance.measure;

import io.headroom.appliance.control.FeedMeasurement;
import io.headroom.appliance.control.MeasurementQuality;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Meter;
import io.headroom.appliance.site.Site;
import io.headroom.drivers.modbus.MeterReading;
import io.headroom.drivers.modbus.ModbusBus;
import io.headroom.drivers.modbus.RegisterMap;

import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Maps the site's meters to its feeds. Meters are read by one {@link ModbusBus} scheduler per bus
 * ({@link ModbusBuses}: a TCP endpoint, or a declared TCP gateway or RTU line shared by several units); per tick it
 * gives a {@link FeedMeasurement} per feed (highest phase current, 3-phase power) with quality and age, and
 * {@link #phases} the per-phase picture. A reading older than its meter's deadline is STALE, never "no load".
 */
public final class MeasurementPipeline implements AutoCloseable {

    private static final String[] PHASE_CURRENTS = {"current-L1", "current-L2", "current-L3"};
    private static final String[] PHASE_VOLTAGES = {"voltage-L1", "voltage-L2", "voltage-L3"};
    private static final String[] PHASE_POWERS = {"power-L1", "power-L2", "power-L3"};
    private static final String[] PHASE_PFS = {"power-factor-L1", "power-factor-L2", "power-factor-L3"};

    private final Site site;
    private final ModbusBuses buses;
    private final Map<String, ModbusBus.Device> meters = new HashMap<>();

    public MeasurementPipeline(Site site, Clock utc) {
        this(site, ModbusBuses.of(site, utc));
    }

    /** Uses buses built elsewhere (the appliance shares them with the supercap banks). */
    public MeasurementPipeline(Site site, ModbusBuses buses) {
        this.site = site;
        this.buses = buses;
        for (Meter m : site.meters()) {
            meters.put(m.id(), buses.device(m.id()));
        }
    }

    public void start() {
        buses.start();
    }

    /** The buses (for the supercap banks, diagnostics). */
    public ModbusBuses buses() {
        return buses;
    }

    /** The latest reading of a meter, as seen at {@code nowNanos} (STALE past its deadline). */
    public MeterReading reading(String meterId, long nowNanos) {
        Meter meter = site.meter(meterId).orElseThrow(() -> new IllegalArgumentException("no meter " + meterId));
        return meters.get(meterId).latest().at(nowNanos, meter.deadlineMs() * 1_000_000L);
    }

    /** The feeds as measured at {@code nowNanos}. */
    public Map<String, FeedMeasurement> measure(long nowNanos) {
        Map<String, FeedMeasurement> out = new HashMap<>();
        for (Feed f : site.feeds()) {
            out.put(f.id(), toFeed(f, reading(f.meterId(), nowNanos), nowNanos));
        }
        return out;
    }

    /** Per feed, in site order: per-phase voltage, current, power and power factor, and frequency. */
    public Map<String, FeedPhases> phases(long nowNanos) {
        Map<String, FeedPhases> out = new LinkedHashMap<>();
        for (Feed f : site.feeds()) {
            out.put(f.id(), toPhases(f, reading(f.meterId(), nowNanos), nowNanos));
        }
        return out;
    }

    static FeedPhases toPhases(Feed f, MeterReading r, long nowNanos) {
        return new FeedPhases(f.id(), f.meterId(), values(r, PHASE_VOLTAGES), values(r, PHASE_CURRENTS),
                values(r, PHASE_POWERS), values(r, PHASE_PFS), r.value("power-total"), r.value("power-factor"),
                r.value("frequency"), r.quality().name(), Math.max(0, (nowNanos - r.acquiredNanos()) / 1_000_000));
    }

    private static double[] values(MeterReading r, String[] names) {
        double[] v = new double[names.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.value(names[i]);
        }
        return v;
    }

    static FeedMeasurement toFeed(Feed f, MeterReading r, long nowNanos) {
        long ageMs = Math.max(0, (nowNanos - r.acquiredNanos()) / 1_000_000);
        MeasurementQuality q = switch (r.quality()) {
            case GOOD -> MeasurementQuality.GOOD;
            case STALE -> MeasurementQuality.STALE;
            case ERROR -> MeasurementQuality.ERROR;
            case OUT_OF_RANGE -> MeasurementQuality.OUT_OF_RANGE;
        };
        if (q != MeasurementQuality.GOOD) {
            return new FeedMeasurement(f.id(), Double.NaN, Double.NaN, q, ageMs);
        }
        double maxA = 0;
        for (String p : PHASE_CURRENTS) {
            maxA = Math.max(maxA, Math.abs(r.value(p)));
        }
        double powerW = r.value("power-total");
        // Physics: a current far beyond the instantaneous trip (the breaker would be open) is a lying meter.
        if (!(maxA <= f.ratingA() * f.tripCurve().instantaneousRatio()) || !Double.isFinite(powerW)) {
            return new FeedMeasurement(f.id(), Double.NaN, Double.NaN, MeasurementQuality.OUT_OF_RANGE, ageMs);
        }
        return new FeedMeasurement(f.id(), maxA, powerW, q, ageMs);
    }

    /** Whether the map of a meter profile can feed this pipeline (it declares the points a feed needs). */
    public static boolean measuresAFeed(RegisterMap map) {
        for (String p : PHASE_CURRENTS) {
            if (map.indexOf(p) < 0) {
                return false;
            }
        }
        return map.indexOf("power-total") >= 0;
    }

    @Override
    public void close() {
        buses.close();
    }
}
