package io.headroom.appliance.api;

import io.headroom.appliance.metrics.BuildInfo;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;

/**
 * What an appliance without a site file of its own serves (the package installs none: the example is only an
 * example): it controls nothing, and says so. {@code GET /api/v1/health} and every other API path answer 503
 * {@code {"status":"unconfigured","reasons":[...]}}, the dashboard's page says what to do, and {@code /metrics} has
 * {@code headroom_configured 0}, {@code headroom_build_info} and the JVM and process series. No meter is read and no
 * agent commanded: there is nothing here to protect or to leak, so no token is asked.
 */
public final class UnconfiguredServer implements AutoCloseable {

    public static final String STATUS = "unconfigured";

    private final Vertx vertx;
    private final HttpServer server;
    private final io.headroom.appliance.metrics.ApplianceMetrics.Jvm jvm;

    private UnconfiguredServer(Vertx vertx, HttpServer server, io.headroom.appliance.metrics.ApplianceMetrics.Jvm jvm) {
        this.vertx = vertx;
        this.server = server;
        this.jvm = jvm;
    }

    /** Why the appliance controls nothing, and what to do: one line for health's reasons, the log and systemd. */
    public static String reason(Path site, String example) {
        return "not configured: no site file at " + site + "; copy " + example + " there, adapt it to the hall"
                + " (feeds, meters, racks, agents), check it with `headroom-appliance check-site " + site + "`, then"
                + " restart the service";
    }

    /**
     * Serves on {@code host:port} (HTTPS with {@code tls} when not null).
     *
     * @param example where the example site file is (named in the answers)
     */
    public static UnconfiguredServer start(String host, int port, ApiServer.Tls tls, Path site, String example) {
        Vertx vertx = Vertx.vertx();
        String why = reason(site, example);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Gauge.builder("headroom.configured", () -> 0)
                .description("1: the appliance runs a site file of its own; 0: unconfigured, it controls nothing")
                .strongReference(true).register(registry);
        Gauge.builder("headroom.build.info", () -> 1).description("the firmware's version and the JVM it runs on")
                .tags("version", BuildInfo.version(), "java_version", Runtime.version().toString())
                .strongReference(true).register(registry);
        var jvm = io.headroom.appliance.metrics.ApplianceMetrics.bindJvm(registry);
        String body = new JsonObject().put("status", STATUS).put("configured", false).put("tick", (Object) null)
                .put("reasons", new JsonArray().add(why)).put("site", site.toString()).put("example", example)
                .encode();
        String page = """
                <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Headroom: not configured</title>
                <style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:3rem auto;line-height:1.5}
                code{background:#eee;padding:0 .2em}</style></head><body>
                <h1>Headroom appliance: not configured</h1>
                <p><strong>This appliance controls nothing.</strong> It has no site file of its own at <code>%s</code>,
                so it reads no meter, commands no GPU and arms no contingency.</p>
                <ol><li>Copy the example: <code>cp %s %s</code></li>
                <li>Adapt it to the hall: feeds and breakers, redundancy groups, racks and nodes, meters, agents.</li>
                <li>Check it: <code>headroom-appliance check-site %s</code> (every error with its line and column).</li>
                <li>Restart: <code>systemctl restart headroom-appliance</code></li></ol>
                </body></html>
                """.formatted(esc(site.toString()), esc(example), esc(site.toString()), esc(site.toString()));
        HttpServerOptions o = new HttpServerOptions().setHost(host).setPort(port);
        if (tls != null) {
            o.setSsl(true).setKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions()
                    .setCertPath(tls.certificate().toString()).setKeyPath(tls.key().toString()));
        }
        HttpServer server = vertx.createHttpServer(o).requestHandler(req -> {
            String path = req.path();
            if (path.equals("/metrics")) {
                req.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                        .end(registry.scrape());
            } else if (path.equals("/") || path.equals("/index.html") || path.startsWith("/dashboard")) {
                req.response().putHeader("content-type", "text/html; charset=utf-8")
                        .putHeader("cache-control", "no-store").end(page);
            } else {
                req.response().setStatusCode(503).putHeader("content-type", "application/json")
                        .putHeader("cache-control", "no-store").end(body);
            }
        });
        try {
            server.listen().await();
        } catch (RuntimeException e) {
            jvm.close();
            vertx.close();
            throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        return new UnconfiguredServer(vertx, server, jvm);
    }

    public int port() {
        return server.actualPort();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    @Override
    public void close() {
        jvm.close();
        vertx.close().await();
    }
}
