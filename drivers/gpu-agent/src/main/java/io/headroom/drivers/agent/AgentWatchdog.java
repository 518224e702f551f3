package io.headroom.drivers.agent;

import io.headroom.common.SdNotify;
import io.headroom.drivers.gpuprotocol.Health;

import java.time.Duration;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * systemd's watchdog for the agent, kicked only while the loops its safety depends on are alive: {@link #check()}
 * sends {@code WATCHDOG=1} only when the agent's {@link Health.Supervision} is healthy (the trigger loop beats and
 * the lease timer runs). A stalled or dead loop stops the kicks, and systemd ({@code WatchdogSec=}) kills the agent
 * and starts it again, which applies the safe cap before it serves; a JVM that is merely alive does not count.
 *
 * <p>{@link #period()} is half of {@code $WATCHDOG_USEC}, as {@code sd_watchdog_enabled(3)} recommends.
 */
public final class AgentWatchdog {

    private final Function<String, Boolean> notify;
    private final Supplier<Health.Supervision> supervision;
    private final Duration period;
    private boolean kicking = true;

    /**
     * @param notify      sends one notification ({@link SdNotify#send})
     * @param supervision the agent's loops now ({@code NodeAgent::supervision})
     * @param timeout     systemd's {@code WatchdogSec}
     */
    public AgentWatchdog(Function<String, Boolean> notify, Supplier<Health.Supervision> supervision, Duration timeout) {
        this.notify = notify;
        this.supervision = supervision;
        this.period = timeout.dividedBy(2);
    }

    /** The watchdog systemd asked for ({@code $WATCHDOG_USEC}, {@code $WATCHDOG_PID} absent or ours), or null. */
    public static AgentWatchdog fromEnvironment(SdNotify notify, Supplier<Health.Supervision> supervision) {
        Duration timeout = timeout(System.getenv("WATCHDOG_USEC"), System.getenv("WATCHDOG_PID"),
                ProcessHandle.current().pid());
        return timeout == null || !notify.enabled() ? null : new AgentWatchdog(notify::send, supervision, timeout);
    }

    /** Parses the watchdog variables the way {@code sd_watchdog_enabled} does; null when disabled or not for us. */
    static Duration timeout(String usec, String pid, long ourPid) {
        if (usec == null || usec.isBlank()) {
            return null;
        }
        try {
            if (pid != null && !pid.isBlank() && Long.parseLong(pid.strip()) != ourPid) {
                return null;
            }
            long us = Long.parseLong(usec.strip());
            return us <= 0 ? null : Duration.ofNanos(us * 1000);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    public Duration period() {
        return period;
    }

    /** One check: kicks when every loop is alive; says why in {@code STATUS=} when it stops kicking. */
    public synchronized boolean check() {
        Health.Supervision s = supervision.get();
        if (s.healthy()) {
            if (!kicking) {
                notify.apply("STATUS=serving; trigger loop and lease timer alive again");
            }
            kicking = true;
            notify.apply("WATCHDOG=1");
            return true;
        }
        if (kicking) {
            notify.apply("STATUS=watchdog not kicked: trigger loop " + s.triggerLoop() + " (last beat "
                    + s.triggerHeartbeatAgeMs() + " ms ago), lease timer " + s.leaseLoop() + " (last run "
                    + s.leaseHeartbeatAgeMs() + " ms ago)");
        }
        kicking = false;
        return false;
    }
}
