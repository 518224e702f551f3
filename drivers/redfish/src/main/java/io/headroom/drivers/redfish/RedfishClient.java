package io.headroom.drivers.redfish;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.JksOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.PfxOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * An asynchronous client of one BMC's Redfish service that reads and sets a chassis' power limit, through the
 * chassis' {@code Controls} (a {@code Control} with {@code ControlType: Power}) where it has one, else through the
 * legacy {@code Power} resource ({@code PowerControl[].PowerLimit.LimitInWatts}).
 *
 * <p>Authentication is a Redfish session ({@code POST} to the service root's {@code Links.Sessions}, then
 * {@code X-Auth-Token}; a request answered 401 logs in again once and is retried, so an expired session is
 * renewed; the session is {@code DELETE}d on close), or HTTP basic where configured or where the service has no
 * session service. TLS is verified against a pinned CA, a trust store or the JDK's defaults, host name included;
 * trust-all only by {@link RedfishConfig.Trust.InsecureTrustAll}, logged. Every request has a timeout.
 *
 * <p>Threading: all state lives on one Vert.x context; the methods may be called from any thread and never block.
 * The returned futures complete on that context's event loop: dependent stages must not block.
 */
public final class RedfishClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedfishClient.class);
    static final String SERVICE_ROOT = "/redfish/v1";
    private static final String DEFAULT_SESSIONS = "/redfish/v1/SessionService/Sessions";
    private static final String DEFAULT_CHASSIS = "/redfish/v1/Chassis";

    private final RedfishConfig cfg;
    private final Vertx vertx;
    private final boolean ownsVertx;
    private final WebClient web;
    private final Context ctx;
    private final String host;
    private final int port;
    private final long timeoutMs;

    // confined to ctx
    private JsonObject root;
    private String sessionsPath = DEFAULT_SESSIONS;
    private String token;
    private String sessionUri;
    private boolean basic;
    private Future<Void> login;
    private int logins;
    private final Map<String, ChassisPower> discovered = new HashMap<>();
    private volatile boolean closed;

    private RedfishClient(Vertx vertx, boolean ownsVertx, RedfishConfig cfg) {
        this.cfg = cfg;
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        URI u = cfg.baseUri();
        this.host = u.getHost();
        this.port = u.getPort() > 0 ? u.getPort() : 443;
        this.timeoutMs = cfg.requestTimeout().toMillis();
        WebClientOptions o = new WebClientOptions()
                .setSsl(true)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, cfg.connectTimeout().toMillis()))
                .setSslHandshakeTimeout(cfg.connectTimeout().toMillis())
                .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS)
                .setUserAgent("headroom-redfish")
                .setVerifyHost(true);
        switch (cfg.trust()) {
            case RedfishConfig.Trust.PinnedCa p -> o.setTrustOptions(new PemTrustOptions().addCertPath(p.pemFile().toString()));
            case RedfishConfig.Trust.TrustStore t -> o.setTrustOptions(t.file().toString().toLowerCase(Locale.ROOT).endsWith(".jks")
                    ? new JksOptions().setPath(t.file().toString()).setPassword(t.password())
                    : new PfxOptions().setPath(t.file().toString()).setPassword(t.password()));
            case RedfishConfig.Trust.SystemDefault s -> {
            }
            case RedfishConfig.Trust.InsecureTrustAll i -> {
                o.setTrustAll(true).setVerifyHost(false);
                log.warn("Redfish {}: INSECURE: the BMC's certificate and host name are not verified (trust-all "
                        + "configured)", u);
            }
        }
        this.web = WebClient.create(vertx, o);
        this.ctx = vertx.getOrCreateContext();
    }

    /** A client with its own Vert.x instance (closed with the client). */
    public static RedfishClient create(RedfishConfig cfg) {
        return new RedfishClient(Vertx.vertx(), true, cfg);
    }

    /** A client on a shared Vert.x instance (left open on close). */
    public static RedfishClient create(Vertx vertx, RedfishConfig cfg) {
        return new RedfishClient(vertx, false, cfg);
    }

    public RedfishConfig config() {
        return cfg;
    }

    /** The {@code Id}s of the service's chassis. */
    public CompletableFuture<List<String>> chassisIds() {
        return onContext(() -> chassisCollection().compose(coll -> call(HttpMethod.GET, coll, null, null))
                .map(r -> {
                    List<String> ids = new ArrayList<>();
                    JsonArray members = r.body().getJsonArray("Members", new JsonArray());
                    for (int i = 0; i < members.size(); i++) {
                        String id = members.getJsonObject(i).getString("@odata.id", "");
                        ids.add(id.substring(id.lastIndexOf('/') + 1));
                    }
                    return ids;
                }));
    }

    /**
     * Which resource of chassis {@code chassisId} carries its power limit: a {@code Control} with
     * {@code ControlType: Power} (preferring {@code PhysicalContext: Chassis}) where the chassis links
     * {@code Controls}, else the legacy {@code Power} resource's first {@code PowerControl} member with a
     * {@code PowerLimit}. Cached per chassis.
     */
    public CompletableFuture<ChassisPower> discover(String chassisId) {
        return onContext(() -> discoverOnContext(chassisId));
    }

    /** The power limit of chassis {@code chassisId} in force now, with its range and the chassis' reading. */
    public CompletableFuture<PowerLimit> readLimit(String chassisId) {
        return onContext(() -> readCurrent(chassisId).map(Current::limit));
    }

    /**
     * Sets the power limit of chassis {@code chassisId} to {@code watts}, rounded down to a whole watt. Reads the
     * resource first: a limit outside its allowable range ({@code AllowableMin..AllowableMax}, or for the legacy
     * resource at most {@code PowerCapacityWatts}) fails with {@link RedfishRangeException} and nothing is sent.
     * The PATCH carries {@code If-Match} with the ETag read where the service gives one; a 412 (changed meanwhile)
     * re-reads and retries once. A {@code Control} in {@code ControlMode: Disabled} is set to {@code Automatic},
     * since a limit that is not enforced is no limit. Completes with the limit as read back.
     */
    public CompletableFuture<PowerLimit> setLimit(String chassisId, double watts) {
        return onContext(() -> setOnContext(chassisId, Math.floor(watts), true));
    }

    /** How many sessions this client has created (for diagnostics and tests). */
    public CompletableFuture<Integer> sessionsCreated() {
        return onContext(() -> Future.succeededFuture(logins));
    }

    // ---------------------------------------------------------------------------------------------------------

    private record Resp(int status, MultiMap headers, JsonObject body) {
        String etag() {
            String e = headers.get("ETag");
            return e != null ? e : body == null ? null : body.getString("@odata.etag");
        }
    }

    private record Current(PowerLimit limit, JsonObject body) {
    }

    private <T> CompletableFuture<T> onContext(Supplier<Future<T>> op) {
        CompletableFuture<T> cf = new CompletableFuture<>();
        if (closed) {
            cf.completeExceptionally(new IllegalStateException("Redfish client for " + cfg.baseUri() + " is closed"));
            return cf;
        }
        ctx.runOnContext(v -> {
            Future<T> f;
            try {
                f = op.get();
            } catch (RuntimeException e) {
                f = Future.failedFuture(e);
            }
            f.onComplete(ar -> {
                if (ar.succeeded()) {
                    cf.complete(ar.result());
                } else {
                    cf.completeExceptionally(ar.cause());
                }
            });
        });
        return cf;
    }

    private Future<JsonObject> serviceRoot() {
        if (root != null) {
            return Future.succeededFuture(root);
        }
        return send(HttpMethod.GET, SERVICE_ROOT, null, null, false, false).map(r -> {
            root = r.body();
            String s = odataId(root.getJsonObject("Links"), "Sessions");
            if (s != null) {
                sessionsPath = s;
            }
            return root;
        });
    }

    private Future<String> chassisCollection() {
        return serviceRoot().map(r -> {
            String c = odataId(r, "Chassis");
            return c != null ? c : DEFAULT_CHASSIS;
        });
    }

    private Future<ChassisPower> discoverOnContext(String chassisId) {
        ChassisPower known = discovered.get(chassisId);
        if (known != null) {
            return Future.succeededFuture(known);
        }
        return chassisCollection()
                .compose(coll -> call(HttpMethod.GET, coll + "/" + chassisId, null, null))
                .compose(ch -> {
                    String chassisPath = ch.body().getString("@odata.id", "Chassis/" + chassisId);
                    String controls = odataId(ch.body(), "Controls");
                    String power = odataId(ch.body(), "Power");
                    String subsystem = odataId(ch.body(), "PowerSubsystem");
                    Future<Double> capacity = subsystem == null ? Future.succeededFuture(Double.NaN)
                            : call(HttpMethod.GET, subsystem, null, null).map(r -> num(r.body(), "CapacityWatts"));
                    Future<String> control = controls == null ? Future.succeededFuture(null) : powerControl(controls);
                    return Future.all(capacity, control).compose(cf -> {
                        String c = control.result();
                        if (c != null) {
                            return Future.succeededFuture(new ChassisPower(chassisId, ChassisPower.Kind.CONTROL, c,
                                    -1, subsystem, capacity.result()));
                        }
                        if (power == null) {
                            return Future.failedFuture(new RedfishException("GET", chassisPath, 0, List.of(),
                                    "chassis offers no power limit (no Controls with ControlType Power, no Power "
                                            + "resource)", null));
                        }
                        return call(HttpMethod.GET, power, null, null).compose(p -> {
                            JsonArray pcs = p.body().getJsonArray("PowerControl", new JsonArray());
                            for (int i = 0; i < pcs.size(); i++) {
                                if (pcs.getJsonObject(i).containsKey("PowerLimit")) {
                                    return Future.succeededFuture(new ChassisPower(chassisId,
                                            ChassisPower.Kind.LEGACY_POWER, power, i, subsystem, capacity.result()));
                                }
                            }
                            return Future.failedFuture(new RedfishException("GET", power, 0, List.of(),
                                    "no PowerControl member has a PowerLimit", null));
                        });
                    });
                })
                .onSuccess(cp -> {
                    discovered.put(chassisId, cp);
                    log.debug("Redfish {}: chassis {} power limit through {} {}", cfg.baseUri(), chassisId, cp.kind(),
                            cp.limitResource());
                });
    }

    /** The path of the controls collection's member with ControlType Power (PhysicalContext Chassis first), or null. */
    private Future<String> powerControl(String collection) {
        return call(HttpMethod.GET, collection, null, null).compose(coll -> {
            JsonArray members = coll.body().getJsonArray("Members", new JsonArray());
            List<Future<Resp>> gets = new ArrayList<>();
            for (int i = 0; i < members.size(); i++) {
                String id = members.getJsonObject(i).getString("@odata.id");
                if (id != null) {
                    gets.add(call(HttpMethod.GET, id, null, null));
                }
            }
            return Future.all(gets).map(all -> {
                String any = null;
                for (Future<Resp> g : gets) {
                    JsonObject c = g.result().body();
                    if (!"Power".equals(c.getString("ControlType"))) {
                        continue;
                    }
                    if ("Chassis".equals(c.getString("PhysicalContext"))) {
                        return c.getString("@odata.id");
                    }
                    if (any == null) {
                        any = c.getString("@odata.id");
                    }
                }
                return any;
            });
        });
    }

    private Future<Current> readCurrent(String chassisId) {
        return discoverOnContext(chassisId).compose(cp -> call(HttpMethod.GET, cp.limitResource(), null, null)
                .compose(r -> {
                    try {
                        return Future.succeededFuture(new Current(parse(cp, r.body(), r.etag()), r.body()));
                    } catch (RuntimeException e) {
                        return Future.failedFuture(new RedfishException("GET", cp.limitResource(), r.status(),
                                List.of(), "unexpected resource shape: " + e.getMessage(), e));
                    }
                }));
    }

    private static PowerLimit parse(ChassisPower cp, JsonObject b, String etag) {
        if (cp.kind() == ChassisPower.Kind.CONTROL) {
            double limit = "Disabled".equals(b.getString("ControlMode")) ? Double.NaN : num(b, "SetPoint");
            JsonObject sensor = b.getJsonObject("Sensor");
            return new PowerLimit(cp.chassisId(), cp.kind(), cp.limitResource(), limit, num(b, "AllowableMin"),
                    num(b, "AllowableMax"), sensor == null ? Double.NaN : num(sensor, "Reading"), etag);
        }
        JsonArray pcs = b.getJsonArray("PowerControl");
        if (pcs == null || cp.powerControlIndex() >= pcs.size()) {
            throw new IllegalStateException("no PowerControl[" + cp.powerControlIndex() + "]");
        }
        JsonObject pc = pcs.getJsonObject(cp.powerControlIndex());
        JsonObject pl = pc.getJsonObject("PowerLimit", new JsonObject());
        return new PowerLimit(cp.chassisId(), cp.kind(), cp.limitResource(), num(pl, "LimitInWatts"), Double.NaN,
                num(pc, "PowerCapacityWatts"), num(pc, "PowerConsumedWatts"), etag);
    }

    private Future<PowerLimit> setOnContext(String chassisId, double watts, boolean mayRetry) {
        return readCurrent(chassisId).compose(cur -> {
            PowerLimit pl = cur.limit();
            String property = pl.kind() == ChassisPower.Kind.CONTROL ? "SetPoint" : "PowerControl["
                    + discovered.get(chassisId).powerControlIndex() + "].PowerLimit.LimitInWatts";
            if (!(watts > 0) || Double.isInfinite(watts) || (!Double.isNaN(pl.minW()) && watts < pl.minW())
                    || (!Double.isNaN(pl.maxW()) && watts > pl.maxW())) {
                return Future.failedFuture(new RedfishRangeException(pl.resource(), property, watts, pl.minW(),
                        pl.maxW()));
            }
            long w = (long) watts;
            JsonObject body;
            if (pl.kind() == ChassisPower.Kind.CONTROL) {
                body = new JsonObject().put("SetPoint", w);
                if ("Disabled".equals(cur.body().getString("ControlMode"))) {
                    body.put("ControlMode", "Automatic");
                }
            } else {
                JsonArray arr = new JsonArray();
                int idx = discovered.get(chassisId).powerControlIndex();
                for (int i = 0; i < idx; i++) {
                    arr.add(new JsonObject()); // an empty object leaves that member unchanged
                }
                arr.add(new JsonObject().put("PowerLimit", new JsonObject().put("LimitInWatts", w)));
                body = new JsonObject().put("PowerControl", arr);
            }
            return call(HttpMethod.PATCH, pl.resource(), body, pl.etag()).transform(ar -> {
                if (ar.failed()) {
                    if (mayRetry && ar.cause() instanceof RedfishException re && re.status() == 412) {
                        log.info("Redfish {}: {} changed since it was read (412); reading it again", cfg.baseUri(),
                                pl.resource());
                        return setOnContext(chassisId, watts, false);
                    }
                    return Future.failedFuture(ar.cause());
                }
                Resp r = ar.result();
                ChassisPower cp = discovered.get(chassisId);
                if (r.status() == 200 && r.body() != null && (r.body().containsKey("SetPoint")
                        || r.body().containsKey("PowerControl"))) {
                    return Future.succeededFuture(parse(cp, r.body(), r.etag()));
                }
                return readCurrent(chassisId).map(Current::limit);
            });
        });
    }

    // ---------------------------------------------------------------------------------------------------------
    // transport

    /** An authenticated request. */
    private Future<Resp> call(HttpMethod m, String path, JsonObject body, String ifMatch) {
        return authenticate().compose(v -> send(m, path, body, ifMatch, true, true));
    }

    private Future<Void> authenticate() {
        if (cfg.auth() == RedfishConfig.Auth.BASIC) {
            basic = true;
        }
        if (basic || token != null) {
            return Future.succeededFuture();
        }
        if (login != null) {
            return login; // one login at a time; concurrent requests wait for it
        }
        Future<Void> f = serviceRoot().transform(ar -> createSession());
        login = f;
        f.onComplete(ar -> login = null);
        return f;
    }

    private Future<Void> createSession() {
        JsonObject creds = new JsonObject().put("UserName", cfg.username()).put("Password", cfg.password());
        return request(HttpMethod.POST, sessionsPath, creds, null, false).compose(r -> {
            int s = r.statusCode();
            if (s == 200 || s == 201) {
                String t = r.getHeader("X-Auth-Token");
                if (t == null || t.isEmpty()) {
                    return Future.failedFuture(new RedfishException("POST", sessionsPath, s, List.of(),
                            "session created without an X-Auth-Token", null));
                }
                token = t;
                logins++;
                String loc = r.getHeader("Location");
                JsonObject b = json(r);
                sessionUri = loc != null ? URI.create(loc).getPath() : b == null ? null : b.getString("@odata.id");
                log.debug("Redfish {}: session {} created for {}", cfg.baseUri(), sessionUri, cfg.username());
                return Future.succeededFuture();
            }
            if (s == 401 || s == 403) {
                return Future.failedFuture(new RedfishAuthException("POST", sessionsPath, s, messages(r),
                        "credentials of user '" + cfg.username() + "' refused"));
            }
            if (s == 404 || s == 405 || s == 501) {
                log.info("Redfish {}: no session service (HTTP {} from {}); using basic authentication",
                        cfg.baseUri(), s, sessionsPath);
                basic = true;
                return Future.succeededFuture();
            }
            return Future.failedFuture(httpError("POST", sessionsPath, r));
        }, err -> Future.failedFuture(transportError("POST", sessionsPath, err)));
    }

    private Future<HttpResponse<Buffer>> request(HttpMethod m, String path, JsonObject body, String ifMatch,
                                                 boolean withAuth) {
        HttpRequest<Buffer> req = web.request(m, port, host, path)
                .timeout(timeoutMs)
                .putHeader("Accept", "application/json")
                .putHeader("OData-Version", "4.0");
        if (withAuth) {
            if (token != null) {
                req.putHeader("X-Auth-Token", token);
            } else if (basic) {
                req.basicAuthentication(cfg.username(), cfg.password());
            }
        }
        if (ifMatch != null) {
            req.putHeader("If-Match", ifMatch);
        }
        return body == null ? req.send() : req.sendJsonObject(body);
    }

    private Future<Resp> send(HttpMethod m, String path, JsonObject body, String ifMatch, boolean withAuth,
                              boolean mayRelogin) {
        String usedToken = withAuth ? token : null;
        return request(m, path, body, ifMatch, withAuth).compose(r -> {
            int s = r.statusCode();
            if (s == 401 && usedToken != null && mayRelogin) {
                log.info("Redfish {}: session refused on {} {} (expired?); logging in again", cfg.baseUri(), m, path);
                if (usedToken.equals(token)) {
                    token = null;
                    sessionUri = null;
                }
                return authenticate().compose(v -> send(m, path, body, ifMatch, true, false));
            }
            if (s == 401) {
                return Future.failedFuture(new RedfishAuthException(m.name(), path, s, messages(r),
                        (basic ? "basic authentication" : "session") + " of user '" + cfg.username() + "' refused"));
            }
            if (s >= 300) {
                return Future.failedFuture(httpError(m.name(), path, r));
            }
            JsonObject b;
            try {
                b = json(r);
            } catch (RuntimeException e) {
                return Future.failedFuture(new RedfishException(m.name(), path, s, List.of(), "answer is not JSON", e));
            }
            return Future.succeededFuture(new Resp(s, r.headers(), b == null ? new JsonObject() : b));
        }, err -> Future.failedFuture(transportError(m.name(), path, err)));
    }

    private static JsonObject json(HttpResponse<Buffer> r) {
        Buffer b = r.body();
        if (b == null || b.length() == 0) {
            return null;
        }
        return new JsonObject(b);
    }

    private RedfishException transportError(String m, String path, Throwable err) {
        if (err instanceof RedfishException re) {
            return re;
        }
        for (Throwable t = err; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException) {
                return new RedfishTimeoutException(m, path, "no answer within " + timeoutMs + " ms from "
                        + cfg.baseUri(), err);
            }
            if (t.getClass().getSimpleName().equals("ConnectTimeoutException")) {
                return new RedfishTimeoutException(m, path, "no connection within "
                        + cfg.connectTimeout().toMillis() + " ms to " + cfg.baseUri(), err);
            }
            if (t instanceof SSLException) {
                return new RedfishException(m, path, 0, List.of(), "TLS with " + cfg.baseUri() + " failed: "
                        + t.getMessage(), err);
            }
        }
        return new RedfishException(m, path, 0, List.of(), "no answer from " + cfg.baseUri() + ": "
                + err.getClass().getSimpleName() + ": " + err.getMessage(), err);
    }

    private static RedfishException httpError(String m, String path, HttpResponse<Buffer> r) {
        return new RedfishException(m, path, r.statusCode(), messages(r), r.statusMessage(), null);
    }

    /** {@code error.@Message.ExtendedInfo[].Message} (with MessageId), else {@code error.message}, else the text. */
    static List<String> messages(HttpResponse<Buffer> r) {
        List<String> out = new ArrayList<>();
        JsonObject b;
        try {
            b = json(r);
        } catch (RuntimeException e) {
            String text = r.bodyAsString();
            if (text != null && !text.isBlank()) {
                out.add(text.length() > 200 ? text.substring(0, 200) + "…" : text.strip());
            }
            return out;
        }
        if (b == null) {
            return out;
        }
        JsonObject err = b.getJsonObject("error");
        JsonArray info = err != null ? err.getJsonArray("@Message.ExtendedInfo") : b.getJsonArray("@Message.ExtendedInfo");
        if (info != null) {
            for (int i = 0; i < info.size(); i++) {
                Object o = info.getValue(i);
                if (o instanceof JsonObject mo && mo.getString("Message") != null) {
                    String id = mo.getString("MessageId");
                    out.add(mo.getString("Message") + (id == null ? "" : " (" + id + ")"));
                }
            }
        }
        if (out.isEmpty() && err != null && err.getString("message") != null) {
            out.add(err.getString("message") + (err.getString("code") == null ? "" : " (" + err.getString("code") + ")"));
        }
        return out;
    }

    static String odataId(JsonObject o, String key) {
        if (o == null) {
            return null;
        }
        JsonObject link = o.getJsonObject(key);
        return link == null ? null : link.getString("@odata.id");
    }

    static double num(JsonObject o, String key) {
        Object v = o.getValue(key);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Deletes the session (if any). The client accepts no new requests afterwards. */
    public CompletableFuture<Void> closeAsync() {
        CompletableFuture<Void> cf = new CompletableFuture<>();
        if (closed) {
            cf.complete(null);
            return cf;
        }
        closed = true;
        ctx.runOnContext(v -> {
            if (token == null || sessionUri == null) {
                cf.complete(null);
                return;
            }
            String path = sessionUri;
            send(HttpMethod.DELETE, path, null, null, true, false).onComplete(ar -> {
                if (ar.failed()) {
                    log.warn("Redfish {}: session {} not deleted: {}", cfg.baseUri(), path, ar.cause().getMessage());
                } else {
                    log.debug("Redfish {}: session {} deleted", cfg.baseUri(), path);
                }
                token = null;
                sessionUri = null;
                cf.complete(null);
            });
        });
        return cf;
    }

    /**
     * Deletes the session and releases the client. Off an event loop it waits (at most the request timeout) for the
     * DELETE; on an event loop it does not wait.
     */
    @Override
    public void close() {
        CompletableFuture<Void> done = closeAsync().handle((v, e) -> {
            web.close();
            if (ownsVertx) {
                vertx.close();
            }
            return null;
        });
        if (!Context.isOnEventLoopThread()) {
            try {
                done.get(timeoutMs + 1_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                log.warn("Redfish {}: close did not finish: {}", cfg.baseUri(), e.toString());
            }
        }
    }
}
