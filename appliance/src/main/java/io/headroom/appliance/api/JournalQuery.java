package io.headroom.appliance.api;

import io.headroom.appliance.journal.JournalEntry;
import io.vertx.ext.web.RoutingContext;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The parameters of a journal query, checked: a window {@code [from, to)} (default the last hour; the window of a
 * page link is absolute, so following it later gives the same entries), kinds (any of them: {@code kind} repeated or
 * comma-separated) and a least severity, a page size within the route's bound, and at most one cursor
 * ({@code before} or {@code after}, an entry id).
 *
 * @param kind     the kinds asked for (null: every kind)
 * @param severity the least severity asked for (null: any)
 */
record JournalQuery(Instant from, Instant to, List<String> kind, String severity, int limit, Long before, Long after) {

    static JournalQuery of(RoutingContext rc, int maxLimit, Instant now) {
        Instant to = ApiServer.instantParam(rc, "to", now.plusSeconds(1));
        Instant from = ApiServer.instantParam(rc, "from", to.minusSeconds(3600));
        if (!from.isBefore(to)) {
            throw new ApiServer.BadParameter("from", "from " + from + " is not before to " + to);
        }
        LinkedHashSet<String> kinds = new LinkedHashSet<>();
        for (String p : rc.queryParam("kind")) {
            for (String k : p.split(",")) {
                if (!k.isBlank()) {
                    kinds.add(k.strip());
                }
            }
        }
        String severity = rc.request().getParam("severity");
        if (severity != null && !JournalEntry.SEVERITIES.contains(severity)) {
            throw new ApiServer.BadParameter("severity", "severity must be one of "
                    + String.join(", ", JournalEntry.SEVERITIES) + ", got " + severity);
        }
        int limit = (int) ApiServer.longParam(rc, "limit", Math.min(1000, maxLimit), 1, maxLimit);
        Long before = rc.request().getParam("before") == null ? null
                : ApiServer.longParam(rc, "before", 0, 1, Long.MAX_VALUE);
        Long after = rc.request().getParam("after") == null ? null
                : ApiServer.longParam(rc, "after", 0, 0, Long.MAX_VALUE);
        if (before != null && after != null) {
            throw new ApiServer.BadParameter("after", "give before or after, not both");
        }
        return new JournalQuery(from, to, kinds.isEmpty() ? null : List.copyOf(kinds), severity, limit, before, after);
    }

    /** The kinds to read: those asked for, of at least the severity asked for (null: every kind; empty: none). */
    List<String> kinds() {
        return severity == null ? kind : JournalEntry.kindsAtLeast(severity, kind);
    }

    /** The same query's page link with {@code cursor=id} (the window absolute). */
    String link(String path, String cursor, long id) {
        StringBuilder b = new StringBuilder(path).append("?from=").append(from).append("&to=").append(to)
                .append("&limit=").append(limit);
        if (kind != null) {
            b.append("&kind=").append(URLEncoder.encode(String.join(",", kind), StandardCharsets.UTF_8));
        }
        if (severity != null) {
            b.append("&severity=").append(severity);
        }
        return b.append('&').append(cursor).append('=').append(id).toString();
    }
}
