package io.headroom.grid.openadr2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.grid.Commitment;
import io.headroom.grid.CommitmentBook;
import io.headroom.grid.FlexibilityOracle;
import io.headroom.grid.OptDecision;
import io.headroom.grid.SiteTelemetry;
import io.headroom.grid.journal.VenJournal;
import io.headroom.grid.openadr3.FeasibilityCheck;
import io.headroom.grid.openadr3.VtnException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The OpenADR 2.0b VEN, full-function profile, simple HTTP pull. One thread ("openadr2b-ven-NAME") owns its state;
 * each tick it
 * <ol>
 *   <li><b>registers</b> when it has no registration: {@code oadrQueryRegistration}, then
 *       {@code oadrCreatePartyRegistration} (profile 2.0b, simpleHttp, pull, oadrXmlSignature as configured); registrationID,
 *       venID, vtnID and the VTN's poll frequency are journaled; then <b>registers its reports</b>
 *       ({@code oadrRegisterReport}: METADATA_TELEMETRY_USAGE — energy kWh and demand kW — and
 *       METADATA_TELEMETRY_STATUS, each with its descriptions and reportRequestID 0) and sends its <b>opt-out
 *       schedules</b> ({@code oadrCreateOpt}, one per maintenance window), then asks for events
 *       ({@code oadrRequestEvent});</li>
 *   <li><b>polls</b> ({@code oadrPoll}) when due, taking every message the VTN has queued: distribute event, create /
 *       cancel report, register report, request re-registration, cancel registration;</li>
 *   <li>queues the <b>telemetry updates</b> that fell due for each accepted report request, and <b>drains its outbox</b>
 *       in order.</li>
 * </ol>
 * Events: every {@code oadrDistributeEvent} holds all the VEN's events; a new or modified one (higher
 * modificationNumber) is translated ({@link EventTranslator2b}), checked with the {@link FlexibilityOracle}
 * (opt in / out with a reason, logged; a partial decision keeps the relaxed limits in the book but tells the VTN
 * {@code optOut}, since 2.0b has no partial opt), journaled with its {@code oadrCreatedEvent} in the outbox, then put
 * in the {@link CommitmentBook} — in that order; a cancelled one, or one the distribute no longer lists, is
 * withdrawn; a cancellation of an event the VEN never had is acknowledged, logged and ignored.
 *
 * <p>Nothing lost: every message the VEN owes the VTN (created event, register report, created/canceled report,
 * update report, create/cancel opt) is journaled before anything is acknowledged and sent from the outbox in order;
 * a VTN that is down stops the drain with a backoff and nothing is lost. A message whose send had an unknown outcome
 * (a crash or timeout after the request left) is sent again <i>with the same requestID</i> — 2.0b has no way to ask
 * the VTN what it received; the bench VTN (and any VTN that treats requestID as idempotency key) counts it once.
 */
public final class Ven2b implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Ven2b.class);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> OPT_REASONS = Set.of("economic", "emergency", "mustRun", "notParticipating",
            "outageRunStatus", "overrideStatus", "participating", "x-schedule");

    public static final String USAGE_SPECIFIER = "headroom-telemetry-usage";
    public static final String STATUS_SPECIFIER = "headroom-telemetry-status";

    /** What the VEN shows (log and API). */
    public record Status(boolean registered, String venId, String registrationId, String vtnId, Instant lastPoll,
                         int pendingMessages, List<String> reportRequests, List<String> rejected) {
    }

    private final Ven2bConfig cfg;
    private final CommitmentBook book;
    private final FlexibilityOracle oracle;
    private final SiteTelemetry telemetry;
    private final Clock clock;
    private final VenJournal journal;
    private final OadrHttp http;
    private final FeasibilityCheck feasibility;
    private final ScheduledExecutorService exec;
    private final Map<String, Long> tracked = new HashMap<>();
    private final List<String> rejected = new CopyOnWriteArrayList<>();
    private final String requestPrefix = HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt(),
            (byte) ThreadLocalRandom.current().nextInt(), (byte) ThreadLocalRandom.current().nextInt()});
    private long requestCounter;

    private volatile String venId;
    private volatile String registrationId;
    private volatile String vtnId;
    private volatile Instant lastPoll;
    private Duration vtnPollFreq;
    private Instant nextPoll = Instant.MIN;
    private Instant nextDrain = Instant.MIN;
    /** Registration and polls: one backoff, so a refusing VTN is not asked again every tick. */
    private final io.headroom.grid.openadr3.Backoff conversation;
    private Instant nextAttempt = Instant.MIN;
    private final io.headroom.grid.openadr3.Backoff drainBackoff;
    private boolean eventsRequested;
    private boolean started;

    public Ven2b(Ven2bConfig cfg, CommitmentBook book, FlexibilityOracle oracle, SiteTelemetry telemetry, Clock clock) {
        this.cfg = cfg;
        this.book = book;
        this.oracle = oracle;
        this.telemetry = telemetry;
        this.clock = clock;
        for (Ven2bConfig.OptOutWindow w : cfg.optOutWindows()) {
            checkOptReason(w);
        }
        this.journal = new VenJournal(cfg.journal());
        OadrSignature signature = cfg.signing() == null ? null : cfg.signing().signature(clock, cfg.signatureWindow(), cfg.replayCacheSize());
        this.http = new OadrHttp(cfg.vtnUrl(), cfg.sslContext(), cfg.tlsProfile(), cfg.httpTimeout(), cfg.httpTimeout(), signature,
                cfg.xmlSignature());
        log.info("OpenADR 2.0b VEN {}: XML signatures {}", cfg.venName(), cfg.xmlSignature()
                ? "on (every payload signed; replies must be signed by the VTN's certificate, timestamps within ±"
                        + cfg.signatureWindow() + ", nonces not seen before)"
                : "off (oadrXmlSignature=false" + (signature != null ? "; a signature the VTN sends anyway is verified)" : ")"));
        this.feasibility = new FeasibilityCheck(oracle, cfg.partialOptAllowed(), 1.0);
        this.conversation = new io.headroom.grid.openadr3.Backoff(cfg.retryBackoff(), MAX_BACKOFF);
        this.drainBackoff = new io.headroom.grid.openadr3.Backoff(cfg.retryBackoff(), MAX_BACKOFF);
        this.exec = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "openadr2b-ven-" + cfg.venName());
            t.setDaemon(true);
            return t;
        });
        if (cfg.sslContext() != null) {
            log.info("OpenADR 2.0b VEN {}: TLS profile {}: {} with {}", cfg.venName(), cfg.tlsProfile().label(),
                    cfg.tlsProfile().protocols(), cfg.tlsProfile().cipherSuites());
        } else {
            log.warn("OpenADR 2.0b VEN {}: plain HTTP to {} (allowInsecureHttp): no TLS, no client certificate", cfg.venName(), cfg.vtnUrl());
        }
        restore();
    }

    private static void checkOptReason(Ven2bConfig.OptOutWindow w) {
        if (!OPT_REASONS.contains(w.reason()) && !w.reason().startsWith("x-")) {
            throw new IllegalArgumentException("opt-out window " + w.id() + ": optReason '" + w.reason()
                    + "' is not one of " + OPT_REASONS + " nor an x- extension");
        }
    }

    private void restore() {
        Map<String, List<Commitment>> byOrigin = new HashMap<>();
        List<Commitment> cs = journal.commitments();
        cs.forEach(c -> byOrigin.computeIfAbsent(c.origin(), k -> new ArrayList<>()).add(c));
        byOrigin.forEach(book::replaceOrigin);
        venId = journal.meta("venId").orElse(null);
        registrationId = journal.meta("registrationId").orElse(null);
        vtnId = journal.meta("vtnId").orElse(null);
        vtnPollFreq = journal.meta("vtnPollFreq").map(Duration::parse).orElse(null);
        Map<String, Long> versions = new HashMap<>();
        for (OptDecision d : journal.decisions()) {
            versions.merge(d.eventId(), parseLong(d.eventVersion()), Math::max);
        }
        for (String id : journal.activeEvents().keySet()) {
            tracked.put(id, versions.getOrDefault(id, -1L));
        }
        if (!cs.isEmpty() || !tracked.isEmpty() || !journal.pending().isEmpty()) {
            log.info("OpenADR 2.0b VEN {}: resumed with {} commitments of {} events, {} messages owed", cfg.venName(), cs.size(),
                    tracked.size(), journal.pending().size());
        }
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Starts the tick loop. Not from an event loop. */
    public synchronized void start() {
        if (started) {
            return;
        }
        started = true;
        exec.scheduleWithFixedDelay(this::tickSafely, 0, Math.max(1, cfg.tick().toMillis()), TimeUnit.MILLISECONDS);
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            log.warn("OpenADR 2.0b VEN {}: {}", cfg.venName(), e.getMessage());
        }
    }

    /** Runs one tick now on the VEN thread and waits for it. */
    public void tickNow() throws Exception {
        exec.submit(this::tick).get();
    }

    private String requestId() {
        return "hr-" + requestPrefix + "-" + (++requestCounter);
    }

    private boolean cancelledByVtn() {
        return journal.meta("cancelledByVtn").isPresent();
    }

    void tick() {
        Instant now = clock.instant();
        if (cancelledByVtn() || journal.meta("cancelledByVen").isPresent()) {
            drain(now);
            return;
        }
        if (!now.isBefore(nextAttempt)) {
            try {
                if (registrationId == null) {
                    register(null, null);
                }
                afterRegistration(now);
                if (!eventsRequested) {
                    handle(http.post(OadrMessages.requestEvent(requestId(), venId)), "EiEvent request");
                    eventsRequested = true;
                }
                if (!now.isBefore(nextPoll)) {
                    pollAll();
                    lastPoll = now;
                    Duration p = cfg.pollInterval() != null ? cfg.pollInterval() : vtnPollFreq != null ? vtnPollFreq : Duration.ofSeconds(10);
                    nextPoll = now.plus(p);
                }
                conversation.succeeded();
            } catch (VtnException e) {
                Duration wait = conversation.failed(io.headroom.grid.openadr3.Backoff.retryAfter(e.retryAfter(), now));
                nextAttempt = now.plus(wait);
                log.warn("OpenADR 2.0b VEN {}: VTN: {} (failure {}, next try in {})", cfg.venName(), e.getMessage(), conversation.failures(), wait);
            } catch (Xml.BadXmlException e) {
                nextAttempt = now.plus(conversation.failed(null));
                reject("VTN reply: " + e.getMessage());
            }
        }
        queueDueReports(now);
        drain(clock.instant());
    }

    private void reject(String what) {
        rejected.add(what);
        log.warn("OpenADR 2.0b VEN {}: rejected {}", cfg.venName(), what);
    }

    // ---- EiRegisterParty ----

    private void register(String regId, String knownVenId) {
        Element q = http.post(OadrMessages.queryRegistration(requestId()));
        expect(q, "oadrCreatedPartyRegistration", "oadrQueryRegistration");
        Element c = http.post(OadrMessages.createPartyRegistration(requestId(), regId, knownVenId, cfg.venName(), cfg.reportOnly(),
                cfg.xmlSignature()));
        expect(c, "oadrCreatedPartyRegistration", "oadrCreatePartyRegistration");
        registrationId = Xml.required(c, "registrationID");
        venId = Xml.text(c, "venID").orElse(knownVenId != null ? knownVenId : cfg.venName());
        vtnId = Xml.text(c, "vtnID").orElse("");
        vtnPollFreq = Xml.text(c, "oadrRequestedOadrPollFreq", "duration").map(OadrMessages::duration).orElse(null);
        journal.putMeta("registrationId", registrationId);
        journal.putMeta("venId", venId);
        journal.putMeta("vtnId", vtnId);
        if (vtnPollFreq != null) {
            journal.putMeta("vtnPollFreq", vtnPollFreq.toString());
        }
        eventsRequested = false;
        log.info("OpenADR 2.0b VEN {}: {} with VTN {} as venID {} (registrationID {}), VTN asks a poll every {}", cfg.venName(),
                regId == null ? "registered" : "re-registered", vtnId, venId, registrationId, vtnPollFreq);
    }

    private static void expect(Element reply, String name, String to) {
        String[] r = OadrMessages.responseOf(reply);
        if (!name.equals(Xml.local(reply))) {
            throw new VtnException(0, to + ": the VTN answered " + Xml.local(reply) + " (" + r[0] + " " + r[1] + ")", null);
        }
        if (!r[0].startsWith("2")) {
            throw new VtnException(0, to + ": refused by the VTN with " + r[0] + " " + r[1], null);
        }
    }

    /** Reports registered and opt schedules sent once per registration (journaled, so once across restarts). */
    private void afterRegistration(Instant now) {
        String key = "registerReport:" + registrationId;
        if (!journal.hasReport(key)) {
            journal.enqueue(key, "reports", now, OadrMessages.registerReport(key, venId, cfg.resourceId(), metadata(), now));
            log.info("OpenADR 2.0b VEN {}: registering reports {} and {} (reportRequestID 0)", cfg.venName(), USAGE_SPECIFIER,
                    STATUS_SPECIFIER);
        }
        for (Ven2bConfig.OptOutWindow w : optOutWindows()) {
            String k = "opt:" + w.id();
            if (!journal.hasReport(k)) {
                journal.enqueue(k, "opt", now, OadrMessages.createOpt(k, w.id(), "optOut", w.reason(), venId,
                        List.of(new OadrMessages.OptWindow(w.start(), w.duration())), now, cfg.resourceId(), null, null));
                log.info("OpenADR 2.0b VEN {}: opt-out schedule {} [{}, {}) ({}) queued", cfg.venName(), w.id(), w.start(), w.end(), w.reason());
            }
        }
    }

    private List<OadrMessages.ReportMetadata> metadata() {
        OadrEvent.ItemBase kwh = new OadrEvent.ItemBase("energyReal", "RealEnergy", "Wh", "k");
        OadrEvent.ItemBase kw = new OadrEvent.ItemBase("powerReal", "RealPower", "W", "k");
        return List.of(
                new OadrMessages.ReportMetadata(USAGE_SPECIFIER, "METADATA_TELEMETRY_USAGE", List.of(
                        new OadrMessages.PointMetadata("energy", "usage", kwh, "Direct Read"),
                        new OadrMessages.PointMetadata("demand", "demand", kw, "Mean")), cfg.minReportPeriod(), cfg.maxReportPeriod()),
                new OadrMessages.ReportMetadata(STATUS_SPECIFIER, "METADATA_TELEMETRY_STATUS", List.of(
                        new OadrMessages.PointMetadata("status", "x-resourceStatus", null, "x-notApplicable")),
                        cfg.minReportPeriod(), cfg.maxReportPeriod()));
    }

    /** Cancels this VEN's registration with the VTN (EiRegisterParty cancel); the VEN then stays idle. */
    public void cancelRegistration() throws Exception {
        exec.submit(() -> {
            Element r = http.post(OadrMessages.cancelPartyRegistration(requestId(), registrationId, venId));
            expect(r, "oadrCanceledPartyRegistration", "oadrCancelPartyRegistration");
            log.info("OpenADR 2.0b VEN {}: registration {} cancelled", cfg.venName(), registrationId);
            journal.putMeta("cancelledByVen", registrationId);
            clearRegistration();
            return null;
        }).get();
    }

    private void clearRegistration() {
        journal.deleteMeta("registrationId");
        registrationId = null;
    }

    // ---- OadrPoll ----

    private void pollAll() {
        for (int i = 0; i < 50; i++) {
            Element m = http.post(OadrMessages.poll(venId));
            if (!handle(m, "poll")) {
                return;
            }
            if (registrationId == null) {
                return;
            }
        }
    }

    /** Handles a message the VTN sent; false when it was an empty oadrResponse (nothing more queued). */
    private boolean handle(Element m, String via) {
        Instant now = clock.instant();
        String name = Xml.local(m);
        switch (name) {
            case "oadrResponse" -> {
                String[] r = OadrMessages.responseOf(m);
                if (!r[0].startsWith("2")) {
                    log.warn("OpenADR 2.0b VEN {}: {} answered {} {}", cfg.venName(), via, r[0], r[1]);
                }
                return false;
            }
            case "oadrDistributeEvent" -> onDistribute(m, now);
            case "oadrCreateReport" -> onCreateReport(m, now);
            case "oadrRegisterReport" -> {
                String rid = Xml.text(m, "requestID").orElse("");
                journal.enqueue("registeredReport:" + rid, "reports", now, OadrMessages.registeredReport("200", rid, List.of(), venId));
            }
            case "oadrCancelReport" -> onCancelReport(m, now);
            case "oadrRequestReregistration" -> {
                http.post(OadrMessages.response("200", "OK", "", venId), "EiRegisterParty");
                log.info("OpenADR 2.0b VEN {}: the VTN asks to re-register", cfg.venName());
                register(registrationId, venId);
                return registrationId != null;
            }
            case "oadrCancelPartyRegistration" -> {
                String rid = Xml.text(m, "requestID").orElse("");
                String reg = Xml.text(m, "registrationID").orElse(registrationId);
                http.post(OadrMessages.canceledPartyRegistration("200", rid, reg, venId));
                log.warn("OpenADR 2.0b VEN {}: the VTN cancelled registration {}; the VEN stays idle until re-enrolled", cfg.venName(), reg);
                journal.putMeta("cancelledByVtn", reg == null ? "" : reg);
                clearRegistration();
                return false;
            }
            default -> {
                reject(via + ": unexpected " + name);
                return false;
            }
        }
        return true;
    }

    // ---- EiEvent ----

    private void onDistribute(Element m, Instant now) {
        EventReader.Distribution dist = EventReader.read(m, now);
        Set<String> seen = new java.util.HashSet<>();
        List<Ven2bConfig.OptOutWindow> windows = optOutWindows();
        for (EventReader.Item item : dist.items()) {
            if (item.eventId() != null) {
                seen.add(item.eventId());
            }
            if (!item.ok()) {
                if (item.eventId() == null) {
                    reject("event without eventID: " + item.problem());
                    continue;
                }
                String version = Long.toString(item.modificationNumber());
                if (journal.decision(item.eventId(), version).isEmpty()) {
                    decide(item.eventId(), item.modificationNumber(), "always", dist.requestId(), "<unreadable/>",
                            new OptDecision(item.eventId(), version, OptDecision.Kind.OPT_OUT, "rejected: " + item.problem(), List.of(), now));
                    reject("event " + item.eventId() + ": " + item.problem());
                }
                continue;
            }
            OadrEvent e = item.event();
            String version = Long.toString(e.modificationNumber());
            Long known = tracked.get(e.eventId());
            if (known != null && known >= e.modificationNumber() || journal.decision(e.eventId(), version).isPresent()) {
                continue;
            }
            String body = eventXml(m, e.eventId());
            if (e.cancelled()) {
                boolean had = known != null;
                decide(e.eventId(), e.modificationNumber(), e.responseRequired(), dist.requestId(), body,
                        new OptDecision(e.eventId(), version, OptDecision.Kind.OPT_IN,
                                had ? "cancelled by the VTN" : "cancellation of an event this VEN never had: ignored", List.of(), now));
                journal.cancelEvent(e.eventId());
                book.cancelOrigin(e.eventId());
                tracked.remove(e.eventId());
                if (had) {
                    log.info("OpenADR 2.0b VEN {}: event {} cancelled by the VTN, commitments withdrawn", cfg.venName(), e.eventId());
                } else {
                    log.warn("OpenADR 2.0b VEN {}: cancellation of unknown event {} acknowledged and ignored", cfg.venName(), e.eventId());
                }
                continue;
            }
            OptDecision d;
            try {
                EventTranslator2b.Translation t = EventTranslator2b.translate(e, oracle);
                if (!t.information().isEmpty()) {
                    log.info("OpenADR 2.0b VEN {}: event {} carries information only for {}", cfg.venName(), e.eventId(), t.information());
                }
                Ven2bConfig.OptOutWindow clash = windows.stream()
                        .filter(w -> w.start().isBefore(t.end()) && t.start().isBefore(w.end())).findFirst().orElse(null);
                if (e.testEvent()) {
                    d = new OptDecision(e.eventId(), version, OptDecision.Kind.OPT_IN, "test event: nothing committed", List.of(), now);
                } else if (clash != null) {
                    d = new OptDecision(e.eventId(), version, OptDecision.Kind.OPT_OUT, "out: maintenance window " + clash.id()
                            + " [" + clash.start() + ", " + clash.end() + ") (" + clash.reason() + ")",
                            t.commitments().stream().filter(c -> c instanceof Commitment.Price).toList(), now);
                } else {
                    d = feasibility.decide(e.eventId(), version, t.commitments(), now);
                }
            } catch (EventTranslator2b.BadEventException ex) {
                d = new OptDecision(e.eventId(), version, OptDecision.Kind.OPT_OUT, "rejected: " + ex.getMessage(), List.of(), now);
                reject(ex.getMessage());
            }
            decide(e.eventId(), e.modificationNumber(), e.responseRequired(), dist.requestId(), body, d);
            book.replaceOrigin(e.eventId(), d.commitments());
            tracked.put(e.eventId(), e.modificationNumber());
            log.info("OpenADR 2.0b VEN {}: event {} (modification {}, {}) → {}: {}", cfg.venName(), e.eventId(), e.modificationNumber(),
                    e.marketContext(), d.kind(), d.reason());
        }
        for (String id : List.copyOf(tracked.keySet())) {
            if (!seen.contains(id)) {
                tracked.remove(id);
                int n = book.cancelOrigin(id);
                journal.cancelEvent(id);
                log.info("OpenADR 2.0b VEN {}: event {} absent from the VTN's distribute: cancelled, {} commitments withdrawn",
                        cfg.venName(), id, n);
            }
        }
    }

    /** Journals the decision (and the oadrCreatedEvent that announces it, when the VTN wants one) atomically. */
    private void decide(String eventId, long mod, String responseRequired, String requestId, String body, OptDecision d) {
        String key = null;
        String reply = null;
        if (!"never".equals(responseRequired)) {
            key = "createdEvent:" + eventId + ":" + mod;
            String optType = d.kind() == OptDecision.Kind.OPT_IN ? "optIn" : "optOut";
            reply = OadrMessages.createdEvent(venId, List.of(new OadrMessages.EventResponse("200", abbreviate(d.reason()), requestId,
                    eventId, mod, optType)));
        }
        journal.recordDecision(body, d, key, reply);
    }

    private static String abbreviate(String s) {
        return s.length() > 240 ? s.substring(0, 240) + "…" : s;
    }

    private static String eventXml(Element distribute, String eventId) {
        for (Element oe : Xml.children(distribute, "oadrEvent")) {
            if (eventId.equals(Xml.text(oe, "eiEvent", "eventDescriptor", "eventID").orElse(null))) {
                return Xml.write(oe).replaceFirst("^<\\?xml[^>]*>", "");
            }
        }
        return "";
    }

    // ---- EiOpt ----

    private List<Ven2bConfig.OptOutWindow> optOutWindows() {
        List<Ven2bConfig.OptOutWindow> all = new ArrayList<>(cfg.optOutWindows());
        for (String v : journal.metaByPrefix("optw:").values()) {
            try {
                JsonNode n = JSON.readTree(v);
                all.add(new Ven2bConfig.OptOutWindow(n.get("id").asText(), Instant.parse(n.get("start").asText()),
                        Duration.parse(n.get("duration").asText()), n.get("reason").asText()));
            } catch (IOException ex) {
                log.error("OpenADR 2.0b VEN {}: journaled opt-out window unreadable: {}", cfg.venName(), v);
            }
        }
        return all;
    }

    /** Adds a maintenance window at run time: journaled, sent as an opt-out schedule, honoured by later decisions. */
    public void scheduleOptOut(Ven2bConfig.OptOutWindow w) throws Exception {
        checkOptReason(w);
        exec.submit(() -> {
            ObjectNode n = JSON.createObjectNode().put("id", w.id()).put("start", w.start().toString())
                    .put("duration", w.duration().toString()).put("reason", w.reason());
            journal.putMeta("optw:" + w.id(), n.toString());
            if (venId != null) {
                afterRegistration(clock.instant());
            }
            return null;
        }).get();
    }

    /** Withdraws a maintenance window (EiOpt cancel). */
    public void cancelOptOut(String optId) throws Exception {
        exec.submit(() -> {
            journal.deleteMeta("optw:" + optId);
            String k = "cancelOpt:" + optId;
            journal.enqueue(k, "opt", clock.instant(), OadrMessages.cancelOpt(k, optId, venId));
            return null;
        }).get();
    }

    // ---- EiReport ----

    private void onCreateReport(Element m, Instant now) {
        String rid = Xml.text(m, "requestID").orElse("");
        acceptReportRequests(OadrMessages.reportRequests(m, now), rid, now);
    }

    private void acceptReportRequests(List<ReportRequest> reqs, String requestId, Instant now) {
        List<String> problems = new ArrayList<>();
        for (ReportRequest r : reqs) {
            if ("METADATA".equals(r.reportSpecifierId())) {
                String key = "registerReport:" + requestId;
                journal.enqueue(key, "reports", now, OadrMessages.registerReport(key, venId, cfg.resourceId(), metadata(), now));
                continue;
            }
            if (!USAGE_SPECIFIER.equals(r.reportSpecifierId()) && !STATUS_SPECIFIER.equals(r.reportSpecifierId())) {
                problems.add("reportRequestID " + r.reportRequestId() + ": unknown reportSpecifierID " + r.reportSpecifierId());
                continue;
            }
            if (r.period().isZero() || r.step().compareTo(cfg.minReportPeriod()) < 0 && !r.step().isZero()) {
                problems.add("reportRequestID " + r.reportRequestId() + ": granularity " + r.step() + " / reportBackDuration "
                        + r.period() + " not supported (at least " + cfg.minReportPeriod() + ")");
                continue;
            }
            if (journal.meta("rr:" + r.reportRequestId()).isEmpty()) {
                journal.putMeta("rr:" + r.reportRequestId(), write(r.accepted(now)));
                log.info("OpenADR 2.0b VEN {}: report request {} accepted: {} {} every {} (intervals of {})", cfg.venName(),
                        r.reportRequestId(), r.reportSpecifierId(), r.rIds(), r.period(), r.step());
            }
        }
        for (String p : problems) {
            log.warn("OpenADR 2.0b VEN {}: {}", cfg.venName(), p);
        }
        String key = "createdReport:" + requestId;
        journal.enqueue(key, "reports", now, OadrMessages.createdReport(problems.isEmpty() ? "200" : "452",
                problems.isEmpty() ? "OK" : String.join("; ", problems), requestId, pendingReportIds(), venId));
    }

    private List<String> pendingReportIds() {
        return journal.metaByPrefix("rr:").keySet().stream().map(k -> k.substring(3)).toList();
    }

    private void onCancelReport(Element m, Instant now) {
        String rid = Xml.text(m, "requestID").orElse("");
        for (Element e : Xml.children(m, "reportRequestID")) {
            String id = e.getTextContent().trim();
            journal.deleteMeta("rr:" + id);
            journal.deleteMeta("rrLast:" + id);
            log.info("OpenADR 2.0b VEN {}: report request {} cancelled by the VTN", cfg.venName(), id);
        }
        journal.enqueue("canceledReport:" + rid, "reports", now, OadrMessages.canceledReport("200", rid, pendingReportIds(), venId));
    }

    private static String write(ReportRequest r) {
        ObjectNode n = JSON.createObjectNode().put("id", r.reportRequestId()).put("spec", r.reportSpecifierId())
                .put("granularity", r.granularity().toString()).put("back", r.reportBack().toString())
                .put("accepted", r.accepted().toString());
        if (r.intervalStart() != null) {
            n.put("start", r.intervalStart().toString());
        }
        if (r.intervalDuration() != null) {
            n.put("duration", r.intervalDuration().toString());
        }
        ArrayNode a = n.putArray("rids");
        r.rIds().forEach(a::add);
        return n.toString();
    }

    private static ReportRequest read(String json) throws IOException {
        JsonNode n = JSON.readTree(json);
        List<String> rids = new ArrayList<>();
        n.get("rids").forEach(x -> rids.add(x.asText()));
        return new ReportRequest(n.get("id").asText(), n.get("spec").asText(), Duration.parse(n.get("granularity").asText()),
                Duration.parse(n.get("back").asText()), n.hasNonNull("start") ? Instant.parse(n.get("start").asText()) : null,
                n.hasNonNull("duration") ? Duration.parse(n.get("duration").asText()) : null, rids, Instant.parse(n.get("accepted").asText()));
    }

    private void queueDueReports(Instant now) {
        for (Map.Entry<String, String> en : journal.metaByPrefix("rr:").entrySet()) {
            ReportRequest r;
            try {
                r = read(en.getValue());
            } catch (IOException | RuntimeException ex) {
                log.error("OpenADR 2.0b VEN {}: journaled report request {} unreadable: {}", cfg.venName(), en.getKey(), ex.getMessage());
                continue;
            }
            Duration p = r.period();
            Instant last = journal.meta("rrLast:" + r.reportRequestId()).map(Instant::parse).orElse(r.origin());
            int n = 0;
            for (Instant due = last.plus(p); !due.isAfter(now) && !due.isAfter(r.end()) && n < 500; due = due.plus(p), n++) {
                String key = "updateReport:" + r.reportRequestId() + ":" + due.toEpochMilli();
                journal.enqueue(key, "report:" + r.reportRequestId(), due,
                        OadrMessages.updateReport(key, venId, List.of(data(r, due.minus(p), due)), due));
                journal.putMeta("rrLast:" + r.reportRequestId(), due.toString());
                log.info("OpenADR 2.0b VEN {}: report {} for [{}, {}) queued", cfg.venName(), r.reportRequestId(), due.minus(p), due);
            }
        }
    }

    private OadrMessages.ReportData data(ReportRequest r, Instant from, Instant to) {
        boolean status = STATUS_SPECIFIER.equals(r.reportSpecifierId());
        Duration step = r.step();
        List<String> rids = r.rIds().isEmpty() ? (status ? List.of("status") : List.of("energy", "demand")) : r.rIds();
        List<OadrMessages.ReportInterval> ivs = new ArrayList<>();
        for (Instant a = from; a.isBefore(to); a = a.plus(step)) {
            Instant b = a.plus(step).isAfter(to) ? to : a.plus(step);
            List<OadrMessages.Point> points = new ArrayList<>();
            for (String rid : rids) {
                switch (rid) {
                    case "energy" -> {
                        var e = telemetry.energyWh(a, b);
                        points.add(new OadrMessages.Value(rid, e.isPresent() ? round(e.getAsDouble() / 1000) : null));
                    }
                    case "demand" -> {
                        var w = telemetry.meanDemandW(a, b);
                        points.add(new OadrMessages.Value(rid, w.isPresent() ? round(w.getAsDouble() / 1000) : null));
                    }
                    case "status" -> {
                        var lim = book.importLimitAt(a);
                        points.add(new OadrMessages.Status(rid, true, false, lim.isPresent() ? round(lim.getAsDouble() / 1000) : null));
                    }
                    default -> log.debug("OpenADR 2.0b VEN {}: rID {} not produced", cfg.venName(), rid);
                }
            }
            ivs.add(new OadrMessages.ReportInterval(a, Duration.between(a, b), points));
        }
        return new OadrMessages.ReportData(r.reportRequestId(), r.reportSpecifierId(), status ? "TELEMETRY_STATUS" : "TELEMETRY_USAGE",
                from, Duration.between(from, to), ivs);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    // ---- outbox ----

    private void drain(Instant now) {
        if (now.isBefore(nextDrain) || venId == null) {
            return;
        }
        for (VenJournal.OutboxEntry o : journal.pending()) {
            Element reply;
            try {
                journal.markAttempt(o.seq());
                reply = http.post(o.body());
            } catch (VtnException e) {
                if (e.unreachable() || e.status() >= 500 || e.status() == 401 || e.status() == 403 || e.status() == 429) {
                    Duration wait = drainBackoff.failed(io.headroom.grid.openadr3.Backoff.retryAfter(e.retryAfter(), now));
                    nextDrain = now.plus(wait);
                    log.warn("OpenADR 2.0b VEN {}: {} not sent, {} queued, retry in {}: {}", cfg.venName(), o.key(),
                            journal.pending().size(), wait, e.getMessage());
                    return;
                }
                journal.markSent(o.seq(), now);
                log.error("OpenADR 2.0b VEN {}: {} refused by the VTN (HTTP {}), dropped: {}", cfg.venName(), o.key(), e.status(), e.getMessage());
                continue;
            } catch (OadrSignature.RefusedException e) {
                // nothing in the reply is applied; the message stays owed and is sent again (same requestID, fresh
                // signature) after the backoff, so a VTN whose signature is refused cannot make the VEN drop it
                reject(o.key() + ": " + e.getMessage());
                nextDrain = now.plus(drainBackoff.failed(null));
                return;
            } catch (Xml.BadXmlException e) {
                journal.markSent(o.seq(), now);
                reject(o.key() + ": " + e.getMessage());
                continue;
            }
            journal.markSent(o.seq(), now);
            drainBackoff.succeeded();
            String[] r = OadrMessages.responseOf(reply);
            if (!r[0].startsWith("2")) {
                log.error("OpenADR 2.0b VEN {}: {} refused by the VTN with {} {}, dropped", cfg.venName(), o.key(), r[0], r[1]);
                continue;
            }
            log.info("OpenADR 2.0b VEN {}: {} sent ({})", cfg.venName(), o.key(), Xml.local(reply));
            onReply(reply, now);
        }
    }

    private void onReply(Element reply, Instant now) {
        switch (Xml.local(reply)) {
            case "oadrRegisteredReport" -> {
                List<ReportRequest> reqs = OadrMessages.reportRequests(reply, now);
                if (!reqs.isEmpty()) {
                    acceptReportRequests(reqs, Xml.text(reply, "eiResponse", "requestID").orElse("registered"), now);
                }
            }
            case "oadrUpdatedReport" -> Xml.child(reply, "oadrCancelReport").ifPresent(c -> onCancelReport(c, now));
            default -> {
                // oadrResponse, oadrCreatedOpt, oadrCanceledOpt: nothing more to do
            }
        }
    }

    // ---- what it shows ----

    public Status status() {
        return new Status(registrationId != null, venId, registrationId, vtnId, lastPoll, journal.pending().size(),
                pendingReportIds(), List.copyOf(rejected));
    }

    public List<OptDecision> decisions() {
        return journal.decisions();
    }

    public List<VenJournal.OutboxEntry> messages() {
        return journal.allReports();
    }

    /** Stops the loop; what is journaled stays. Simulates a crash when nothing else is done. */
    @Override
    public void close() throws Exception {
        exec.shutdownNow();
        exec.awaitTermination(10, TimeUnit.SECONDS);
        journal.close();
    }
}
