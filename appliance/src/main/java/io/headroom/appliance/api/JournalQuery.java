package io.headroom.appliance.api;

import io.vertx.ext.web.RoutingContext;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The parameters of a journal query, checked: a window {@code [from, to)} (default the last hour; the window of a
 * page link is absolute, so following it later gives the same entries), a kind, a page size within the route's
 * bound, and at most one cursor ({@code before} or {@code after}, an entry id).
 */
record JournalQuery(Instant from, Instant to, String kind, int limit, Long before, Long after) {

    static JournalQuery of(RoutingContext rc, int maxLimit, Instant now) {
        Instant to = ApiServer.instantParam(rc, "to", now.plusSeconds(1));
        Instant from = ApiServer.instantParam(rc, "from", to.minusSeconds(3600));
        if (!from.isBefore(to)) {
            throw new ApiServer.BadParameter("from", "from " + from + " is not before to " + to);
        }
        String kind = rc.request().getParam("kind");
        int limit = (int) ApiServer.longParam(rc, "limit", Math.min(1000, maxLimit), 1, maxLimit);
        Long before = rc.request().getParam("before") == null ? null
                : ApiServer.longParam(rc, "before", 0, 1, Long.MAX_VALUE);
        Long after = rc.request().getParam("after") == null ? null
                : ApiServer.longParam(rc, "after", 0, 0, Long.MAX_VALUE);
        if (before != null && after != null) {
            throw new ApiServer.BadParameter("after", "give before or after, not both");
        }
        return new JournalQuery(from, to, kind, limit, before, after);
    }

    /** The same query's page link with {@code cursor=id} (the window absolute). */
    String link(String path, String cursor, long id) {
        StringBuilder b = new StringBuilder(path).append("?from=").append(from).append("&to=").append(to)
                .append("&limit=").append(limit);
        if (kind != null) {
            b.append("&kind=").append(URLEncoder.encode(kind, StandardCharsets.UTF_8));
        }
        return b.append('&').append(cursor).append('=').append(id).toString();
    }
}
