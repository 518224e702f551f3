package io.headroom.grid.openadr2b;

import org.w3c.dom.Element;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.headroom.grid.openadr2b.Xml.EI;
import static io.headroom.grid.openadr2b.Xml.EMIX;
import static io.headroom.grid.openadr2b.Xml.OADR;
import static io.headroom.grid.openadr2b.Xml.POWER;
import static io.headroom.grid.openadr2b.Xml.PYLD;
import static io.headroom.grid.openadr2b.Xml.SCALE;
import static io.headroom.grid.openadr2b.Xml.STRM;
import static io.headroom.grid.openadr2b.Xml.XCAL;
import static io.headroom.grid.openadr2b.Xml.add;

/**
 * Strict writing of every OpenADR 2.0b message the VEN sends, and of those the bench VTN sends, in the element
 * order of the 2.0b XSDs ({@code oadr_20b.xsd} and its imports); tests validate each against them. Readers of the
 * shared structures (events, report requests) live here too.
 */
public final class OadrMessages {

    private OadrMessages() {
    }

    /** Where each message is posted (its EI service). */
    public static String service(String messageName) {
        return switch (messageName) {
            case "oadrQueryRegistration", "oadrCreatePartyRegistration", "oadrCancelPartyRegistration",
                 "oadrCanceledPartyRegistration", "oadrCreatedPartyRegistration", "oadrRequestReregistration" -> "EiRegisterParty";
            case "oadrRequestEvent", "oadrCreatedEvent", "oadrDistributeEvent" -> "EiEvent";
            case "oadrRegisterReport", "oadrRegisteredReport", "oadrCreateReport", "oadrCreatedReport", "oadrUpdateReport",
                 "oadrUpdatedReport", "oadrCancelReport", "oadrCanceledReport" -> "EiReport";
            case "oadrCreateOpt", "oadrCreatedOpt", "oadrCancelOpt", "oadrCanceledOpt" -> "EiOpt";
            case "oadrPoll" -> "OadrPoll";
            default -> throw new IllegalArgumentException("no EI service for " + messageName);
        };
    }

    static void eiResponse(Element parent, String code, String description, String requestId) {
        Element r = add(parent, EI, "eiResponse");
        add(r, EI, "responseCode", code);
        if (description != null && !description.isEmpty()) {
            add(r, EI, "responseDescription", description);
        }
        add(r, PYLD, "requestID", requestId == null ? "" : requestId);
    }

    // ---- registration ----

    public static String queryRegistration(String requestId) {
        Element m = Xml.newMessage("oadrQueryRegistration");
        add(m, PYLD, "requestID", requestId);
        return Xml.write(m);
    }

    public static String createPartyRegistration(String requestId, String registrationId, String venId, String venName,
                                                 boolean reportOnly) {
        return createPartyRegistration(requestId, registrationId, venId, venName, reportOnly, false);
    }

    /** {@code xmlSignature}: whether the VEN signs its payloads (oadrXmlSignature). */
    public static String createPartyRegistration(String requestId, String registrationId, String venId, String venName,
                                                 boolean reportOnly, boolean xmlSignature) {
        Element m = Xml.newMessage("oadrCreatePartyRegistration");
        add(m, PYLD, "requestID", requestId);
        if (registrationId != null) {
            add(m, EI, "registrationID", registrationId);
        }
        if (venId != null) {
            add(m, EI, "venID", venId);
        }
        add(m, OADR, "oadrProfileName", "2.0b");
        add(m, OADR, "oadrTransportName", "simpleHttp");
        add(m, OADR, "oadrReportOnly", Boolean.toString(reportOnly));
        add(m, OADR, "oadrXmlSignature", Boolean.toString(xmlSignature));
        add(m, OADR, "oadrVenName", venName);
        add(m, OADR, "oadrHttpPullModel", "true");
        return Xml.write(m);
    }

    public static String createdPartyRegistration(String code, String description, String requestId, String registrationId,
                                                  String venId, String vtnId, Duration pollFreq) {
        Element m = Xml.newMessage("oadrCreatedPartyRegistration");
        eiResponse(m, code, description, requestId);
        if (registrationId != null) {
            add(m, EI, "registrationID", registrationId);
        }
        if (venId != null) {
            add(m, EI, "venID", venId);
        }
        add(m, EI, "vtnID", vtnId);
        Element profile = add(add(m, OADR, "oadrProfiles"), OADR, "oadrProfile");
        add(profile, OADR, "oadrProfileName", "2.0b");
        add(add(add(profile, OADR, "oadrTransports"), OADR, "oadrTransport"), OADR, "oadrTransportName", "simpleHttp");
        if (pollFreq != null) {
            Xml.durationProp(m, OADR, "oadrRequestedOadrPollFreq", pollFreq);
        }
        return Xml.write(m);
    }

    public static String cancelPartyRegistration(String requestId, String registrationId, String venId) {
        Element m = Xml.newMessage("oadrCancelPartyRegistration");
        add(m, PYLD, "requestID", requestId);
        add(m, EI, "registrationID", registrationId);
        if (venId != null) {
            add(m, EI, "venID", venId);
        }
        return Xml.write(m);
    }

    public static String canceledPartyRegistration(String code, String requestId, String registrationId, String venId) {
        Element m = Xml.newMessage("oadrCanceledPartyRegistration");
        eiResponse(m, code, null, requestId);
        if (registrationId != null) {
            add(m, EI, "registrationID", registrationId);
        }
        if (venId != null) {
            add(m, EI, "venID", venId);
        }
        return Xml.write(m);
    }

    public static String requestReregistration(String venId) {
        Element m = Xml.newMessage("oadrRequestReregistration");
        add(m, EI, "venID", venId);
        return Xml.write(m);
    }

    public static String response(String code, String description, String requestId, String venId) {
        Element m = Xml.newMessage("oadrResponse");
        eiResponse(m, code, description, requestId);
        if (venId != null) {
            add(m, EI, "venID", venId);
        }
        return Xml.write(m);
    }

    public static String poll(String venId) {
        Element m = Xml.newMessage("oadrPoll");
        add(m, EI, "venID", venId);
        return Xml.write(m);
    }

    // ---- events ----

    public static String requestEvent(String requestId, String venId) {
        Element m = Xml.newMessage("oadrRequestEvent");
        Element r = add(m, PYLD, "eiRequestEvent");
        add(r, PYLD, "requestID", requestId);
        add(r, EI, "venID", venId);
        return Xml.write(m);
    }

    /** One {@code eventResponse} of an oadrCreatedEvent. {@code optType}: optIn | optOut. */
    public record EventResponse(String code, String description, String requestId, String eventId, long modificationNumber,
                                String optType) {
    }

    public static String createdEvent(String venId, List<EventResponse> responses) {
        Element m = Xml.newMessage("oadrCreatedEvent");
        Element c = add(m, PYLD, "eiCreatedEvent");
        eiResponse(c, "200", "OK", "");
        Element rs = add(c, EI, "eventResponses");
        for (EventResponse r : responses) {
            Element e = add(rs, EI, "eventResponse");
            add(e, EI, "responseCode", r.code());
            if (r.description() != null && !r.description().isEmpty()) {
                add(e, EI, "responseDescription", r.description());
            }
            add(e, PYLD, "requestID", r.requestId() == null ? "" : r.requestId());
            Element q = add(e, EI, "qualifiedEventID");
            add(q, EI, "eventID", r.eventId());
            add(q, EI, "modificationNumber", Long.toString(r.modificationNumber()));
            add(e, EI, "optType", r.optType());
        }
        add(c, EI, "venID", venId);
        return Xml.write(m);
    }

    public static String distributeEvent(String requestId, String vtnId, List<OadrEvent> events) {
        Element m = Xml.newMessage("oadrDistributeEvent");
        add(m, PYLD, "requestID", requestId);
        add(m, EI, "vtnID", vtnId);
        for (OadrEvent e : events) {
            Element oe = add(m, OADR, "oadrEvent");
            eiEvent(oe, e);
            add(oe, OADR, "oadrResponseRequired", e.responseRequired());
        }
        return Xml.write(m);
    }

    static void eiEvent(Element parent, OadrEvent e) {
        Element ev = add(parent, EI, "eiEvent");
        Element d = add(ev, EI, "eventDescriptor");
        add(d, EI, "eventID", e.eventId());
        add(d, EI, "modificationNumber", Long.toString(e.modificationNumber()));
        add(add(d, EI, "eiMarketContext"), EMIX, "marketContext", e.marketContext());
        add(d, EI, "createdDateTime", Xml.dateTime(e.createdDateTime()));
        add(d, EI, "eventStatus", e.status());
        if (e.testEvent()) {
            add(d, EI, "testEvent", "true");
        }
        Element ap = add(ev, EI, "eiActivePeriod");
        Element props = add(ap, XCAL, "properties");
        Xml.dtstart(props, e.start());
        Xml.durationProp(props, XCAL, "duration", e.duration());
        if (e.startAfter() != null) {
            add(add(add(props, XCAL, "tolerance"), XCAL, "tolerate"), XCAL, "startafter", Xml.duration(e.startAfter()));
        }
        add(ap, XCAL, "components");
        Element sigs = add(ev, EI, "eiEventSignals");
        for (OadrEvent.Signal s : e.signals()) {
            Element sig = add(sigs, EI, "eiEventSignal");
            Element ivs = add(sig, STRM, "intervals");
            for (OadrEvent.Interval i : s.intervals()) {
                Element iv = add(ivs, EI, "interval");
                Xml.durationProp(iv, XCAL, "duration", i.duration());
                add(add(iv, XCAL, "uid"), XCAL, "text", i.uid());
                add(add(add(iv, EI, "signalPayload"), EI, "payloadFloat"), EI, "value", number(i.value()));
            }
            add(sig, EI, "signalName", s.name());
            add(sig, EI, "signalType", s.type());
            add(sig, EI, "signalID", s.id());
            if (s.item() != null) {
                itemBase(sig, s.item());
            }
        }
        Element t = add(ev, EI, "eiTarget");
        e.targetResourceIds().forEach(r -> add(t, EI, "resourceID", r));
        e.targetVenIds().forEach(v -> add(t, EI, "venID", v));
    }

    static void itemBase(Element parent, OadrEvent.ItemBase item) {
        boolean power = item.element().startsWith("power") || item.element().startsWith("energy") || item.element().equals("voltage");
        String ns = power ? POWER : OADR;
        Element ib = add(parent, ns, item.element());
        add(ib, ns, "itemDescription", item.description());
        add(ib, ns, "itemUnits", item.units());
        add(ib, SCALE, "siScaleCode", item.siScale() == null ? "none" : item.siScale());
        if (item.element().startsWith("power")) {
            Element pa = add(ib, POWER, "powerAttributes");
            add(pa, POWER, "hertz", "60");
            add(pa, POWER, "voltage", "480");
            add(pa, POWER, "ac", "true");
        }
    }

    static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    // ---- opt ----

    /** An opt-out (or opt-in) schedule: when the site will not (or will) take part, and why. */
    public record OptWindow(Instant start, Duration duration) {
    }

    public static String createOpt(String requestId, String optId, String optType, String optReason, String venId,
                                   List<OptWindow> windows, Instant createdAt, String resourceId, String eventId,
                                   Long modificationNumber) {
        Element m = Xml.newMessage("oadrCreateOpt");
        add(m, EI, "optID", optId);
        add(m, EI, "optType", optType);
        add(m, EI, "optReason", optReason);
        add(m, EI, "venID", venId);
        if (!windows.isEmpty()) {
            Element comps = add(add(m, XCAL, "vavailability"), XCAL, "components");
            for (OptWindow w : windows) {
                Element props = add(add(comps, XCAL, "available"), XCAL, "properties");
                Xml.dtstart(props, w.start());
                Xml.durationProp(props, XCAL, "duration", w.duration());
            }
        }
        add(m, EI, "createdDateTime", Xml.dateTime(createdAt));
        add(m, PYLD, "requestID", requestId);
        if (eventId != null) {
            Element q = add(m, EI, "qualifiedEventID");
            add(q, EI, "eventID", eventId);
            add(q, EI, "modificationNumber", Long.toString(modificationNumber == null ? 0 : modificationNumber));
        }
        Element t = add(m, EI, "eiTarget");
        if (resourceId != null) {
            add(t, EI, "resourceID", resourceId);
        }
        return Xml.write(m);
    }

    public static String cancelOpt(String requestId, String optId, String venId) {
        Element m = Xml.newMessage("oadrCancelOpt");
        add(m, PYLD, "requestID", requestId);
        add(m, EI, "optID", optId);
        add(m, EI, "venID", venId);
        return Xml.write(m);
    }

    public static String createdOpt(String code, String requestId, String optId) {
        Element m = Xml.newMessage("oadrCreatedOpt");
        eiResponse(m, code, null, requestId);
        add(m, EI, "optID", optId);
        return Xml.write(m);
    }

    public static String canceledOpt(String code, String requestId, String optId) {
        Element m = Xml.newMessage("oadrCanceledOpt");
        eiResponse(m, code, null, requestId);
        add(m, EI, "optID", optId);
        return Xml.write(m);
    }

    // ---- reports ----

    /** One data point the VEN registers: rID, reportType (usage, demand, x-resourceStatus), unit, reading type. */
    public record PointMetadata(String rId, String reportType, OadrEvent.ItemBase item, String readingType) {
    }

    /** A report the VEN offers: {@code METADATA_TELEMETRY_USAGE} or {@code METADATA_TELEMETRY_STATUS}. */
    public record ReportMetadata(String specifierId, String reportName, List<PointMetadata> points, Duration minPeriod,
                                 Duration maxPeriod) {
    }

    public static String registerReport(String requestId, String venId, String resourceId, List<ReportMetadata> reports,
                                        Instant createdAt) {
        Element m = Xml.newMessage("oadrRegisterReport");
        add(m, PYLD, "requestID", requestId);
        for (ReportMetadata r : reports) {
            Element rep = add(m, OADR, "oadrReport");
            add(rep, EI, "eiReportID", r.specifierId());
            for (PointMetadata p : r.points()) {
                Element d = add(rep, OADR, "oadrReportDescription");
                add(d, EI, "rID", p.rId());
                add(add(d, EI, "reportDataSource"), EI, "resourceID", resourceId);
                add(d, EI, "reportType", p.reportType());
                if (p.item() != null) {
                    itemBase(d, p.item());
                }
                add(d, EI, "readingType", p.readingType());
                Element sr = add(d, OADR, "oadrSamplingRate");
                add(sr, OADR, "oadrMinPeriod", Xml.duration(r.minPeriod()));
                add(sr, OADR, "oadrMaxPeriod", Xml.duration(r.maxPeriod()));
                add(sr, OADR, "oadrOnChange", "false");
            }
            add(rep, EI, "reportRequestID", "0");
            add(rep, EI, "reportSpecifierID", r.specifierId());
            add(rep, EI, "reportName", r.reportName());
            add(rep, EI, "createdDateTime", Xml.dateTime(createdAt));
        }
        add(m, EI, "venID", venId);
        return Xml.write(m);
    }

    public static String registeredReport(String code, String requestId, List<ReportRequest> requests, String venId) {
        Element m = Xml.newMessage("oadrRegisteredReport");
        eiResponse(m, code, null, requestId);
        requests.forEach(r -> reportRequest(m, r));
        if (venId != null) {
            add(m, EI, "venID", venId);
        }
        return Xml.write(m);
    }

    public static String createReport(String requestId, List<ReportRequest> requests, String venId) {
        Element m = Xml.newMessage("oadrCreateReport");
        add(m, PYLD, "requestID", requestId);
        requests.forEach(r -> reportRequest(m, r));
        if (venId != null) {
            add(m, EI, "venID", venId);
        }
        return Xml.write(m);
    }

    static void reportRequest(Element parent, ReportRequest r) {
        Element rr = add(parent, OADR, "oadrReportRequest");
        add(rr, EI, "reportRequestID", r.reportRequestId());
        Element s = add(rr, EI, "reportSpecifier");
        add(s, EI, "reportSpecifierID", r.reportSpecifierId());
        Xml.durationProp(s, XCAL, "granularity", r.granularity());
        Xml.durationProp(s, EI, "reportBackDuration", r.reportBack());
        if (r.intervalStart() != null) {
            Element props = add(add(s, EI, "reportInterval"), XCAL, "properties");
            Xml.dtstart(props, r.intervalStart());
            Xml.durationProp(props, XCAL, "duration", r.intervalDuration() == null ? Duration.ZERO : r.intervalDuration());
        }
        for (String rid : r.rIds()) {
            Element p = add(s, EI, "specifierPayload");
            add(p, EI, "rID", rid);
            add(p, EI, "readingType", "Direct Read");
        }
    }

    public static String createdReport(String code, String description, String requestId, List<String> pending, String venId) {
        Element m = Xml.newMessage("oadrCreatedReport");
        eiResponse(m, code, description, requestId);
        Element p = add(m, OADR, "oadrPendingReports");
        pending.forEach(id -> add(p, EI, "reportRequestID", id));
        add(m, EI, "venID", venId);
        return Xml.write(m);
    }

    public static String cancelReport(String requestId, List<String> reportRequestIds, boolean reportToFollow, String venId) {
        Element m = Xml.newMessage("oadrCancelReport");
        add(m, PYLD, "requestID", requestId);
        reportRequestIds.forEach(id -> add(m, EI, "reportRequestID", id));
        add(m, PYLD, "reportToFollow", Boolean.toString(reportToFollow));
        if (venId != null) {
            add(m, EI, "venID", venId);
        }
        return Xml.write(m);
    }

    public static String canceledReport(String code, String requestId, List<String> pending, String venId) {
        Element m = Xml.newMessage("oadrCanceledReport");
        eiResponse(m, code, null, requestId);
        Element p = add(m, OADR, "oadrPendingReports");
        pending.forEach(id -> add(p, EI, "reportRequestID", id));
        add(m, EI, "venID", venId);
        return Xml.write(m);
    }

    /** A value in a report interval: a number (with a data quality) or a resource status. */
    public sealed interface Point permits Value, Status {
        String rId();
    }

    /** {@code value} null: no measurement (sent as 0 with quality "No Quality - No Value"). */
    public record Value(String rId, Double value) implements Point {
    }

    public record Status(String rId, boolean online, boolean manualOverride, Double capacityCurrent) implements Point {
    }

    public record ReportInterval(Instant start, Duration duration, List<Point> points) {
    }

    public record ReportData(String reportRequestId, String specifierId, String reportName, Instant start, Duration duration,
                             List<ReportInterval> intervals) {
    }

    public static String updateReport(String requestId, String venId, List<ReportData> reports, Instant createdAt) {
        Element m = Xml.newMessage("oadrUpdateReport");
        add(m, PYLD, "requestID", requestId);
        for (ReportData r : reports) {
            Element rep = add(m, OADR, "oadrReport");
            Xml.dtstart(rep, r.start());
            Xml.durationProp(rep, XCAL, "duration", r.duration());
            // one oadrReportPayload per interval, the intervals repeated per rID: the schema allows several payloads in
            // one interval, but VTNs commonly expect one (issue #24: a VTN answered every such update with HTTP 500)
            Element ivs = add(rep, STRM, "intervals");
            java.util.LinkedHashSet<String> rids = new java.util.LinkedHashSet<>();
            r.intervals().forEach(i -> i.points().forEach(p -> rids.add(p.rId())));
            for (String rid : rids) {
                for (ReportInterval i : r.intervals()) {
                    for (Point p : i.points()) {
                        if (!p.rId().equals(rid)) {
                            continue;
                        }
                        Element iv = add(ivs, EI, "interval");
                        Xml.dtstart(iv, i.start());
                        Xml.durationProp(iv, XCAL, "duration", i.duration());
                        Element rp = add(iv, OADR, "oadrReportPayload");
                        add(rp, EI, "rID", p.rId());
                        switch (p) {
                            case Value v -> {
                                add(add(rp, EI, "payloadFloat"), EI, "value", v.value() == null ? "0" : number(v.value()));
                                add(rp, OADR, "oadrDataQuality", v.value() == null ? "No Quality - No Value" : "Quality Good - Non Specific");
                            }
                            case Status st -> {
                                Element e = add(rp, OADR, "oadrPayloadResourceStatus");
                                add(e, OADR, "oadrOnline", Boolean.toString(st.online()));
                                add(e, OADR, "oadrManualOverride", Boolean.toString(st.manualOverride()));
                                if (st.capacityCurrent() != null) {
                                    add(add(add(e, OADR, "oadrLoadControlState"), OADR, "oadrCapacity"), OADR, "oadrCurrent",
                                            number(st.capacityCurrent()));
                                }
                            }
                        }
                    }
                }
            }
            add(rep, EI, "eiReportID", r.reportRequestId() + ":" + Xml.dateTime(r.start()));
            add(rep, EI, "reportRequestID", r.reportRequestId());
            add(rep, EI, "reportSpecifierID", r.specifierId());
            add(rep, EI, "reportName", r.reportName());
            add(rep, EI, "createdDateTime", Xml.dateTime(createdAt));
        }
        add(m, EI, "venID", venId);
        return Xml.write(m);
    }

    public static String updatedReport(String code, String requestId, String venId) {
        Element m = Xml.newMessage("oadrUpdatedReport");
        eiResponse(m, code, null, requestId);
        if (venId != null) {
            add(m, EI, "venID", venId);
        }
        return Xml.write(m);
    }

    // ---- reading ----

    /** The eiResponse of a reply: [code, description]; a missing one reads as a 200. */
    public static String[] responseOf(Element message) {
        Element r = Xml.descendant(message, "eiResponse").orElse(null);
        if (r == null) {
            return new String[] {"200", ""};
        }
        return new String[] {Xml.text(r, "responseCode").orElse("200"), Xml.text(r, "responseDescription").orElse("")};
    }

    public static Duration duration(String s) {
        return Duration.between(Instant.EPOCH, io.headroom.grid.openadr3.Times.plus(Instant.EPOCH, s));
    }

    static Instant dateTime(String s, Instant now) {
        return io.headroom.grid.openadr3.Times.parseDateTime(s, now);
    }

    /** The {@code oadrReportRequest}s in a message (oadrCreateReport, oadrRegisteredReport). */
    public static List<ReportRequest> reportRequests(Element message, Instant now) {
        List<ReportRequest> out = new ArrayList<>();
        for (Element rr : Xml.children(message, "oadrReportRequest")) {
            String id = Xml.required(rr, "reportRequestID");
            Element s = Xml.child(rr, "reportSpecifier").orElseThrow(() -> new Xml.BadXmlException("oadrReportRequest " + id + ": no reportSpecifier", null));
            Duration g = Xml.text(s, "granularity", "duration").map(OadrMessages::duration).orElse(Duration.ZERO);
            Duration back = Xml.text(s, "reportBackDuration", "duration").map(OadrMessages::duration).orElse(Duration.ZERO);
            Instant start = Xml.text(s, "reportInterval", "properties", "dtstart", "date-time").map(t -> dateTime(t, now)).orElse(null);
            Duration dur = Xml.text(s, "reportInterval", "properties", "duration", "duration").map(OadrMessages::duration).orElse(null);
            List<String> rids = Xml.children(s, "specifierPayload").stream().map(p -> Xml.required(p, "rID")).toList();
            out.add(new ReportRequest(id, Xml.required(s, "reportSpecifierID"), g, back, start, dur, rids, null));
        }
        return out;
    }
}
