package io.headroom.grid.openadr2b;

import org.w3c.dom.Element;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Tolerant reading of {@code oadrDistributeEvent}: each {@code oadrEvent} is read on its own, so one bad event does
 * not hide the others; unknown elements are ignored, optional ones may be absent, times may carry any offset.
 */
public final class EventReader {

    private EventReader() {
    }

    /** An event that could be read, or the reason one could not (with its id when that much was readable). */
    public record Item(OadrEvent event, String eventId, long modificationNumber, String problem) {
        public boolean ok() {
            return event != null;
        }
    }

    public record Distribution(String requestId, String vtnId, List<Item> items) {
    }

    public static Distribution read(Element distribute, Instant now) {
        List<Item> items = new ArrayList<>();
        for (Element oe : Xml.children(distribute, "oadrEvent")) {
            String id = Xml.text(oe, "eiEvent", "eventDescriptor", "eventID").orElse(null);
            long mod = Xml.text(oe, "eiEvent", "eventDescriptor", "modificationNumber").map(EventReader::parseLong).orElse(-1L);
            try {
                items.add(new Item(event(oe, now), id, mod, null));
            } catch (RuntimeException e) {
                items.add(new Item(null, id, mod, e.getMessage()));
            }
        }
        return new Distribution(Xml.text(distribute, "requestID").orElse(""), Xml.text(distribute, "vtnID").orElse(""), items);
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static OadrEvent event(Element oadrEvent, Instant now) {
        Element ev = Xml.child(oadrEvent, "eiEvent").orElseThrow(() -> new Xml.BadXmlException("oadrEvent without eiEvent", null));
        String id = Xml.required(ev, "eventDescriptor", "eventID");
        String where = "event " + id + ": ";
        try {
            long mod = Long.parseLong(Xml.required(ev, "eventDescriptor", "modificationNumber"));
            String market = Xml.text(ev, "eventDescriptor", "eiMarketContext", "marketContext").orElse("");
            Instant created = Xml.text(ev, "eventDescriptor", "createdDateTime").map(t -> OadrMessages.dateTime(t, now)).orElse(now);
            String status = Xml.text(ev, "eventDescriptor", "eventStatus").orElse("far");
            String test = Xml.text(ev, "eventDescriptor", "testEvent").orElse("false");
            boolean isTest = !test.isEmpty() && !"false".equalsIgnoreCase(test);
            Element props = Xml.path(ev, "eiActivePeriod", "properties")
                    .orElseThrow(() -> new Xml.BadXmlException("no eiActivePeriod/properties", null));
            Instant start = OadrMessages.dateTime(Xml.required(props, "dtstart", "date-time"), now);
            Duration duration = OadrMessages.duration(Xml.required(props, "duration", "duration"));
            Duration startAfter = Xml.text(props, "tolerance", "tolerate", "startafter").map(OadrMessages::duration).orElse(null);
            List<OadrEvent.Signal> signals = new ArrayList<>();
            Element sigs = Xml.child(ev, "eiEventSignals").orElseThrow(() -> new Xml.BadXmlException("no eiEventSignals", null));
            for (Element s : Xml.children(sigs, "eiEventSignal")) {
                signals.add(signal(s));
            }
            if (signals.isEmpty()) {
                throw new Xml.BadXmlException("no eiEventSignal", null);
            }
            List<String> vens = new ArrayList<>();
            List<String> resources = new ArrayList<>();
            Xml.child(ev, "eiTarget").ifPresent(t -> {
                Xml.children(t, "venID").forEach(v -> vens.add(v.getTextContent().trim()));
                Xml.children(t, "resourceID").forEach(r -> resources.add(r.getTextContent().trim()));
            });
            String rr = Xml.text(oadrEvent, "oadrResponseRequired").orElse("always");
            return new OadrEvent(id, mod, market, created, status, start, duration, startAfter, isTest, rr, signals, vens, resources);
        } catch (RuntimeException e) {
            throw new Xml.BadXmlException(where + e.getMessage(), e);
        }
    }

    private static OadrEvent.Signal signal(Element s) {
        String name = Xml.required(s, "signalName");
        String type = Xml.required(s, "signalType");
        String sid = Xml.text(s, "signalID").orElse(name);
        OadrEvent.ItemBase item = null;
        for (Element c : Xml.children(s)) {
            String n = Xml.local(c);
            if (Xml.text(c, "itemUnits").isPresent()) {
                item = new OadrEvent.ItemBase(n, Xml.text(c, "itemDescription").orElse(""), Xml.text(c, "itemUnits").orElse(""),
                        Xml.text(c, "siScaleCode").orElse("none"));
            }
        }
        List<OadrEvent.Interval> intervals = new ArrayList<>();
        Element ivs = Xml.child(s, "intervals").orElseThrow(() -> new Xml.BadXmlException("signal " + sid + ": no intervals", null));
        int i = 0;
        for (Element iv : Xml.children(ivs, "interval")) {
            Duration d = OadrMessages.duration(Xml.required(iv, "duration", "duration"));
            String uid = Xml.text(iv, "uid", "text").orElse(Integer.toString(i));
            String v = Xml.descendant(iv, "value").map(x -> x.getTextContent().trim())
                    .orElseThrow(() -> new Xml.BadXmlException("signal " + sid + " interval " + uid + ": no payload value", null));
            try {
                intervals.add(new OadrEvent.Interval(uid, d, Double.parseDouble(v)));
            } catch (NumberFormatException e) {
                throw new Xml.BadXmlException("signal " + sid + " interval " + uid + ": payload '" + v + "' is not a number", e);
            }
            i++;
        }
        if (intervals.isEmpty()) {
            throw new Xml.BadXmlException("signal " + sid + ": no interval", null);
        }
        return new OadrEvent.Signal(name, type, sid, item, intervals);
    }
}
