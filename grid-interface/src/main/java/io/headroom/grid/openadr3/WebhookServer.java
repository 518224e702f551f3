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
 * The VEN's subscription callback (Vert.x), over HTTPS when given a certificate and key (PEM). {@code GET <path>?echo=X}
 * and {@code GET <path>/echo?echo=X} answer 200 with body X (the VTN's reachability check, Definition §security; VTNs
 * derived from the reference implementation probe {@code <callback>/echo}); {@code POST <path>} with
 * {@code Authorization: Bearer <token>} (the token of the VEN's current subscription, compared in constant time; a new
 * subscription gets a new token and the old one stops working) and a notification body ({@link Notifications}: camelCase
 * or snake_case, plain or as a JSON string) is handed to the VEN, and answered 200 only once the VEN has confirmed and
 * journaled it (the handler's stage completes; the event loop never waits). A wrong or absent token: 401; a body that is
 * not a notification: 400; a VEN failure: 500.
 */
public final class WebhookServer {

    private static final Logger log = LoggerFactory.getLogger(WebhookServer.class);
    public static final String PATH = "/openadr3/callback";

    private final Vertx vertx;
    private volatile String bearerToken;
    private final Function<Notification, CompletionStage<?>> handler;
    private HttpServer server;

    public WebhookServer(Vertx vertx, String bearerToken, Function<Notification, CompletionStage<?>> handler) {
        this.vertx = vertx;
        this.bearerToken = bearerToken;
        this.handler = handler;
    }

    /** A new subscription's token: from now on only it is accepted. */
    public void bearerToken(String token) {
        bearerToken = token;
    }

    /** Listens over plain HTTP; returns the bound port. Call from a non-event-loop thread. */
    public int start(String host, int port) throws Exception {
        return start(host, port, null, null);
    }

    /** Listens, over HTTPS when {@code certPem} and {@code keyPem} are given; returns the bound port. */
    public int start(String host, int port, java.nio.file.Path certPem, java.nio.file.Path keyPem) throws Exception {
        Router router = Router.router(vertx);
        router.get(PATH + "/echo").handler(ctx -> {
            String echo = ctx.request().getParam("echo");
            ctx.response().setStatusCode(200).putHeader("Content-Type", "text/plain").end(echo == null ? "" : echo);
        });
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
                n = Notifications.decode(ctx.body().asString());
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
        HttpServerOptions o = new HttpServerOptions().setHost(host).setPort(port);
        if (certPem != null && keyPem != null) {
            o.setSsl(true).setKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions().setCertPath(certPem.toString())
                    .setKeyPath(keyPem.toString()));
        }
        server = vertx.createHttpServer(o).requestHandler(router)
                .listen().toCompletionStage().toCompletableFuture().get();
        return server.actualPort();
    }

    public void stop() throws Exception {
        if (server != null) {
            server.close().toCompletionStage().toCompletableFuture().get();
        }
    }
}
