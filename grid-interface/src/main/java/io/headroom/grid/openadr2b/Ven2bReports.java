package io.headroom.grid.openadr2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.grid.CommitmentBook;
import io.headroom.grid.SiteTelemetry;
import io.headroom.grid.journal.VenJournal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The 2.0b VEN's EiReport: it registers its reports once per registration (METADATA_TELEMETRY_USAGE — energy kWh and
 * demand kW — and METADATA_TELEMETRY_STATUS, reportRequestID 0), accepts or refuses the VTN's report requests
 * (journaled), answers the VTN's register and cancel report messages, and queues the telemetry updates that fell due,
 * from {@link SiteTelemetry} and the {@link CommitmentBook}. Every message goes through the journal's outbox.
 */
final class Ven2bReports {

    private static final Logger log = LoggerFactory.getLogger(Ven2b.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Ven2bConfig cfg;
    private final VenJournal journal;
    private final CommitmentBook book;
    private final SiteTelemetry telemetry;
    private final Supplier<String> venId;

    Ven2bReports(Ven2bConfig cfg, VenJournal journal, CommitmentBook book, SiteTelemetry telemetry, Supplier<String> venId) {
        this.cfg = cfg;
        this.journal = journal;
        this.book = book;
        this.telemetry = telemetry;
        this.venId = venId;
    }

    /** Queues the {@code oadrRegisterReport} of a registration unless it was (journaled, so once across restarts). */
    void registerOnce(String registrationId, Instant now) {
        String key = "registerReport:" + registrationId;
        if (!journal.hasReport(key)) {
            journal.enqueue(key, "reports", now, OadrMessages.registerReport(key, venId.get(), cfg.resourceId(), metadata(), now));
            log.info("OpenADR 2.0b VEN {}: registering reports {} and {} (reportRequestID 0)", cfg.venName(), Ven2b.USAGE_SPECIFIER,
                    Ven2b.STATUS_SPECIFIER);
        }
    }

    List<OadrMessages.ReportMetadata> metadata() {
        OadrEvent.ItemBase kwh = new OadrEvent.ItemBase("energyReal", "RealEnergy", "Wh", "k");
        OadrEvent.ItemBase kw = new OadrEvent.ItemBase("powerReal", "RealPower", "W", "k");
        return List.of(
                new OadrMessages.ReportMetadata(Ven2b.USAGE_SPECIFIER, "METADATA_TELEMETRY_USAGE", List.of(
                        new OadrMessages.PointMetadata("energy", "usage", kwh, "Direct Read"),
                        new OadrMessages.PointMetadata("demand", "demand", kw, "Mean")), cfg.minReportPeriod(), cfg.maxReportPeriod()),
                new OadrMessages.ReportMetadata(Ven2b.STATUS_SPECIFIER, "METADATA_TELEMETRY_STATUS", List.of(
                        new OadrMessages.PointMetadata("status", "x-resourceStatus", null, "x-notApplicable")),
                        cfg.minReportPeriod(), cfg.maxReportPeriod()));
    }

    /** {@code oadrCreateReport}: its report requests accepted or refused, an {@code oadrCreatedReport} queued. */
    void onCreateReport(Element m, Instant now) {
        String rid = Xml.text(m, "requestID").orElse("");
        accept(OadrMessages.reportRequests(m, now), rid, now);
    }

    /** {@code oadrRegisterReport} from the VTN: acknowledged with an {@code oadrRegisteredReport}. */
    void onRegisterReport(Element m, Instant now) {
        String rid = Xml.text(m, "requestID").orElse("");
        journal.enqueue("registeredReport:" + rid, "reports", now, OadrMessages.registeredReport("200", rid, List.of(), venId.get()));
    }

    /** What a reply to one of the VEN's report messages asks for (report requests, a cancellation). */
    void onReply(Element reply, Instant now) {
        switch (Xml.local(reply)) {
            case "oadrRegisteredReport" -> {
                List<ReportRequest> reqs = OadrMessages.reportRequests(reply, now);
                if (!reqs.isEmpty()) {
                    accept(reqs, Xml.text(reply, "eiResponse", "requestID").orElse("registered"), now);
                }
            }
            case "oadrUpdatedReport" -> Xml.child(reply, "oadrCancelReport").ifPresent(c -> onCancelReport(c, now));
            default -> {
                // oadrResponse, oadrCreatedOpt, oadrCanceledOpt: nothing more to do
            }
        }
    }

    /** Accepts each request the VEN can serve (journaled once), refuses the others; one {@code oadrCreatedReport}. */
    void accept(List<ReportRequest> reqs, String requestId, Instant now) {
        List<String> problems = new ArrayList<>();
        for (ReportRequest r : reqs) {
            if ("METADATA".equals(r.reportSpecifierId())) {
                String key = "registerReport:" + requestId;
                journal.enqueue(key, "reports", now, OadrMessages.registerReport(key, venId.get(), cfg.resourceId(), metadata(), now));
                continue;
            }
            if (!Ven2b.USAGE_SPECIFIER.equals(r.reportSpecifierId()) && !Ven2b.STATUS_SPECIFIER.equals(r.reportSpecifierId())) {
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
                problems.isEmpty() ? "OK" : String.join("; ", problems), requestId, pendingReportIds(), venId.get()));
    }

    /** The reportRequestIDs the VEN serves. */
    List<String> pendingReportIds() {
        return journal.metaByPrefix("rr:").keySet().stream().map(k -> k.substring(3)).toList();
    }

    /** {@code oadrCancelReport}: the requests forgotten, an {@code oadrCanceledReport} queued. */
    void onCancelReport(Element m, Instant now) {
        String rid = Xml.text(m, "requestID").orElse("");
        for (Element e : Xml.children(m, "reportRequestID")) {
            String id = e.getTextContent().trim();
            journal.deleteMeta("rr:" + id);
            journal.deleteMeta("rrLast:" + id);
            log.info("OpenADR 2.0b VEN {}: report request {} cancelled by the VTN", cfg.venName(), id);
        }
        journal.enqueue("canceledReport:" + rid, "reports", now, OadrMessages.canceledReport("200", rid, pendingReportIds(), venId.get()));
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

    /** Queues an {@code oadrUpdateReport} for each period of each accepted request that ended by {@code now}. */
    void queueDue(Instant now) {
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
                        OadrMessages.updateReport(key, venId.get(), List.of(data(r, due.minus(p), due)), due));
                journal.putMeta("rrLast:" + r.reportRequestId(), due.toString());
                log.info("OpenADR 2.0b VEN {}: report {} for [{}, {}) queued", cfg.venName(), r.reportRequestId(), due.minus(p), due);
            }
        }
    }

    private OadrMessages.ReportData data(ReportRequest r, Instant from, Instant to) {
        boolean status = Ven2b.STATUS_SPECIFIER.equals(r.reportSpecifierId());
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
}
