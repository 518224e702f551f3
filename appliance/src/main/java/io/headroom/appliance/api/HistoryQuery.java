package io.headroom.appliance.api;

import io.headroom.appliance.site.Site;
import io.vertx.ext.web.RoutingContext;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The parameters of a feed history query, checked: a feed of the site (or all), a window ({@code from}..{@code to},
 * or the last {@code seconds} before {@code to}), a step, a page size within the bound, and the cursor of a page's
 * {@code next} link.
 */
record HistoryQuery(String feed, Instant from, Instant to, int step, int limit, String after) {

    static HistoryQuery of(RoutingContext rc, Site site, int maxLimit, Instant now) {
        String feed = rc.request().getParam("feed");
        if (feed != null && site.feed(feed).isEmpty()) {
            throw new ApiServer.BadParameter("feed", "no feed '" + feed + "' in site " + site.name());
        }
        long seconds = ApiServer.longParam(rc, "seconds", 300, 1, 7 * 24 * 3600);
        Instant to = ApiServer.instantParam(rc, "to", Instant.ofEpochSecond(now.getEpochSecond() + 1));
        Instant from = ApiServer.instantParam(rc, "from", to.minusSeconds(seconds));
        if (!from.isBefore(to)) {
            throw new ApiServer.BadParameter("from", "from " + from + " is not before to " + to);
        }
        int step = (int) ApiServer.longParam(rc, "step", 1, 1, 3600);
        int limit = (int) ApiServer.longParam(rc, "limit", Math.min(maxLimit, 3600), 1, maxLimit);
        String after = rc.request().getParam("after");
        if (after != null && !after.matches("-?[0-9]{1,18}:.+")) {
            throw new ApiServer.BadParameter("after", "after must be the cursor a page gave in its next link (T:FEED), got '"
                    + after + "'");
        }
        return new HistoryQuery(feed, from, to, step, limit, after);
    }

    /** The link of the page after cursor {@code next} (the window absolute). */
    String link(String next) {
        StringBuilder l = new StringBuilder("/api/v1/history/feeds?from=").append(from).append("&to=").append(to)
                .append("&step=").append(step).append("&limit=").append(limit);
        if (feed != null) {
            l.append("&feed=").append(URLEncoder.encode(feed, StandardCharsets.UTF_8));
        }
        return l.append("&after=").append(URLEncoder.encode(next, StandardCharsets.UTF_8)).toString();
    }
}
