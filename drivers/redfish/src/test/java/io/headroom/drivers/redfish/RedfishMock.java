package io.headroom.drivers.redfish;

import io.headroom.testsupport.TestPki;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small Redfish service (HTTPS on 127.0.0.1, ephemeral port) with the DMTF resource shapes a power-limiting
 * client needs: the service root, the session service ({@code POST} creates a session with {@code X-Auth-Token}
 * and {@code Location}, {@code DELETE} ends it), and two chassis:
 * <ul>
 * <li>{@code 1}: {@code Controls} (a {@code Control.v1_5_0} with {@code ControlType: Power}, {@code SetPoint},
 * {@code AllowableMin/Max}, {@code Sensor.Reading}, and a temperature control beside it), {@code PowerSubsystem}
 * ({@code CapacityWatts}, {@code Allocation}) and the legacy {@code Power} ({@code PowerControl[0].PowerLimit},
 * {@code PowerCapacityWatts}, {@code PowerConsumedWatts}), both views of one limit;</li>
 * <li>{@code 2}: the legacy {@code Power} only, with no {@code PowerCapacityWatts}, so the client cannot know the
 * range that the service enforces.</li>
 * </ul>
 * Every resource but the service root and session creation needs a valid session token or basic credentials; a
 * PATCH out of range is answered 400 with {@code @Message.ExtendedInfo} ({@code Base.1.18.PropertyValueOutOfRange}),
 * a stale {@code If-Match} 412. The reading is min(demand, limit). Test hooks: expire sessions, stall a path
 * (never answer), refuse the next If-Match, turn the session service off.
 */
public final class RedfishMock implements AutoCloseable {

    public static final String USER = "headroom";
    public static final String PASSWORD = "not-a-real-secret";
    public static final String SESSIONS = "/redfish/v1/SessionService/Sessions";

    /** One chassis' power state. */
    public static final class Chassis {
        public final String id;
        public final boolean controls;
        public final double minW;
        public final double maxW;
        /** null: capping disabled. */
        public volatile Double limitW;
        public volatile double demandW;
        public volatile String controlMode = "Automatic";
        final AtomicInteger etag = new AtomicInteger(1);

        Chassis(String id, boolean controls, double minW, double maxW, Double limitW, double demandW) {
            this.id = id;
            this.controls = controls;
            this.minW = minW;
            this.maxW = maxW;
            this.limitW = limitW;
            this.demandW = demandW;
        }

        public double readingW() {
            Double l = limitW;
            return l == null || "Disabled".equals(controlMode) ? demandW : Math.min(demandW, l);
        }

        public String etag() {
            return "W/\"" + etag.get() + "\"";
        }
    }

    public final Map<String, Chassis> chassis = new ConcurrentHashMap<>();
    public final Map<String, String> sessions = new ConcurrentHashMap<>(); // token -> session id
    public final AtomicInteger sessionsCreated = new AtomicInteger();
    public final AtomicInteger sessionsDeleted = new AtomicInteger();
    public final AtomicInteger patches = new AtomicInteger();
    public final AtomicInteger basicAuthenticated = new AtomicInteger();
    public final List<String> requests = new CopyOnWriteArrayList<>();
    public final List<String> ifMatchSeen = new CopyOnWriteArrayList<>();
    public final Set<String> stalled = ConcurrentHashMap.newKeySet();
    public volatile boolean sessionsSupported = true;
    public volatile boolean failNextIfMatch;

    private final HttpServer server;

    private RedfishMock(HttpServer server) {
        this.server = server;
        chassis.put("1", new Chassis("1", true, 500, 3000, 2400.0, 1900));
        chassis.put("2", new Chassis("2", false, 400, 2000, 1800.0, 900));
    }

    /** Starts a mock with the server certificate {@code tls}. Call from a test thread (it waits for the bind). */
    public static RedfishMock start(Vertx vertx, TestPki.Server tls) throws Exception {
        HttpServer s = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0).setSsl(true)
                .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.certChainPem().toString())
                        .setKeyPath(tls.keyPem().toString())));
        RedfishMock m = new RedfishMock(s);
        s.requestHandler(m::handle);
        s.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return m;
    }

    public int port() {
        return server.actualPort();
    }

    public URI uri() {
        return URI.create("https://127.0.0.1:" + port());
    }

    /** Ends every session, as a BMC does when they time out. */
    public void expireSessions() {
        sessions.clear();
    }

    public long patchesTo(String path) {
        return requests.stream().filter(r -> r.equals("PATCH " + path)).count();
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    // ---------------------------------------------------------------------------------------------------------

    private void handle(HttpServerRequest req) {
        req.body().onSuccess(b -> {
            try {
                handle(req, b);
            } catch (RuntimeException e) {
                send(req, 500, error("InternalError", "The request failed due to an internal service error: " + e,
                        "Resubmit the request."));
            }
        });
    }

    private void handle(HttpServerRequest req, Buffer body) {
        String path = req.path();
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        HttpMethod m = req.method();
        requests.add(m.name() + " " + path);
        for (String s : stalled) {
            if (path.equals(s)) {
                return; // never answered
            }
        }
        if (m == HttpMethod.GET && path.equals("/redfish/v1")) {
            send(req, 200, serviceRoot());
            return;
        }
        if (m == HttpMethod.POST && path.equals(SESSIONS)) {
            login(req, body);
            return;
        }
        if (!authorised(req)) {
            send(req, 401, error("NoValidSession", "There is no valid session established with the implementation.",
                    "Establish a session before attempting any operations."));
            return;
        }
        String[] p = path.split("/"); // "", redfish, v1, ...
        if (m == HttpMethod.DELETE && path.startsWith(SESSIONS + "/")) {
            String id = p[p.length - 1];
            if (sessions.values().removeIf(v -> v.equals(id))) {
                sessionsDeleted.incrementAndGet();
                req.response().setStatusCode(204).end();
            } else {
                missing(req, path);
            }
            return;
        }
        if (m == HttpMethod.GET && path.equals("/redfish/v1/Chassis")) {
            JsonArray members = new JsonArray();
            chassis.keySet().stream().sorted().forEach(id -> members.add(link("/redfish/v1/Chassis/" + id)));
            send(req, 200, new JsonObject().put("@odata.id", path)
                    .put("@odata.type", "#ChassisCollection.ChassisCollection").put("Name", "Chassis Collection")
                    .put("Members", members).put("Members@odata.count", members.size()));
            return;
        }
        Chassis c = p.length >= 5 && p[3].equals("Chassis") ? chassis.get(p[4]) : null;
        if (c == null) {
            missing(req, path);
            return;
        }
        String base = "/redfish/v1/Chassis/" + c.id;
        String rest = path.substring(base.length());
        switch (m.name() + " " + rest) {
            case "GET " -> send(req, 200, chassisBody(c));
            case "GET /Power" -> send(req, 200, power(c), c.etag());
            case "PATCH /Power" -> patchPower(req, c, body);
            case "GET /PowerSubsystem" -> {
                if (c.controls) {
                    send(req, 200, new JsonObject().put("@odata.id", base + "/PowerSubsystem")
                            .put("@odata.type", "#PowerSubsystem.v1_1_0.PowerSubsystem").put("Id", "PowerSubsystem")
                            .put("Name", "Power Subsystem").put("CapacityWatts", 3200)
                            .put("Allocation", new JsonObject().put("AllocatedWatts", c.limitW).put("RequestedWatts", c.maxW))
                            .put("PowerSupplies", link(base + "/PowerSubsystem/PowerSupplies"))
                            .put("Status", status()));
                } else {
                    missing(req, path);
                }
            }
            case "GET /Controls" -> {
                if (c.controls) {
                    send(req, 200, new JsonObject().put("@odata.id", base + "/Controls")
                            .put("@odata.type", "#ControlCollection.ControlCollection").put("Name", "Controls")
                            .put("Members", new JsonArray().add(link(base + "/Controls/CPUTemp"))
                                    .add(link(base + "/Controls/PowerLimit")))
                            .put("Members@odata.count", 2));
                } else {
                    missing(req, path);
                }
            }
            case "GET /Controls/CPUTemp" -> send(req, 200, new JsonObject().put("@odata.id", base + "/Controls/CPUTemp")
                    .put("@odata.type", "#Control.v1_5_0.Control").put("Id", "CPUTemp").put("Name", "CPU temperature")
                    .put("ControlType", "Temperature").put("SetPointType", "Single").put("ControlMode", "Automatic")
                    .put("SetPoint", 80).put("SetPointUnits", "Cel").put("PhysicalContext", "CPU"));
            case "GET /Controls/PowerLimit" -> {
                if (c.controls) {
                    send(req, 200, control(c), c.etag());
                } else {
                    missing(req, path);
                }
            }
            case "PATCH /Controls/PowerLimit" -> patchControl(req, c, body);
            default -> missing(req, path);
        }
    }

    private JsonObject serviceRoot() {
        return new JsonObject().put("@odata.id", "/redfish/v1").put("@odata.type", "#ServiceRoot.v1_15_0.ServiceRoot")
                .put("Id", "RootService").put("Name", "Root Service").put("RedfishVersion", "1.17.0")
                .put("UUID", "92384634-2938-2342-8820-489239905423")
                .put("Chassis", link("/redfish/v1/Chassis"))
                .put("SessionService", link("/redfish/v1/SessionService"))
                .put("Links", new JsonObject().put("Sessions", link(SESSIONS)));
    }

    private void login(HttpServerRequest req, Buffer body) {
        if (!sessionsSupported) {
            send(req, 405, error("OperationNotAllowed", "The HTTP method is not allowed on this URI.", "None."));
            return;
        }
        JsonObject b;
        try {
            b = body.toJsonObject();
        } catch (RuntimeException e) {
            send(req, 400, error("MalformedJSON", "The request body submitted was malformed JSON.", "Correct it."));
            return;
        }
        if (!USER.equals(b.getString("UserName")) || !PASSWORD.equals(b.getString("Password"))) {
            send(req, 401, error("InvalidCredentials", "The user name or password is not valid.",
                    "Correct the credentials and resubmit the request."));
            return;
        }
        String id = Integer.toString(sessionsCreated.incrementAndGet());
        String token = UUID.randomUUID().toString();
        sessions.put(token, id);
        req.response().putHeader("X-Auth-Token", token).putHeader("Location", SESSIONS + "/" + id);
        send(req, 201, new JsonObject().put("@odata.id", SESSIONS + "/" + id)
                .put("@odata.type", "#Session.v1_7_0.Session").put("Id", id).put("Name", "User Session")
                .put("UserName", USER));
    }

    private boolean authorised(HttpServerRequest req) {
        String t = req.getHeader("X-Auth-Token");
        if (t != null) {
            return sessions.containsKey(t);
        }
        String a = req.getHeader("Authorization");
        if (a != null && a.startsWith("Basic ")) {
            String up = new String(Base64.getDecoder().decode(a.substring(6)), StandardCharsets.UTF_8);
            if (up.equals(USER + ":" + PASSWORD)) {
                basicAuthenticated.incrementAndGet();
                return true;
            }
        }
        return false;
    }

    private JsonObject chassisBody(Chassis c) {
        String base = "/redfish/v1/Chassis/" + c.id;
        JsonObject o = new JsonObject().put("@odata.id", base).put("@odata.type", "#Chassis.v1_23_0.Chassis")
                .put("Id", c.id).put("Name", "Computer System Chassis").put("ChassisType", "RackMount")
                .put("PowerState", "On").put("Status", status())
                .put("Power", link(base + "/Power"));
        if (c.controls) {
            o.put("PowerSubsystem", link(base + "/PowerSubsystem")).put("Controls", link(base + "/Controls"));
        }
        return o;
    }

    private JsonObject power(Chassis c) {
        String base = "/redfish/v1/Chassis/" + c.id + "/Power";
        JsonObject pc = new JsonObject().put("@odata.id", base + "#/PowerControl/0").put("MemberId", "0")
                .put("Name", "System Power Control").put("PowerConsumedWatts", c.readingW())
                .put("PowerLimit", new JsonObject().put("LimitInWatts", c.limitW).put("LimitException", "LogEventOnly")
                        .put("CorrectionInMs", 1000))
                .put("PowerMetrics", new JsonObject().put("IntervalInMin", 1).put("MinConsumedWatts", 0)
                        .put("MaxConsumedWatts", c.demandW).put("AverageConsumedWatts", c.readingW()))
                .put("PhysicalContext", "Intake").put("Status", status());
        if (c.controls) {
            pc.put("PowerCapacityWatts", c.maxW);
        }
        return new JsonObject().put("@odata.id", base).put("@odata.type", "#Power.v1_7_1.Power").put("Id", "Power")
                .put("Name", "Power").put("@odata.etag", c.etag())
                .put("PowerControl", new JsonArray().add(pc)).put("PowerControl@odata.count", 1);
    }

    private JsonObject control(Chassis c) {
        String base = "/redfish/v1/Chassis/" + c.id;
        return new JsonObject().put("@odata.id", base + "/Controls/PowerLimit")
                .put("@odata.type", "#Control.v1_5_0.Control").put("@odata.etag", c.etag()).put("Id", "PowerLimit")
                .put("Name", "System Power Limit").put("ControlType", "Power").put("SetPointType", "Single")
                .put("ControlMode", c.controlMode).put("SetPoint", c.limitW).put("SetPointUnits", "W")
                .put("AllowableMin", c.minW).put("AllowableMax", c.maxW).put("PhysicalContext", "Chassis")
                .put("Sensor", new JsonObject().put("DataSourceUri", base + "/Sensors/TotalPower")
                        .put("Reading", c.readingW()))
                .put("Status", status());
    }

    private boolean preconditionOk(HttpServerRequest req, Chassis c) {
        String im = req.getHeader("If-Match");
        if (im == null) {
            return true;
        }
        ifMatchSeen.add(im);
        if (failNextIfMatch) {
            failNextIfMatch = false;
            c.etag.incrementAndGet(); // as if someone else changed it meanwhile
            return false;
        }
        return im.equals(c.etag());
    }

    private void patchControl(HttpServerRequest req, Chassis c, Buffer body) {
        patches.incrementAndGet();
        if (!c.controls) {
            missing(req, req.path());
            return;
        }
        if (!preconditionOk(req, c)) {
            send(req, 412, error("PreconditionFailed", "The ETag supplied did not match the ETag required to change "
                    + "this resource.", "Try the operation again using the appropriate ETag."));
            return;
        }
        JsonObject b = body.toJsonObject();
        Object sp = b.getValue("SetPoint");
        if (sp != null) {
            double v = ((Number) sp).doubleValue();
            if (!outOfRange(req, c, v, "SetPoint")) {
                c.limitW = v;
            } else {
                return;
            }
        }
        if (b.getString("ControlMode") != null) {
            c.controlMode = b.getString("ControlMode");
        }
        c.etag.incrementAndGet();
        send(req, 200, control(c), c.etag());
    }

    private void patchPower(HttpServerRequest req, Chassis c, Buffer body) {
        patches.incrementAndGet();
        if (!preconditionOk(req, c)) {
            send(req, 412, error("PreconditionFailed", "The ETag supplied did not match the ETag required to change "
                    + "this resource.", "Try the operation again using the appropriate ETag."));
            return;
        }
        JsonArray pcs = body.toJsonObject().getJsonArray("PowerControl");
        if (pcs == null || pcs.size() != 1) {
            send(req, 400, error("PropertyValueFormatError", "The value for the property PowerControl is of a "
                    + "different format than the property can accept.", "Correct the value."));
            return;
        }
        JsonObject pl = pcs.getJsonObject(0).getJsonObject("PowerLimit");
        if (pl != null && pl.containsKey("LimitInWatts")) {
            Object v = pl.getValue("LimitInWatts");
            if (v == null) {
                c.limitW = null;
            } else if (!outOfRange(req, c, ((Number) v).doubleValue(), "PowerControl/0/PowerLimit/LimitInWatts")) {
                c.limitW = ((Number) v).doubleValue();
            } else {
                return;
            }
        }
        c.etag.incrementAndGet();
        req.response().setStatusCode(204).putHeader("ETag", c.etag()).end();
    }

    private boolean outOfRange(HttpServerRequest req, Chassis c, double v, String property) {
        if (v >= c.minW && v <= c.maxW) {
            return false;
        }
        String value = v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
        JsonObject e = error("PropertyValueOutOfRange", "The value '" + value + "' for the property " + property
                + " is not in the supported range of acceptable values.", "Correct the value for the property in the "
                + "request body and resubmit the request if the operation failed.");
        e.getJsonObject("error").getJsonArray("@Message.ExtendedInfo").getJsonObject(0)
                .put("MessageArgs", new JsonArray().add(value).add(property))
                .put("RelatedProperties", new JsonArray().add("#/" + property));
        send(req, 400, e);
        return true;
    }

    private void missing(HttpServerRequest req, String path) {
        send(req, 404, error("ResourceMissingAtURI", "The resource at the URI " + path + " was not found.",
                "Place a valid resource at the URI or correct the URI and resubmit the request."));
    }

    static JsonObject error(String id, String message, String resolution) {
        return new JsonObject().put("error", new JsonObject()
                .put("code", "Base.1.18.GeneralError")
                .put("message", "A general error has occurred.  See Resolution for information on how to resolve "
                        + "the error, or @Message.ExtendedInfo if Resolution is not provided.")
                .put("@Message.ExtendedInfo", new JsonArray().add(new JsonObject()
                        .put("@odata.type", "#Message.v1_1_2.Message").put("MessageId", "Base.1.18." + id)
                        .put("Message", message).put("MessageSeverity", "Warning").put("Resolution", resolution))));
    }

    private static JsonObject link(String id) {
        return new JsonObject().put("@odata.id", id);
    }

    private static JsonObject status() {
        return new JsonObject().put("State", "Enabled").put("Health", "OK");
    }

    private static void send(HttpServerRequest req, int status, JsonObject body) {
        send(req, status, body, null);
    }

    private static void send(HttpServerRequest req, int status, JsonObject body, String etag) {
        var r = req.response().setStatusCode(status).putHeader("Content-Type", "application/json;charset=utf-8")
                .putHeader("OData-Version", "4.0");
        if (etag != null) {
            r.putHeader("ETag", etag);
        }
        r.end(body.encode());
    }
}
