package io.headroom.appliance.campus;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.headroom.appliance.clock.MonotonicClock;
import io.headroom.appliance.site.Campus;

/**
 * One appliance's candidacy for the campus's coordinator, and the coordinator's rounds once elected. Elected through
 * etcd's election API under a lease of {@link Campus.Etcd#leaseTtlMs()} (kept alive by {@link #keepAlive()}); a dead
 * or cut-off coordinator's lease lapses and the next candidate's campaign returns. Each round it reads what the
 * appliances published, splits the budget ({@link CampusSplit}) and writes every budget in one transaction that
 * holds only while its election key still exists with the create revision it was elected with: a deposed
 * coordinator's write changes nothing ({@link EtcdClient#putIfLeader}), and it goes back to campaigning.
 *
 * <p>What may still be in force: each budget it writes is kept with the revision it was written at until a report
 * says the appliance applies a later one (or the budget TTL passes); a rise is granted only out of room that holds
 * whatever those do ({@link CampusSplit}, rule 4). A new coordinator starts from the budgets it finds in etcd.
 *
 * <p>{@link #run()} is the candidate's loop, on its own thread; it blocks in the campaign.
 */
public final class CampusCoordinator implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(CampusCoordinator.class);

    /** Told of elections and depositions. */
    public interface Listener {
        void elected(String id, long term);

        void deposed(String id, String why);

        /** A round's budgets were written (revision {@code revision}); the round took {@code tookNs}. */
        default void round(long revision, CampusSplit.Result result, long tookNs) {
        }
    }

    /** A budget issued, for as long as it may be in force. */
    private record Issued(long revision, double w, long atNs) {
    }

    private final Campus campus;
    private final String id;
    private final CampusKeys keys;
    private final EtcdClient etcd;
    private final MonotonicClock mono;
    private final Listener listener;
    private final long roundNs;
    private final long ttlS;
    private volatile boolean running = true;
    private volatile boolean resign = true;
    private volatile long electionLease;
    private volatile EtcdClient.Leader leader;
    private volatile Map<String, Double> lastBudgets = Map.of();
    private volatile long rounds;
    private volatile long electedAtNs;
    private final Map<String, List<Issued>> issued = new HashMap<>();
    private final Map<String, Long> lastSeq = new HashMap<>();
    private final Map<String, Long> seqChangedNs = new HashMap<>();
    private Map<String, Double> previous = new HashMap<>();

    public CampusCoordinator(Campus campus, String id, EtcdClient etcd, MonotonicClock mono, Listener listener) {
        this.campus = campus;
        this.id = id;
        this.keys = CampusKeys.of(campus);
        this.etcd = etcd;
        this.mono = mono;
        this.listener = listener;
        this.roundNs = campus.etcd().roundMs() * 1_000_000L;
        this.ttlS = Math.max(1, campus.etcd().leaseTtlMs() / 1000);
    }

    public boolean isLeader() {
        return leader != null;
    }

    /** The budgets of the last round this coordinator wrote (empty when it does not coordinate). */
    public Map<String, Double> lastBudgets() {
        return leader == null ? Map.of() : lastBudgets;
    }

    public long rounds() {
        return rounds;
    }

    /** Renews the election lease (every third of its TTL, from the campus's scheduler). */
    public void keepAlive() {
        long l = electionLease;
        if (l == 0) {
            return;
        }
        try {
            if (etcd.keepAlive(l) <= 0) {
                electionLease = 0; // lapsed: the campaign loop grants a new one
            }
        } catch (IOException e) {
            log.debug("campus {}: {} could not renew its election lease: {}", campus.name(), id, e.getMessage());
        }
    }

    public void stop() {
        running = false;
    }

    /** Stops as a crash would: no resignation, the election lease left to lapse. */
    public void abandon() {
        resign = false;
        running = false;
    }

    @Override
    public void run() {
        while (running) {
            try {
                if (electionLease == 0) {
                    electionLease = etcd.grant(ttlS);
                }
                EtcdClient.Leader l = etcd.campaign(keys.election(), electionLease, id,
                        Duration.ofMillis(Math.max(2000, 2 * campus.etcd().leaseTtlMs())));
                if (!running) {
                    if (resign) {
                        etcd.resign(l);
                    }
                    break;
                }
                coordinate(l);
            } catch (IOException e) {
                if (!running) {
                    break;
                }
                log.debug("campus {}: {} campaign: {}", campus.name(), id, e.getMessage());
                pause(roundNs / 4);
            } catch (RuntimeException e) {
                log.warn("campus {}: {} candidate loop: {}", campus.name(), id, e.toString());
                pause(roundNs);
            }
        }
    }

    /** The rounds of one term, until deposed (or stopped: then it resigns, so the next takes over at once). */
    private void coordinate(EtcdClient.Leader l) throws IOException {
        long term = l.revision();
        electedAtNs = mono.nanos();
        lastBudgets = Map.of(); // none of this term's yet
        long budgetLease = etcd.grant(Math.max(1, (campus.etcd().budgetTtlMs() + 999) / 1000));
        issued.clear();
        lastSeq.clear();
        seqChangedNs.clear();
        previous = new HashMap<>();
        for (EtcdClient.KeyValue kv : etcd.prefix(keys.budgets())) {
            String who = kv.key().substring(keys.budgets().length());
            double w = Wire.budget(kv.value()).w();
            issued.computeIfAbsent(who, k -> new ArrayList<>()).add(new Issued(kv.modRevision(), w, electedAtNs));
            previous.put(who, w);
        }
        leader = l;
        log.info("campus {}: {} coordinates (election revision {}, {} budget(s) found in force)", campus.name(), id,
                term, previous.size());
        listener.elected(id, term);
        long next = mono.nanos();
        long lastWriteNs = mono.nanos();
        try {
            while (running) {
                try {
                    etcd.keepAlive(budgetLease);
                    long rev = round(l, term, budgetLease);
                    if (rev < 0) {
                        listener.deposed(id, "its election key is gone or newer: the fenced write was refused");
                        log.warn("campus {}: {} deposed (fenced write refused)", campus.name(), id);
                        return;
                    }
                    lastWriteNs = mono.nanos();
                } catch (IOException e) {
                    if (mono.nanos() - lastWriteNs > ttlS * 1_000_000_000L) {
                        listener.deposed(id, "etcd unreachable for longer than the lease TTL: " + e.getMessage());
                        log.warn("campus {}: {} gives up coordinating: {}", campus.name(), id, e.getMessage());
                        electionLease = 0;
                        return;
                    }
                }
                next += roundNs;
                pause(next - mono.nanos());
            }
            try {
                if (resign) {
                    etcd.resign(l);
                    etcd.revoke(electionLease);
                    electionLease = 0;
                }
            } catch (IOException e) {
                log.debug("campus: resign: {}", e.getMessage());
            }
        } finally {
            leader = null;
        }
    }

    /** What a publishing member may run on now: its static share in fallback or before it applied a budget. */
    static double runningW(boolean fallback, long appliedRevision, double appliedW, double staticShareW) {
        return fallback || appliedRevision == 0 || !(appliedW >= 0) ? staticShareW : appliedW;
    }

    /** One round; the revision written, or -1 when the fence refused it. */
    private long round(EtcdClient.Leader l, long term, long budgetLease) throws IOException {
        long now = mono.nanos();
        Map<String, Wire.Published> reports = new HashMap<>();
        for (EtcdClient.KeyValue kv : etcd.prefix(keys.reports())) {
            try {
                Wire.Published p = Wire.published(kv.value());
                String who = kv.key().substring(keys.reports().length());
                reports.put(who, p);
                Long seq = lastSeq.put(who, p.seq());
                if (seq == null || seq != p.seq()) {
                    seqChangedNs.put(who, now);
                }
            } catch (RuntimeException e) {
                log.debug("campus: bad report {}: {}", kv.key(), e.getMessage());
            }
        }
        EtcdClient.KeyValue c = etcd.get(keys.commitment());
        double commitment = c == null ? Double.NaN : Wire.commitmentW(c.value());
        long budgetTtlNs = campus.etcd().budgetTtlMs() * 1_000_000L;
        List<CampusSplit.Slot> slots = new ArrayList<>();
        for (Campus.Member m : campus.appliances()) {
            Wire.Published p = reports.get(m.id());
            Long changed = seqChangedNs.get(m.id());
            // silent: no report, or its report not renewed for two and a half rounds
            boolean live = p != null && changed != null && now - changed <= 2 * roundNs + roundNs / 2;
            List<Issued> hist = issued.computeIfAbsent(m.id(), k -> new ArrayList<>());
            long applied = p == null ? 0 : p.appliedRevision();
            hist.removeIf(i -> now - i.atNs() > budgetTtlNs + roundNs);
            // superseded: a later budget is applied (the appliance moves forward only)
            if (live && applied > 0) {
                hist.removeIf(i -> i.revision() < applied);
            }
            double outstanding = 0;
            for (Issued i : hist) {
                outstanding = Math.max(outstanding, i.w());
            }
            if (live) {
                // and what it runs on now, whatever was issued: its static share in fallback or before it applied a
                // budget (a new coordinator, budgets aged out, a member whose reads fail), else the budget it
                // applies; otherwise a rise for another member could land while this one still holds its share
                outstanding = Math.max(outstanding, runningW(p.fallback(), applied, p.appliedW(), m.staticShareW()));
            }
            slots.add(new CampusSplit.Slot(m.id(), m.staticShareW(), live ? p.report() : null, outstanding,
                    previous.getOrDefault(m.id(), Double.NaN)));
        }
        CampusSplit.Result r = CampusSplit.split(new CampusSplit.Limits(campus.importLimitW(), commitment,
                campus.rampLimitWps(), campus.etcd().roundMs() / 1000.0), slots);
        Map<String, String> puts = new LinkedHashMap<>();
        long round = rounds + 1;
        for (Map.Entry<String, Double> e : r.budgetsW().entrySet()) {
            puts.put(keys.budget(e.getKey()), Wire.encode(new Wire.Budget(e.getValue(), round, id, term)));
        }
        long rev = etcd.putIfLeader(l.key(), l.revision(), puts, budgetLease);
        if (rev < 0) {
            return -1;
        }
        for (Map.Entry<String, Double> e : r.budgetsW().entrySet()) {
            issued.get(e.getKey()).add(new Issued(rev, e.getValue(), now));
        }
        previous = new HashMap<>(r.budgetsW());
        lastBudgets = Map.copyOf(r.budgetsW());
        rounds = round;
        listener.round(rev, r, mono.nanos() - now);
        if (log.isDebugEnabled()) {
            log.debug(String.format(Locale.ROOT, "campus %s: round %d by %s: %s (cap %.1f kW, %s)", campus.name(),
                    round, id, r.budgetsW(), r.capW() / 1000, r.binding()));
        }
        return rev;
    }

    private void pause(long ns) {
        if (ns <= 0) {
            return;
        }
        try {
            Thread.sleep(Duration.ofNanos(ns));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
