package io.headroom.grid.openadr3;

import io.headroom.common.DaemonThreads;
import io.headroom.grid.Commitment;
import io.headroom.grid.CommitmentBook;
import io.headroom.grid.FlexibilityOracle;
import io.headroom.grid.OptDecision;
import io.headroom.grid.SiteTelemetry;
import io.headroom.grid.journal.VenJournal;
import io.headroom.grid.openadr3.model.Event;
import io.headroom.grid.openadr3.model.Notification;
import io.headroom.grid.openadr3.model.ObjectOperation;
import io.headroom.grid.openadr3.model.Program;
import io.headroom.grid.openadr3.model.Report;
import io.headroom.grid.openadr3.model.Resource;
import io.headroom.grid.openadr3.model.Subscription;
import io.headroom.grid.openadr3.model.Ven;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The OpenADR 3.1 (or 3.0.1) VEN. One thread ("openadr3-ven") owns all its state; each tick it
 * <ol>
 *   <li>registers (finds or creates its VEN and resource by name; ids journaled),</li>
 *   <li>subscribes to events with a webhook when configured (polling stays, slower, as the fallback),</li>
 *   <li>polls programs and events when due; each new or modified event is translated to commitments, checked
 *       with the {@link FlexibilityOracle} (opt in / partially / out, with a reason), journaled, put in the
 *       {@link CommitmentBook}, and its opt report queued — in that order; an event gone from the VTN is cancelled,</li>
 *   <li>queues the reports that fell due (in due order), and drains the outbox in order; a report whose send had an
 *       unknown outcome is first looked up on the VTN by its name, so nothing is sent twice.</li>
 * </ol>
 * After a crash a new VEN on the same journal restores the book, the report plans and the outbox before it talks
 * to the VTN.
 */
public final class Ven3 implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Ven3.class);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    /** What the VEN shows (log and API). */
    public record Status(String venId, String resourceId, String subscriptionId, Instant lastPoll, int pendingReports,
                         List<String> rejected) {
    }

    private record Tracked(Event event, List<ResolvedInterval> intervals, ReportPlanner.Plan plan) {
    }

    private final Ven3Config cfg;
    private final CommitmentBook book;
    private final FlexibilityOracle oracle;
    private final SiteTelemetry telemetry;
    private final Clock clock;
    private final VenJournal journal;
    private final VtnClient vtn;
    private final FeasibilityCheck feasibility;
    private final ReportBuilder reports;
    private final ScheduledExecutorService exec;
    private final Map<String, Tracked> tracked = new HashMap<>();
    private final Map<String, Program> programs = new HashMap<>();
    private final List<String> rejected = new CopyOnWriteArrayList<>();
    private final Vertx ownVertx;
    private final Vertx vertx;

    private volatile String venId;
    private volatile String resourceId;
    private volatile String subscriptionId;
    private volatile Instant lastPoll;
    private Instant nextPoll = Instant.MIN;
    private Instant nextDrain = Instant.MIN;
    /** Token, registration, subscription and poll: one conversation, one backoff (no hammering a refusing VTN). */
    private final Backoff conversation;
    private Instant nextAttempt = Instant.MIN;
    private final Backoff drainBackoff;
    private WebhookServer webhook;
    private String callbackUrl;
    private boolean started;

    public Ven3(Ven3Config cfg, CommitmentBook book, FlexibilityOracle oracle, SiteTelemetry telemetry, Clock clock, Vertx vertx) {
        this.cfg = cfg;
        this.book = book;
        this.oracle = oracle;
        this.telemetry = telemetry;
        this.clock = clock;
        this.journal = new VenJournal(cfg.journal());
        HttpClient.Builder hb = HttpClient.newBuilder().connectTimeout(cfg.httpTimeout()).followRedirects(HttpClient.Redirect.NEVER);
        if (cfg.sslContext() != null) {
            hb.sslContext(cfg.sslContext());
        }
        HttpClient http = hb.build();
        TokenSource tokens = new TokenSource(http, cfg.vtnUrl(), cfg.tokenUrl(), cfg.clientId(), cfg.clientSecret(), clock, cfg.httpTimeout());
        this.vtn = new VtnClient(http, cfg.vtnUrl(), tokens, cfg.version(), cfg.httpTimeout());
        this.feasibility = new FeasibilityCheck(oracle, cfg.partialOptAllowed(), 1.0);
        this.reports = new ReportBuilder(cfg.version(), cfg.venName(), cfg.resourceName());
        this.conversation = new Backoff(cfg.retryBackoff(), MAX_BACKOFF);
        this.drainBackoff = new Backoff(cfg.retryBackoff(), MAX_BACKOFF);
        this.ownVertx = cfg.webhook() && vertx == null ? Vertx.vertx() : null;
        this.vertx = vertx != null ? vertx : ownVertx;
        this.exec = DaemonThreads.scheduler("openadr3-ven-" + cfg.venName());
        restore();
    }

    /** Restores commitments and report plans from the journal (before any network). */
    private void restore() {
        List<Commitment> cs = journal.commitments();
        Map<String, List<Commitment>> byOrigin = new HashMap<>();
        cs.forEach(c -> byOrigin.computeIfAbsent(c.origin(), k -> new ArrayList<>()).add(c));
        byOrigin.forEach(book::replaceOrigin);
        venId = journal.meta("venId").orElse(null);
        resourceId = journal.meta("resourceId").orElse(null);
        subscriptionId = journal.meta("subscriptionId").orElse(null);
        for (Map.Entry<String, String> en : journal.activeEvents().entrySet()) {
            try {
                Event e = Json.read(en.getValue(), Event.class);
                List<ResolvedInterval> iv = EventTranslator.intervals(e, clock.instant());
                tracked.put(e.id(), new Tracked(e, iv, ReportPlanner.plan(e, iv)));
            } catch (RuntimeException ex) {
                log.error("OpenADR 3 VEN {}: journaled event {} unreadable: {}", cfg.venName(), en.getKey(), ex.getMessage());
            }
        }
        if (!cs.isEmpty() || !tracked.isEmpty()) {
            log.info("OpenADR 3 VEN {}: resumed with {} commitments of {} events, {} reports owed", cfg.venName(), cs.size(),
                    tracked.size(), journal.pending().size());
        }
    }

    /** Starts the callback server (when configured) and the tick loop. Not from an event loop. */
    public synchronized void start() throws Exception {
        if (started) {
            return;
        }
        started = true;
        if (cfg.webhook()) {
            // the token of the subscription the journal holds (a restart keeps its subscription); a new subscription
            // gets a new one (subscribe())
            String token = journal.meta("callbackToken").orElseGet(Ven3::newToken);
            webhook = new WebhookServer(vertx, token, this::onNotification);
            int port = webhook.start(cfg.callbackHost(), cfg.callbackPort(), cfg.callbackTlsCert(), cfg.callbackTlsKey());
            callbackUrl = cfg.callbackPublicUrl() != null ? cfg.callbackPublicUrl()
                    : (cfg.callbackTls() ? "https" : "http") + "://" + cfg.callbackHost() + ":" + port + WebhookServer.PATH;
            log.info("OpenADR 3 VEN {}: callback at {}{}", cfg.venName(), callbackUrl, cfg.callbackTls() ? "" : " (plain HTTP: allowInsecureHttp)");
        }
        exec.scheduleWithFixedDelay(this::tickSafely, 0, Math.max(1, cfg.tick().toMillis()), TimeUnit.MILLISECONDS);
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            log.warn("OpenADR 3 VEN {}: {}", cfg.venName(), e.getMessage());
        }
    }

    /** Runs one tick now on the VEN thread and waits for it (tests, the CLI). */
    public void tickNow() throws Exception {
        exec.submit(this::tick).get();
    }

    private static String newToken() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    void tick() {
        Instant now = clock.instant();
        if (!now.isBefore(nextAttempt)) {
            try {
                if (venId == null || resourceId == null) {
                    register();
                }
                if (cfg.webhook() && subscriptionId == null) {
                    subscribe();
                }
                if (!now.isBefore(nextPoll)) {
                    poll();
                    lastPoll = now;
                    nextPoll = now.plus(subscriptionId != null ? cfg.subscribedPollInterval() : cfg.pollInterval());
                }
                conversation.succeeded();
            } catch (VtnException | Json.BadJsonException e) {
                Duration wait = conversation.failed(e instanceof VtnException v ? Backoff.retryAfter(v.retryAfter(), now) : null);
                nextAttempt = now.plus(wait);
                log.warn("OpenADR 3 VEN {}: VTN: {} (failure {}, next try in {})", cfg.venName(), e.getMessage(), conversation.failures(), wait);
            }
        }
        queueDueReports(now);
        drain(now);
    }

    private void register() {
        Ven v = vtn.findVen(cfg.venName()).orElseGet(() -> {
            Ven created = vtn.createVen(cfg.venName());
            log.info("OpenADR 3 VEN {}: registered as VEN {}", cfg.venName(), created.id());
            return created;
        });
        venId = v.id();
        journal.putMeta("venId", venId);
        Resource r = vtn.findResource(venId, cfg.resourceName()).orElseGet(() -> {
            Resource created = vtn.createResource(venId, cfg.resourceName());
            log.info("OpenADR 3 VEN {}: registered resource {} as {}", cfg.venName(), cfg.resourceName(), created.id());
            return created;
        });
        resourceId = r.id();
        journal.putMeta("resourceId", resourceId);
    }

    private void subscribe() {
        try {
            // a subscription to this callback that the journal does not know carries a token this VEN no longer has:
            // replaced, not adopted
            for (Subscription s : vtn.subscriptions()) {
                if (s.id() != null && s.objectOperations().stream().anyMatch(o -> callbackUrl.equals(o.callbackUrl()))) {
                    vtn.deleteSubscription(s.id());
                    log.info("OpenADR 3 VEN {}: stale subscription {} to {} deleted", cfg.venName(), s.id(), callbackUrl);
                }
            }
            List<String> ops = cfg.version() == OpenAdrVersion.V3_1_0 ? List.of("CREATE", "UPDATE", "DELETE") : List.of("POST", "PUT", "DELETE");
            String programId = null;
            if (cfg.version() == OpenAdrVersion.V3_0_1) {
                refreshPrograms();
                programId = programs.keySet().stream().sorted().findFirst().orElse(null);
                if (programId == null) {
                    return;
                }
            }
            String token = newToken(); // each subscription its own token: one that leaked dies with its subscription
            webhook.bearerToken(token);
            journal.putMeta("callbackToken", token);
            Subscription s = vtn.createSubscription(new Subscription(null, null, null, null, null, cfg.venName(), programId,
                    List.of(new ObjectOperation(List.of("EVENT"), ops, callbackUrl, token)), null));
            subscriptionId = s.id();
            journal.putMeta("subscriptionId", subscriptionId);
            log.info("OpenADR 3 VEN {}: subscribed to events ({}), polling every {} as fallback", cfg.venName(), subscriptionId,
                    cfg.subscribedPollInterval());
        } catch (VtnException e) {
            log.warn("OpenADR 3 VEN {}: no subscription ({}); polling every {}", cfg.venName(), e.getMessage(), cfg.pollInterval());
        }
    }

    private void refreshPrograms() {
        programs.clear();
        for (Program p : vtn.programs()) {
            if (p.id() != null && (cfg.programNames().isEmpty() || cfg.programNames().contains(p.programName()))) {
                programs.put(p.id(), p);
            }
        }
    }

    private void poll() {
        if (subscriptionId != null && vtn.subscriptions().stream().noneMatch(x -> subscriptionId.equals(x.id()))) {
            log.warn("OpenADR 3 VEN {}: subscription {} is gone from the VTN; subscribing again", cfg.venName(), subscriptionId);
            subscriptionId = null;
            journal.deleteMeta("subscriptionId");
        }
        refreshPrograms();
        List<Event> events = vtn.events();
        Map<String, Event> seen = new HashMap<>();
        for (Event e : events) {
            if (e.id() != null && programs.containsKey(e.programID())) {
                seen.put(e.id(), e);
                accept(e, "poll");
            }
        }
        for (String id : List.copyOf(tracked.keySet())) {
            if (!seen.containsKey(id)) {
                cancel(id, "no longer listed by the VTN");
            }
        }
    }

    /** Webhook: runs on the VEN thread; the stage completes once journaled (then the callback answers 200). */
    private CompletableFuture<Void> onNotification(Notification n) {
        return CompletableFuture.runAsync(() -> handle(n), exec);
    }

    private void handle(Notification n) {
        if (!"EVENT".equals(n.objectType())) {
            log.debug("OpenADR 3 VEN {}: notification {} {} ignored", cfg.venName(), n.operation(), n.objectType());
            return;
        }
        String id = n.object().path("id").asText(null);
        if (id == null || id.isBlank()) {
            throw new Json.BadJsonException("EVENT notification without the event's id", null);
        }
        if (!List.of("DELETE", "CREATE", "UPDATE", "POST", "PUT", "READ", "GET").contains(n.operation())) {
            log.warn("OpenADR 3 VEN {}: notification with unknown operation {} ignored", cfg.venName(), n.operation());
            return;
        }
        // a notification is a hint, not an order: what the VEN acts on is what the VTN itself says about the event
        // (GET /events/{id}), so a forged or stale notification cannot withdraw or plant a commitment
        Optional<Event> confirmed;
        try {
            confirmed = vtn.event(id);
        } catch (VtnException ex) {
            nextPoll = clock.instant(); // the next tick polls instead
            throw new IllegalStateException("event " + id + " could not be confirmed with the VTN: " + ex.getMessage(), ex);
        }
        if (confirmed.isEmpty()) {
            if ("DELETE".equals(n.operation())) {
                cancel(id, "deleted by the VTN (notified, confirmed: GET /events/" + id + " is 404)");
            } else {
                log.warn("OpenADR 3 VEN {}: notified {} of event {} that the VTN does not have: ignored", cfg.venName(), n.operation(), id);
            }
            return;
        }
        Event e = confirmed.get();
        if ("DELETE".equals(n.operation())) {
            log.warn("OpenADR 3 VEN {}: notified DELETE of event {} but the VTN still has it: kept", cfg.venName(), id);
        }
        if (!programs.containsKey(e.programID())) {
            try {
                refreshPrograms();
            } catch (VtnException ex) {
                throw new IllegalStateException("programs unavailable: " + ex.getMessage(), ex);
            }
        }
        if (programs.containsKey(e.programID())) {
            accept(e, "notification, confirmed with the VTN");
        }
    }

    private void accept(Event e, String source) {
        String version = e.version();
        Tracked t = tracked.get(e.id());
        if (t != null && t.event().version().equals(version)) {
            return;
        }
        List<ResolvedInterval> iv;
        List<Commitment> asked;
        try {
            iv = EventTranslator.intervals(e, clock.instant());
            asked = EventTranslator.commitments(e, programs.get(e.programID()), clock.instant());
        } catch (EventTranslator.BadEventException ex) {
            if (!rejected.contains(e.id() + "@" + version)) {
                rejected.add(e.id() + "@" + version);
                log.warn("OpenADR 3 VEN {}: event {} rejected: {}", cfg.venName(), e.id(), ex.getMessage());
            }
            return;
        }
        Optional<OptDecision> prior = journal.decision(e.id(), version);
        OptDecision d;
        if (prior.isPresent()) {
            d = prior.get();
        } else {
            d = feasibility.decide(e.id(), version, asked, clock.instant());
            String optKey = null;
            String optBody = null;
            if (cfg.sendOptReports() && !iv.isEmpty()) {
                double expected = oracle.assess(iv.getFirst().start(), iv.getLast().end()).expectedDemandW();
                Report r = reports.optReport(d, e.programID(), iv, expected);
                optKey = r.reportName();
                optBody = Json.write(r);
            }
            journal.recordDecision(Json.write(e), d, optKey, optBody);
            log.info("OpenADR 3 VEN {}: event {} ({}, {}) → {}: {}", cfg.venName(), e.id(), e.eventName(), source, d.kind(), d.reason());
        }
        book.replaceOrigin(e.id(), d.commitments());
        ReportPlanner.Plan plan = ReportPlanner.plan(e, iv);
        if (!plan.unsupported().isEmpty()) {
            log.warn("OpenADR 3 VEN {}: event {} asks reports this VEN does not produce: {}", cfg.venName(), e.id(), plan.unsupported());
        }
        tracked.put(e.id(), new Tracked(e, iv, plan));
    }

    private void cancel(String eventId, String why) {
        if (eventId == null) {
            return;
        }
        tracked.remove(eventId);
        int n = book.cancelOrigin(eventId);
        if (journal.cancelEvent(eventId)) {
            log.info("OpenADR 3 VEN {}: event {} cancelled ({}), {} commitments withdrawn", cfg.venName(), eventId, why, n);
        } else {
            log.warn("OpenADR 3 VEN {}: cancellation of unknown event {} ignored ({})", cfg.venName(), eventId, why);
        }
    }

    private void queueDueReports(Instant now) {
        List<ReportPlanner.Due> due = new ArrayList<>();
        Map<String, Tracked> byEvent = new HashMap<>();
        for (Tracked t : tracked.values()) {
            for (ReportPlanner.Due d : t.plan().due()) {
                if (!d.due().isAfter(now) && !journal.hasReport(d.key())) {
                    due.add(d);
                    byEvent.put(d.eventId(), t);
                }
            }
        }
        due.sort(Comparator.comparing(ReportPlanner.Due::due).thenComparing(ReportPlanner.Due::key));
        for (ReportPlanner.Due d : due) {
            Tracked t = byEvent.get(d.eventId());
            double baseline = baselineW(t);
            ReportBuilder.Built b = reports.build(d, t.event().programID(), baseline, telemetry);
            if (!b.problems().isEmpty()) {
                log.warn("OpenADR 3 VEN {}: report {}: {}", cfg.venName(), d.key(), b.problems());
            }
            if (journal.enqueue(d.key(), d.eventId(), d.due(), Json.write(b.report()))) {
                log.info("OpenADR 3 VEN {}: report {} due {} queued", cfg.venName(), d.key(), d.due());
            }
        }
    }

    private double baselineW(Tracked t) {
        String id = t.event().id();
        var stored = journal.baseline(id);
        if (stored.isPresent()) {
            return stored.getAsDouble();
        }
        Instant first = t.intervals().getFirst().start();
        double w = telemetry.meanDemandW(first.minus(cfg.baselineWindow()), first)
                .orElseGet(() -> oracle.assess(first, t.intervals().getLast().end()).expectedDemandW());
        return journal.putBaselineOnce(id, w);
    }

    private void drain(Instant now) {
        if (now.isBefore(nextDrain)) {
            return;
        }
        for (VenJournal.OutboxEntry o : journal.pending()) {
            try {
                if (o.attempts() > 0 && alreadyOnVtn(o)) {
                    journal.markSent(o.seq(), now);
                    log.info("OpenADR 3 VEN {}: report {} found on the VTN, not resent", cfg.venName(), o.key());
                    continue;
                }
                journal.markAttempt(o.seq());
                Report created = vtn.createReport(o.body());
                journal.markSent(o.seq(), now);
                drainBackoff.succeeded();
                log.info("OpenADR 3 VEN {}: report {} sent ({})", cfg.venName(), o.key(), created.id());
            } catch (VtnException e) {
                if (e.unreachable() || e.status() >= 500 || e.status() == 401 || e.status() == 403 || e.status() == 429) {
                    Duration wait = drainBackoff.failed(Backoff.retryAfter(e.retryAfter(), now));
                    nextDrain = now.plus(wait);
                    log.warn("OpenADR 3 VEN {}: report {} not sent, {} queued, retry in {}: {}", cfg.venName(), o.key(),
                            journal.pending().size(), wait, e.getMessage());
                    return;
                }
                journal.markSent(o.seq(), now);
                log.error("OpenADR 3 VEN {}: report {} refused by the VTN, dropped: {}", cfg.venName(), o.key(), e.getMessage());
            }
        }
    }

    private boolean alreadyOnVtn(VenJournal.OutboxEntry o) {
        return vtn.reports(o.eventId(), cfg.venName()).stream().anyMatch(r -> o.key().equals(r.reportName()));
    }

    public Status status() {
        return new Status(venId, resourceId, subscriptionId, lastPoll, journal.pending().size(), List.copyOf(rejected));
    }

    public List<OptDecision> decisions() {
        return journal.decisions();
    }

    public List<VenJournal.OutboxEntry> reports() {
        return journal.allReports();
    }

    public String callbackUrl() {
        return callbackUrl;
    }

    /** Stops the loop and the callback; what is journaled stays. Simulates a crash when nothing else is done. */
    @Override
    public void close() throws Exception {
        exec.shutdownNow();
        exec.awaitTermination(10, TimeUnit.SECONDS);
        if (webhook != null) {
            webhook.stop();
        }
        if (ownVertx != null) {
            ownVertx.close().toCompletionStage().toCompletableFuture().get();
        }
        journal.close();
    }
}
