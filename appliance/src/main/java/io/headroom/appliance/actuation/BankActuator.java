package io.headroom.appliance.actuation;

import io.headroom.appliance.measure.BankMeasurement;
import io.headroom.appliance.measure.ModbusBuses;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SupercapBank;
import io.headroom.drivers.modbus.Quality;
import io.headroom.drivers.modbus.SupercapBankDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The site's supercap banks through their converters' Modbus drivers: reads each bank's state as a
 * {@link BankMeasurement} and sends the regulation loop's setpoints without blocking it — at most one command in
 * flight per bank, sent when the setpoint moves by more than {@link #DEADBAND_W} or every {@link #REFRESH_NANOS}
 * (each command is verified by read-back in the driver). Setpoints are clamped into the bank's declared limits.
 */
public final class BankActuator {

    private static final Logger log = LoggerFactory.getLogger(BankActuator.class);
    static final double DEADBAND_W = 250;
    static final long REFRESH_NANOS = 1_000_000_000L;

    private final Map<String, Channel> banks = new LinkedHashMap<>();

    private static final class Channel {
        final SupercapBank bank;
        final SupercapBankDriver driver;
        volatile boolean inFlight;
        volatile double sentW = Double.NaN;
        volatile long sentAtNanos = Long.MIN_VALUE / 2;
        volatile long failures;

        Channel(SupercapBank bank, SupercapBankDriver driver) {
            this.bank = bank;
            this.driver = driver;
        }
    }

    public BankActuator(Site site, ModbusBuses buses) {
        for (SupercapBank b : site.supercaps()) {
            SupercapBankDriver d = new SupercapBankDriver(buses.busOf(b.id()), buses.device(b.id()),
                    new SupercapBankDriver.Limits(b.maxChargeW(), b.maxDischargeW()));
            banks.put(b.id(), new Channel(b, d));
        }
    }

    public boolean isEmpty() {
        return banks.isEmpty();
    }

    /** Every bank as read, seen at {@code nowNanos} (stale past twice its poll interval plus 500 ms). */
    public Map<String, BankMeasurement> measure(long nowNanos) {
        Map<String, BankMeasurement> out = new HashMap<>();
        for (Channel c : banks.values()) {
            long deadline = (2 * c.bank.pollIntervalMs() + 500) * 1_000_000L;
            SupercapBankDriver.BankState s = c.driver.state(nowNanos, deadline);
            boolean ok = s.quality() == Quality.GOOD && Double.isFinite(s.socPercent()) && Double.isFinite(s.powerW());
            out.put(c.bank.id(), new BankMeasurement(c.bank.id(), c.bank.feedId(), ok ? s.powerW() : 0,
                    ok ? s.socPercent() / 100 : Double.NaN, ok));
        }
        return out;
    }

    /** Sends what moved; never waits. */
    public void command(Map<String, Double> setpointsW, long nowNanos) {
        for (Map.Entry<String, Double> e : setpointsW.entrySet()) {
            Channel c = banks.get(e.getKey());
            if (c == null || c.inFlight) {
                continue;
            }
            double w = Math.clamp(e.getValue(), -c.bank.maxChargeW(), c.bank.maxDischargeW());
            if (!Double.isNaN(c.sentW) && Math.abs(w - c.sentW) < DEADBAND_W && nowNanos - c.sentAtNanos < REFRESH_NANOS) {
                continue;
            }
            c.inFlight = true;
            c.sentAtNanos = nowNanos;
            c.driver.command(SupercapBankDriver.Mode.POWER, Math.rint(w)).whenComplete((applied, err) -> {
                if (err == null) {
                    c.sentW = applied.setpointW();
                    c.failures = 0;
                } else if (c.failures++ == 0) {
                    log.warn("bank {}: setpoint {} W not applied: {}", c.bank.id(), Math.round(w), err.getMessage());
                }
                c.inFlight = false;
            });
        }
    }
}
