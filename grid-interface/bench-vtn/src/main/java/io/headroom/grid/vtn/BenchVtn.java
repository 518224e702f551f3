package io.headroom.grid.vtn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.grid.openadr3.Json;
import io.headroom.grid.openadr3.Times;
import io.headroom.grid.openadr3.model.Problem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A bench VTN for OpenADR 3.1 (and the 3.0.1 resource paths): a real Vert.x HTTP(S) server with an OAuth2
 * client-credentials token endpoint, programs and events created from a file or over the API (BL role), and VENs,
 * resources, subscriptions and reports received from VENs (VEN role). Not a mock: it validates bodies (400 with a
 * problem), tokens (401: missing, unknown, expired) and roles (403), checks webhook reachability with an
 * {@code echo} challenge before it creates a subscription, and notifies subscribers of event and program changes.
 *
 * <p>Object privacy: a VEN client sees only the vens, resources, reports and subscriptions it created.
 * Bench-only: {@code GET /bench/state} (no token) shows everything it holds. Callback URLs may be plain HTTP (the
 * spec requires HTTPS; a bench on loopback does not).
 */
public final class BenchVtn implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BenchVtn.class);

    public enum Role { BL, VEN }

    private record Client(String secret, Role role) {
    }

    private record Token(String clientId, Role role, Instant expires) {
    }

    /**
     * Bench options: where to listen, how long tokens last, TLS (PEM files) or plain HTTP, the CA that signs HTTPS
     * callbacks (null: the JDK's trust), and quirks.
     */
    public record Options(String host, int port, Duration tokenLifetime, Path tlsCert, Path tlsKey, Path callbackCa, Quirks quirks) {
        public Options {
            quirks = quirks == null ? Quirks.NONE : quirks;
        }

        public Options(String host, int port, Duration tokenLifetime, Path tlsCert, Path tlsKey) {
            this(host, port, tokenLifetime, tlsCert, tlsKey, null, Quirks.NONE);
        }

        public static Options loopback() {
            return new Options("127.0.0.1", 0, Duration.ofHours(1), null, null);
        }

        public Options port(int p) {
            return new Options(host, p, tokenLifetime, tlsCert, tlsKey, callbackCa, quirks);
        }

        public Options tokenLifetime(Duration d) {
            return new Options(host, port, d, tlsCert, tlsKey, callbackCa, quirks);
        }

        public Options tls(Path cert, Path key) {
            return new Options(host, port, tokenLifetime, cert, key, callbackCa, quirks);
        }

        public Options callbackCa(Path ca) {
            return new Options(host, port, tokenLifetime, tlsCert, tlsKey, ca, quirks);
        }

        public Options quirks(Quirks q) {
            return new Options(host, port, tokenLifetime, tlsCert, tlsKey, callbackCa, q);
        }
    }

    /**
     * How the VTN of issue #24 (derived from the 3.x reference implementation) differs from the 3.1.0 document, each
     * separately: {@code scopeArray}: the token answer's {@code scope} is a JSON array (and carries an extra field);
     * {@code naiveTimestamps}: every date-time it writes is {@code 2026-12-07 14:43:04} (no T, no zone; UTC);
     * {@code snakeCaseStringNotifications}: notifications are posted as a JSON string holding a snake_case object;
     * {@code echoPath}: the reachability probe is {@code GET <callback>/echo?echo=X}.
     */
    public record Quirks(boolean scopeArray, boolean naiveTimestamps, boolean snakeCaseStringNotifications, boolean echoPath) {
        public static final Quirks NONE = new Quirks(false, false, false, false);
        public static final Quirks REFERENCE_DERIVED = new Quirks(true, true, true, true);
    }

    private static final List<String> TYPES = List.of("programs", "events", "reports", "subscriptions", "vens", "resources");

    private final Vertx vertx;
    private final boolean ownVertx;
    private final Clock clock;
    private final Options options;
    private final Map<String, Client> clients = new ConcurrentHashMap<>();
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final Map<String, Map<String, ObjectNode>> store = new LinkedHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger notificationsDelivered = new AtomicInteger();
    private final SecureRandom random = new SecureRandom();
    private final HttpClient callbacks;
    private HttpServer server;
    private int port;

    public BenchVtn(Vertx vertx, Clock clock, Options options) {
        this.ownVertx = vertx == null;
        this.vertx = vertx != null ? vertx : Vertx.vertx();
        this.clock = clock;
        this.options = options;
        this.port = options.port();
        TYPES.forEach(t -> store.put(t, new LinkedHashMap<>()));
        io.vertx.core.http.HttpClientOptions co = new io.vertx.core.http.HttpClientOptions();
        if (options.callbackCa() != null) {
            co.setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(options.callbackCa().toString())).setVerifyHost(true);
        }
        this.callbacks = this.vertx.createHttpClient(co);
    }

    public BenchVtn addClient(String clientId, String secret, Role role) {
        clients.put(clientId, new Client(secret, role));
        return this;
    }

    /** Listens (again, on the same port after {@link #stop}, with the same state); returns the port. */
    public synchronized int start() throws Exception {
        HttpServerOptions o = new HttpServerOptions().setHost(options.host()).setPort(port);
        if (options.tlsCert() != null) {
            o.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(options.tlsCert().toString())
                    .setKeyPath(options.tlsKey().toString()));
        }
        server = vertx.createHttpServer(o).requestHandler(router()).listen().toCompletionStage().toCompletableFuture().get();
        port = server.actualPort();
        log.info("bench VTN listening on {}", baseUrl());
        return port;
    }

    /**
     * Stops listening; the state stays (a VTN that is down for a while). The server closes outside the lock: a request
     * being handled on the event loop waits for that lock, and the close waits for the event loop.
     */
    public void stop() throws Exception {
        HttpServer s;
        synchronized (this) {
            s = server;
            server = null;
        }
        if (s != null) {
            s.close().toCompletionStage().toCompletableFuture().get();
            log.info("bench VTN stopped");
        }
    }

    @Override
    public void close() throws Exception {
        stop();
        callbacks.close().toCompletionStage().toCompletableFuture().get();
        if (ownVertx) {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    public String baseUrl() {
        return (options.tlsCert() != null ? "https" : "http") + "://" + options.host() + ":" + port;
    }

    public int notificationsDelivered() {
        return notificationsDelivered.get();
    }

    /** Makes every token issued so far expired (tests of token expiry without waiting). */
    public void expireTokens() {
        tokens.replaceAll((k, t) -> new Token(t.clientId(), t.role(), Instant.MIN));
    }

    // ---- programmatic BL API (bench files, tests) ----

    public synchronized ObjectNode createProgram(JsonNode body) {
        ObjectNode o = validated("programs", body.deepCopy(), Role.BL, "bench", true);
        return insert("programs", o, "PROGRAM", body.hasNonNull("id") ? body.get("id").asText() : null);
    }

    public synchronized ObjectNode createEvent(JsonNode body) {
        ObjectNode o = validated("events", body.deepCopy(), Role.BL, "bench", true);
        ObjectNode e = insert("events", o, "EVENT", body.hasNonNull("id") ? body.get("id").asText() : null);
        notifySubscribers("EVENT", "CREATE", e);
        return e;
    }

    public synchronized ObjectNode updateEvent(String id, JsonNode body) {
        ObjectNode o = validated("events", body.deepCopy(), Role.BL, "bench", false);
        ObjectNode e = replace("events", id, o);
        notifySubscribers("EVENT", "UPDATE", e);
        return e;
    }

    public synchronized boolean deleteEvent(String id) {
        ObjectNode e = store.get("events").remove(id);
        if (e != null) {
            notifySubscribers("EVENT", "DELETE", e);
        }
        return e != null;
    }

    public synchronized List<ObjectNode> all(String type) {
        return store.get(type).values().stream().map(ObjectNode::deepCopy).toList();
    }

    /**
     * Loads {@code {"programs": [...], "events": [...]}} (programRequest / eventRequest objects, optionally with
     * an "id"). Bench extension: an intervalPeriod start of {@code "now"} or {@code "now+PT5M"} is resolved at load.
     */
    public synchronized void loadScenario(Path file) throws IOException {
        JsonNode root = Json.MAPPER.readTree(Files.readString(file));
        for (JsonNode p : root.path("programs")) {
            createProgram(p);
        }
        for (JsonNode e : root.path("events")) {
            ObjectNode copy = e.deepCopy();
            resolveNow(copy.path("intervalPeriod"));
            for (JsonNode i : copy.path("intervals")) {
                resolveNow(i.path("intervalPeriod"));
            }
            createEvent(copy);
        }
    }

    private void resolveNow(JsonNode period) {
        if (period instanceof ObjectNode p && p.path("start").asText("").startsWith("now")) {
            String s = p.get("start").asText();
            Instant t = s.length() > 4 ? Times.plus(clock.instant(), s.substring(4)) : clock.instant();
            p.put("start", Times.format(t));
        }
    }

    // ---- HTTP ----

    private Router router() {
        Router r = Router.router(vertx);
        r.route().handler(BodyHandler.create().setBodyLimit(4 * 1024 * 1024));
        r.get("/auth/server").handler(ctx -> json(ctx, 200, Json.MAPPER.createObjectNode()
                .put("tokenURL", baseUrl() + "/auth/token")));
        r.post("/auth/token").handler(this::token);
        r.get("/bench/state").handler(ctx -> {
            ObjectNode s = Json.MAPPER.createObjectNode();
            synchronized (this) {
                TYPES.forEach(t -> s.set(t, Json.MAPPER.valueToTree(store.get(t).values())));
            }
            json(ctx, 200, s);
        });
        r.route().handler(this::authenticate);
        r.get("/notifiers").handler(ctx -> json(ctx, 200, Json.MAPPER.createObjectNode().put("WEBHOOK", true)));
        for (String t : TYPES) {
            r.get("/" + t).handler(ctx -> list(ctx, t));
            r.post("/" + t).handler(ctx -> create(ctx, t, null));
            r.get("/" + t + "/:id").handler(ctx -> get(ctx, t));
            r.put("/" + t + "/:id").handler(ctx -> update(ctx, t));
            r.delete("/" + t + "/:id").handler(ctx -> delete(ctx, t));
        }
        // OpenADR 3.0.1 resource paths
        r.get("/vens/:venID/resources").handler(ctx -> list(ctx, "resources"));
        r.post("/vens/:venID/resources").handler(ctx -> create(ctx, "resources", ctx.pathParam("venID")));
        return r;
    }

    /** Fault injection: the next {@code n} token requests are answered {@code status} (with Retry-After when given). */
    public void refuseTokens(int n, int status, String retryAfter) {
        tokenRefusals.set(n);
        tokenRefusalStatus = status;
        tokenRefusalRetryAfter = retryAfter;
    }

    /** When each token request arrived (the bench's clock), oldest first. */
    public List<Instant> tokenRequests() {
        return List.copyOf(tokenRequests);
    }

    private final AtomicInteger tokenRefusals = new AtomicInteger();
    private volatile int tokenRefusalStatus = 503;
    private volatile String tokenRefusalRetryAfter;
    private final List<Instant> tokenRequests = new java.util.concurrent.CopyOnWriteArrayList<>();

    private void token(RoutingContext ctx) {
        tokenRequests.add(clock.instant());
        if (tokenRefusals.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            if (tokenRefusalRetryAfter != null) {
                ctx.response().putHeader("Retry-After", tokenRefusalRetryAfter);
            }
            json(ctx, tokenRefusalStatus, Json.MAPPER.createObjectNode().put("error", "temporarily_unavailable"));
            return;
        }
        String grant = ctx.request().getFormAttribute("grant_type");
        String id = ctx.request().getFormAttribute("client_id");
        String secret = ctx.request().getFormAttribute("client_secret");
        String basic = ctx.request().getHeader("Authorization");
        if (basic != null && basic.startsWith("Basic ")) {
            String[] cs = new String(Base64.getDecoder().decode(basic.substring(6).trim()), StandardCharsets.UTF_8).split(":", 2);
            if (cs.length == 2) {
                id = cs[0];
                secret = cs[1];
            }
        }
        if (!"client_credentials".equals(grant)) {
            json(ctx, 400, Json.MAPPER.createObjectNode().put("error", grant == null ? "invalid_request" : "unsupported_grant_type")
                    .put("error_description", "grant_type must be client_credentials"));
            return;
        }
        Client c = id == null ? null : clients.get(id);
        if (c == null || !c.secret().equals(secret)) {
            log.warn("bench VTN: token refused for client {}", id);
            json(ctx, 401, Json.MAPPER.createObjectNode().put("error", "invalid_client").put("error_description", "unknown client or wrong secret"));
            return;
        }
        byte[] b = new byte[24];
        random.nextBytes(b);
        String t = HexFormat.of().formatHex(b);
        tokens.put(t, new Token(id, c.role(), clock.instant().plus(options.tokenLifetime())));
        ObjectNode answer = Json.MAPPER.createObjectNode().put("access_token", t).put("token_type", "Bearer")
                .put("expires_in", options.tokenLifetime().toSeconds());
        if (options.quirks().scopeArray()) {
            answer.putArray("scope").add("read_all").add(c.role() == Role.BL ? "write_events" : "write_reports").add("write_subscriptions").add("write_vens");
            answer.put("refresh_token", (String) null);
            answer.put("issued_at", naive(clock.instant()));
        }
        json(ctx, 200, answer);
    }

    private void authenticate(RoutingContext ctx) {
        String a = ctx.request().getHeader("Authorization");
        Token t = a != null && a.startsWith("Bearer ") ? tokens.get(a.substring(7).trim()) : null;
        if (t == null) {
            problem(ctx, 401, "Unauthorized", a == null ? "no bearer token" : "unknown token");
            return;
        }
        if (!clock.instant().isBefore(t.expires())) {
            problem(ctx, 401, "Unauthorized", "token expired");
            return;
        }
        ctx.put("token", t);
        ctx.next();
    }

    private static Token who(RoutingContext ctx) {
        return ctx.get("token");
    }

    private static final Map<String, String> OBJECT_TYPES = Map.of("programs", "PROGRAM", "events", "EVENT", "reports", "REPORT",
            "subscriptions", "SUBSCRIPTION", "vens", "VEN", "resources", "RESOURCE");

    private void list(RoutingContext ctx, String type) {
        Token t = who(ctx);
        int skip;
        int limit;
        try {
            skip = Integer.parseInt(ctx.request().params().get("skip") == null ? "0" : ctx.request().getParam("skip"));
            limit = Integer.parseInt(ctx.request().params().get("limit") == null ? "50" : ctx.request().getParam("limit"));
            if (skip < 0 || limit < 0 || limit > 50) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            problem(ctx, 400, "Bad Request", "skip ≥ 0 and 0 ≤ limit ≤ 50");
            return;
        }
        Map<String, String> filters = new LinkedHashMap<>();
        for (String f : List.of("programID", "eventID", "clientName", "venName", "venID", "resourceName")) {
            String v = ctx.request().getParam(f);
            if (v != null) {
                filters.put(f, v);
            }
        }
        String pathVen = ctx.pathParam("venID");
        if (pathVen != null) {
            filters.put("venID", pathVen);
        }
        Predicate<ObjectNode> visible = o -> visibleTo(t, type, o);
        List<ObjectNode> out;
        synchronized (this) {
            out = store.get(type).values().stream().filter(visible)
                    .filter(o -> filters.entrySet().stream().allMatch(f -> f.getValue().equals(o.path(f.getKey()).asText(null))))
                    .skip(skip).limit(limit).map(ObjectNode::deepCopy).toList();
        }
        json(ctx, 200, Json.MAPPER.valueToTree(out));
    }

    private static boolean visibleTo(Token t, String type, ObjectNode o) {
        if (t.role() == Role.BL || type.equals("programs") || type.equals("events")) {
            return true;
        }
        return t.clientId().equals(o.path("clientID").asText(null));
    }

    private void get(RoutingContext ctx, String type) {
        ObjectNode o;
        synchronized (this) {
            o = store.get(type).get(ctx.pathParam("id"));
        }
        if (o == null || !visibleTo(who(ctx), type, o)) {
            problem(ctx, 404, "Not Found", type + " " + ctx.pathParam("id"));
            return;
        }
        json(ctx, 200, o);
    }

    private JsonNode body(RoutingContext ctx) {
        try {
            JsonNode n = Json.MAPPER.readTree(ctx.body().asString());
            if (n == null || !n.isObject()) {
                throw new BadBody("body is not a JSON object");
            }
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BadBody("malformed JSON: " + e.getOriginalMessage());
        }
    }

    private static final class BadBody extends RuntimeException {
        private final int status;

        BadBody(String m) {
            this(400, m);
        }

        BadBody(int status, String m) {
            super(m);
            this.status = status;
        }
    }

    private void create(RoutingContext ctx, String type, String pathVen) {
        Token t = who(ctx);
        try {
            ObjectNode b = (ObjectNode) body(ctx);
            if (pathVen != null) {
                b.put("venID", pathVen);
            }
            if (type.equals("subscriptions")) {
                ObjectNode v;
                synchronized (this) {
                    v = validated(type, b, t.role(), t.clientId(), true);
                }
                checkReachable(v).onComplete(ar -> {
                    if (ar.failed()) {
                        problem(ctx, 400, "Bad Request", "callback not reachable: " + ar.cause().getMessage());
                        return;
                    }
                    ObjectNode s;
                    synchronized (this) {
                        s = insert(type, v, "SUBSCRIPTION", null);
                    }
                    log.info("bench VTN: subscription {} by {}", s.get("id").asText(), t.clientId());
                    json(ctx, 201, s);
                });
                return;
            }
            ObjectNode created;
            synchronized (this) {
                ObjectNode v = validated(type, b, t.role(), t.clientId(), true);
                created = insert(type, v, OBJECT_TYPES.get(type), null);
                if (type.equals("events")) {
                    notifySubscribers("EVENT", "CREATE", created);
                } else if (type.equals("programs")) {
                    notifySubscribers("PROGRAM", "CREATE", created);
                }
            }
            log.info("bench VTN: {} {} created by {}{}", OBJECT_TYPES.get(type), created.get("id").asText(), t.clientId(),
                    type.equals("reports") ? " (" + created.path("reportName").asText() + ")" : "");
            json(ctx, 201, created);
        } catch (BadBody e) {
            problem(ctx, e.status, e.status == 403 ? "Forbidden" : e.status == 409 ? "Conflict" : "Bad Request", e.getMessage());
        }
    }

    private void update(RoutingContext ctx, String type) {
        Token t = who(ctx);
        String id = ctx.pathParam("id");
        try {
            ObjectNode b = (ObjectNode) body(ctx);
            ObjectNode updated;
            synchronized (this) {
                ObjectNode old = store.get(type).get(id);
                if (old == null || !visibleTo(t, type, old)) {
                    problem(ctx, 404, "Not Found", type + " " + id);
                    return;
                }
                ObjectNode v = validated(type, b, t.role(), t.clientId(), false);
                updated = replace(type, id, v);
                if (type.equals("events")) {
                    notifySubscribers("EVENT", "UPDATE", updated);
                }
            }
            json(ctx, 200, updated);
        } catch (BadBody e) {
            problem(ctx, e.status, e.status == 403 ? "Forbidden" : "Bad Request", e.getMessage());
        }
    }

    private void delete(RoutingContext ctx, String type) {
        Token t = who(ctx);
        String id = ctx.pathParam("id");
        ObjectNode old;
        synchronized (this) {
            old = store.get(type).get(id);
            if (old == null || !visibleTo(t, type, old)) {
                problem(ctx, 404, "Not Found", type + " " + id);
                return;
            }
            if ((type.equals("programs") || type.equals("events")) && t.role() != Role.BL
                    || type.equals("reports") && t.role() != Role.VEN) {
                problem(ctx, 403, "Forbidden", "only " + (type.equals("reports") ? "VEN" : "BL") + " clients write " + type);
                return;
            }
            store.get(type).remove(id);
            if (type.equals("events")) {
                notifySubscribers("EVENT", "DELETE", old);
            }
        }
        json(ctx, 200, old);
    }

    // ---- validation (required fields of the 3.1.0 schemas; roles per the security scopes) ----

    private ObjectNode validated(String type, JsonNode b, Role role, String clientId, boolean creating) {
        ObjectNode o = (ObjectNode) b;
        for (String meta : List.of("id", "createdDateTime", "modificationDateTime")) {
            o.remove(meta);
        }
        switch (type) {
            case "programs" -> {
                requireRole(role, Role.BL, type);
                requireString(o, "programName");
                if (creating) {
                    unique(type, o);
                }
            }
            case "events" -> {
                requireRole(role, Role.BL, type);
                requireString(o, "programID");
                if (!store.get("programs").containsKey(o.get("programID").asText())) {
                    throw new BadBody("programID " + o.get("programID").asText() + " is not a program");
                }
                for (JsonNode i : o.path("intervals")) {
                    if (!i.path("id").isInt() || !i.path("payloads").isArray()) {
                        throw new BadBody("every interval needs an integer id and a payloads array");
                    }
                    for (JsonNode p : i.path("payloads")) {
                        if (!p.path("type").isTextual() || !p.path("values").isArray()) {
                            throw new BadBody("every payload needs a type and a values array");
                        }
                    }
                }
                if (o.has("intervals") && !o.get("intervals").isArray()) {
                    throw new BadBody("intervals must be an array");
                }
                checkTime(o.path("intervalPeriod"));
                o.path("intervals").forEach(i -> checkTime(i.path("intervalPeriod")));
            }
            case "reports" -> {
                requireRole(role, Role.VEN, type);
                requireString(o, "eventID");
                requireString(o, "clientName");
                if (!o.path("resources").isArray()) {
                    throw new BadBody("resources (array) is required");
                }
                for (JsonNode r : o.path("resources")) {
                    if (!r.path("resourceName").isTextual() || !r.path("intervals").isArray()) {
                        throw new BadBody("every resource needs a resourceName and an intervals array");
                    }
                }
                if (!store.get("events").containsKey(o.get("eventID").asText())) {
                    throw new BadBody("eventID " + o.get("eventID").asText() + " is not an event");
                }
                o.put("clientID", clientId);
            }
            case "subscriptions" -> {
                requireString(o, "clientName");
                if (!o.path("objectOperations").isArray() || o.get("objectOperations").isEmpty()) {
                    throw new BadBody("objectOperations (non-empty array) is required");
                }
                for (JsonNode op : o.get("objectOperations")) {
                    if (!op.path("objects").isArray() || !op.path("operations").isArray() || !op.path("callbackUrl").isTextual()) {
                        throw new BadBody("every objectOperation needs objects, operations and callbackUrl");
                    }
                }
                o.put("clientID", clientId);
            }
            case "vens" -> {
                requireString(o, "venName");
                String ot = o.path("objectType").asText("");
                if (role == Role.VEN) {
                    if (!ot.isEmpty() && !ot.equals("VEN_VEN_REQUEST") && !ot.equals("VEN")) {
                        throw new BadBody("a VEN client writes objectType VEN_VEN_REQUEST");
                    }
                    o.put("clientID", clientId);
                } else {
                    requireString(o, "clientID");
                }
                if (creating) {
                    unique(type, o);
                }
            }
            case "resources" -> {
                requireString(o, "resourceName");
                requireString(o, "venID");
                ObjectNode ven = store.get("vens").get(o.get("venID").asText());
                if (ven == null) {
                    throw new BadBody("venID " + o.get("venID").asText() + " is not a VEN");
                }
                if (role == Role.VEN) {
                    if (!clientId.equals(ven.path("clientID").asText())) {
                        throw new BadBody(403, "VEN " + ven.get("id").asText() + " is not this client's");
                    }
                    o.put("clientID", clientId);
                } else {
                    requireString(o, "clientID");
                }
            }
            default -> throw new IllegalStateException(type);
        }
        o.remove("objectType");
        return o;
    }

    private void unique(String type, ObjectNode o) {
        String field = switch (type) {
            case "programs" -> "programName";
            case "vens" -> "venName";
            default -> null;
        };
        if (field != null && store.get(type).values().stream().anyMatch(x -> x.path(field).asText().equals(o.path(field).asText()))) {
            throw new BadBody(409, field + " " + o.path(field).asText() + " exists");
        }
    }

    private static void requireRole(Role have, Role need, String type) {
        if (have != need && !(have == Role.BL && need == Role.BL)) {
            throw new BadBody(403, "only " + need + " clients write " + type);
        }
    }

    private static void requireString(ObjectNode o, String f) {
        if (!o.path(f).isTextual() || o.get(f).asText().isEmpty()) {
            throw new BadBody(f + " (non-empty string) is required");
        }
    }

    private void checkTime(JsonNode period) {
        if (period.isMissingNode() || period.isNull()) {
            return;
        }
        try {
            if (period.has("start")) {
                Times.parseDateTime(period.get("start").asText(), clock.instant());
            }
            if (period.has("duration")) {
                Times.plus(Instant.EPOCH, period.get("duration").asText());
            }
        } catch (IllegalArgumentException e) {
            throw new BadBody("intervalPeriod: " + e.getMessage());
        }
    }

    /** {@code 2026-12-07 14:43:04}: what the reference-derived VTN writes (no T, no zone, UTC). */
    static String naive(Instant t) {
        return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(java.time.ZoneOffset.UTC).format(t);
    }

    private String stamp(Instant t) {
        return options.quirks().naiveTimestamps() ? naive(t) : Times.format(t);
    }

    private ObjectNode insert(String type, ObjectNode o, String objectType, String wantedId) {
        String id = wantedId != null ? wantedId : type.substring(0, type.length() - 1) + "-" + ids.incrementAndGet();
        String now = stamp(clock.instant());
        if (options.quirks().naiveTimestamps()) {
            naiveStarts(o.path("intervalPeriod"));
            o.path("intervals").forEach(i -> naiveStarts(i.path("intervalPeriod")));
        }
        ObjectNode out = Json.MAPPER.createObjectNode().put("id", id).put("createdDateTime", now).put("modificationDateTime", now)
                .put("objectType", objectType);
        out.setAll(o);
        store.get(type).put(id, out);
        return out.deepCopy();
    }

    private void naiveStarts(JsonNode period) {
        if (period instanceof ObjectNode p && p.hasNonNull("start") && !Times.isNow(p.get("start").asText())) {
            p.put("start", naive(Times.parseDateTime(p.get("start").asText(), clock.instant())));
        }
    }

    private ObjectNode replace(String type, String id, ObjectNode o) {
        ObjectNode old = store.get(type).get(id);
        if (old == null) {
            throw new BadBody(404, type + " " + id + " not found");
        }
        ObjectNode out = Json.MAPPER.createObjectNode().put("id", id).put("createdDateTime", old.get("createdDateTime").asText())
                .put("modificationDateTime", stamp(clock.instant().isAfter(Times.parseDateTime(old.get("modificationDateTime").asText(), clock.instant()))
                        ? clock.instant() : Times.parseDateTime(old.get("modificationDateTime").asText(), clock.instant())
                                .plusMillis(options.quirks().naiveTimestamps() ? 1000 : 1)))
                .put("objectType", old.get("objectType").asText());
        if (old.has("clientID") && !o.has("clientID")) {
            out.put("clientID", old.get("clientID").asText());
        }
        out.setAll(o);
        if (options.quirks().naiveTimestamps()) {
            naiveStarts(out.path("intervalPeriod"));
            out.path("intervals").forEach(i -> naiveStarts(i.path("intervalPeriod")));
        }
        store.get(type).put(id, out);
        return out.deepCopy();
    }

    /** Bench API: a subscription the VTN forgets (an operator's cleanup, a VTN restore from backup). */
    public synchronized boolean deleteSubscription(String id) {
        return store.get("subscriptions").remove(id) != null;
    }

    // ---- webhooks ----

    private Future<Void> checkReachable(ObjectNode subscription) {
        Future<Void> all = Future.succeededFuture();
        for (JsonNode op : subscription.get("objectOperations")) {
            String url = op.get("callbackUrl").asText();
            byte[] b = new byte[12];
            random.nextBytes(b);
            String echo = HexFormat.of().formatHex(b);
            all = all.compose(v -> {
                RequestOptions ro;
                try {
                    String probe = options.quirks().echoPath() ? url + "/echo" : url;
                    ro = new RequestOptions().setAbsoluteURI(probe + (probe.contains("?") ? "&" : "?") + "echo=" + echo).setMethod(HttpMethod.GET)
                            .setTimeout(15_000); // the Definition: 10 to 30 s
                } catch (RuntimeException e) {
                    return Future.failedFuture(url + ": " + e.getMessage());
                }
                return callbacks.request(ro).compose(req -> req.send()).compose(resp -> resp.body().map(body -> {
                    if (resp.statusCode() != 200 || !echo.equals(body.toString().trim())) {
                        throw new IllegalStateException(url + " answered " + resp.statusCode() + " without the echo");
                    }
                    return null;
                }));
            });
        }
        return all;
    }

    private void notifySubscribers(String objectType, String op, ObjectNode object) {
        String legacy = switch (op) {
            case "CREATE" -> "POST";
            case "UPDATE" -> "PUT";
            default -> op;
        };
        for (ObjectNode s : store.get("subscriptions").values()) {
            String programId = s.path("programID").asText(null);
            if (programId != null && !programId.equals(object.path("programID").asText(programId))) {
                continue;
            }
            for (JsonNode oo : s.path("objectOperations")) {
                boolean objects = false;
                for (JsonNode x : oo.path("objects")) {
                    objects |= x.asText().equals(objectType);
                }
                boolean ops = false;
                for (JsonNode x : oo.path("operations")) {
                    ops |= x.asText().equals(op) || x.asText().equals(legacy);
                }
                if (!objects || !ops) {
                    continue;
                }
                ObjectNode n = Json.MAPPER.createObjectNode().put("objectType", objectType).put("operation", op);
                n.set("object", object.deepCopy());
                RequestOptions ro = new RequestOptions().setAbsoluteURI(oo.get("callbackUrl").asText()).setMethod(HttpMethod.POST)
                        .putHeader("Content-Type", "application/json").setTimeout(10_000);
                if (oo.hasNonNull("bearerToken")) {
                    ro.putHeader("Authorization", "Bearer " + oo.get("bearerToken").asText());
                }
                String target = oo.get("callbackUrl").asText();
                String wire = options.quirks().snakeCaseStringNotifications() ? Json.MAPPER.getNodeFactory().textNode(snake(n).toString()).toString()
                        : n.toString();
                callbacks.request(ro).compose(req -> req.send(Buffer.buffer(wire))).onComplete(ar -> {
                    if (ar.succeeded() && ar.result().statusCode() / 100 == 2) {
                        notificationsDelivered.incrementAndGet();
                    } else {
                        log.warn("bench VTN: notification {} {} to {} failed: {}", op, objectType, target,
                                ar.succeeded() ? ar.result().statusCode() : ar.cause().toString());
                    }
                });
            }
        }
    }

    /** snake_case keys, as the reference implementation's Python models name them ({@code programID} → {@code program_id}). */
    static JsonNode snake(JsonNode n) {
        if (n.isObject()) {
            ObjectNode out = Json.MAPPER.createObjectNode();
            n.fields().forEachRemaining(e -> out.set(e.getKey().replace("ID", "Id").replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT),
                    snake(e.getValue())));
            return out;
        }
        if (n.isArray()) {
            com.fasterxml.jackson.databind.node.ArrayNode out = Json.MAPPER.createArrayNode();
            n.forEach(x -> out.add(snake(x)));
            return out;
        }
        return n;
    }

    // ---- replies ----

    private static void json(RoutingContext ctx, int status, JsonNode body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toString());
    }

    private static void problem(RoutingContext ctx, int status, String title, String detail) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(Json.write(Problem.of(status, title, detail)));
    }

    /** For the bench's own display: the reports received, oldest first. */
    public List<JsonNode> reports() {
        return new ArrayList<>(all("reports"));
    }
}
