package io.headroom.appliance.api;

import io.headroom.appliance.placement.Placement;
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

    /** Rows of a JSON journal page, at most. */
    public static final int MAX_JOURNAL_PAGE = 1000;
    /** Rows of one CSV export, at most (written as they are read, never held whole). */
    public static final int MAX_CSV_ROWS = 100_000;
    /** Rollups of a history page, at most. */
    public static final int MAX_HISTORY_PAGE = 10_000;

    /**
     * What the server grants, so that no client (and no number of them) can exhaust the appliance.
     *
     * @param maxConnections          open connections, all clients together; past it a connection is answered 503
     *                                and closed
     * @param maxConnectionsPerClient open connections from one address
     * @param idleTimeoutS            a connection with nothing read or written for this long is closed (longer than
     *                                the stream's 15 s heartbeat)
     * @param firstRequestTimeoutS    a connection that has not sent a whole request head by then is closed (slow
     *                                headers)
     * @param maxQueries              journal and history queries running or waiting at once; past it 503 with
     *                                Retry-After
     * @param queryThreads            threads that run them (off the event loop, apart from other blocking work)
     * @param maxStreamClients        {@code /api/v1/stream} clients at once; past it 503 with Retry-After
     */
    public record Limits(int maxConnections, int maxConnectionsPerClient, int idleTimeoutS, int firstRequestTimeoutS,
                         int maxQueries, int queryThreads, int maxStreamClients) {
        public static Limits defaults() {
            return new Limits(256, 64, 60, 10, 16, 2, 32);
        }

        public Limits {
            if (maxConnections < 1 || maxConnectionsPerClient < 1 || idleTimeoutS < 1 || firstRequestTimeoutS < 1
                    || maxQueries < 1 || queryThreads < 1 || maxStreamClients < 1) {
                throw new IllegalArgumentException("every API limit must be at least 1: " + this);
            }
        }
    }

    /** HTTPS: a PEM certificate chain and its PEM private key (PKCS#8 or PKCS#1). */
    public record Tls(java.nio.file.Path certificate, java.nio.file.Path key) {
    }

    private final HttpServer server;
    private final io.vertx.core.WorkerExecutor queries;
    private final ConnectionGuard guard;

    private ApiServer(HttpServer server, io.vertx.core.WorkerExecutor queries, ConnectionGuard guard) {
        this.server = server;
        this.queries = queries;
        this.guard = guard;
    }

    /** Connections open now. */
    public int openConnections() {
        return guard.open();
    }

    /** Where the dashboard's vendored scripts and styles are served (uPlot, from npm; see scripts/vendor-uplot.sh). */
    static final String VENDOR = "/vendor/";
    private static final String[][] VENDORED = {
            {"uPlot.iife.min.js", "text/javascript; charset=utf-8"},
            {"uPlot.min.css", "text/css; charset=utf-8"},
            {"uPlot.LICENSE", "text/plain; charset=utf-8"}};

    /**
     * {@code GET /api/v1/disturbances} (the COMTRADE records, newest first), {@code GET /api/v1/disturbances/ID.cfg}
     * and {@code .dat} (the files, as downloads), {@code GET /api/v1/disturbances/ID/samples?points=N} (the analog
     * channels as JSON for the dashboard's viewer). An appliance without recorders lists none.
     */
    private static void mountDisturbances(Router router, DisturbanceArchive archive, QueryGate gate) {
        router.get("/api/v1/disturbances").handler(rc -> {
            if (archive == null) {
                json(rc, 200, new JsonObject().put("records", new JsonArray()).put("total", 0)
                        .put("limit", DisturbanceArchive.MAX_LIST));
                return;
            }
            gate.json(rc, archive::list);
        });
        router.get("/api/v1/disturbances/:id/samples").handler(rc -> {
            String id = rc.pathParam("id");
            Integer points = checked(rc, () -> {
                String p = rc.request().getParam("points");
                try {
                    return p == null ? 4000 : Integer.parseInt(p);
                } catch (NumberFormatException e) {
                    throw new BadParameter("points", "points must be a whole number, was '" + p + "'");
                }
            });
            if (points == null) {
                return;
            }
            if (archive == null) {
                json(rc, 404, new JsonObject().put("error", "no disturbance record '" + id + "'").put("id", id));
                return;
            }
            gate.json(rc, () -> archive.samples(id, points).orElseThrow(() -> new NotFound("id",
                    "no disturbance record '" + id + "' (GET /api/v1/disturbances lists them)")));
        });
        router.get("/api/v1/disturbances/:file").handler(rc -> {
            String name = rc.pathParam("file");
            if (archive == null) {
                json(rc, 404, new JsonObject().put("error", "no disturbance record file '" + name + "'").put("id", name));
                return;
            }
            rc.vertx().executeBlocking(() -> archive.file(name), false).onComplete(r -> {
                if (r.failed()) {
                    failure(rc, r.cause());
                } else if (r.result().isEmpty()) {
                    json(rc, 404, new JsonObject().put("error", "no disturbance record file '" + name
                            + "' (GET /api/v1/disturbances lists them)").put("id", name));
                } else {
                    rc.response().putHeader("content-type", name.endsWith(".cfg") ? "text/plain; charset=iso-8859-1"
                                    : "application/octet-stream")
                            .putHeader("content-disposition", "attachment; filename=\"" + name + "\"")
                            .sendFile(r.result().get().toString());
                }
            });
        });
    }

    /** A resource named in the path that does not exist (answered 404 with the parameter). */
    static final class NotFound extends RuntimeException {
        final String parameter;

        NotFound(String parameter, String message) {
            super(message);
            this.parameter = parameter;
        }
    }

    /** A query parameter that could not be used. */
    static final class BadParameter extends RuntimeException {
        final String parameter;

        BadParameter(String parameter, String message) {
            super(message);
            this.parameter = parameter;
        }
    }

    /** Starts the server on {@code vertx} with the default limits, plain HTTP and no loop supervision. */
    public static ApiServer start(Vertx vertx, Site site, Supplier<SiteState> state, Journal journal, GridLink ven,
                                  Supplier<String> metrics, String host, int port, OperatorApi operator) {
        return start(vertx, site, state, journal, ven, metrics, host, port, operator, Limits.defaults(), null, null);
    }

    /** Starts the server on {@code vertx} without loop supervision; fails with the bind error. */
    public static ApiServer start(Vertx vertx, Site site, Supplier<SiteState> state, Journal journal, GridLink ven,
                                  Supplier<String> metrics, String host, int port, OperatorApi operator, Limits limits,
                                  Tls tls) {
        return start(vertx, site, state, journal, ven, metrics, host, port, operator, limits, tls, null);
    }

    /** Starts the server on {@code vertx} on the system's clocks; fails with the bind error. */
    public static ApiServer start(Vertx vertx, Site site, Supplier<SiteState> state, Journal journal, GridLink ven,
                                  Supplier<String> metrics, String host, int port, OperatorApi operator, Limits limits,
                                  Tls tls, Supplier<io.headroom.appliance.supervision.Supervisor.Report> supervision) {
        return start(vertx, site, state, journal, ven, metrics, host, port, operator, limits, tls, supervision,
                io.headroom.appliance.clock.Clocks.system());
    }

    /**
     * Starts the server on {@code vertx}; fails with the bind error (e.g. the port is taken).
     *
     * @param supervision the loops' verdicts ({@link io.headroom.appliance.supervision.Supervisor#check}), asked at each
     *                    {@code GET /api/v1/health}; null: regulation's first tick alone makes it healthy
     * @param clocks      the appliance's clocks (a query's default window ends now; the live stream's pacing)
     */
    public static ApiServer start(Vertx vertx, Site site, Supplier<SiteState> state, Journal journal, GridLink ven,
                                  Supplier<String> metrics, String host, int port, OperatorApi operator, Limits limits,
                                  Tls tls, Supplier<io.headroom.appliance.supervision.Supervisor.Report> supervision,
                                  io.headroom.appliance.clock.Clocks clocks) {
        return start(vertx, site, state, journal, ven, metrics, host, port, operator, limits, tls, supervision, clocks,
                null);
    }

    /**
     * As above, for an appliance of a campus: {@code GET /api/v1/campus} answers {@code campus}'s state (its budget
     * lease or fallback, who coordinates); null: {@code {"member": false}}.
     */
    public static ApiServer start(Vertx vertx, Site site, Supplier<SiteState> state, Journal journal, GridLink ven,
                                  Supplier<String> metrics, String host, int port, OperatorApi operator, Limits limits,
                                  Tls tls, Supplier<io.headroom.appliance.supervision.Supervisor.Report> supervision,
                                  io.headroom.appliance.clock.Clocks clocks, Supplier<JsonObject> campus) {
        String dashboard = resource("dashboard/index.html");
        Router router = Router.router(vertx);
        ConnectionGuard guard = new ConnectionGuard(vertx, limits);
        router.route().handler(guard::admit);
        operator.mountAuth(router);
        io.vertx.core.WorkerExecutor queries = vertx.createSharedWorkerExecutor("api-queries-" + System.identityHashCode(router),
                limits.queryThreads());
        QueryGate gate = new QueryGate(queries, limits.maxQueries());
        router.get("/api/v1/site").handler(rc -> json(rc, 200, SiteJson.site(site, state.get(), operator)));
        LiveStream.mount(router, vertx, site, state, operator, limits.maxStreamClients(), clocks.monotonic());
        router.get("/api/v1/health").handler(rc -> health(rc, site, state.get(), journal,
                supervision == null ? null : supervision.get()));
        // parameters are checked on the event loop, before the gate: an out-of-bound request is 400 even under a flood
        router.get("/api/v1/journal").handler(rc -> {
            JournalQuery q = checked(rc, () -> JournalQuery.of(rc, MAX_JOURNAL_PAGE, clocks.utc().instant()));
            if (q == null) {
                return;
            }
            gate.json(rc, () -> {
                Journal.EntryPage page = journal.entriesPage(q.from(), q.to(), q.kinds(), q.limit(), q.before(), q.after());
                JsonArray a = new JsonArray();
                for (JournalEntry e : page.entries()) {
                    a.add(new JsonObject().put("id", e.id()).put("utc", e.utc().toString()).put("kind", e.kind())
                            .put("severity", e.severity()).put("subject", e.subject()).put("actor", e.actor()).put("message", e.message())
                            .put("data", dataOf(e)));
                }
                List<JournalEntry> es = page.entries();
                return new JsonObject().put("entries", a).put("limit", q.limit())
                        .put("older", page.moreOlder() ? q.link("/api/v1/journal", "before", es.getFirst().id()) : null)
                        .put("newer", page.moreNewer() ? q.link("/api/v1/journal", "after", es.getLast().id()) : null);
            });
        });
        router.get("/api/v1/journal.csv").handler(rc -> {
            JournalQuery q = checked(rc, () -> JournalQuery.of(rc, MAX_CSV_ROWS, clocks.utc().instant()));
            if (q != null) {
                gate.stream(rc, ctx -> CsvStream.write(rc, ctx, journal, q));
            }
        });
        router.get("/api/v1/history/feeds").handler(rc -> {
            HistoryQuery q = checked(rc, () -> HistoryQuery.of(rc, site, MAX_HISTORY_PAGE, clocks.utc().instant()));
            if (q == null) {
                return;
            }
            gate.json(rc, () -> {
                Journal.HistoryPage page = journal.feedSecondsPage(q.feed(), q.from().getEpochSecond(),
                        q.to().getEpochSecond(), q.step(), q.limit(), q.after());
                JsonArray a = new JsonArray();
                for (FeedSecond s : page.rows()) {
                    a.add(new JsonObject().put("t", s.epochSecond()).put("feed", s.feedId()).put("avgW", Math.round(s.avgW()))
                            .put("avgA", Math.round(s.avgA() * 10) / 10.0).put("maxA", Math.round(s.maxA() * 10) / 10.0)
                            .put("limitA", s.limitA()).put("samples", s.samples()));
                }
                return new JsonObject().put("seconds", a).put("step", q.step()).put("limit", q.limit())
                        .put("next", page.next() == null ? null : q.link(page.next()));
            });
        });
        router.get("/api/v1/placement").handler(rc -> json(rc, 200, Placement.of(site, state.get()).toJson()));
        mountSchedulerExtender(router, new SchedulerExtender(site), state);
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
        router.get("/api/v1/campus").handler(rc -> json(rc, 200, campus == null ? new JsonObject().put("member", false)
                : campus.get()));
        operator.mountRoutes(router);
        router.get("/metrics").handler(rc -> rc.response()
                .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.get()));
        router.get("/").handler(rc -> rc.response().putHeader("content-type", "text/html; charset=utf-8").end(dashboard));
        for (String[] asset : VENDORED) {
            io.vertx.core.buffer.Buffer body = io.vertx.core.buffer.Buffer.buffer(resource("dashboard/vendor/" + asset[0]));
            router.get(VENDOR + asset[0]).handler(rc -> rc.response().putHeader("content-type", asset[1])
                    .putHeader("cache-control", "public, max-age=86400").end(body));
        }
        mountDisturbances(router, operator.disturbanceArchive(), gate);
        router.route().last().handler(rc -> json(rc, 404, new JsonObject().put("error", "not found")
                .put("path", rc.request().path())));
        io.vertx.core.http.HttpServerOptions o = new io.vertx.core.http.HttpServerOptions()
                .setIdleTimeout(limits.idleTimeoutS()).setIdleTimeoutUnit(java.util.concurrent.TimeUnit.SECONDS)
                .setMaxInitialLineLength(4096).setMaxHeaderSize(8192)
                // no h2c detection: it holds a new connection back from the guard until its first bytes
                .setHttp2ClearTextEnabled(false);
        if (tls != null) {
            o.setSsl(true).setKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions()
                    .setCertPath(tls.certificate().toString()).setKeyPath(tls.key().toString()));
        }
        try {
            HttpServer server = vertx.createHttpServer(o).connectionHandler(guard::opened).requestHandler(router);
            return new ApiServer(server.listen(port, host).await(), queries, guard);
        } catch (RuntimeException e) {
            queries.close();
            throw new IllegalStateException("cannot serve the API on " + (tls == null ? "http" : "https") + "://" + host
                    + ":" + port + ": " + e.getMessage(), e);
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

    /** {@code parse}'s value, or null once a bad parameter has been answered 400. */
    private static <T> T checked(RoutingContext rc, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (BadParameter b) {
            failure(rc, b);
            return null;
        }
    }

    /** The entry's data as JSON (an entry whose data is not a JSON object carries it as a string). */
    private static Object dataOf(JournalEntry e) {
        try {
            return new JsonObject(e.data());
        } catch (RuntimeException x) {
            return new JsonObject().put("text", e.data());
        }
    }

    static Instant instantParam(RoutingContext rc, String name, Instant dflt) {
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

    static long longParam(RoutingContext rc, String name, long dflt, long min, long max) {
        String v = rc.request().getParam(name);
        if (v == null) {
            return dflt;
        }
        try {
            long x = Long.parseLong(v);
            if (x < min || x > max) {
                throw new BadParameter(name, name + " must be " + min + ".." + max + ", got " + x
                        + (x > max ? " (at most " + max + " per request: follow the page links for more)" : ""));
            }
            return x;
        } catch (NumberFormatException e) {
            throw new BadParameter(name, name + " must be a whole number, got '" + v + "'");
        }
    }

    static void blocking(RoutingContext rc, Callable<JsonObject> work) {
        rc.vertx().executeBlocking(work, false).onComplete(r -> {
            if (r.succeeded()) {
                json(rc, 200, r.result());
            } else {
                failure(rc, r.cause());
            }
        });
    }

    static void failure(RoutingContext rc, Throwable t) {
        if (t instanceof NotFound nf) {
            json(rc, 404, new JsonObject().put("error", nf.getMessage()).put("parameter", nf.parameter));
        } else if (t instanceof BadParameter b) {
            json(rc, 400, new JsonObject().put("error", b.getMessage()).put("parameter", b.parameter));
        } else {
            json(rc, 500, new JsonObject().put("error", String.valueOf(t.getMessage())));
        }
    }

    public int port() {
        return server.actualPort();
    }

    /** Prefix of the Kubernetes scheduler extender's verbs ({@code filter}, {@code prioritize}): POSTs that only read. */
    static final String SCHEDULER = "/api/v1/scheduler/";

    private static void mountSchedulerExtender(Router router, SchedulerExtender extender, Supplier<SiteState> state) {
        router.post(SCHEDULER + "filter").handler(rc -> {
            JsonObject args = extenderArgs(rc);
            if (args == null) {
                return;
            }
            try {
                json(rc, 200, extender.filter(args, Placement.of(extender.site(), state.get())));
            } catch (IllegalArgumentException | ClassCastException e) {
                json(rc, 200, new JsonObject().put("error", "Headroom: " + e.getMessage()));
            }
        });
        router.post(SCHEDULER + "prioritize").handler(rc -> {
            JsonObject args = extenderArgs(rc);
            if (args == null) {
                return;
            }
            try {
                rc.response().setStatusCode(200).putHeader("content-type", "application/json")
                        .end(extender.prioritize(args, Placement.of(extender.site(), state.get())).encode());
            } catch (IllegalArgumentException | ClassCastException e) {
                json(rc, 400, new JsonObject().put("error", e.getMessage()));
            }
        });
    }

    /** The body as an ExtenderArgs object, or null after answering 400. */
    private static JsonObject extenderArgs(RoutingContext rc) {
        try {
            JsonObject o = rc.body() == null ? null : rc.body().asJsonObject();
            if (o != null) {
                return o;
            }
        } catch (RuntimeException e) {
            // answered below
        }
        json(rc, 400, new JsonObject().put("error", "the body must be an ExtenderArgs JSON object"));
        return null;
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
        queries.close();
    }
}
