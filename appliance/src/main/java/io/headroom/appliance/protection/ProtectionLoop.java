package io.headroom.appliance.protection;

import io.headroom.appliance.dsp.FeedLossEvent;
import io.headroom.appliance.dsp.FeedLossListener;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.journal.JournalEntry;
import io.headroom.appliance.journal.JournalLog;
import io.headroom.appliance.site.Site;
import io.headroom.drivers.gpuprotocol.ContingencyTrigger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The protection loop (fast path) on its own platform thread. Detectors (one per feed) hand events to a
 * per-feed mailbox and unpark the thread; nothing they do waits. On {@code FEED_LOST} the thread fires the
 * contingency already armed on the agents for that feed ({@link ContingencyTrigger#fire}: pre-encoded
 * datagrams, no allocation, no lookup by name, and no wait for the answers), tells the actuator to hold the
 * contingency caps until regulation has seen the loss, and goes back to its mailbox: a second feed's loss (or the
 * breaker contact of the same loss) is fired at once. The answers, the retries, the metrics ({@link FastPathListener})
 * and the journal entry of who applied what and when come later, on the trigger's report thread.
 */
public final class ProtectionLoop implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProtectionLoop.class);

    /** What the last fan-out did, for the API and tests. */
    public record Fired(String feedId, long detectedNanos, long firstSampleNanos, ContingencyTrigger.Report report) {
        /** From the first collapsed sample to the last agent's acknowledgement, ms. */
        public double sampleToLastAckMs() {
            return (report.lastAckNanos() - firstSampleNanos) / 1e6;
        }
    }

    private final Site site;
    private final ContingencyTrigger trigger;
    private final ContingencyHold actuator;
    private final Journal journal;
    private final Clock utc;
    private final io.headroom.appliance.clock.MonotonicClock clock;
    private final long timeoutNanos;
    private final long retryNanos;
    private final long holdNanos;
    private final AtomicReferenceArray<FeedLossEvent> mailbox;
    /** Per feed, the monotonic clock's time when the detector handed over its last event. */
    private final AtomicLongArray handedOverNanos;
    private volatile FastPathListener fastPathListener = FastPathListener.NONE;
    private final AtomicReference<Fired> last = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile io.headroom.appliance.supervision.Heartbeat heartbeat =
            io.headroom.appliance.supervision.Heartbeat.unwatched(LOOP);
    private final java.util.concurrent.atomic.AtomicLong failedEvents = new java.util.concurrent.atomic.AtomicLong();

    /** On the system's monotonic clock and {@code utc} (tests, tools). */
    public ProtectionLoop(Site site, ContingencyTrigger trigger, ContingencyHold actuator, Journal journal, Clock utc) {
        this(site, trigger, actuator, journal,
                new io.headroom.appliance.clock.Clocks(io.headroom.appliance.clock.Clocks.system().monotonic(), utc));
    }

    /**
     * @param clocks the appliance's clocks: the monotonic one must be the trigger's (hand-over times are compared
     *               with its send times)
     */
    public ProtectionLoop(Site site, ContingencyTrigger trigger, ContingencyHold actuator, Journal journal,
                          io.headroom.appliance.clock.Clocks clocks) {
        this.clock = clocks.monotonic();
        Clock utc = clocks.utc();
        this.site = site;
        this.trigger = trigger;
        this.actuator = actuator;
        this.journal = journal;
        this.utc = utc;
        this.timeoutNanos = 100_000_000L;
        this.retryNanos = 10_000_000L;
        this.holdNanos = Math.max(2_000, site.agents().leaseMs()) * 1_000_000L;
        this.mailbox = new AtomicReferenceArray<>(site.feeds().size());
        this.handedOverNanos = new AtomicLongArray(site.feeds().size());
        this.thread = new Thread(this::run, "protection");
        this.thread.setDaemon(true);
        this.thread.setPriority(Thread.MAX_PRIORITY);
        trigger.onComplete(this::fanoutDone);
    }

    /** The listener a feed's detector reports to: stores and wakes, never waits. */
    public FeedLossListener listenerFor(int feedIndex) {
        return e -> {
            handedOverNanos.set(feedIndex, clock.nanos());
            mailbox.set(feedIndex, e);
            LockSupport.unpark(thread);
        };
    }

    public ProtectionLoop start() {
        thread.start();
        return this;
    }

    /** Told about every fan-out once its answers are in or its deadline passed (metrics); null: nobody. */
    public void onFired(FastPathListener l) {
        this.fastPathListener = l == null ? FastPathListener.NONE : l;
    }

    /**
     * Where a fast-path latency starts: the deciding sample's timestamp when the waveform source stamps samples
     * with this host's {@code System.nanoTime()} (it is then at most a few seconds before the fan-out), else the
     * moment the detector handed the event over (a remote sender's clock: a difference would mean nothing).
     */
    public static long origin(long detectedNanos, long handedOverNanos, long sentNanos) {
        long d = sentNanos - detectedNanos;
        return d >= 0 && d < 10_000_000_000L ? detectedNanos : handedOverNanos;
    }

    /** The last fan-out, or null. */
    public Fired lastFired() {
        return last.get();
    }

    /**
     * Watched by {@code supervisor} from now on (loop {@value #LOOP}): the thread beats at every pass (at least every
     * 50 ms while idle), so a hung or dead fast path is an alarm within {@link #HEARTBEAT_DEADLINE}.
     */
    public void supervisedBy(io.headroom.appliance.supervision.Supervisor supervisor) {
        this.heartbeat = supervisor.watch(LOOP, HEARTBEAT_DEADLINE,
                "feed losses are not answered by the armed contingencies (regulation still caps from the meters)");
    }

    /** The loop's heartbeat (its drills are armed there). */
    public io.headroom.appliance.supervision.Heartbeat heartbeat() {
        return heartbeat;
    }

    /** The loop's name for supervision. */
    public static final String LOOP = "protection";
    /** Twenty idle periods: room for a loaded host's scheduling without calling a live thread stalled. */
    public static final java.time.Duration HEARTBEAT_DEADLINE = java.time.Duration.ofSeconds(1);

    /** Events whose handling failed (the loop went on). */
    public long failedEvents() {
        return failedEvents.get();
    }

    private void run() {
        int feeds = mailbox.length();
        Throwable ended = null;
        try {
            while (running) {
                boolean any = false;
                io.headroom.appliance.supervision.Heartbeat hb = heartbeat;
                try {
                    hb.beat();
                } catch (Throwable t) {
                    failed(hb, null, t);
                }
                for (int f = 0; f < feeds; f++) {
                    FeedLossEvent e = mailbox.getAndSet(f, null);
                    if (e != null) {
                        any = true;
                        // One event's failure is that event's: the loop goes on, and the other feeds' events too.
                        try {
                            handle(f, e);
                        } catch (Throwable t) {
                            failed(hb, e, t);
                        }
                    }
                }
                if (!any) {
                    LockSupport.parkNanos(50_000_000L);
                }
            }
        } catch (Throwable t) {
            ended = t;
            throw t;
        } finally {
            if (running) {
                heartbeat.stopped(ended);
            } else {
                heartbeat.retire();
            }
        }
    }

    private void failed(io.headroom.appliance.supervision.Heartbeat hb, FeedLossEvent e, Throwable t) {
        failedEvents.incrementAndGet();
        hb.failed(t);
        try {
            log.error("protection: {} failed; the loop goes on", e == null ? "a pass" : "feed " + e.feedId() + " "
                    + e.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '), t);
        } catch (Throwable ignored) {
            // logging itself failed (out of memory): the count and the heartbeat carry it
        }
    }

    private void handle(int feedIndex, FeedLossEvent e) {
        if (e.kind() == FeedLossEvent.Kind.FEED_LOST) {
            trigger.fire(feedIndex, timeoutNanos, retryNanos, handedOverNanos.get(feedIndex), e);
            // The wave is out. The answers are collected, and the fan-out reported (fanoutDone), by the trigger's threads.
            actuator.holdContingency(feedIndex, clock.nanos(), holdNanos);
        } else {
            String msg = "feed " + e.feedId() + ": " + e.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
            long id = journal.record(JournalEntry.of(utc.instant(), "waveform", e.feedId(), "appliance", msg,
                    String.format(java.util.Locale.ROOT, "{\"residual\":%.3f,\"phaseMask\":%d}", e.residual(), e.phaseMask())));
            JournalLog.with(log.atInfo(), id).log(msg);
        }
    }

    /** A fan-out this loop fired is complete (every answer in, or its deadline): metrics, the API's last, the journal. */
    private void fanoutDone(ContingencyTrigger.Report r) {
        if (!(r.attachment() instanceof FeedLossEvent e)) {
            return; // not one of ours
        }
        int feedIndex = r.contingencyId();
        try {
            fastPathListener.onFired(feedIndex, origin(e.detectedNanos(), r.handedOverNanos(), r.sentNanos()),
                    r.sentNanos(), r.lastAckNanos(), r.targets(), r.answered());
        } catch (RuntimeException ex) {
            log.warn("fast-path listener failed: {}", ex.toString());
        }
        Fired fired = new Fired(site.feeds().get(feedIndex).id(), e.detectedNanos(), e.firstSampleNanos(), r);
        last.set(fired);
        String msg = String.format(java.util.Locale.ROOT,
                "feed %s lost: contingency fired to %d agents (%d group datagram(s), %d unicast), %d applied, %d silent; last ack %.2f ms after the first collapsed sample%s",
                fired.feedId(), r.targets(), r.groupDatagramsSent(), r.datagramsSent() - r.groupDatagramsSent(),
                r.applied(), r.targets() - r.answered(), fired.sampleToLastAckMs(),
                r.tracked() ? "" : " (answers not collected: too many fan-outs in flight)");
        long id = journal.record(JournalEntry.of(utc.instant(), "protection", fired.feedId(), "appliance", msg,
                String.format(java.util.Locale.ROOT, "{\"targets\":%d,\"applied\":%d,\"answered\":%d,\"groupDatagrams\":%d,\"unicastDatagrams\":%d,\"lastAckMs\":%.3f,\"tracked\":%b}",
                        r.targets(), r.applied(), r.answered(), r.groupDatagramsSent(),
                        r.datagramsSent() - r.groupDatagramsSent(), fired.sampleToLastAckMs(), r.tracked())));
        JournalLog.with(log.atWarn(), id).log(msg);
    }

    @Override
    public void close() {
        running = false;
        heartbeat.retire();
        LockSupport.unpark(thread);
        try {
            thread.join(2000);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
