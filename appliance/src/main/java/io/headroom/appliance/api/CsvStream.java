package io.headroom.appliance.api;

import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.journal.JournalEntry;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.util.concurrent.TimeUnit;

/**
 * {@code GET /api/v1/journal.csv}: the window's entries oldest first (after {@code after}, if given), at most
 * {@code limit}, written as they are read: one page of {@value #PAGE} entries at a time is read (its own short read
 * transaction) and written, and the next is read only once the client has taken it, so an export of any size holds
 * one page in memory and a client that stops reading is dropped after {@value #STALL_S} s.
 */
final class CsvStream {

    static final int PAGE = 1000;
    static final long STALL_S = 30;

    private CsvStream() {
    }

    /** On a worker thread: writes the export to {@code rc}'s response through {@code ctx} (the request's context). */
    static void write(RoutingContext rc, Context ctx, Journal journal, JournalQuery q) throws Exception {
        HttpServerResponse r = rc.response();
        long after = q.after() == null ? 0 : q.after();
        int left = q.limit();
        boolean first = true;
        while (true) {
            Journal.EntryPage page = journal.entriesPage(q.from(), q.to(), q.kinds(), Math.min(PAGE, left), null, after);
            StringBuilder b = new StringBuilder(first ? Journal.CSV_HEADER : "");
            for (JournalEntry e : page.entries()) {
                b.append(Journal.csvRow(e));
                after = e.id();
            }
            left -= page.entries().size();
            boolean last = left <= 0 || !page.moreNewer() || page.entries().isEmpty();
            Buffer bytes = Buffer.buffer(b.toString());
            boolean head = first;
            Promise<Void> written = Promise.promise();
            ctx.runOnContext(v -> {
                if (head) {
                    r.setChunked(true).putHeader("content-type", "text/csv; charset=utf-8")
                            .putHeader("content-disposition", "attachment; filename=\"headroom-journal.csv\"");
                }
                (last ? r.end(bytes) : r.write(bytes)).onComplete(written);
            });
            written.future().toCompletionStage().toCompletableFuture().get(STALL_S, TimeUnit.SECONDS);
            first = false;
            if (last) {
                return;
            }
        }
    }
}
