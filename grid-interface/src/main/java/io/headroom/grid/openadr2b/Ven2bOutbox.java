package io.headroom.grid.openadr2b;

import io.headroom.grid.journal.VenJournal;
import io.headroom.grid.openadr3.Backoff;
import io.headroom.grid.openadr3.VtnException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The 2.0b VEN's outbox: sends every message the journal holds as owed, in order, each marked attempted before it
 * leaves (so one whose outcome is unknown is sent again with the same requestID) and sent once answered. A VTN that
 * is down, overloaded or refusing the VEN's credentials stops the drain with a backoff and nothing is lost; a message
 * the VTN refuses for itself (another 4xx, a non-2xx code, unreadable XML) is dropped and logged; a reply whose XML
 * signature is refused leaves the message owed. Each accepted reply goes to {@code onReply}.
 */
final class Ven2bOutbox {

    private static final Logger log = LoggerFactory.getLogger(Ven2b.class);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    private final Ven2bConfig cfg;
    private final VenJournal journal;
    private final OadrTransport http;
    private final Consumer<String> reject;
    private final BiConsumer<Element, Instant> onReply;
    private final Backoff backoff;
    private Instant nextDrain = Instant.MIN;

    Ven2bOutbox(Ven2bConfig cfg, VenJournal journal, OadrTransport http, Consumer<String> reject, BiConsumer<Element, Instant> onReply) {
        this.cfg = cfg;
        this.journal = journal;
        this.http = http;
        this.reject = reject;
        this.onReply = onReply;
        this.backoff = new Backoff(cfg.retryBackoff(), MAX_BACKOFF);
    }

    /** When the next drain may send (after a failure: the backoff's end). */
    Instant nextDrain() {
        return nextDrain;
    }

    /** Sends what is owed, unless the backoff runs or the VEN has no venID yet. */
    void drain(Instant now, String venId) {
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
                    Duration wait = backoff.failed(Backoff.retryAfter(e.retryAfter(), now));
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
                reject.accept(o.key() + ": " + e.getMessage());
                nextDrain = now.plus(backoff.failed(null));
                return;
            } catch (Xml.BadXmlException e) {
                journal.markSent(o.seq(), now);
                reject.accept(o.key() + ": " + e.getMessage());
                continue;
            }
            journal.markSent(o.seq(), now);
            backoff.succeeded();
            String[] r = OadrMessages.responseOf(reply);
            if (!r[0].startsWith("2")) {
                log.error("OpenADR 2.0b VEN {}: {} refused by the VTN with {} {}, dropped", cfg.venName(), o.key(), r[0], r[1]);
                continue;
            }
            log.info("OpenADR 2.0b VEN {}: {} sent ({})", cfg.venName(), o.key(), Xml.local(reply));
            onReply.accept(reply, now);
        }
    }
}
