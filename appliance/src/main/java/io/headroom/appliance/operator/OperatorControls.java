package io.headroom.appliance.operator;

import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.journal.JournalEntry;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What operators set by hand, through the API: manual cap overrides with an expiry, feeds in maintenance, and
 * acknowledgements of alarms. Every change is appended to the journal (durably, with who and why) before it
 * takes effect or is answered, and the active overrides and maintenance are rebuilt from the journal when the
 * appliance starts, so neither a restart nor a kill loses what an operator was told is in force.
 *
 * <p>Regulation reads {@link #nodeCeilingsW} and {@link #outOfService} once a tick; the API writes from its
 * event loop. An override is a ceiling, never a raise: safety limits and every other limit still apply.
 */
public final class OperatorControls {

    private static final Logger log = LoggerFactory.getLogger(OperatorControls.class);

    /** Longest override an operator may set, s (a day: anything longer belongs in the site file). */
    public static final long MAX_OVERRIDE_S = 86_400;
    static final String KIND_OVERRIDE = "operator.override";
    static final String KIND_OVERRIDE_CANCELLED = "operator.override.cancelled";
    static final String KIND_OVERRIDE_EXPIRED = "operator.override.expired";
    static final String KIND_MAINTENANCE = "operator.maintenance";
    static final String KIND_ACK = "operator.alarm.ack";

    /** A manual cap override: node {@code nodeId}'s per-GPU cap is at most {@code capPerGpuW} until {@code expiresAt}. */
    public record Override(String id, String nodeId, double capPerGpuW, String setBy, String reason, Instant setAt,
                           Instant expiresAt) {
    }

    /** A feed an operator took out of service, regulated as if lost. */
    public record Maintenance(String feedId, String by, String reason, Instant since) {
    }

    /** A request that cannot be carried out as asked: which field, and why. */
    public static final class Refused extends RuntimeException {
        private final int status;
        private final String field;

        public Refused(int status, String field, String message) {
            super(message);
            this.status = status;
            this.field = field;
        }

        /** The HTTP status that says it: 400 bad value, 404 unknown id, 409 conflict. */
        public int status() {
            return status;
        }

        /** The request field at fault, or null. */
        public String field() {
            return field;
        }
    }

    private final Site site;
    private final Journal journal;
    private final Clock clock;
    private final ActiveAlarms alarms;
    private final Map<String, Override> overridesByNode = new ConcurrentHashMap<>();
    private final Map<String, Maintenance> maintenance = new ConcurrentHashMap<>();
    private volatile Map<String, Double> ceilings = Map.of();
    private volatile Set<String> outOfService = Set.of();

    private OperatorControls(Site site, Journal journal, Clock clock, ActiveAlarms alarms) {
        this.site = site;
        this.journal = journal;
        this.clock = clock;
        this.alarms = alarms;
    }

    /** Opens the operator's controls, with the overrides and maintenance still in force according to the journal. */
    public static OperatorControls open(Site site, Journal journal, Clock clock, ActiveAlarms alarms) {
        OperatorControls c = new OperatorControls(site, journal, clock, alarms);
        c.restore();
        return c;
    }

    private void restore() {
        Instant now = clock.instant();
        Instant to = now.plusSeconds(1);
        for (JournalEntry e : journal.entries(Instant.EPOCH, to, KIND_MAINTENANCE, 100_000)) {
            JsonObject d = new JsonObject(e.data());
            if (site.feed(e.subject()).isEmpty()) {
                continue;
            }
            if (d.getBoolean("enabled", false)) {
                maintenance.put(e.subject(), new Maintenance(e.subject(), e.actor(), e.message(), e.utc()));
            } else {
                maintenance.remove(e.subject());
            }
        }
        Instant since = now.minusSeconds(MAX_OVERRIDE_S + 60);
        Set<String> cancelled = new java.util.HashSet<>();
        for (String kind : List.of(KIND_OVERRIDE_CANCELLED, KIND_OVERRIDE_EXPIRED)) {
            for (JournalEntry e : journal.entries(since, to, kind, 100_000)) {
                cancelled.add(new JsonObject(e.data()).getString("id", ""));
            }
        }
        for (JournalEntry e : journal.entries(since, to, KIND_OVERRIDE, 100_000)) {
            JsonObject d = new JsonObject(e.data());
            Override o = new Override(d.getString("id"), e.subject(), d.getDouble("capPerGpuW"), e.actor(), e.message(),
                    e.utc(), Instant.parse(d.getString("expiresAt")));
            if (site.nodes().stream().anyMatch(n -> n.id().equals(o.nodeId()))) {
                overridesByNode.put(o.nodeId(), o); // in journal order: a later one for the node replaced it
            }
        }
        overridesByNode.values().removeIf(o -> cancelled.contains(o.id()) || !o.expiresAt().isAfter(now));
        publish();
        if (!overridesByNode.isEmpty() || !maintenance.isEmpty()) {
            log.info("operator controls restored from the journal: {} override(s), feeds in maintenance {}",
                    overridesByNode.size(), maintenance.keySet());
        }
    }

    private void publish() {
        Map<String, Double> c = new java.util.HashMap<>();
        for (Override o : overridesByNode.values()) {
            c.put(o.nodeId(), o.capPerGpuW());
        }
        ceilings = Map.copyOf(c);
        outOfService = Set.copyOf(maintenance.keySet());
    }

    /**
     * Per node, the override's per-GPU ceiling in force at {@code now}, W. Overrides that have run out are dropped
     * here (and journaled as expired); called by regulation once a tick.
     */
    public Map<String, Double> nodeCeilingsW(Instant now) {
        boolean expired = false;
        for (Override o : overridesByNode.values()) {
            if (!o.expiresAt().isAfter(now) && overridesByNode.remove(o.nodeId(), o)) {
                expired = true;
                log.info("override {} on node {} expired", o.id(), o.nodeId());
                journal.record(JournalEntry.of(now, KIND_OVERRIDE_EXPIRED, o.nodeId(), "appliance",
                        "override " + o.id() + " (" + Math.round(o.capPerGpuW()) + " W per GPU, set by " + o.setBy() + ") expired",
                        new JsonObject().put("id", o.id()).encode()));
            }
        }
        if (expired) {
            publish();
        }
        return ceilings;
    }

    /** Feeds in maintenance now. */
    public Set<String> outOfService() {
        return outOfService;
    }

    public List<Override> overrides() {
        return overridesByNode.values().stream().sorted(Comparator.comparing(Override::setAt)).toList();
    }

    public Optional<Override> overrideOf(String nodeId) {
        return Optional.ofNullable(overridesByNode.get(nodeId));
    }

    public Optional<Maintenance> maintenanceOf(String feedId) {
        return Optional.ofNullable(maintenance.get(feedId));
    }

    public ActiveAlarms alarms() {
        return alarms;
    }

    /**
     * Sets (or replaces) the override of a node. Completes once journaled, with the override in force; fails with
     * {@link Refused} naming the field at fault before anything is recorded.
     */
    public CompletableFuture<Override> setOverride(String by, String nodeId, Double capPerGpuW, Long durationS, String reason) {
        if (nodeId == null || nodeId.isBlank()) {
            throw new Refused(400, "node", "node is required: the id of a node of site " + site.name());
        }
        Node node = site.nodes().stream().filter(n -> n.id().equals(nodeId)).findFirst()
                .orElseThrow(() -> new Refused(400, "node", "no node '" + nodeId + "' in site " + site.name()));
        if (capPerGpuW == null || !Double.isFinite(capPerGpuW)) {
            throw new Refused(400, "capPerGpuW", "capPerGpuW is required: watts per GPU within " + range(node));
        }
        if (capPerGpuW < node.gpu().minW() || capPerGpuW > node.gpu().maxW()) {
            throw new Refused(400, "capPerGpuW", String.format(Locale.ROOT,
                    "capPerGpuW %.1f W is outside node %s's GPU range %s", capPerGpuW, nodeId, range(node)));
        }
        if (durationS == null || durationS < 1 || durationS > MAX_OVERRIDE_S) {
            throw new Refused(400, "durationS", "durationS must be 1.." + MAX_OVERRIDE_S + " seconds, got " + durationS);
        }
        requireReason(reason);
        Instant at = clock.instant();
        Instant expires = at.plusSeconds(durationS);
        String id = "ov-" + Long.toHexString(at.toEpochMilli()) + "-" + Integer.toHexString(nodeId.hashCode() & 0xffff);
        Override o = new Override(id, nodeId, capPerGpuW, by, reason.strip(), at, expires);
        JsonObject data = new JsonObject().put("id", id).put("capPerGpuW", capPerGpuW).put("durationS", durationS)
                .put("expiresAt", expires.toString());
        Override replaced = overridesByNode.get(nodeId);
        if (replaced != null) {
            data.put("replaces", replaced.id());
        }
        return journal.append(JournalEntry.of(at, KIND_OVERRIDE, nodeId, by, o.reason(), data.encode())).thenApply(jid -> {
            overridesByNode.put(nodeId, o);
            publish();
            log.info("override {} by {}: node {} at most {} W per GPU until {} ({})", id, by, nodeId,
                    Math.round(capPerGpuW), expires, o.reason());
            return o;
        });
    }

    /** Cancels an override by id; completes once journaled. */
    public CompletableFuture<Override> cancelOverride(String by, String id, String reason) {
        Override o = overridesByNode.values().stream().filter(x -> x.id().equals(id)).findFirst()
                .orElseThrow(() -> new Refused(404, "id", "no override '" + id + "' in force"));
        requireReason(reason);
        Instant at = clock.instant();
        return journal.append(JournalEntry.of(at, KIND_OVERRIDE_CANCELLED, o.nodeId(), by, reason.strip(),
                new JsonObject().put("id", id).encode())).thenApply(jid -> {
                    overridesByNode.remove(o.nodeId(), o);
                    publish();
                    log.info("override {} on node {} cancelled by {} ({})", id, o.nodeId(), by, reason.strip());
                    return o;
                });
    }

    /**
     * Puts a feed in maintenance or takes it out. Completes once journaled with the feed's maintenance now (empty
     * when out of it); 409 when it is already in the state asked for.
     */
    public CompletableFuture<Optional<Maintenance>> setMaintenance(String by, String feedId, Boolean enabled, String reason) {
        Feed feed = site.feed(feedId).orElseThrow(() -> new Refused(404, "feed", "no feed '" + feedId + "' in site " + site.name()));
        if (enabled == null) {
            throw new Refused(400, "enabled", "enabled is required: true to take feed " + feedId + " out of service, false to return it");
        }
        requireReason(reason);
        if (enabled == maintenance.containsKey(feed.id())) {
            throw new Refused(409, "enabled", "feed " + feedId + " is " + (enabled ? "already" : "not") + " in maintenance");
        }
        if (enabled) {
            List<String> groupFeeds = site.groupOfFeed(feedId).feedIds();
            long stillIn = groupFeeds.stream().filter(f -> !f.equals(feedId) && !maintenance.containsKey(f)).count();
            if (stillIn == 0) {
                throw new Refused(409, "enabled", "feed " + feedId + " is the last feed of group "
                        + site.groupOfFeed(feedId).id() + " in service; its nodes would have no supply");
            }
        }
        Instant at = clock.instant();
        return journal.append(JournalEntry.of(at, KIND_MAINTENANCE, feedId, by, reason.strip(),
                new JsonObject().put("enabled", enabled).encode())).thenApply(jid -> {
                    Maintenance m = null;
                    if (enabled) {
                        m = new Maintenance(feedId, by, reason.strip(), at);
                        maintenance.put(feedId, m);
                    } else {
                        maintenance.remove(feedId);
                    }
                    publish();
                    log.warn("feed {} {} maintenance by {} ({})", feedId, enabled ? "put in" : "taken out of", by, reason.strip());
                    return Optional.ofNullable(m);
                });
    }

    /** Acknowledges an alarm raised now; completes once journaled. */
    public CompletableFuture<ActiveAlarms.Alarm> acknowledge(String by, String alarmId, String reason) {
        ActiveAlarms.Alarm a = alarms.get(alarmId)
                .orElseThrow(() -> new Refused(404, "id", "no alarm '" + alarmId + "' is raised now (it may have cleared)"));
        requireReason(reason);
        Instant at = clock.instant();
        return journal.append(JournalEntry.of(at, KIND_ACK, a.subject(), by, reason.strip(),
                new JsonObject().put("alarm", alarmId).put("message", a.message()).encode())).thenApply(jid -> {
                    log.info("alarm {} acknowledged by {} ({}): {}", alarmId, by, reason.strip(), a.message());
                    return alarms.acknowledge(alarmId, new ActiveAlarms.Ack(by, at, reason.strip()))
                            .orElseThrow(() -> new Refused(404, "id", "alarm '" + alarmId + "' cleared while it was acknowledged"));
                });
    }

    private static void requireReason(String reason) {
        if (reason == null || reason.isBlank()) {
            throw new Refused(400, "reason", "reason is required: say why, in words; it is journaled with your name");
        }
        if (reason.length() > 500) {
            throw new Refused(400, "reason", "reason is at most 500 characters, got " + reason.length());
        }
    }

    private static String range(Node n) {
        return String.format(Locale.ROOT, "[%.0f, %.0f] W", n.gpu().minW(), n.gpu().maxW());
    }
}
