package io.headroom.appliance.measure;

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
 * {@link #phases} the per-phase picture. A reading older than its meter's deadline is STALE, never "no load". A
 * loaded feed whose fresh reads keep giving bit-identical currents and power for {@value #FROZEN_POLLS} polls and
 * at least {@value #FROZEN_AFTER_MS} ms is FROZEN (a live meter's readings always move in their last digits; a
 * gateway answering from its cache for a dead meter does not), with the age of the values since they last moved.
 */
public final class MeasurementPipeline implements AutoCloseable {

    private static final String[] PHASE_CURRENTS = {"current-L1", "current-L2", "current-L3"};
    private static final String[] PHASE_VOLTAGES = {"voltage-L1", "voltage-L2", "voltage-L3"};
    private static final String[] PHASE_POWERS = {"power-L1", "power-L2", "power-L3"};
    private static final String[] PHASE_PFS = {"power-factor-L1", "power-factor-L2", "power-factor-L3"};

    /** Identical fresh reads before a loaded feed's meter counts as frozen... */
    public static final int FROZEN_POLLS = 10;
    /** ...spanning at least this long. */
    public static final long FROZEN_AFTER_MS = 2_000;
    /** Below this fraction of its limit a feed's readings may well repeat (no load, a lost feed): never frozen. */
    static final double FROZEN_MIN_LOAD = 0.02;

    private final Site site;
    private final ModbusBuses buses;
    private final Map<String, ModbusBus.Device> meters = new HashMap<>();
    /** Per feed, the last values seen and since when (acquisition time) fresh reads have repeated them. */
    private final Map<String, Flatline> flatlines = new HashMap<>();

    /** A feed's repeat detector: the values of the last fresh read, when they were first read, and how many reads. */
    static final class Flatline {
        final double[] last = new double[4];
        long lastAcquiredNanos = Long.MIN_VALUE;
        long sinceNanos;
        int repeats;

        /** Takes a read; true when it is one more repeat of the same values. */
        boolean offer(double[] values, long acquiredNanos) {
            if (acquiredNanos == lastAcquiredNanos) {
                return repeats > 0; // the same read again: nothing new
            }
            lastAcquiredNanos = acquiredNanos;
            if (java.util.Arrays.equals(values, last)) {
                repeats++;
                return true;
            }
            System.arraycopy(values, 0, last, 0, last.length);
            sinceNanos = acquiredNanos;
            repeats = 0;
            return false;
        }

        boolean frozen() {
            return repeats >= FROZEN_POLLS && lastAcquiredNanos - sinceNanos >= FROZEN_AFTER_MS * 1_000_000L;
        }
    }

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
    public synchronized Map<String, FeedMeasurement> measure(long nowNanos) {
        Map<String, FeedMeasurement> out = new HashMap<>();
        for (Feed f : site.feeds()) {
            MeterReading r = reading(f.meterId(), nowNanos);
            out.put(f.id(), frozenCheck(f, r, toFeed(f, r, nowNanos), nowNanos));
        }
        return out;
    }

    /** A GOOD measurement of a loaded feed whose fresh reads have repeated the same values becomes FROZEN. */
    private FeedMeasurement frozenCheck(Feed f, MeterReading r, FeedMeasurement m, long nowNanos) {
        if (m.quality() != MeasurementQuality.GOOD) {
            return m;
        }
        Flatline fl = flatlines.computeIfAbsent(f.id(), k -> new Flatline());
        fl.offer(new double[]{r.value("current-L1"), r.value("current-L2"), r.value("current-L3"), r.value("power-total")},
                r.acquiredNanos());
        if (fl.frozen() && m.currentA() >= FROZEN_MIN_LOAD * f.limitA()) {
            return new FeedMeasurement(f.id(), Double.NaN, Double.NaN, MeasurementQuality.FROZEN,
                    Math.max(0, (nowNanos - fl.sinceNanos) / 1_000_000));
        }
        return m;
    }

    /** Per feed, in site order: per-phase voltage, current, power and power factor, and frequency. */
    public Map<String, FeedPhases> phases(long nowNanos) {
        Map<String, FeedPhases> out = new LinkedHashMap<>();
        for (Feed f : site.feeds()) {
            out.put(f.id(), toPhases(f, reading(f.meterId(), nowNanos), nowNanos));
        }
        return out;
    }

    /**
     * The per-phase picture. A phase whose power the meter does not give (its map declares none, or the device marks
     * it "not implemented", e.g. SunSpec 0x8000) gets V × I × |PF| of the same reading when all three are there
     * ({@link FeedPhases#DERIVED}): the current carries the sign (Headroom's convention, import positive), the power
     * factor only the magnitude, because meters sign it by lead/lag or by quadrant, not all alike. Without one of the
     * three the phase's power is unknown: NaN with a null source, never 0.
     */
    static FeedPhases toPhases(Feed f, MeterReading r, long nowNanos) {
        double[] v = values(r, PHASE_VOLTAGES);
        double[] i = values(r, PHASE_CURRENTS);
        double[] p = values(r, PHASE_POWERS);
        double[] pf = values(r, PHASE_PFS);
        String[] source = new String[p.length];
        for (int k = 0; k < p.length; k++) {
            if (Double.isFinite(p[k])) {
                source[k] = FeedPhases.METER;
            } else if (Double.isFinite(v[k]) && Double.isFinite(i[k]) && Double.isFinite(pf[k])
                    && Math.abs(pf[k]) <= 1) {
                p[k] = v[k] * i[k] * Math.abs(pf[k]);
                source[k] = FeedPhases.DERIVED;
            } else {
                p[k] = Double.NaN;
            }
        }
        return new FeedPhases(f.id(), f.meterId(), v, i, p, pf, r.value("power-total"), r.value("power-factor"),
                r.value("frequency"), r.quality().name(), Math.max(0, (nowNanos - r.acquiredNanos()) / 1_000_000),
                source);
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
