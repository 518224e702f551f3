package io.headroom.appliance.api;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.site.Site;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * The appliance's HTTP surface on Vert.x: {@code GET /api/v1/site} (topology and live state),
 * {@code GET /api/v1/health}, and the dashboard at {@code /}. Handlers only read the latest published state,
 * so nothing blocks the event loop.
 */
public final class ApiServer implements AutoCloseable {

    private final Vertx vertx;
    private final HttpServer server;

    private ApiServer(Vertx vertx, HttpServer server) {
        this.vertx = vertx;
        this.server = server;
    }

    /** Starts the server; fails with the bind error (e.g. the port is taken). */
    public static ApiServer start(Site site, Supplier<SiteState> state, String host, int port) {
        Vertx vertx = Vertx.vertx();
        String dashboard = resource("dashboard/index.html");
        Router router = Router.router(vertx);
        router.get("/api/v1/site").handler(rc -> json(rc, 200, SiteJson.site(site, state.get())));
        router.get("/api/v1/health").handler(rc -> {
            SiteState s = state.get();
            json(rc, s == null ? 503 : 200, new JsonObject().put("status", s == null ? "starting" : "ok")
                    .put("site", site.name()).put("tick", s == null ? 0 : s.tick()));
        });
        router.get("/").handler(rc -> rc.response().putHeader("content-type", "text/html; charset=utf-8").end(dashboard));
        router.route().last().handler(rc -> json(rc, 404, new JsonObject().put("error", "not found")
                .put("path", rc.request().path())));
        try {
            HttpServer server = vertx.createHttpServer().requestHandler(router).listen(port, host)
                    .await();
            return new ApiServer(vertx, server);
        } catch (RuntimeException e) {
            vertx.close();
            throw new IllegalStateException("cannot serve the API on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.actualPort();
    }

    private static void json(RoutingContext rc, int status, JsonObject body) {
        rc.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
    }

    private static String resource(String name) {
        try (InputStream in = ApiServer.class.getResourceAsStream("/io/headroom/appliance/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        Future<Void> f = server.close();
        f.await();
        vertx.close().await();
    }
}
