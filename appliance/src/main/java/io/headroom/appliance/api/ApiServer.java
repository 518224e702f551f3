package io.headroom.appliance.api;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.journal.FeedSecond;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.journal.JournalEntry;
import io.headroom.appliance.site.Site;
import io.headroom.grid.OptDecision;
import io.headroom.appliance.grid.GridLink;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * The appliance's HTTP surface on Vert.x:
 * <ul>
 *   <li>{@code GET /api/v1/site}: topology and live state; {@code GET /api/v1/health};</li>
 *   <li>{@code GET /api/v1/stream}: the same live state as Server-Sent Events ({@link LiveStream});</li>
 *   <li>{@code GET /api/v1/journal?from=&to=&kind=&limit=} (JSON) and {@code /api/v1/journal.csv}: the journal;</li>
 *   <li>{@code GET /api/v1/history/feeds?feed=&seconds=}: per-second feed rollups;</li>
 *   <li>{@code GET /api/v1/grid}: the OpenADR VEN's state, opt decisions and pending reports;</li>
 *   <li>{@code GET /metrics}: Prometheus text exposition;</li>
 *   <li>{@link OperatorApi}: tokens, topology, caps, plans, alarms, commitments, overrides, maintenance, the
 *       OpenAPI document;</li>
 *   <li>{@code /}: the dashboard.</li>
 * </ul>
 * Live-state handlers only read the latest published state; journal queries run on worker threads, so nothing
 * blocks the event loop. A bad query parameter answers 400 naming it.
 */
public final class ApiServer implements AutoCloseable {

    private final HttpServer server;

    private ApiServer(HttpServer server) {
        this.server = server;
    }

    /** A query parameter that could not be used. */
    static final class BadParameter extends RuntimeException {
        final String parameter;

        BadParameter(String parameter, String message) {
            super(message);
            this.parameter = parameter;
        }
    }

    /** Starts the server on {@code vertx} without loop supervision; fails with the bind error. */
    public static ApiServer start(Vertx vertx, Site site, Supplier<SiteState> state, Journal journal, GridLink ven,
                                  Supplier<String> metrics, String host, int port, OperatorApi operator) {
        return start(vertx, site, state, journal, ven, metrics, host, port, operator, null);
    }

    /**
     * Starts the server on {@code vertx}; fails with the bind error (e.g. the port is taken).
     *
     * @param supervision the loops' verdicts ({@link io.headroom.appliance.supervision.Supervisor#check}), asked at each
     *                    {@code GET /api/v1/health}; null: regulation's first tick alone makes it healthy
     */
    public static ApiServer start(Vertx vertx, Site site, Supplier<SiteState> state, Journal journal, GridLink ven,
                                  Supplier<String> metrics, String host, int port, OperatorApi operator,
                                  Supplier<io.headroom.appliance.supervision.Supervisor.Report> supervision) {
        String dashboard = resource("dashboard/index.html");
        Router router = Router.router(vertx);
        operator.mountAuth(router);
        router.get("/api/v1/site").handler(rc -> json(rc, 200, SiteJson.site(site, state.get(), operator)));
        LiveStream.mount(router, vertx, site, state, operator);
        router.get("/api/v1/health").handler(rc -> health(rc, site, state.get(), journal,
                supervision == null ? null : supervision.get()));
        router.get("/api/v1/journal").handler(rc -> blocking(rc, () -> {
            JsonArray a = new JsonArray();
            for (JournalEntry e : query(rc, journal)) {
                a.add(new JsonObject().put("id", e.id()).put("utc", e.utc().toString()).put("kind", e.kind())
                        .put("subject", e.subject()).put("actor", e.actor()).put("message", e.message())
                        .put("data", new JsonObject(e.data())));
            }
            return new JsonObject().put("entries", a);
        }));
        router.get("/api/v1/journal.csv").handler(rc -> vertx.<String>executeBlocking(() -> {
            StringWriter w = new StringWriter();
            Journal.writeCsv(query(rc, journal), w);
            return w.toString();
        }, false).onComplete(r -> {
            if (r.succeeded()) {
                rc.response().putHeader("content-type", "text/csv; charset=utf-8")
                        .putHeader("content-disposition", "attachment; filename=\"headroom-journal.csv\"").end(r.result());
            } else {
                failure(rc, r.cause());
            }
        }));
        router.get("/api/v1/history/feeds").handler(rc -> blocking(rc, () -> {
            String feed = rc.request().getParam("feed");
            if (feed != null && site.feed(feed).isEmpty()) {
                throw new BadParameter("feed", "no feed '" + feed + "' in site " + site.name());
            }
            long seconds = longParam(rc, "seconds", 300, 1, 7 * 24 * 3600);
            long to = Instant.now().getEpochSecond();
            JsonArray a = new JsonArray();
            for (FeedSecond s : journal.feedSeconds(feed, to - seconds, to + 1)) {
                a.add(new JsonObject().put("t", s.epochSecond()).put("feed", s.feedId()).put("avgW", Math.round(s.avgW()))
                        .put("avgA", Math.round(s.avgA() * 10) / 10.0).put("maxA", Math.round(s.maxA() * 10) / 10.0)
                        .put("limitA", s.limitA()).put("samples", s.samples()));
            }
            return new JsonObject().put("seconds", a);
        }));
        router.get("/api/v1/grid").handler(rc -> {
            if (ven == null) {
                json(rc, 200, new JsonObject().put("enrolled", false));
                return;
            }
            blocking(rc, () -> {
                JsonArray decisions = new JsonArray();
                for (OptDecision d : ven.decisions()) {
                    decisions.add(new JsonObject().put("event", d.eventId()).put("eventVersion", d.eventVersion())
                            .put("decision", d.kind().name()).put("reason", d.reason())
                            .put("decidedAt", String.valueOf(d.decidedAt()))
                            .put("commitments", new JsonArray(d.commitments().stream().map(String::valueOf).toList())));
                }
                return new JsonObject().put("enrolled", true).put("version", ven.version())
                        .put("status", new JsonObject(ven.status())).put("decisions", decisions);
            });
        });
        operator.mountRoutes(router);
        router.get("/metrics").handler(rc -> rc.response()
                .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.get()));
        router.get("/").handler(rc -> rc.response().putHeader("content-type", "text/html; charset=utf-8").end(dashboard));
        router.route().last().handler(rc -> json(rc, 404, new JsonObject().put("error", "not found")
                .put("path", rc.request().path())));
        try {
            return new ApiServer(vertx.createHttpServer().requestHandler(router).listen(port, host).await());
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot serve the API on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /**
     * 503 {@code starting} before regulation's first tick, 503 {@code failed} with the reasons while a supervised
     * loop is stalled or stopped (the systemd watchdog's kicks follow this answer), 200 {@code degraded} while a loop
     * runs but failed an event lately, 200 {@code ok} otherwise; every loop's verdict in {@code loops}.
     */
    static void health(RoutingContext rc, Site site, SiteState s, Journal journal,
                       io.headroom.appliance.supervision.Supervisor.Report loops) {
        boolean failed = loops != null && !loops.healthy();
        boolean degraded = loops != null && !loops.alarms().isEmpty();
        String status = s == null ? "starting" : failed ? "failed" : degraded ? "degraded" : "ok";
        JsonObject body = new JsonObject().put("status", status).put("site", site.name())
                .put("tick", s == null ? 0 : s.tick()).put("journalDropped", journal.dropped());
        if (loops != null) {
            body.put("reasons", new JsonArray(loops.reasons()));
            JsonArray a = new JsonArray();
            for (io.headroom.appliance.supervision.Supervisor.Verdict v : loops.loops()) {
                a.add(new JsonObject().put("loop", v.loop()).put("state", v.state().name().toLowerCase(java.util.Locale.ROOT))
                        .put("silentMs", v.silentNanos() / 1_000_000).put("deadlineMs", v.deadlineNanos() / 1_000_000)
                        .put("failures", v.failures()).put("lastFailure", v.lastFailure()));
            }
            body.put("loops", a);
        }
        json(rc, s == null || failed ? 503 : 200, body);
    }

    private static List<JournalEntry> query(RoutingContext rc, Journal journal) {
        Instant to = instantParam(rc, "to", Instant.now().plusSeconds(1));
        Instant from = instantParam(rc, "from", to.minusSeconds(3600));
        if (!from.isBefore(to)) {
            throw new BadParameter("from", "from " + from + " is not before to " + to);
        }
        String kind = rc.request().getParam("kind");
        int limit = (int) longParam(rc, "limit", 1000, 1, 100_000);
        return journal.entries(from, to, kind, limit);
    }

    private static Instant instantParam(RoutingContext rc, String name, Instant dflt) {
        String v = rc.request().getParam(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw new BadParameter(name, name + " must be an ISO-8601 UTC instant like 2026-11-22T16:00:00Z, got '" + v + "'");
        }
    }

    private static long longParam(RoutingContext rc, String name, long dflt, long min, long max) {
        String v = rc.request().getParam(name);
        if (v == null) {
            return dflt;
        }
        try {
            long x = Long.parseLong(v);
            if (x < min || x > max) {
                throw new BadParameter(name, name + " must be " + min + ".." + max + ", got " + x);
            }
            return x;
        } catch (NumberFormatException e) {
            throw new BadParameter(name, name + " must be a whole number, got '" + v + "'");
        }
    }

    private static void blocking(RoutingContext rc, Callable<JsonObject> work) {
        rc.vertx().executeBlocking(work, false).onComplete(r -> {
            if (r.succeeded()) {
                json(rc, 200, r.result());
            } else {
                failure(rc, r.cause());
            }
        });
    }

    private static void failure(RoutingContext rc, Throwable t) {
        if (t instanceof BadParameter b) {
            json(rc, 400, new JsonObject().put("error", b.getMessage()).put("parameter", b.parameter));
        } else {
            json(rc, 500, new JsonObject().put("error", String.valueOf(t.getMessage())));
        }
    }

    public int port() {
        return server.actualPort();
    }

    static void json(RoutingContext rc, int status, JsonObject body) {
        rc.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
    }

    static String resource(String name) {
        try (InputStream in = ApiServer.class.getResourceAsStream("/io/headroom/appliance/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops serving (the Vert.x instance belongs to the appliance). */
    @Override
    public void close() {
        server.close().await();
    }
}
