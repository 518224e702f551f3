package io.headroom.grid.openadr3;

import io.headroom.grid.openadr3.model.Notification;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The VEN's subscription callback (Vert.x). {@code GET <path>?echo=X} answers 200 with body X (the VTN's
 * reachability check, Definition §security); {@code POST <path>} with {@code Authorization: Bearer <token>} (the
 * token the VEN gave in its subscription, compared in constant time) and a notification body is handed to the VEN,
 * and answered 200 only once the VEN has journaled it (the handler's stage completes; the event loop never
 * waits). A wrong or absent token: 401; a body that is not a notification: 400; a VEN failure: 500.
 */
public final class WebhookServer {

    private static final Logger log = LoggerFactory.getLogger(WebhookServer.class);
    public static final String PATH = "/openadr3/callback";

    private final Vertx vertx;
    private final String bearerToken;
    private final Function<Notification, CompletionStage<?>> handler;
    private HttpServer server;

    public WebhookServer(Vertx vertx, String bearerToken, Function<Notification, CompletionStage<?>> handler) {
        this.vertx = vertx;
        this.bearerToken = bearerToken;
        this.handler = handler;
    }

    /** Listens; returns the bound port. Call from a non-event-loop thread. */
    public int start(String host, int port) throws Exception {
        Router router = Router.router(vertx);
        router.get(PATH).handler(ctx -> {
            String echo = ctx.request().getParam("echo");
            if (echo == null) {
                ctx.response().setStatusCode(400).end("echo parameter missing");
                return;
            }
            ctx.response().setStatusCode(200).putHeader("Content-Type", "text/plain").end(echo);
        });
        router.post(PATH).handler(BodyHandler.create().setBodyLimit(4 * 1024 * 1024));
        router.post(PATH).handler(ctx -> {
            String auth = ctx.request().getHeader("Authorization");
            if (auth == null || !auth.startsWith("Bearer ") || !MessageDigest.isEqual(
                    auth.substring(7).trim().getBytes(StandardCharsets.UTF_8), bearerToken.getBytes(StandardCharsets.UTF_8))) {
                log.warn("OpenADR 3 callback: notification refused, bad or missing bearer token from {}", ctx.request().remoteAddress());
                ctx.response().setStatusCode(401).end();
                return;
            }
            Notification n;
            try {
                n = Json.read(ctx.body().asString(), Notification.class);
                if (n.objectType() == null || n.operation() == null || n.object() == null || !n.object().isObject()) {
                    throw new Json.BadJsonException("notification without objectType, operation or object", null);
                }
            } catch (Json.BadJsonException e) {
                log.warn("OpenADR 3 callback: malformed notification refused: {}", e.getMessage());
                ctx.response().setStatusCode(400).end(e.getMessage());
                return;
            }
            handler.apply(n).whenComplete((ok, err) -> {
                if (err != null) {
                    log.warn("OpenADR 3 callback: notification not accepted: {}", err.toString());
                    ctx.response().setStatusCode(500).end();
                } else {
                    ctx.response().setStatusCode(200).end();
                }
            });
        });
        server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)).requestHandler(router)
                .listen().toCompletionStage().toCompletableFuture().get();
        return server.actualPort();
    }

    public void stop() throws Exception {
        if (server != null) {
            server.close().toCompletionStage().toCompletableFuture().get();
        }
    }
}
