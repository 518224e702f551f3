package io.headroom.image;

import io.headroom.common.SdNotify;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * systemd's watchdog, kicked only while the appliance is healthy: {@link #check()} sends {@code WATCHDOG=1} only if
 * the health endpoint answered 200 (every supervised loop runs) and the regulation tick moved since the previous
 * check; otherwise {@code STATUS=} says why (the failed loops' reasons), once per reason. A loop that hangs or
 * dies therefore stops the kicks, and systemd (with {@code WatchdogSec=}) kills and restarts the service,
 * while a JVM that is merely alive does not count as healthy.
 *
 * <p>{@link #period()} is half of {@code $WATCHDOG_USEC}, as {@code sd_watchdog_enabled(3)} recommends.
 */
public final class Watchdog {

    private final SdNotify notify;
    private final java.util.function.Supplier<ApplianceService.Health> health;
    private final Duration period;
    private long lastTick = Long.MIN_VALUE;
    private int missed;

    public Watchdog(SdNotify notify, LongSupplier tick, Duration timeout) {
        this(notify, timeout, () -> {
            long t = tick.getAsLong();
            return new ApplianceService.Health(t, t < 0 ? "health endpoint not answering" : null);
        });
    }

    /** Kicked while {@code health} says 200 with a tick that moved; otherwise its reason goes to {@code STATUS=}. */
    Watchdog(SdNotify notify, Duration timeout, java.util.function.Supplier<ApplianceService.Health> health) {
        this.notify = notify;
        this.health = health;
        this.period = timeout.dividedBy(2);
    }

    /**
     * The watchdog systemd asked for, or null when it asked for none: {@code $WATCHDOG_USEC} set, and
     * {@code $WATCHDOG_PID} absent or ours.
     */
    public static Watchdog fromEnvironment(SdNotify notify, java.util.function.Supplier<ApplianceService.Health> health) {
        Duration timeout = timeout(System.getenv("WATCHDOG_USEC"), System.getenv("WATCHDOG_PID"), ProcessHandle.current().pid());
        return timeout == null || !notify.enabled() ? null : new Watchdog(notify, timeout, health);
    }

    /** Parses the watchdog variables the way {@code sd_watchdog_enabled} does; null when disabled or not for us. */
    static Duration timeout(String usec, String pid, long ourPid) {
        if (usec == null || usec.isBlank()) {
            return null;
        }
        if (pid != null && !pid.isBlank() && Long.parseLong(pid.strip()) != ourPid) {
            return null;
        }
        long us = Long.parseLong(usec.strip());
        return us <= 0 ? null : Duration.ofNanos(us * 1000);
    }

    public Duration period() {
        return period;
    }

    /** One check: kicks if the loop advanced (a negative tick means "not healthy"); returns whether it kicked. */
    public synchronized boolean check() {
        ApplianceService.Health h = health.get();
        long now = h.tick();
        if (now >= 0 && now != lastTick) {
            lastTick = now;
            missed = 0;
            lastWhy = null;
            notify.send("WATCHDOG=1\nSTATUS=regulating, tick " + now);
            return true;
        }
        missed++;
        String why = now < 0 ? (h.why() == null ? "health endpoint not answering" : h.why())
                : "regulation loop stalled at tick " + now;
        if (missed == 1 || !why.equals(lastWhy)) {
            notify.send("STATUS=" + why + "; watchdog not kicked");
        }
        lastWhy = why;
        return false;
    }

    private String lastWhy;
}
