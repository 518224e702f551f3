package io.headroom.grid.openadr2b;

import io.headroom.grid.CommitmentBook;
import io.headroom.grid.FlexibilityOracle;
import io.headroom.grid.OptDecision;
import io.headroom.grid.SiteTelemetry;
import io.headroom.grid.journal.VenJournal;
import io.headroom.grid.openadr3.Backoff;
import io.headroom.grid.openadr3.VtnException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
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
 *
 * <p>This class only coordinates: it owns the thread, the tick and the poll, and hands each message to the part whose
 * job it is — {@link Ven2bRegistration} (EiRegisterParty), {@link Ven2bEvents} (EiEvent), {@link Ven2bReports}
 * (EiReport), {@link Ven2bOptOuts} (EiOpt) and {@link Ven2bOutbox} (what is owed, sent in order).
 */
public final class Ven2b implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Ven2b.class);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    public static final String USAGE_SPECIFIER = "headroom-telemetry-usage";
    public static final String STATUS_SPECIFIER = "headroom-telemetry-status";

    /** What the VEN shows (log and API). */
    public record Status(boolean registered, String venId, String registrationId, String vtnId, Instant lastPoll,
                         int pendingMessages, List<String> reportRequests, List<String> rejected) {
    }

    private final Ven2bConfig cfg;
    private final Clock clock;
    private final VenJournal journal;
    private final OadrHttp http;
    private final ScheduledExecutorService exec;
    private final List<String> rejected = new CopyOnWriteArrayList<>();
    private final String requestPrefix = HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt(),
            (byte) ThreadLocalRandom.current().nextInt(), (byte) ThreadLocalRandom.current().nextInt()});
    private long requestCounter;

    private final Ven2bRegistration registration;
    private final Ven2bOptOuts optOuts;
    private final Ven2bEvents events;
    private final Ven2bReports reports;
    private final Ven2bOutbox outbox;

    private volatile Instant lastPoll;
    private Instant nextPoll = Instant.MIN;
    /** Registration and polls: one backoff, so a refusing VTN is not asked again every tick. */
    private final Backoff conversation;
    private Instant nextAttempt = Instant.MIN;
    private boolean eventsRequested;
    private boolean started;

    public Ven2b(Ven2bConfig cfg, CommitmentBook book, FlexibilityOracle oracle, SiteTelemetry telemetry, Clock clock) {
        this.cfg = cfg;
        this.clock = clock;
        for (Ven2bConfig.OptOutWindow w : cfg.optOutWindows()) {
            Ven2bOptOuts.checkReason(w);
        }
        this.journal = new VenJournal(cfg.journal());
        OadrSignature signature = cfg.signing() == null ? null : cfg.signing().signature(clock, cfg.signatureWindow(), cfg.replayCacheSize());
        this.http = new OadrHttp(cfg.vtnUrl(), cfg.sslContext(), cfg.tlsProfile(), cfg.httpTimeout(), cfg.httpTimeout(), signature,
                cfg.xmlSignature());
        log.info("OpenADR 2.0b VEN {}: XML signatures {}", cfg.venName(), cfg.xmlSignature()
                ? "on (every payload signed; replies must be signed by the VTN's certificate, timestamps within ±"
                        + cfg.signatureWindow() + ", nonces not seen before)"
                : "off (oadrXmlSignature=false" + (signature != null ? "; a signature the VTN sends anyway is verified)" : ")"));
        this.conversation = new Backoff(cfg.retryBackoff(), MAX_BACKOFF);
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
        this.optOuts = new Ven2bOptOuts(cfg, journal);
        this.events = new Ven2bEvents(cfg, journal, book, oracle, optOuts, this::venId, this::reject);
        this.registration = new Ven2bRegistration(cfg, journal, http, this::requestId);
        this.reports = new Ven2bReports(cfg, journal, book, telemetry, this::venId);
        this.outbox = new Ven2bOutbox(cfg, journal, http, this::reject, reports::onReply);
        int tracked = events.tracked().size();
        if (events.restoredCommitments() > 0 || tracked > 0 || !journal.pending().isEmpty()) {
            log.info("OpenADR 2.0b VEN {}: resumed with {} commitments of {} events, {} messages owed", cfg.venName(),
                    events.restoredCommitments(), tracked, journal.pending().size());
        }
    }

    private String venId() {
        return registration.venId();
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

    void tick() {
        Instant now = clock.instant();
        if (registration.idle()) {
            outbox.drain(now, venId());
            return;
        }
        if (!now.isBefore(nextAttempt)) {
            try {
                if (!registration.registered()) {
                    registration.register();
                    eventsRequested = false;
                }
                afterRegistration(now);
                if (!eventsRequested) {
                    handle(http.post(OadrMessages.requestEvent(requestId(), venId())), "EiEvent request");
                    eventsRequested = true;
                }
                if (!now.isBefore(nextPoll)) {
                    pollAll();
                    lastPoll = now;
                    Duration vtnPollFreq = registration.vtnPollFreq();
                    Duration p = cfg.pollInterval() != null ? cfg.pollInterval() : vtnPollFreq != null ? vtnPollFreq : Duration.ofSeconds(10);
                    nextPoll = now.plus(p);
                }
                conversation.succeeded();
            } catch (VtnException e) {
                Duration wait = conversation.failed(Backoff.retryAfter(e.retryAfter(), now));
                nextAttempt = now.plus(wait);
                log.warn("OpenADR 2.0b VEN {}: VTN: {} (failure {}, next try in {})", cfg.venName(), e.getMessage(), conversation.failures(), wait);
            } catch (Xml.BadXmlException e) {
                nextAttempt = now.plus(conversation.failed(null));
                reject("VTN reply: " + e.getMessage());
            }
        }
        reports.queueDue(now);
        outbox.drain(clock.instant(), venId());
    }

    private void reject(String what) {
        rejected.add(what);
        log.warn("OpenADR 2.0b VEN {}: rejected {}", cfg.venName(), what);
    }

    /** Reports registered and opt schedules sent once per registration (journaled, so once across restarts). */
    private void afterRegistration(Instant now) {
        reports.registerOnce(registration.registrationId(), now);
        optOuts.queueSchedules(venId(), now);
    }

    /** Cancels this VEN's registration with the VTN (EiRegisterParty cancel); the VEN then stays idle. */
    public void cancelRegistration() throws Exception {
        exec.submit(() -> {
            registration.cancel();
            return null;
        }).get();
    }

    // ---- OadrPoll ----

    private void pollAll() {
        for (int i = 0; i < 50; i++) {
            Element m = http.post(OadrMessages.poll(venId()));
            if (!handle(m, "poll")) {
                return;
            }
            if (!registration.registered()) {
                return;
            }
        }
    }

    /** Hands a message the VTN sent to its part; false when it was an empty oadrResponse (nothing more queued). */
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
            case "oadrDistributeEvent" -> events.onDistribute(m, now);
            case "oadrCreateReport" -> reports.onCreateReport(m, now);
            case "oadrRegisterReport" -> reports.onRegisterReport(m, now);
            case "oadrCancelReport" -> reports.onCancelReport(m, now);
            case "oadrRequestReregistration" -> {
                registration.reRegister();
                eventsRequested = false;
                return registration.registered();
            }
            case "oadrCancelPartyRegistration" -> {
                registration.cancelledByVtn(m);
                return false;
            }
            default -> {
                reject(via + ": unexpected " + name);
                return false;
            }
        }
        return true;
    }

    // ---- EiOpt ----

    /** Adds a maintenance window at run time: journaled, sent as an opt-out schedule, honoured by later decisions. */
    public void scheduleOptOut(Ven2bConfig.OptOutWindow w) throws Exception {
        Ven2bOptOuts.checkReason(w);
        exec.submit(() -> {
            optOuts.add(w);
            if (venId() != null) {
                afterRegistration(clock.instant());
            }
            return null;
        }).get();
    }

    /** Withdraws a maintenance window (EiOpt cancel). */
    public void cancelOptOut(String optId) throws Exception {
        exec.submit(() -> {
            optOuts.cancel(optId, venId(), clock.instant());
            return null;
        }).get();
    }

    // ---- what it shows ----

    public Status status() {
        return new Status(registration.registered(), registration.venId(), registration.registrationId(), registration.vtnId(), lastPoll,
                journal.pending().size(), reports.pendingReportIds(), List.copyOf(rejected));
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
