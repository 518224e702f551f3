package io.headroom.appliance.operator;

import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.journal.JournalEntry;
import io.headroom.appliance.journal.JournalLog;
import io.headroom.appliance.supervision.Supervisor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Turns the {@link Supervisor}'s verdicts into alarms on a thread of its own ({@value #THREAD}), every
 * {@link #PERIOD}: a loop that stalls, stops or fails an event is an alarm (source {@value #SOURCE} in
 * {@link ActiveAlarms}, so it is raised and cleared whether regulation ticks or not), journaled and logged. It does
 * not decide health: the health endpoint, the metrics and the watchdogs ask the supervisor themselves, so this
 * thread dying hides nothing from them.
 */
public final class SupervisionAlarms implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SupervisionAlarms.class);
    public static final String SOURCE = "supervision";
    static final String THREAD = "supervision";
    /** How often the verdicts are turned into alarms: a stall is an alarm within its loop's deadline and this. */
    public static final Duration PERIOD = Duration.ofMillis(100);

    private final Supervisor supervisor;
    private final ActiveAlarms alarms;
    private final Journal journal;
    private final Clock utc;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile List<String> current = List.of();
    private boolean wasHealthy = true;

    public SupervisionAlarms(Supervisor supervisor, ActiveAlarms alarms, Journal journal, Clock utc) {
        this.supervisor = supervisor;
        this.alarms = alarms;
        this.journal = journal;
        this.utc = utc;
        this.thread = Thread.ofPlatform().name(THREAD).daemon().unstarted(this::run);
    }

    public SupervisionAlarms start() {
        thread.start();
        return this;
    }

    /** The loops' alarms now (regulation shows them in its state beside its own). */
    public List<String> alarms() {
        return current;
    }

    private void run() {
        while (running) {
            try {
                check();
            } catch (Throwable t) {
                log.error("supervision: a check failed; it goes on", t);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(PERIOD.toNanos());
        }
    }

    /** One check: verdicts to alarms, raised and cleared ones journaled; public for tests that drive it. */
    public synchronized Supervisor.Report check() {
        Supervisor.Report r = supervisor.check();
        List<String> now = r.alarms();
        current = now;
        java.time.Instant at = utc.instant();
        ActiveAlarms.Changes c = alarms.update(SOURCE, now, at);
        for (ActiveAlarms.Alarm a : c.raised()) {
            long id = journal.record(JournalEntry.of(at, "alarm.raised", a.subject(), "appliance", a.message(),
                    "{\"alarm\":\"" + a.id() + "\",\"source\":\"" + SOURCE + "\"}"));
            JournalLog.with(log.atError().addKeyValue("alarmId", a.id()), id).log("alarm raised: {}", a.message());
        }
        for (ActiveAlarms.Alarm a : c.cleared()) {
            long id = journal.record(JournalEntry.of(at, "alarm.cleared", a.subject(), "appliance", a.message(),
                    "{\"alarm\":\"" + a.id() + "\",\"source\":\"" + SOURCE + "\"}"));
            JournalLog.with(log.atInfo().addKeyValue("alarmId", a.id()), id).log("alarm cleared: {}", a.message());
        }
        boolean healthy = r.healthy();
        if (healthy != wasHealthy) {
            if (healthy) {
                log.info("every supervised loop runs again: healthy, watchdog kicks resume");
            } else {
                log.error("unhealthy: {}; /api/v1/health answers 503 and the watchdogs are no longer kicked",
                        String.join("; ", r.reasons()));
            }
            wasHealthy = healthy;
        }
        return r;
    }

    @Override
    public void close() {
        running = false;
        java.util.concurrent.locks.LockSupport.unpark(thread);
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
