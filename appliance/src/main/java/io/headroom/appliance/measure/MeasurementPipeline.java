package io.headroom.appliance.measure;

import io.headroom.appliance.control.FeedMeasurement;
import io.headroom.appliance.control.MeasurementQuality;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Meter;
import io.headroom.appliance.site.Site;
import io.headroom.drivers.modbus.MeterReading;
import io.headroom.drivers.modbus.ModbusMeterPoller;
import io.headroom.drivers.modbus.RegisterMap;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Maps the site's meters to its feeds: one {@link ModbusMeterPoller} per meter, and per tick a
 * {@link FeedMeasurement} per feed (highest phase current, 3-phase power) with quality and age. A reading older
 * than its meter's deadline is STALE, never "no load".
 */
public final class MeasurementPipeline implements AutoCloseable {

    private static final String[] PHASE_CURRENTS = {"current-L1", "current-L2", "current-L3"};

    private final Site site;
    private final Map<String, ModbusMeterPoller> pollers = new HashMap<>();

    public MeasurementPipeline(Site site, Clock utc) {
        this.site = site;
        for (Meter m : site.meters()) {
            pollers.put(m.id(), new ModbusMeterPoller(m.id(), m.modbus().host(), m.modbus().port(), m.unitId(),
                    RegisterMap.load(m.profile()), m.pollIntervalMs(), (int) Math.max(50, m.pollIntervalMs() * 5), utc));
        }
    }

    public void start() {
        pollers.values().forEach(ModbusMeterPoller::start);
    }

    /** The feeds as measured at {@code nowNanos}. */
    public Map<String, FeedMeasurement> measure(long nowNanos) {
        Map<String, FeedMeasurement> out = new HashMap<>();
        for (Feed f : site.feeds()) {
            Meter meter = site.meter(f.meterId()).orElseThrow();
            MeterReading r = pollers.get(meter.id()).latest().at(nowNanos, meter.deadlineMs() * 1_000_000L);
            out.put(f.id(), toFeed(f, r, nowNanos));
        }
        return out;
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

    @Override
    public void close() {
        pollers.values().forEach(ModbusMeterPoller::close);
    }
}
