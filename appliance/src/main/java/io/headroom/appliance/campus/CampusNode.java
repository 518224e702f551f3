package io.headroom.appliance.campus;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.headroom.appliance.clock.MonotonicClock;
import io.headroom.appliance.site.Campus;
import io.headroom.grid.CommitmentBook;

/**
 * An appliance's place in its campus: its {@link CampusMember} (publish, read and apply its budget: every quarter
 * round, on a thread of its own) and, when it is a candidate, its {@link CampusCoordinator} (the campaign and the
 * rounds on another, the election lease renewed on a third). Nothing here runs on, or is waited for by, the
 * appliance's loops: regulation reads only the {@link CommitmentBook}.
 */
public final class CampusNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CampusNode.class);

    /** Told of what is worth a journal entry. */
    public interface Journal {
        void record(String subject, String message);
    }

    /** The campus as this appliance sees it, for the API and dashboard. */
    public record Status(String campus, String id, boolean coordinator, CampusMember.Status member,
                         Map<String, Double> budgetsW, double importLimitW) {
    }

    /**
     * How an appliance joins its campus ({@code Appliance.Options.withCampus}).
     *
     * @param candidate it may be elected coordinator
     */
    public record Join(Campus campus, String id, boolean candidate,
                       java.util.function.Consumer<CampusNode> onStart) {

        public Join(Campus campus, String id, boolean candidate) {
            this(campus, id, candidate, null);
        }

        /** Starts this appliance's place in the campus; its changes journaled as {@code event}s. */
        public CampusNode start(io.headroom.appliance.site.Site site, Supplier<io.headroom.appliance.SiteState> state,
                                CommitmentBook book, io.headroom.appliance.journal.Journal journal,
                                io.headroom.appliance.clock.Clocks clocks) {
            Clock utc = clocks.utc();
            CampusNode n = CampusNode.start(campus, id, candidate, book, new SiteDemand(site, state), clocks.monotonic(),
                    utc, (subject, message) -> journal.record(io.headroom.appliance.journal.JournalEntry.of(
                            utc.instant(), "event", subject, "campus", message, null)), null);
            if (onStart != null) {
                onStart.accept(n); // a bench's handle on it (drills crash it)
            }
            return n;
        }
    }

    private final Campus campus;
    private final EtcdClient etcd;
    private final CampusMember member;
    private final CampusCoordinator coordinator;
    private final ScheduledExecutorService memberThread;
    private final ScheduledExecutorService leaseThread;
    private final Thread candidate;
    private volatile boolean crashed;

    private CampusNode(Campus campus, EtcdClient etcd, CampusMember member, CampusCoordinator coordinator,
                       ScheduledExecutorService memberThread, ScheduledExecutorService leaseThread, Thread candidate) {
        this.campus = campus;
        this.etcd = etcd;
        this.member = member;
        this.coordinator = coordinator;
        this.memberThread = memberThread;
        this.leaseThread = leaseThread;
        this.candidate = candidate;
    }

    /**
     * Joins the campus as appliance {@code id}: applies its static share at once (until a budget is seen), then
     * publishes and polls; campaigns for coordinator when {@code candidate}.
     */
    public static CampusNode start(Campus campus, String id, boolean candidate, CommitmentBook book,
                                   Supplier<CampusSplit.Report> reports, MonotonicClock mono, Clock utc,
                                   Journal journal, CampusCoordinator.Listener elections) {
        long round = campus.etcd().roundMs();
        EtcdClient etcd = EtcdClient.of(campus.etcd(), Duration.ofMillis(Math.clamp(round, 500, 2000)));
        Journal j = journal == null ? (s, m) -> { } : journal;
        CampusMember member = new CampusMember(campus, id, etcd, book, reports, mono, utc, j::record);
        ScheduledExecutorService memberThread = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("campus-" + id).factory());
        long poll = Math.max(50, round / 4);
        long[] n = {0};
        memberThread.scheduleWithFixedDelay(() -> {
            try {
                member.poll();
                if (n[0]++ % Math.max(1, round / poll) == 0) {
                    member.publish();
                }
            } catch (RuntimeException e) {
                log.warn("campus {}: {}: {}", campus.name(), id, e.toString());
            }
        }, 0, poll, TimeUnit.MILLISECONDS);
        CampusCoordinator coordinator = null;
        ScheduledExecutorService leaseThread = null;
        Thread thread = null;
        if (candidate) {
            CampusCoordinator.Listener l = new CampusCoordinator.Listener() {
                @Override
                public void elected(String who, long term) {
                    j.record(who, "campus " + campus.name() + ": " + who + " coordinates (election revision " + term + ")");
                    if (elections != null) {
                        elections.elected(who, term);
                    }
                }

                @Override
                public void deposed(String who, String why) {
                    j.record(who, "campus " + campus.name() + ": " + who + " no longer coordinates: " + why);
                    if (elections != null) {
                        elections.deposed(who, why);
                    }
                }

                @Override
                public void round(long revision, CampusSplit.Result result, long tookNs) {
                    if (elections != null) {
                        elections.round(revision, result, tookNs);
                    }
                }
            };
            coordinator = new CampusCoordinator(campus, id, etcd, mono, l);
            leaseThread = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().name("campus-lease-" + id).factory());
            leaseThread.scheduleWithFixedDelay(coordinator::keepAlive, 0,
                    Math.max(100, campus.etcd().leaseTtlMs() / 3), TimeUnit.MILLISECONDS);
            thread = Thread.ofPlatform().daemon().name("campus-coordinator-" + id).start(coordinator);
        }
        return new CampusNode(campus, etcd, member, coordinator, memberThread, leaseThread, thread);
    }

    public Campus campus() {
        return campus;
    }

    public CampusMember member() {
        return member;
    }

    public boolean isCoordinator() {
        return coordinator != null && coordinator.isLeader();
    }

    public Status status() {
        return new Status(campus.name(), member.id(), isCoordinator(), member.status(),
                coordinator == null ? Map.of() : coordinator.lastBudgets(), campus.importLimitW());
    }

    /** {@link #status()} for {@code GET /api/v1/campus}. */
    public io.vertx.core.json.JsonObject json() {
        Status s = status();
        CampusMember.Status m = s.member();
        io.vertx.core.json.JsonObject budgets = new io.vertx.core.json.JsonObject();
        s.budgetsW().forEach((k, v) -> budgets.put(k, Math.round(v)));
        return new io.vertx.core.json.JsonObject().put("member", true).put("campus", s.campus()).put("id", s.id())
                .put("coordinator", m.coordinator()).put("coordinating", s.coordinator())
                .put("importLimitW", Math.round(s.importLimitW()))
                .put("fallback", m.fallback()).put("reason", m.reason())
                .put("budgetW", Double.isNaN(m.budgetW()) ? null : Math.round(m.budgetW()))
                .put("staticShareW", Math.round(m.staticShareW())).put("effectiveW", Math.round(m.effectiveW()))
                .put("budgetRevision", m.budgetRevision()).put("budgetAgeMs", m.budgetAgeMs())
                .put("etcdReachable", m.etcdReachable())
                .put("staleS", Math.round(m.staleS() * 10) / 10.0).put("fallbackS", Math.round(m.fallbackS() * 10) / 10.0)
                .put("budgets", budgets);
    }

    /** The campus's alarms on this appliance (fallback to the static share). */
    public List<String> alarms() {
        return member.alarms();
    }

    /**
     * Stops as a crash would (drills): threads stopped, nothing resigned or revoked, so its leases lapse in etcd
     * as a dead appliance's do.
     */
    public void crash() {
        crashed = true;
        if (coordinator != null) {
            coordinator.abandon();
        }
        memberThread.shutdownNow();
        if (leaseThread != null) {
            leaseThread.shutdownNow();
        }
        if (candidate != null) {
            candidate.interrupt();
        }
        etcd.close();
    }

    /** Leaves in order: resigns if coordinating (the next candidate takes over at once), revokes its report lease. */
    @Override
    public void close() {
        if (crashed) {
            return;
        }
        if (coordinator != null) {
            coordinator.stop();
            try {
                candidate.join(Duration.ofSeconds(3));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (candidate.isAlive()) {
                candidate.interrupt();
            }
            leaseThread.shutdownNow();
        }
        memberThread.shutdownNow();
        try {
            memberThread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        member.leave();
        etcd.close();
    }
}
