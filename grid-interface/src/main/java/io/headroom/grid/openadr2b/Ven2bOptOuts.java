package io.headroom.grid.openadr2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.grid.journal.VenJournal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The 2.0b VEN's EiOpt: its maintenance windows (the configured ones and those added at run time, journaled), sent to
 * the VTN as opt-out schedules once each ({@code oadrCreateOpt}) and withdrawn ({@code oadrCancelOpt}). Event handling
 * reads {@link #windows()} to opt out of the events that overlap one.
 */
final class Ven2bOptOuts {

    private static final Logger log = LoggerFactory.getLogger(Ven2b.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Set<String> OPT_REASONS = Set.of("economic", "emergency", "mustRun", "notParticipating",
            "outageRunStatus", "overrideStatus", "participating", "x-schedule");

    private final Ven2bConfig cfg;
    private final VenJournal journal;

    Ven2bOptOuts(Ven2bConfig cfg, VenJournal journal) {
        this.cfg = cfg;
        this.journal = journal;
    }

    /** Refuses an optReason that is neither one of the 2.0b schema's nor an {@code x-} extension. */
    static void checkReason(Ven2bConfig.OptOutWindow w) {
        if (!OPT_REASONS.contains(w.reason()) && !w.reason().startsWith("x-")) {
            throw new IllegalArgumentException("opt-out window " + w.id() + ": optReason '" + w.reason()
                    + "' is not one of " + OPT_REASONS + " nor an x- extension");
        }
    }

    /** The configured windows, then those added at run time. */
    List<Ven2bConfig.OptOutWindow> windows() {
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

    /** Queues an opt-out schedule for each window not yet sent (journaled, so once across restarts). */
    void queueSchedules(String venId, Instant now) {
        for (Ven2bConfig.OptOutWindow w : windows()) {
            String k = "opt:" + w.id();
            if (!journal.hasReport(k)) {
                journal.enqueue(k, "opt", now, OadrMessages.createOpt(k, w.id(), "optOut", w.reason(), venId,
                        List.of(new OadrMessages.OptWindow(w.start(), w.duration())), now, cfg.resourceId(), null, null));
                log.info("OpenADR 2.0b VEN {}: opt-out schedule {} [{}, {}) ({}) queued", cfg.venName(), w.id(), w.start(), w.end(), w.reason());
            }
        }
    }

    /** Journals a window added at run time (its schedule is queued by {@link #queueSchedules}). */
    void add(Ven2bConfig.OptOutWindow w) {
        ObjectNode n = JSON.createObjectNode().put("id", w.id()).put("start", w.start().toString())
                .put("duration", w.duration().toString()).put("reason", w.reason());
        journal.putMeta("optw:" + w.id(), n.toString());
    }

    /** Withdraws a window: forgotten, and an {@code oadrCancelOpt} queued. */
    void cancel(String optId, String venId, Instant now) {
        journal.deleteMeta("optw:" + optId);
        String k = "cancelOpt:" + optId;
        journal.enqueue(k, "opt", now, OadrMessages.cancelOpt(k, optId, venId));
    }
}
