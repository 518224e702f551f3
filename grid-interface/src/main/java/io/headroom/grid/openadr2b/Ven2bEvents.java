package io.headroom.grid.openadr2b;

import io.headroom.grid.Commitment;
import io.headroom.grid.CommitmentBook;
import io.headroom.grid.FlexibilityOracle;
import io.headroom.grid.OptDecision;
import io.headroom.grid.journal.VenJournal;
import io.headroom.grid.openadr3.FeasibilityCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The 2.0b VEN's EiEvent: every {@code oadrDistributeEvent} holds all the VEN's events; a new or modified one (higher
 * modificationNumber) is translated ({@link EventTranslator2b}), checked with the {@link FlexibilityOracle} (opt in /
 * out with a reason; an event overlapping a maintenance window is opted out; a partial decision keeps the relaxed
 * limits in the book but tells the VTN {@code optOut}, since 2.0b has no partial opt), journaled with its
 * {@code oadrCreatedEvent} in the outbox, then put in the {@link CommitmentBook} — in that order; a cancelled one, or
 * one the distribute no longer lists, is withdrawn; a cancellation of an event the VEN never had is acknowledged,
 * logged and ignored. On construction it puts the journaled commitments back in the book.
 */
final class Ven2bEvents {

    private static final Logger log = LoggerFactory.getLogger(Ven2b.class);

    private final Ven2bConfig cfg;
    private final VenJournal journal;
    private final CommitmentBook book;
    private final FlexibilityOracle oracle;
    private final FeasibilityCheck feasibility;
    private final Ven2bOptOuts optOuts;
    private final Supplier<String> venId;
    private final Consumer<String> reject;
    /** The events the VEN holds, with the modificationNumber it decided on. */
    private final Map<String, Long> tracked = new HashMap<>();
    private final int restoredCommitments;

    Ven2bEvents(Ven2bConfig cfg, VenJournal journal, CommitmentBook book, FlexibilityOracle oracle, Ven2bOptOuts optOuts,
                Supplier<String> venId, Consumer<String> reject) {
        this.cfg = cfg;
        this.journal = journal;
        this.book = book;
        this.oracle = oracle;
        this.feasibility = new FeasibilityCheck(oracle, cfg.partialOptAllowed(), 1.0);
        this.optOuts = optOuts;
        this.venId = venId;
        this.reject = reject;
        Map<String, List<Commitment>> byOrigin = new HashMap<>();
        List<Commitment> cs = journal.commitments();
        cs.forEach(c -> byOrigin.computeIfAbsent(c.origin(), k -> new ArrayList<>()).add(c));
        byOrigin.forEach(book::replaceOrigin);
        restoredCommitments = cs.size();
        Map<String, Long> versions = new HashMap<>();
        for (OptDecision d : journal.decisions()) {
            versions.merge(d.eventId(), parseLong(d.eventVersion()), Math::max);
        }
        for (String id : journal.activeEvents().keySet()) {
            tracked.put(id, versions.getOrDefault(id, -1L));
        }
    }

    /** How many commitments the journal gave back at construction. */
    int restoredCommitments() {
        return restoredCommitments;
    }

    /** The events the VEN holds (eventID → modificationNumber decided on). */
    Map<String, Long> tracked() {
        return Map.copyOf(tracked);
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    void onDistribute(Element m, Instant now) {
        EventReader.Distribution dist = EventReader.read(m, now);
        Set<String> seen = new HashSet<>();
        List<Ven2bConfig.OptOutWindow> windows = optOuts.windows();
        for (EventReader.Item item : dist.items()) {
            if (item.eventId() != null) {
                seen.add(item.eventId());
            }
            if (!item.ok()) {
                if (item.eventId() == null) {
                    reject.accept("event without eventID: " + item.problem());
                    continue;
                }
                String version = Long.toString(item.modificationNumber());
                if (journal.decision(item.eventId(), version).isEmpty()) {
                    decide(item.eventId(), item.modificationNumber(), "always", dist.requestId(), "<unreadable/>",
                            new OptDecision(item.eventId(), version, OptDecision.Kind.OPT_OUT, "rejected: " + item.problem(), List.of(), now));
                    reject.accept("event " + item.eventId() + ": " + item.problem());
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
                reject.accept(ex.getMessage());
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
            reply = OadrMessages.createdEvent(venId.get(), List.of(new OadrMessages.EventResponse("200", abbreviate(d.reason()), requestId,
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
}
