package io.headroom.appliance.api;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.control.ContingencyPlan;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.operator.ActiveAlarms;
import io.headroom.appliance.operator.ApiTokens;
import io.headroom.appliance.operator.OperatorControls;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.Rack;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;
import io.headroom.grid.Commitment;
import io.headroom.grid.CommitmentBook;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The operator's part of the API: bearer-token authentication for every route, the topology, caps, plans,
 * alarms, commitments and overrides as their own resources, and the writes (overrides with an expiry,
 * maintenance of a feed, acknowledgement of an alarm), each journaled with who and why before it is answered.
 * The OpenAPI document of the whole API is {@code /api/v1/openapi.json} (and {@code .yaml}).
 *
 * <p>Everything here runs on the event loop and only reads published state, or hands the write to
 * {@link OperatorControls}, whose journal append completes off the loop.
 */
public final class OperatorApi {

    /** Who may call what. */
    public record Access(ApiTokens tokens, boolean requireTokenForReads) {
        public static Access open() {
            return new Access(ApiTokens.none(), false);
        }
    }

    /** Asks for an on-demand disturbance record of a feed; true when a capture starts now. */
    @FunctionalInterface
    public interface DisturbanceRequest {
        boolean record(String feedId, String reason, String actor);
    }

    /** Where on-demand disturbance records are asked for (the appliance's recorders); null: none, 409. */
    private final DisturbanceRequest disturbances;

    static final String PRINCIPAL = "headroom.principal";
    /** The dashboard's session cookie: the token itself, HttpOnly, SameSite=Strict; honoured for reads only. */
    static final String COOKIE = "headroom_token";
    static final String SESSION = "/api/v1/session";
    private static final ApiTokens.Principal ANONYMOUS = new ApiTokens.Principal("anonymous", ApiTokens.Role.VIEWER);

    private final Site site;
    private final Supplier<SiteState> state;
    private final OperatorControls controls;
    private final CommitmentBook commitments;
    private final Access access;
    private final java.time.Clock utc;
    private final String openApiYaml;
    private final String openApiJson;
    private final DisturbanceArchive archive;

    public OperatorApi(Site site, Supplier<SiteState> state, OperatorControls controls, CommitmentBook commitments,
                       Access access) {
        this(site, state, controls, commitments, access, io.headroom.appliance.clock.Clocks.system().utc(), null, null);
    }

    /** @param archive the disturbance records served under {@code /api/v1/disturbances}; null: none */
    public OperatorApi(Site site, Supplier<SiteState> state, OperatorControls controls, CommitmentBook commitments,
                       Access access, DisturbanceArchive archive) {
        this(site, state, controls, commitments, access, io.headroom.appliance.clock.Clocks.system().utc(), null, archive);
    }

    public OperatorApi(Site site, Supplier<SiteState> state, OperatorControls controls, CommitmentBook commitments,
                       Access access, java.time.Clock utc, DisturbanceRequest disturbances) {
        this(site, state, controls, commitments, access, utc, disturbances, null);
    }

    /**
     * @param utc          the appliance's UTC clock (which commitments are active now)
     * @param disturbances where on-demand disturbance records are asked for (the appliance's recorders); null: none
     * @param archive      the disturbance records served under {@code /api/v1/disturbances}; null: none
     */
    public OperatorApi(Site site, Supplier<SiteState> state, OperatorControls controls, CommitmentBook commitments,
                       Access access, java.time.Clock utc, DisturbanceRequest disturbances, DisturbanceArchive archive) {
        this.utc = java.util.Objects.requireNonNull(utc, "utc");
        this.disturbances = disturbances;
        this.archive = archive;
        this.site = site;
        this.state = state;
        this.controls = controls;
        this.commitments = commitments;
        this.access = access == null ? Access.open() : access;
        this.openApiYaml = resource("openapi.yaml");
        Object doc = new org.yaml.snakeyaml.Yaml().load(openApiYaml);
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) doc;
        this.openApiJson = new JsonObject(map).encodePrettily();
    }

    /** The disturbance records this API serves, or null when the appliance keeps none. */
    DisturbanceArchive disturbanceArchive() {
        return archive;
    }

    /** The authentication handler, first on every route; then the body handler for writes. */
    void mountAuth(Router router) {
        router.route().handler(this::authenticate);
        router.route().method(HttpMethod.POST).method(HttpMethod.PUT).method(HttpMethod.DELETE)
                .handler(BodyHandler.create().setBodyLimit(16 * 1024));
    }

    void mountRoutes(Router router) {
        router.post(SESSION).handler(rc -> {
            JsonObject body;
            try {
                body = rc.body() == null || rc.body().asString() == null ? new JsonObject() : rc.body().asJsonObject();
            } catch (RuntimeException e) {
                ApiServer.json(rc, 400, new JsonObject().put("error", "the body must be a JSON object {\"token\": ...}")
                        .put("field", "token"));
                return;
            }
            Object t = body == null ? null : body.getValue("token");
            if (!(t instanceof String token) || token.isBlank()) {
                ApiServer.json(rc, 400, new JsonObject().put("error", "token is required").put("field", "token"));
                return;
            }
            Optional<ApiTokens.Principal> p = access.tokens().authenticate(token.strip());
            if (p.isEmpty()) {
                unauthorized(rc, "unknown token");
                return;
            }
            rc.response().addCookie(io.vertx.core.http.Cookie.cookie(COOKIE, token.strip()).setPath("/").setHttpOnly(true)
                    .setSameSite(io.vertx.core.http.CookieSameSite.STRICT).setSecure(rc.request().isSSL()));
            ApiServer.json(rc, 200, new JsonObject().put("name", p.get().name()).put("role", p.get().role().label()));
        });
        router.delete(SESSION).handler(rc -> {
            rc.response().addCookie(io.vertx.core.http.Cookie.cookie(COOKIE, "").setPath("/").setHttpOnly(true)
                    .setSameSite(io.vertx.core.http.CookieSameSite.STRICT).setMaxAge(0));
            ApiServer.json(rc, 200, new JsonObject().put("signedOut", true));
        });
        router.get("/api/v1/openapi.json").handler(rc -> rc.response()
                .putHeader("content-type", "application/json").end(openApiJson));
        router.get("/api/v1/openapi.yaml").handler(rc -> rc.response()
                .putHeader("content-type", "application/yaml; charset=utf-8").end(openApiYaml));
        router.get("/api/v1/topology").handler(rc -> ApiServer.json(rc, 200, topology()));
        router.get("/api/v1/caps").handler(rc -> ApiServer.json(rc, 200, caps(state.get())));
        router.get("/api/v1/plans").handler(rc -> ApiServer.json(rc, 200, plans(state.get())));
        router.get("/api/v1/alarms").handler(rc -> ApiServer.json(rc, 200, new JsonObject().put("alarms", alarms())));
        router.get("/api/v1/commitments").handler(rc -> ApiServer.json(rc, 200, commitments()));
        router.get("/api/v1/overrides").handler(rc -> {
            JsonArray a = new JsonArray();
            controls.overrides().forEach(o -> a.add(override(o)));
            ApiServer.json(rc, 200, new JsonObject().put("overrides", a));
        });
        router.post("/api/v1/overrides").handler(rc -> write(rc, body -> controls.setOverride(who(rc),
                        string(body, "node"), number(body, "capPerGpuW"), whole(body, "durationS"), string(body, "reason"))
                .thenApply(o -> new Reply(201, override(o)))));
        router.delete("/api/v1/overrides/:id").handler(rc -> write(rc, body -> controls.cancelOverride(who(rc),
                        rc.pathParam("id"), reasonOf(rc, body))
                .thenApply(o -> new Reply(200, new JsonObject().put("cancelled", override(o))))));
        router.put("/api/v1/feeds/:id/maintenance").handler(rc -> write(rc, body -> {
            String feed = rc.pathParam("id");
            return controls.setMaintenance(who(rc), feed, bool(body, "enabled"), string(body, "reason"))
                    .thenApply(m -> new Reply(200, new JsonObject().put("feed", feed)
                            .put("maintenance", m.map(OperatorApi::maintenance).orElse(null))));
        }));
        router.post("/api/v1/alarms/:id/ack").handler(rc -> write(rc, body -> controls.acknowledge(who(rc),
                        rc.pathParam("id"), string(body, "reason"))
                .thenApply(a -> new Reply(200, alarm(a)))));
        router.post("/api/v1/feeds/:id/disturbance-record").handler(rc -> write(rc, body -> {
            String feed = rc.pathParam("id");
            if (site.feed(feed).isEmpty()) {
                throw new OperatorControls.Refused(404, "feed", "no feed '" + feed + "' in site " + site.name());
            }
            String reason = string(body, "reason");
            if (reason == null || reason.isBlank()) {
                throw new OperatorControls.Refused(400, "reason", "reason is required: say why, in words; it is journaled with your name");
            }
            DisturbanceRequest d = disturbances;
            boolean accepted;
            try {
                if (d == null) {
                    throw new IllegalStateException("feed " + feed + " has no waveform stream with a disturbance recorder");
                }
                accepted = d.record(feed, reason.strip(), who(rc));
            } catch (IllegalStateException e) {
                throw new OperatorControls.Refused(409, "feed", e.getMessage());
            }
            return CompletableFuture.completedFuture(new Reply(202, new JsonObject().put("feed", feed)
                    .put("accepted", accepted).put("message", accepted
                            ? "capturing: the record is written once the post-trigger time is in"
                            : "a capture is in progress on this feed; it covers now")));
        }));
        // A known path with a method it does not take: 405 naming the ones it does.
        router.route("/api/v1/overrides").handler(rc -> methodNotAllowed(rc, "GET, POST"));
        router.route("/api/v1/feeds/:id/maintenance").handler(rc -> methodNotAllowed(rc, "PUT"));
        router.route("/api/v1/alarms/:id/ack").handler(rc -> methodNotAllowed(rc, "POST"));
    }

    private static void methodNotAllowed(RoutingContext rc, String allowed) {
        rc.response().putHeader("allow", allowed);
        ApiServer.json(rc, 405, new JsonObject().put("error", rc.request().method() + " is not allowed on "
                + rc.request().path() + "; use " + allowed));
    }

    private void authenticate(RoutingContext rc) {
        String path = rc.request().path();
        if (path.equals(SESSION)) {
            rc.next(); // signing in and out is what gives and takes the cookie
            return;
        }
        boolean write = rc.request().method() != HttpMethod.GET && rc.request().method() != HttpMethod.HEAD
                && !path.startsWith(ApiServer.SCHEDULER); // the scheduler extender's POSTs only read
        String header = rc.request().getHeader("authorization");
        ApiTokens.Principal p = null;
        io.vertx.core.http.Cookie cookie = rc.request().getCookie(COOKIE);
        if (header == null && cookie != null && !write) {
            // a browser's session; an unknown one (a token since removed) reads as no token at all
            p = access.tokens().authenticate(cookie.getValue()).orElse(null);
        }
        if (header != null) {
            if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                unauthorized(rc, "the Authorization header must be 'Bearer TOKEN'");
                return;
            }
            Optional<ApiTokens.Principal> found = access.tokens().authenticate(header.substring(7).strip());
            if (found.isEmpty()) {
                unauthorized(rc, "unknown token");
                return;
            }
            p = found.get();
        }
        boolean open = path.equals("/") || path.equals("/api/v1/health") || path.startsWith("/api/v1/openapi.")
                || path.startsWith(ApiServer.VENDOR); // the dashboard's own scripts and styles: no data in them
        if (p == null && (write || (access.requireTokenForReads() && !open))) {
            unauthorized(rc, write ? "this is a write: it needs an operator token (Authorization: Bearer TOKEN)"
                    : "this appliance asks a token for every read (Authorization: Bearer TOKEN)");
            return;
        }
        if (write && p != null && !p.mayWrite()) {
            ApiServer.json(rc, 403, new JsonObject().put("error", "token '" + p.name() + "' has the "
                    + p.role().label() + " role; " + rc.request().method() + " " + path + " needs the operator role"));
            return;
        }
        rc.put(PRINCIPAL, p == null ? ANONYMOUS : p);
        rc.next();
    }

    private static void unauthorized(RoutingContext rc, String why) {
        rc.response().putHeader("www-authenticate", "Bearer realm=\"headroom\"");
        ApiServer.json(rc, 401, new JsonObject().put("error", why));
    }

    private static String who(RoutingContext rc) {
        ApiTokens.Principal p = rc.get(PRINCIPAL);
        return p.name();
    }

    private record Reply(int status, JsonObject body) {
    }

    /**
     * The longest an operator's write waits for the journal: past the journal's own append deadline (which answers
     * 503 "nothing was recorded" first), so that only a commit in progress that hangs is a 504.
     */
    public static final java.time.Duration WRITE_WAIT = io.headroom.appliance.journal.Journal.APPEND_DEADLINE.plusSeconds(2);

    @FunctionalInterface
    private interface Write {
        CompletableFuture<Reply> apply(JsonObject body);
    }

    /** Parses the body, runs the write, answers once it is journaled; refusals answer with the field named. */
    private void write(RoutingContext rc, Write w) {
        JsonObject body;
        String text = rc.body() == null ? null : rc.body().asString();
        if (text == null || text.isBlank()) {
            body = new JsonObject();
        } else {
            try {
                Object parsed = io.vertx.core.json.Json.decodeValue(text);
                if (!(parsed instanceof JsonObject o)) {
                    ApiServer.json(rc, 400, new JsonObject().put("error", "the body must be a JSON object"));
                    return;
                }
                body = o;
            } catch (DecodeException e) {
                ApiServer.json(rc, 400, new JsonObject().put("error", "the body is not JSON: " + e.getMessage()));
                return;
            }
        }
        CompletableFuture<Reply> f;
        try {
            f = w.apply(body);
        } catch (OperatorControls.Refused r) {
            refuse(rc, r);
            return;
        }
        // The answer waits for the journal at most WRITE_WAIT: a hung writer is a 504 with the reason, never a request
        // left open. The write itself still takes effect if and when the journal commits it.
        CompletableFuture<Reply> bounded = f.copy().orTimeout(WRITE_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        Future.fromCompletionStage(bounded, rc.vertx().getOrCreateContext()).onComplete(ar -> {
            if (ar.succeeded()) {
                ApiServer.json(rc, ar.result().status(), ar.result().body());
            } else {
                Throwable t = ar.cause() instanceof java.util.concurrent.CompletionException ce && ce.getCause() != null
                        ? ce.getCause() : ar.cause();
                if (t instanceof OperatorControls.Refused r) {
                    refuse(rc, r);
                } else if (t instanceof java.util.concurrent.TimeoutException) {
                    ApiServer.json(rc, 504, new JsonObject().put("error", "the journal has not confirmed this write within "
                            + WRITE_WAIT.toSeconds() + " s (its writer is hung or busy); it takes effect only if and when "
                            + "the journal commits it: check the journal and the state before writing again"));
                } else {
                    ApiServer.json(rc, 503, new JsonObject().put("error", "not recorded, nothing changed: " + t.getMessage()));
                }
            }
        });
    }

    private static void refuse(RoutingContext rc, OperatorControls.Refused r) {
        JsonObject e = new JsonObject().put("error", r.getMessage());
        if (r.field() != null) {
            e.put("field", r.field());
        }
        ApiServer.json(rc, r.status(), e);
    }

    private static String string(JsonObject body, String field) {
        Object v = body.getValue(field);
        if (v != null && !(v instanceof String)) {
            throw new OperatorControls.Refused(400, field, field + " must be a string, got " + v);
        }
        return (String) v;
    }

    private static Double number(JsonObject body, String field) {
        Object v = body.getValue(field);
        if (v != null && !(v instanceof Number)) {
            throw new OperatorControls.Refused(400, field, field + " must be a number, got " + jsonText(v));
        }
        return v == null ? null : ((Number) v).doubleValue();
    }

    private static Long whole(JsonObject body, String field) {
        Object v = body.getValue(field);
        if (v != null && (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()))) {
            throw new OperatorControls.Refused(400, field, field + " must be a whole number, got " + jsonText(v));
        }
        return v == null ? null : ((Number) v).longValue();
    }

    private static Boolean bool(JsonObject body, String field) {
        Object v = body.getValue(field);
        if (v != null && !(v instanceof Boolean)) {
            throw new OperatorControls.Refused(400, field, field + " must be true or false, got " + jsonText(v));
        }
        return (Boolean) v;
    }

    private static String jsonText(Object v) {
        return v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
    }

    /** DELETE carries its reason as ?reason= (bodies on DELETE are often dropped by clients) or in a body. */
    private static String reasonOf(RoutingContext rc, JsonObject body) {
        String q = rc.request().getParam("reason");
        return q != null ? q : string(body, "reason");
    }

    // ---- representations -------------------------------------------------------------------------------------

    static JsonObject override(OperatorControls.Override o) {
        return new JsonObject().put("id", o.id()).put("node", o.nodeId()).put("capPerGpuW", o.capPerGpuW())
                .put("setBy", o.setBy()).put("reason", o.reason()).put("setAt", o.setAt().toString())
                .put("expiresAt", o.expiresAt().toString());
    }

    static JsonObject maintenance(OperatorControls.Maintenance m) {
        return new JsonObject().put("since", m.since().toString()).put("by", m.by()).put("reason", m.reason());
    }

    static JsonObject alarm(ActiveAlarms.Alarm a) {
        ActiveAlarms.Ack k = a.acknowledged();
        return new JsonObject().put("id", a.id()).put("subject", a.subject()).put("message", a.message())
                .put("raisedAt", a.raisedAt().toString())
                .put("acknowledged", k == null ? null
                        : new JsonObject().put("by", k.by()).put("at", k.at().toString()).put("reason", k.reason()));
    }

    JsonArray alarms() {
        JsonArray a = new JsonArray();
        controls.alarms().list().forEach(x -> a.add(alarm(x)));
        return a;
    }

    /** The operator's view of a feed and a node, for {@code /api/v1/site}. */
    JsonObject maintenanceOf(String feedId) {
        return controls.maintenanceOf(feedId).map(OperatorApi::maintenance).orElse(null);
    }

    JsonObject overrideOf(String nodeId) {
        return controls.overrideOf(nodeId).map(OperatorApi::override).orElse(null);
    }

    private JsonObject topology() {
        JsonArray feeds = new JsonArray();
        for (Feed f : site.feeds()) {
            feeds.add(new JsonObject().put("id", f.id()).put("group", site.groupOfFeed(f.id()).id())
                    .put("ratingA", f.ratingA()).put("limitA", f.limitA()).put("voltageV", f.voltageV())
                    .put("phases", f.phases()).put("meter", f.meterId()));
        }
        JsonArray groups = new JsonArray();
        for (RedundancyGroup g : site.groups()) {
            groups.add(new JsonObject().put("id", g.id()).put("feeds", new JsonArray(g.feedIds())));
        }
        JsonArray racks = new JsonArray();
        for (Rack r : site.racks()) {
            racks.add(new JsonObject().put("id", r.id()).put("group", r.groupId()).put("nodes",
                    new JsonArray(site.nodes().stream().filter(n -> n.rackId().equals(r.id())).map(Node::id).toList())));
        }
        JsonArray nodes = new JsonArray();
        for (Node n : site.nodes()) {
            nodes.add(new JsonObject().put("id", n.id()).put("rack", n.rackId()).put("group", n.groupId())
                    .put("priority", n.priority().label()).put("gpus", n.gpus()).put("gpuMinW", n.gpu().minW())
                    .put("gpuMaxW", n.gpu().maxW()).put("baseW", n.baseW()));
        }
        return new JsonObject().put("site", site.name()).put("frequencyHz", site.frequencyHz()).put("feeds", feeds)
                .put("groups", groups).put("racks", racks).put("nodes", nodes);
    }

    private JsonObject caps(SiteState s) {
        JsonArray nodes = new JsonArray();
        Map<Priority, double[]> byClass = new LinkedHashMap<>();
        for (Priority p : Priority.values()) {
            byClass.put(p, new double[5]); // nodes, cap W, power W, GPUs, GPUs with a cap
        }
        for (Node n : site.nodes()) {
            Double cap = s == null ? null : s.caps().get(n.id());
            NodeTelemetry t = s == null ? null : s.nodes().get(n.id());
            nodes.add(new JsonObject().put("node", n.id()).put("priority", n.priority().label()).put("gpus", n.gpus())
                    .put("capPerGpuW", cap == null ? null : round(cap))
                    .put("agentCapPerGpuW", t == null ? null : round(t.capPerGpuW()))
                    .put("gpuPowerW", t == null ? null : round(t.gpuPowerW()))
                    .put("override", overrideOf(n.id())));
            double[] c = byClass.get(n.priority());
            c[0]++;
            c[1] += cap == null ? 0 : cap * n.gpus();
            c[2] += t == null ? 0 : t.gpuPowerW();
            c[3] += n.gpus();
            c[4] += cap == null ? 0 : n.gpus();
        }
        JsonObject classes = new JsonObject();
        byClass.forEach((p, c) -> classes.put(p.label(), new JsonObject().put("nodes", (int) c[0])
                .put("capW", round(c[1])).put("powerW", round(c[2])).put("gpus", (int) c[3])
                .put("meanCapPerGpuW", c[4] == 0 ? null : round(c[1] / c[4]))));
        return new JsonObject().put("tick", s == null ? 0 : s.tick()).put("nodes", nodes).put("byClass", classes);
    }

    private JsonObject plans(SiteState s) {
        JsonArray groups = new JsonArray();
        if (s != null) {
            for (GroupDecision d : s.decisions()) {
                RedundancyGroup g = site.group(d.groupId()).orElseThrow();
                List<Node> nodes = site.nodesOf(g);
                JsonArray cs = new JsonArray();
                for (ContingencyPlan p : d.plans()) {
                    JsonObject caps = new JsonObject();
                    for (int i = 0; i < nodes.size() && i < p.capsPerGpuW().length; i++) {
                        caps.put(nodes.get(i).id(), round(p.capsPerGpuW()[i]));
                    }
                    cs.add(new JsonObject().put("lostFeed", p.lostFeedId()).put("survivors", new JsonArray(p.survivors()))
                            .put("survivorsAllowedW", round(p.survivorsAllowedW())).put("demandW", round(p.demandW()))
                            .put("shedW", round(p.shedW())).put("feasible", p.feasible()).put("capsPerGpuW", caps));
                }
                groups.add(new JsonObject().put("group", d.groupId()).put("epoch", d.planEpoch()).put("contingencies", cs));
            }
        }
        return new JsonObject().put("tick", s == null ? 0 : s.tick()).put("groups", groups);
    }

    private JsonObject commitments() {
        Instant now = utc.instant();
        JsonArray all = new JsonArray();
        JsonArray active = new JsonArray();
        for (Commitment c : commitments.all()) {
            JsonObject o = new JsonObject().put("id", c.id()).put("origin", c.origin())
                    .put("start", c.start().toString()).put("end", c.end().toString()).put("active", c.activeAt(now));
            switch (c) {
                case Commitment.ImportLimit l -> o.put("kind", "import-limit").put("limitW", l.limitW());
                case Commitment.ExportLimit l -> o.put("kind", "export-limit").put("limitW", l.limitW());
                case Commitment.Price p -> o.put("kind", "price").put("perKwh", p.perKwh()).put("currency", p.currency());
                case Commitment.SimpleLevel l -> o.put("kind", "simple-level").put("level", l.level());
            }
            all.add(o);
            if (c.activeAt(now)) {
                active.add(c.id());
            }
        }
        return new JsonObject().put("commitments", all).put("active", active);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static String resource(String name) {
        return ApiServer.resource("api/" + name);
    }
}
