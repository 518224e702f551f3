package io.headroom.appliance.campus;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.headroom.appliance.clock.MonotonicClock;
import io.headroom.appliance.site.Campus;
import io.headroom.grid.Commitment;
import io.headroom.grid.CommitmentBook;

/**
 * One appliance's side of the campus: publishes what it draws and needs each round (under a lease of its own), reads
 * its budget lease, and applies it as a GRID-tier import limit through the {@link CommitmentBook}, the seam OpenADR
 * commitments reach the arbiter by. Regulation reads the book without blocking, and never waits on etcd.
 *
 * <p>The budget is written into the book with its own expiry: a budget commitment until the lease would lapse, and
 * the static share from then on. So the fallback needs no thread to happen: if this side stops (etcd hangs, the
 * thread dies), regulation finds the budget expired at its next tick and obeys the static share, never above it.
 * A budget seen is valid for {@link Campus.Etcd#budgetTtlMs()} from when this side last saw it rewritten (a new mod
 * revision: the coordinator rewrites every budget each round), on this appliance's monotonic clock: no clock is
 * compared across machines. A budget key that has gone (its lease lapsed) or etcd unreachable: static share.
 *
 * <p>Not thread-safe: one campus thread calls {@link #poll()} and {@link #publish()}; {@link #status()} and
 * {@link #alarms()} are read from anywhere.
 */
public final class CampusMember {

    private static final Logger log = LoggerFactory.getLogger(CampusMember.class);
    /** The origin of the campus's commitments in the book (replaced together). */
    public static final String ORIGIN = "campus";
    private static final Duration FAR = Duration.ofDays(3650);

    /** Told of changes worth a journal entry. */
    public interface Listener {
        void event(String subject, String message);
    }

    /**
     * What this side knows now.
     *
     * @param budgetW        the budget it holds (NaN: none)
     * @param effectiveW     the import limit it applies: the budget, or its static share in fallback
     * @param budgetRevision the etcd mod revision of the budget it applies (0: none)
     * @param budgetAgeMs    since it last saw its budget rewritten (-1: none)
     * @param staleS         seconds so far it ran on a budget not rewritten for over two rounds
     * @param fallbackS      seconds so far it ran in fallback after it first held a budget
     */
    public record Status(String id, boolean fallback, String reason, double budgetW, double staticShareW,
                         double effectiveW, long budgetRevision, long budgetAgeMs, boolean etcdReachable,
                         String coordinator, double staleS, double fallbackS) {
    }

    private final Campus campus;
    private final Campus.Member me;
    private final CampusKeys keys;
    private final EtcdClient etcd;
    private final CommitmentBook book;
    private final Supplier<CampusSplit.Report> reports;
    private final MonotonicClock mono;
    private final Clock utc;
    private final Listener listener;
    private final long budgetTtlNs;
    private final long staleAfterNs;

    private double budgetW = Double.NaN;
    private long budgetRev;
    private long seenNs;
    private boolean reachable;
    private boolean everHeld;
    private long lease;
    private long seq;
    private String coordinator = "";
    private long lastPollNs = Long.MIN_VALUE;
    private double staleS;
    private double fallbackS;
    private boolean wasFallback = true;
    private volatile Status status;

    public CampusMember(Campus campus, String id, EtcdClient etcd, CommitmentBook book,
                        Supplier<CampusSplit.Report> reports, MonotonicClock mono, Clock utc, Listener listener) {
        this.campus = campus;
        this.me = campus.member(id).orElseThrow(() -> new IllegalArgumentException("no appliance '" + id
                + "' in campus " + campus.name()));
        this.keys = CampusKeys.of(campus);
        this.etcd = etcd;
        this.book = book;
        this.reports = reports;
        this.mono = mono;
        this.utc = utc;
        this.listener = listener == null ? (s, m) -> { } : listener;
        this.budgetTtlNs = campus.etcd().budgetTtlMs() * 1_000_000L;
        this.staleAfterNs = 2 * campus.etcd().roundMs() * 1_000_000L + campus.etcd().roundMs() * 250_000L;
        apply(mono.nanos(), "no budget yet");
    }

    public String id() {
        return me.id();
    }

    /** Reads this appliance's budget from etcd, and applies it (or the static share). */
    public void poll() {
        long now = mono.nanos();
        String reason = null;
        try {
            EtcdClient.KeyValue kv = etcd.get(keys.budget(me.id()));
            reachable = true;
            if (kv == null) {
                if (!Double.isNaN(budgetW)) {
                    log.info("campus {}: budget of {} gone from etcd (the coordinator's budget lease lapsed)",
                            campus.name(), me.id());
                }
                budgetW = Double.NaN;
                budgetRev = 0;
                reason = everHeld ? "no budget lease in etcd (lapsed)" : "no budget yet";
            } else if (kv.modRevision() > budgetRev) {
                Wire.Budget b = Wire.budget(kv.value());
                budgetW = b.w();
                budgetRev = kv.modRevision();
                seenNs = now;
                coordinator = b.coordinator();
                everHeld = true;
            }
        } catch (IOException e) {
            reachable = false;
            reason = "etcd unreachable";
        } catch (RuntimeException e) {
            reachable = false;
            reason = "bad budget in etcd: " + e.getMessage();
        }
        if (reason == null && !Double.isNaN(budgetW) && now - seenNs >= budgetTtlNs) {
            reason = String.format(Locale.ROOT, "budget lease lapsed (not rewritten for %.1f s)", (now - seenNs) / 1e9);
        } else if (reason == null && Double.isNaN(budgetW)) {
            reason = everHeld ? "no budget lease in etcd (lapsed)" : "no budget yet";
        }
        if (reason != null && reason.startsWith("etcd unreachable") && !Double.isNaN(budgetW)
                && now - seenNs < budgetTtlNs) {
            reason = null; // still within its lease: held until it lapses
        }
        if (lastPollNs != Long.MIN_VALUE) {
            double dt = (now - lastPollNs) / 1e9;
            if (reason == null && now - seenNs > staleAfterNs) {
                staleS += dt;
            }
            if (reason != null && everHeld) {
                fallbackS += dt;
            }
        }
        lastPollNs = now;
        apply(now, reason);
    }

    /** Publishes this appliance's report under its own lease (granted again when it lapsed). */
    public void publish() {
        try {
            if (lease == 0 || etcd.keepAlive(lease) <= 0) {
                lease = etcd.grant(Math.max(1, campus.etcd().leaseTtlMs() / 1000));
            }
            Status s = status;
            etcd.put(keys.report(me.id()), Wire.encode(new Wire.Published(reports.get(), s.budgetRevision(),
                    s.effectiveW(), s.fallback(), ++seq)), lease);
            EtcdClient.Leader l = etcd.leader(keys.election());
            coordinator = l == null ? "" : l.value();
        } catch (IOException | RuntimeException e) {
            log.debug("campus {}: {} could not publish: {}", campus.name(), me.id(), e.getMessage());
        }
    }

    private void apply(long now, String reason) {
        Instant t = utc.instant();
        boolean fallback = reason != null;
        double effective;
        if (fallback) {
            effective = me.staticShareW();
            book.replaceOrigin(ORIGIN, List.of(new Commitment.ImportLimit("campus/static", t.minusSeconds(1), t.plus(FAR),
                    me.staticShareW(), ORIGIN)));
        } else {
            effective = budgetW;
            Instant until = t.plusNanos(Math.max(1, budgetTtlNs - (now - seenNs)));
            book.replaceOrigin(ORIGIN, List.of(
                    new Commitment.ImportLimit("campus/budget", t.minusSeconds(1), until, Math.max(0, budgetW), ORIGIN),
                    new Commitment.ImportLimit("campus/static", until, until.plus(FAR), me.staticShareW(), ORIGIN)));
        }
        if (fallback != wasFallback) {
            String msg = fallback
                    ? String.format(Locale.ROOT, "campus %s: %s falls back to its static share %.1f kW: %s",
                    campus.name(), me.id(), me.staticShareW() / 1000, reason)
                    : String.format(Locale.ROOT, "campus %s: %s applies its budget lease %.1f kW (revision %d)",
                    campus.name(), me.id(), budgetW / 1000, budgetRev);
            if (fallback) {
                log.warn(msg);
            } else {
                log.info(msg);
            }
            listener.event(me.id(), msg);
            wasFallback = fallback;
        }
        status = new Status(me.id(), fallback, fallback ? reason : "", budgetW, me.staticShareW(), effective,
                fallback ? 0 : budgetRev, Double.isNaN(budgetW) ? -1 : (now - seenNs) / 1_000_000L, reachable,
                coordinator, staleS, fallbackS);
    }

    public Status status() {
        return status;
    }

    /** The alarm an operator must see while this appliance is in fallback (after the first budget, or etcd down). */
    public List<String> alarms() {
        Status s = status;
        if (!s.fallback() || (!everHeld && s.etcdReachable())) {
            return List.of();
        }
        return List.of(String.format(Locale.ROOT, "campus %s: no valid budget lease (%s); held at the static share "
                + "%.1f kW", campus.name(), s.reason(), s.staticShareW() / 1000));
    }

    /** Drops this appliance's report (a graceful stop) and its lease. */
    public void leave() {
        try {
            if (lease != 0) {
                etcd.revoke(lease);
            }
        } catch (IOException e) {
            log.debug("campus: revoke on leave: {}", e.getMessage());
        }
    }
}
