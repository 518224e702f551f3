package io.headroom.grid.vtn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.grid.openadr2b.OadrEvent;
import io.headroom.grid.openadr2b.OadrMessages;
import io.headroom.grid.openadr2b.OadrSignature;
import io.headroom.grid.openadr2b.OadrTls;
import io.headroom.grid.openadr2b.ReportRequest;
import io.headroom.grid.openadr2b.Xml;
import io.headroom.grid.openadr3.Times;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;
import org.xml.sax.SAXException;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.function.UnaryOperator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bench VTN for OpenADR 2.0b (simple HTTP, pull): a real Vert.x HTTPS server on
 * {@code /OpenADR2/Simple/2.0b/<service>} requiring a client certificate signed by the configured CA, TLS 1.2 and
 * the profile's cipher suites. A VEN is identified by its certificate's fingerprint: it registers (query, create,
 * re-register, cancel), polls, receives every event in each {@code oadrDistributeEvent}, registers its reports,
 * answers report requests, sends updates and opt schedules, and everything it sends is kept and shown. A message
 * whose venID is not the one registered for its certificate is refused (452). With a schema directory every message
 * received is validated against the 2.0b XSDs (a failure is recorded and answered 452); malformed XML gets HTTP 400.
 * An update report whose requestID was already received is answered but counted as a duplicate, not stored twice.
 *
 * <p>Events come from a scenario file or the Java API ({@link #createEvent}, {@link #modifyEvent}, {@link #cancelEvent});
 * report requests, re-registration and cancellation of a registration are queued for the VEN's next poll.
 * {@code GET /bench/state} (any client certificate the CA signed) shows everything as JSON.
 */
public final class BenchVtn2b implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BenchVtn2b.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String PREFIX = "/OpenADR2/Simple/2.0b/";

    /**
     * Where to listen; TLS from PEM files (null cert: plain HTTP, for tests of the XML only); which suites; the poll
     * frequency asked of VENs; the XSD directory to validate against (null: none); a telemetry report request made
     * in every oadrRegisteredReport (null: none).
     */
    public record Options(String host, int port, Path tlsCert, Path tlsKey, Path tlsCa, List<String> cipherSuites,
                          Duration pollFreq, Path schemaDir, Duration telemetryOnRegister, boolean xmlSignature, Quirks quirks) {
        public Options {
            quirks = quirks == null ? Quirks.NONE : quirks;
        }

        public Options(String host, int port, Path tlsCert, Path tlsKey, Path tlsCa, List<String> cipherSuites,
                       Duration pollFreq, Path schemaDir, Duration telemetryOnRegister, boolean xmlSignature) {
            this(host, port, tlsCert, tlsKey, tlsCa, cipherSuites, pollFreq, schemaDir, telemetryOnRegister, xmlSignature, Quirks.NONE);
        }

        public Options(String host, int port, Path tlsCert, Path tlsKey, Path tlsCa, List<String> cipherSuites,
                       Duration pollFreq, Path schemaDir, Duration telemetryOnRegister) {
            this(host, port, tlsCert, tlsKey, tlsCa, cipherSuites, pollFreq, schemaDir, telemetryOnRegister, false);
        }

        /** Behave like the utility VTN of issue #24 (see {@link Quirks}). */
        public Options quirks(Quirks q) {
            return new Options(host, port, tlsCert, tlsKey, tlsCa, cipherSuites, pollFreq, schemaDir, telemetryOnRegister, xmlSignature, q);
        }

        public static Options loopback() {
            return new Options("127.0.0.1", 0, null, null, null, List.of(OadrTls.ECDHE_ECDSA), Duration.ofSeconds(10), null, null, false);
        }

        /**
         * Signs every reply with the TLS key and certificate and refuses every request that is not signed by the
         * client's own certificate (see {@link io.headroom.grid.openadr2b.OadrSignature}). Off, a signed request is
         * still verified.
         */
        public Options xmlSignature(boolean on) {
            return new Options(host, port, tlsCert, tlsKey, tlsCa, cipherSuites, pollFreq, schemaDir, telemetryOnRegister, on, quirks);
        }

        public Options port(int p) {
            return new Options(host, p, tlsCert, tlsKey, tlsCa, cipherSuites, pollFreq, schemaDir, telemetryOnRegister, xmlSignature, quirks);
        }

        public Options tls(Path cert, Path key, Path ca) {
            return new Options(host, port, cert, key, ca, cipherSuites, pollFreq, schemaDir, telemetryOnRegister, xmlSignature, quirks);
        }

        public Options cipherSuites(List<String> s) {
            return new Options(host, port, tlsCert, tlsKey, tlsCa, s, pollFreq, schemaDir, telemetryOnRegister, xmlSignature, quirks);
        }

        public Options pollFreq(Duration d) {
            return new Options(host, port, tlsCert, tlsKey, tlsCa, cipherSuites, d, schemaDir, telemetryOnRegister, xmlSignature, quirks);
        }

        public Options schemaDir(Path d) {
            return new Options(host, port, tlsCert, tlsKey, tlsCa, cipherSuites, pollFreq, d, telemetryOnRegister, xmlSignature, quirks);
        }

        public Options telemetryOnRegister(Duration d) {
            return new Options(host, port, tlsCert, tlsKey, tlsCa, cipherSuites, pollFreq, schemaDir, d, xmlSignature, quirks);
        }
    }

    /**
     * How the utility VTN of issue #24 differs from the profile's letter, each separately:
     * {@code inclusiveC14n}: every 200 reply is signed, with inclusive C14N 1.0, whether or not the VEN asked for XML
     * signatures; {@code oneReportPayloadPerInterval}: an oadrUpdateReport with more than one oadrReportPayload in an
     * interval is answered HTTP 500 (as that VTN's server did).
     */
    public record Quirks(boolean inclusiveC14n, boolean oneReportPayloadPerInterval) {
        public static final Quirks NONE = new Quirks(false, false);
        public static final Quirks UTILITY = new Quirks(true, true);
    }

    /** A registered VEN. */
    public record Registration(String venId, String registrationId, String venName, String fingerprint, boolean xmlSignature) {
    }

    public record CreatedEvent(String venId, String eventId, long modificationNumber, String optType, String description) {
    }

    public record Opt(String venId, String optId, String optType, String optReason, List<Instant> windowStarts,
                      List<Duration> windowDurations, boolean cancelled) {
    }

    /** One oadrReport of an oadrUpdateReport: its request, its start, and per interval start the values by rID. */
    public record ReceivedReport(String venId, String requestId, String reportRequestId, String reportName, Instant start,
                                 Map<Instant, Map<String, String>> intervals) {
    }

    private final Vertx vertx;
    private final boolean ownVertx;
    private final Clock clock;
    private final Options options;
    private final Schema schema;
    private final String vtnId = "headroom-bench-vtn";
    private final AtomicLong ids = new AtomicLong();
    private final Map<String, Registration> byFingerprint = new LinkedHashMap<>();
    private final Map<String, OadrEvent> events = new LinkedHashMap<>();
    private final Map<String, Deque<String>> queues = new HashMap<>();
    private final Set<String> dirty = new HashSet<>();
    private final Map<String, List<String>> registeredReports = new LinkedHashMap<>();
    private final List<CreatedEvent> createdEvents = new CopyOnWriteArrayList<>();
    private final List<Opt> opts = new CopyOnWriteArrayList<>();
    private final List<ReceivedReport> reports = new CopyOnWriteArrayList<>();
    private final List<String> pendingReportsSeen = new CopyOnWriteArrayList<>();
    private final Set<String> updateRequestIds = new HashSet<>();
    private final List<String> errors = new CopyOnWriteArrayList<>();
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final Set<String> cipherSuitesSeen = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile int duplicateUpdates;
    private final AtomicLong serverErrors = new AtomicLong();
    private final OadrSignature signature;
    private final List<String> signatureRefusals = new CopyOnWriteArrayList<>();
    private final AtomicLong signedReceived = new AtomicLong();
    private volatile UnaryOperator<String> replyFilter;
    private HttpServer server;
    private int port;

    public BenchVtn2b(Vertx vertx, Clock clock, Options options) {
        this.ownVertx = vertx == null;
        this.vertx = vertx != null ? vertx : Vertx.vertx();
        this.clock = clock;
        this.options = options;
        this.port = options.port();
        this.schema = options.schemaDir() == null ? null : loadSchema(options.schemaDir());
        this.signature = options.tlsCert() == null ? null : OadrSignature.fromPem(options.tlsCert(), options.tlsKey(), options.tlsCa(),
                clock, OadrSignature.DEFAULT_WINDOW, OadrSignature.DEFAULT_REPLAY_CACHE);
        if (options.xmlSignature() && signature == null) {
            throw new IllegalArgumentException("bench VTN 2.0b: xmlSignature needs the TLS certificate, key and CA");
        }
    }

    /**
     * The 2.0b schema from a directory holding {@code oadr_20b.xsd} and its imports, plus the xmldsig-properties
     * schema (ReplayProtect) when it is there.
     */
    public static Schema loadSchema(Path dir) {
        try {
            SchemaFactory f = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
            f.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "file");
            f.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            // oadr_20b.xsd does not import the ReplayProtect schema; with it loaded too, ds:Object's lax content
            // (dsp:ReplayProtect in a signed payload) is validated strictly instead of skipped
            List<javax.xml.transform.Source> xsds = new ArrayList<>();
            xsds.add(new StreamSource(dir.resolve("oadr_20b.xsd").toFile()));
            Path dsp = dir.resolve("oadr_xmldsig-properties-schema.xsd");
            if (Files.isRegularFile(dsp)) {
                xsds.add(new StreamSource(dsp.toFile()));
            }
            return f.newSchema(xsds.toArray(javax.xml.transform.Source[]::new));
        } catch (SAXException e) {
            throw new IllegalArgumentException("cannot load the OpenADR 2.0b schema from " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Listens (again after {@link #stop}, same port, same state); returns the port. */
    public synchronized int start() throws Exception {
        HttpServerOptions o = new HttpServerOptions().setHost(options.host()).setPort(port);
        if (options.tlsCert() != null) {
            o.setSsl(true)
                    .setKeyCertOptions(new PemKeyCertOptions().setCertPath(options.tlsCert().toString()).setKeyPath(options.tlsKey().toString()))
                    .setTrustOptions(new PemTrustOptions().addCertPath(options.tlsCa().toString()))
                    .setClientAuth(ClientAuth.REQUIRED)
                    .setEnabledSecureTransportProtocols(Set.of(OadrTls.PROTOCOL));
            for (String s : options.cipherSuites()) {
                o.addEnabledCipherSuite(s);
            }
            if (options.cipherSuites().stream().anyMatch(s -> s.startsWith("TLS_RSA_"))) {
                o.setSslEngineOptions(new BcSslEngineOptions()); // SunJSSE cannot offer TLS_RSA_* on JDK 25
            }
        }
        server = vertx.createHttpServer(o).requestHandler(router()).listen().toCompletionStage().toCompletableFuture().get();
        port = server.actualPort();
        log.info("bench VTN 2.0b listening on {} (suites {})", baseUrl(), options.cipherSuites());
        return port;
    }

    public void stop() throws Exception {
        HttpServer s;
        synchronized (this) { // closed outside the lock: a request on the event loop may be waiting for it
            s = server;
            server = null;
        }
        if (s != null) {
            s.close().toCompletionStage().toCompletableFuture().get();
            log.info("bench VTN 2.0b stopped");
        }
    }

    @Override
    public void close() throws Exception {
        stop();
        if (ownVertx) {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    /** The VEN's vtnUrl: {@code https://127.0.0.1:PORT/OpenADR2/Simple/2.0b}. */
    public String baseUrl() {
        return (options.tlsCert() != null ? "https" : "http") + "://" + options.host() + ":" + port + PREFIX.substring(0, PREFIX.length() - 1);
    }

    private Router router() {
        Router r = Router.router(vertx);
        r.route().handler(BodyHandler.create().setBodyLimit(4 * 1024 * 1024));
        r.post(PREFIX + ":service").handler(this::onPost);
        r.get("/bench/state").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json").end(state().toPrettyString()));
        return r;
    }

    /** Fault injection: the next {@code n} requests are answered HTTP {@code status} (with Retry-After when given). */
    public void refuseRequests(int n, int status, String retryAfter) {
        refusals.set(n);
        refusalStatus = status;
        refusalRetryAfter = retryAfter;
    }

    /** When each request arrived (the bench's clock), oldest first. */
    public List<Instant> requestTimes() {
        return List.copyOf(requestTimes);
    }

    private final java.util.concurrent.atomic.AtomicInteger refusals = new java.util.concurrent.atomic.AtomicInteger();
    private volatile int refusalStatus = 503;
    private volatile String refusalRetryAfter;
    private final List<Instant> requestTimes = new CopyOnWriteArrayList<>();

    private void onPost(RoutingContext ctx) {
        requestTimes.add(clock.instant());
        if (refusals.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            if (refusalRetryAfter != null) {
                ctx.response().putHeader("Retry-After", refusalRetryAfter);
            }
            ctx.response().setStatusCode(refusalStatus).end("Service Unavailable");
            return;
        }
        String service = ctx.pathParam("service");
        String body = ctx.body().asString("UTF-8");
        String fingerprint = "plain-http";
        X509Certificate peerCert = null;
        SSLSession ssl = ctx.request().sslSession();
        if (ssl != null) {
            cipherSuitesSeen.add(ssl.getCipherSuite());
            try {
                Certificate[] peer = ssl.getPeerCertificates();
                fingerprint = OadrTls.fingerprint(peer[0]);
                peerCert = (X509Certificate) peer[0];
            } catch (SSLPeerUnverifiedException e) {
                ctx.response().setStatusCode(403).end("client certificate required");
                return;
            }
        }
        String fp = fingerprint;
        X509Certificate pc = peerCert;
        vertx.executeBlocking(() -> signed(handle(service, body, fp, pc)), false).onComplete(ar -> {
            if (ar.failed()) {
                errors.add(service + ": " + ar.cause());
                ctx.response().setStatusCode(500).end(String.valueOf(ar.cause()));
                return;
            }
            String[] res = ar.result();
            ctx.response().setStatusCode(Integer.parseInt(res[0])).putHeader("Content-Type", "application/xml").end(res[1]);
        });
    }

    /** Signs a 200 reply when signatures are on; then the test's reply filter, if any. */
    private String[] signed(String[] res) {
        String b = res[1];
        if (options.quirks().inclusiveC14n() && "200".equals(res[0]) && signature != null) {
            b = signature.sign(b, javax.xml.crypto.dsig.CanonicalizationMethod.INCLUSIVE);
        } else if (options.xmlSignature() && "200".equals(res[0])) {
            b = signature.sign(b);
        }
        UnaryOperator<String> f = replyFilter;
        return new String[] {res[0], f == null ? b : f.apply(b)};
    }

    /** [http status, body]. Runs on a worker thread. */
    private String[] handle(String service, String body, String fingerprint, X509Certificate peer) {
        Element m;
        try {
            if (signature != null) {
                OadrSignature.Verified v = signature.verify(body, peer, options.xmlSignature());
                m = v.message();
                if (v.signed()) {
                    signedReceived.incrementAndGet();
                }
            } else {
                m = Xml.message(body);
            }
        } catch (OadrSignature.RefusedException e) {
            signatureRefusals.add(service + ": " + e.getMessage());
            log.warn("bench VTN 2.0b: {}: refused, nothing applied: {}", service, e.getMessage());
            return new String[] {"200", OadrMessages.response("452", "signature refused: " + e.getMessage(), "", null)};
        } catch (Xml.BadXmlException e) {
            errors.add(service + ": " + e.getMessage());
            log.warn("bench VTN 2.0b: {}: {}", service, e.getMessage());
            return new String[] {"400", OadrMessages.response("452", "malformed XML: " + e.getMessage(), "", null)};
        }
        String name = Xml.local(m);
        received.add(name);
        if (schema != null) {
            try {
                schema.newValidator().validate(new StreamSource(new StringReader(body)));
            } catch (SAXException | IOException e) {
                errors.add(name + ": schema: " + e.getMessage());
                log.warn("bench VTN 2.0b: {} does not validate: {}", name, e.getMessage());
                return new String[] {"200", OadrMessages.response("452", "schema: " + e.getMessage(), requestIdOf(m), null)};
            }
        }
        if (options.quirks().oneReportPayloadPerInterval() && name.equals("oadrUpdateReport")
                && Xml.children(m, "oadrReport").stream().flatMap(r -> Xml.path(r, "intervals").map(x -> Xml.children(x, "interval")).orElse(List.of()).stream())
                .anyMatch(iv -> Xml.children(iv, "oadrReportPayload").size() > 1)) {
            serverErrors.incrementAndGet();
            return new String[] {"500", "Internal Server Error"};
        }
        String expected;
        try {
            expected = OadrMessages.service(name);
        } catch (IllegalArgumentException e) {
            expected = "?";
        }
        if (!expected.equals(service) && !name.equals("oadrResponse")) {
            errors.add(name + " posted to " + service);
            return new String[] {"200", OadrMessages.response("452", name + " does not belong to " + service, requestIdOf(m), null)};
        }
        synchronized (this) {
            return new String[] {"200", dispatch(m, name, fingerprint)};
        }
    }

    private static String requestIdOf(Element m) {
        return Xml.descendant(m, "requestID").map(e -> e.getTextContent().trim()).orElse("");
    }

    private String dispatch(Element m, String name, String fp) {
        Instant now = clock.instant();
        String rid = requestIdOf(m);
        Registration reg = byFingerprint.get(fp);
        if (!name.equals("oadrQueryRegistration") && !name.equals("oadrCreatePartyRegistration")) {
            if (reg == null) {
                return OadrMessages.response("452", "this client certificate has no registration", rid, null);
            }
            String claimed = Xml.descendant(m, "venID").map(e -> e.getTextContent().trim()).orElse(reg.venId());
            if (!claimed.equals(reg.venId())) {
                errors.add(name + ": venID " + claimed + " is not the one registered for this certificate (" + reg.venId() + ")");
                return OadrMessages.response("452", "venID " + claimed + " does not match the client certificate", rid, reg.venId());
            }
        }
        switch (name) {
            case "oadrQueryRegistration" -> {
                return OadrMessages.createdPartyRegistration("200", "OK", rid, reg == null ? null : reg.registrationId(),
                        reg == null ? null : reg.venId(), vtnId, options.pollFreq());
            }
            case "oadrCreatePartyRegistration" -> {
                String asked = Xml.text(m, "registrationID").orElse(null);
                if (asked != null && (reg == null || !asked.equals(reg.registrationId()))) {
                    return OadrMessages.createdPartyRegistration("452", "unknown registrationID " + asked, rid, null, null, vtnId, null);
                }
                if (reg == null) {
                    long n = ids.incrementAndGet();
                    reg = new Registration("ven-" + n, "reg-" + n, Xml.text(m, "oadrVenName").orElse(""), fp,
                            Xml.text(m, "oadrXmlSignature").map(Boolean::parseBoolean).orElse(false));
                    byFingerprint.put(fp, reg);
                    dirty.add(reg.venId());
                    log.info("bench VTN 2.0b: {} registered as {} ({})", reg.venName(), reg.venId(), reg.registrationId());
                } else {
                    log.info("bench VTN 2.0b: {} re-registered ({})", reg.venId(), reg.registrationId());
                }
                return OadrMessages.createdPartyRegistration("200", "OK", rid, reg.registrationId(), reg.venId(), vtnId, options.pollFreq());
            }
            case "oadrCancelPartyRegistration" -> {
                byFingerprint.remove(fp);
                log.info("bench VTN 2.0b: {} cancelled its registration", reg.venId());
                return OadrMessages.canceledPartyRegistration("200", rid, reg.registrationId(), reg.venId());
            }
            case "oadrCanceledPartyRegistration" -> {
                byFingerprint.remove(fp);
                return OadrMessages.response("200", "OK", rid, reg.venId());
            }
            case "oadrResponse" -> {
                return OadrMessages.response("200", "OK", rid, reg.venId());
            }
            case "oadrRequestEvent" -> {
                dirty.remove(reg.venId());
                return OadrMessages.distributeEvent("dist-" + ids.incrementAndGet(), vtnId, eventsFor(reg));
            }
            case "oadrPoll" -> {
                Deque<String> q = queues.get(reg.venId());
                if (q != null && !q.isEmpty()) {
                    return q.poll();
                }
                if (dirty.remove(reg.venId())) {
                    return OadrMessages.distributeEvent("dist-" + ids.incrementAndGet(), vtnId, eventsFor(reg));
                }
                return OadrMessages.response("200", "OK", "", reg.venId());
            }
            case "oadrCreatedEvent" -> {
                for (Element r : Xml.path(m, "eiCreatedEvent", "eventResponses").map(e -> Xml.children(e, "eventResponse")).orElse(List.of())) {
                    createdEvents.add(new CreatedEvent(reg.venId(), Xml.required(r, "qualifiedEventID", "eventID"),
                            Long.parseLong(Xml.required(r, "qualifiedEventID", "modificationNumber")), Xml.required(r, "optType"),
                            Xml.text(r, "responseDescription").orElse("")));
                }
                return OadrMessages.response("200", "OK", rid, reg.venId());
            }
            case "oadrRegisterReport" -> {
                List<String> specs = new ArrayList<>();
                List<ReportRequest> requests = new ArrayList<>();
                for (Element r : Xml.children(m, "oadrReport")) {
                    String spec = Xml.required(r, "reportSpecifierID");
                    specs.add(spec);
                    if (options.telemetryOnRegister() != null) {
                        List<String> rids = Xml.children(r, "oadrReportDescription").stream().map(d -> Xml.required(d, "rID")).toList();
                        requests.add(new ReportRequest("rr-" + ids.incrementAndGet(), spec, options.telemetryOnRegister(),
                                options.telemetryOnRegister(), null, null, rids, null));
                    }
                }
                registeredReports.put(reg.venId(), specs);
                return OadrMessages.registeredReport("200", rid, requests, reg.venId());
            }
            case "oadrCreatedReport", "oadrCanceledReport" -> {
                Xml.child(m, "oadrPendingReports").ifPresent(p -> {
                    pendingReportsSeen.clear();
                    Xml.children(p, "reportRequestID").forEach(x -> pendingReportsSeen.add(x.getTextContent().trim()));
                });
                String[] r = OadrMessages.responseOf(m);
                if (!r[0].startsWith("2")) {
                    errors.add(name + " " + r[0] + " " + r[1]);
                }
                return OadrMessages.response("200", "OK", rid, reg.venId());
            }
            case "oadrUpdateReport" -> {
                if (!updateRequestIds.add(rid)) {
                    duplicateUpdates++;
                    return OadrMessages.updatedReport("200", rid, reg.venId());
                }
                for (Element r : Xml.children(m, "oadrReport")) {
                    Map<Instant, Map<String, String>> ivs = new LinkedHashMap<>();
                    for (Element iv : Xml.path(r, "intervals").map(x -> Xml.children(x, "interval")).orElse(List.of())) {
                        Instant s = Times.parseDateTime(Xml.required(iv, "dtstart", "date-time"), now);
                        Map<String, String> vals = new LinkedHashMap<>();
                        for (Element p : Xml.children(iv, "oadrReportPayload")) {
                            String v = Xml.text(p, "payloadFloat", "value")
                                    .orElseGet(() -> Xml.text(p, "oadrPayloadResourceStatus", "oadrOnline").map(o -> "online=" + o).orElse(""));
                            vals.put(Xml.required(p, "rID"), v);
                        }
                        ivs.computeIfAbsent(s, k -> new LinkedHashMap<>()).putAll(vals); // one rID per interval: merged by start
                    }
                    reports.add(new ReceivedReport(reg.venId(), rid, Xml.required(r, "reportRequestID"), Xml.text(r, "reportName").orElse(""),
                            Times.parseDateTime(Xml.required(r, "dtstart", "date-time"), now), ivs));
                }
                return OadrMessages.updatedReport("200", rid, reg.venId());
            }
            case "oadrCreateOpt" -> {
                List<Instant> starts = new ArrayList<>();
                List<Duration> durs = new ArrayList<>();
                Xml.path(m, "vavailability", "components").ifPresent(c -> {
                    for (Element a : Xml.children(c, "available")) {
                        starts.add(Times.parseDateTime(Xml.required(a, "properties", "dtstart", "date-time"), now));
                        durs.add(OadrMessages.duration(Xml.required(a, "properties", "duration", "duration")));
                    }
                });
                String optId = Xml.required(m, "optID");
                opts.add(new Opt(reg.venId(), optId, Xml.required(m, "optType"), Xml.required(m, "optReason"), starts, durs, false));
                return OadrMessages.createdOpt("200", rid, optId);
            }
            case "oadrCancelOpt" -> {
                String optId = Xml.required(m, "optID");
                opts.replaceAll(o -> o.optId().equals(optId) ? new Opt(o.venId(), o.optId(), o.optType(), o.optReason(), o.windowStarts(),
                        o.windowDurations(), true) : o);
                return OadrMessages.canceledOpt("200", rid, optId);
            }
            default -> {
                errors.add("unexpected " + name);
                return OadrMessages.response("452", "unexpected " + name, rid, reg.venId());
            }
        }
    }

    private List<OadrEvent> eventsFor(Registration reg) {
        return events.values().stream().filter(e -> e.targetVenIds().isEmpty() || e.targetVenIds().contains(reg.venId())).toList();
    }

    // ---- the Java API ----

    public synchronized void createEvent(OadrEvent e) {
        events.put(e.eventId(), e);
        markAllDirty();
    }

    /** Replaces an event, its modification number one higher. */
    public synchronized OadrEvent modifyEvent(OadrEvent e) {
        OadrEvent old = events.get(e.eventId());
        long mod = old == null ? 0 : old.modificationNumber() + 1;
        OadrEvent next = e.withStatus(e.status(), mod);
        events.put(e.eventId(), next);
        markAllDirty();
        return next;
    }

    /** Marks an event cancelled (modification number one higher); it stays in distributes. */
    public synchronized void cancelEvent(String eventId) {
        OadrEvent old = events.get(eventId);
        if (old == null) {
            throw new IllegalArgumentException("bench VTN 2.0b: no event " + eventId);
        }
        events.put(eventId, old.withStatus("cancelled", old.modificationNumber() + 1));
        markAllDirty();
    }

    /** Drops an event from later distributes (an implicit cancellation). */
    public synchronized void removeEvent(String eventId) {
        events.remove(eventId);
        markAllDirty();
    }

    private void markAllDirty() {
        byFingerprint.values().forEach(r -> dirty.add(r.venId()));
    }

    private void queue(String venId, String xml) {
        queues.computeIfAbsent(venId, k -> new ArrayDeque<>()).add(xml);
    }

    public synchronized void requestReport(String venId, ReportRequest r) {
        queue(venId, OadrMessages.createReport("cr-" + ids.incrementAndGet(), List.of(r), venId));
    }

    public synchronized void cancelReport(String venId, String reportRequestId) {
        queue(venId, OadrMessages.cancelReport("cc-" + ids.incrementAndGet(), List.of(reportRequestId), false, venId));
    }

    public synchronized void requestReregistration(String venId) {
        queue(venId, OadrMessages.requestReregistration(venId));
    }

    public synchronized void cancelRegistration(String venId) {
        Registration r = byFingerprint.values().stream().filter(x -> x.venId().equals(venId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("bench VTN 2.0b: no VEN " + venId));
        queue(venId, OadrMessages.cancelPartyRegistration("cp-" + ids.incrementAndGet(), r.registrationId(), venId));
    }

    /** Bench fault injection: the VEN's next poll gets exactly this body. */
    public synchronized void injectPollReply(String venId, String raw) {
        queue(venId, raw);
    }

    public synchronized List<Registration> registrations() {
        return List.copyOf(byFingerprint.values());
    }

    public List<CreatedEvent> createdEvents() {
        return List.copyOf(createdEvents);
    }

    public List<Opt> opts() {
        return List.copyOf(opts);
    }

    public List<ReceivedReport> reports() {
        return List.copyOf(reports);
    }

    public synchronized Map<String, List<String>> registeredReports() {
        return Map.copyOf(registeredReports);
    }

    public List<String> pendingReportsSeen() {
        return List.copyOf(pendingReportsSeen);
    }

    public List<String> errors() {
        return List.copyOf(errors);
    }

    /** Requests refused for their signature or replay protection, each with the reason (nothing of them applied). */
    public List<String> signatureRefusals() {
        return List.copyOf(signatureRefusals);
    }

    /** How many validly signed requests the bench accepted. */
    public long signedReceived() {
        return signedReceived.get();
    }

    /** Bench fault injection: every reply body passes through this after it is signed (null: none). */
    public void replyFilter(UnaryOperator<String> f) {
        replyFilter = f;
    }

    public List<String> received() {
        return List.copyOf(received);
    }

    public Set<String> cipherSuitesSeen() {
        return Set.copyOf(cipherSuitesSeen);
    }

    /** How many requests a quirk answered with HTTP 500. */
    public long serverErrors() {
        return serverErrors.get();
    }

    public int duplicateUpdates() {
        return duplicateUpdates;
    }

    public synchronized ObjectNode state() {
        ObjectNode s = JSON.createObjectNode().put("vtnID", vtnId).put("duplicateUpdates", duplicateUpdates);
        ArrayNode regs = s.putArray("registrations");
        byFingerprint.values().forEach(r -> regs.addObject().put("venID", r.venId()).put("registrationID", r.registrationId())
                .put("venName", r.venName()).put("fingerprint", r.fingerprint()).put("xmlSignature", r.xmlSignature()));
        s.put("xmlSignature", options.xmlSignature()).put("signedReceived", signedReceived.get());
        s.set("signatureRefusals", JSON.valueToTree(signatureRefusals));
        ArrayNode ev = s.putArray("events");
        events.values().forEach(e -> ev.addObject().put("eventID", e.eventId()).put("modificationNumber", e.modificationNumber())
                .put("status", e.status()).put("start", e.start().toString()).put("duration", e.duration().toString()));
        s.set("createdEvents", JSON.valueToTree(createdEvents.stream().map(c -> Map.of("venID", c.venId(), "eventID", c.eventId(),
                "modificationNumber", c.modificationNumber(), "optType", c.optType(), "description", c.description())).toList()));
        ArrayNode op = s.putArray("opts");
        opts.forEach(o -> op.addObject().put("venID", o.venId()).put("optID", o.optId()).put("optType", o.optType())
                .put("optReason", o.optReason()).put("cancelled", o.cancelled()).put("windows", o.windowStarts().toString()));
        ArrayNode rp = s.putArray("reports");
        reports.forEach(r -> rp.addObject().put("venID", r.venId()).put("reportRequestID", r.reportRequestId())
                .put("reportName", r.reportName()).put("start", r.start().toString()).put("intervals", r.intervals().toString()));
        s.set("registeredReports", JSON.valueToTree(registeredReports));
        s.set("errors", JSON.valueToTree(errors));
        return s;
    }

    /**
     * Loads {@code {"events": [{"id", "marketContext", "start": "now+PT5M", "duration": "PT30M", "startAfter"?,
     * "responseRequired"?, "signals": [{"name", "type", "id", "unit"?: {"element", "description", "units", "scale"},
     * "intervals": [{"duration", "value"}]}]}]}}.
     */
    public void loadScenario(Path file) throws IOException {
        JsonNode root = JSON.readTree(Files.readString(file));
        Instant now = clock.instant();
        for (JsonNode e : root.path("events")) {
            String start = e.path("start").asText("now");
            Instant t = start.startsWith("now") ? (start.length() > 4 ? Times.plus(now, start.substring(4)) : now)
                    : Times.parseDateTime(start, now);
            List<OadrEvent.Signal> signals = new ArrayList<>();
            for (JsonNode s : e.path("signals")) {
                List<OadrEvent.Interval> ivs = new ArrayList<>();
                int i = 0;
                for (JsonNode iv : s.path("intervals")) {
                    ivs.add(new OadrEvent.Interval(Integer.toString(i++), OadrMessages.duration(iv.get("duration").asText()), iv.get("value").asDouble()));
                }
                JsonNode u = s.get("unit");
                OadrEvent.ItemBase item = u == null ? null : new OadrEvent.ItemBase(u.get("element").asText(),
                        u.path("description").asText(""), u.path("units").asText(""), u.path("scale").asText("none"));
                signals.add(new OadrEvent.Signal(s.get("name").asText(), s.get("type").asText(), s.path("id").asText(s.get("name").asText()), item, ivs));
            }
            createEvent(new OadrEvent(e.get("id").asText(), 0, e.path("marketContext").asText("http://bench.headroom/program"), now,
                    "far", t, OadrMessages.duration(e.get("duration").asText()),
                    e.hasNonNull("startAfter") ? OadrMessages.duration(e.get("startAfter").asText()) : null, false,
                    e.path("responseRequired").asText("always"), signals, List.of(), List.of()));
        }
    }
}
