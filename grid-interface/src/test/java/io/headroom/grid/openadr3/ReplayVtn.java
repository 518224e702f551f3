package io.headroom.grid.openadr3;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A VTN that replays a recorded conversation ({@code conversation.json} in a folder under
 * {@code src/test/resources/interop/}): a real HTTP server on 127.0.0.1 that answers each request with the first
 * recorded exchange for its "METHOD /path" not used yet (the last one again once all are used: polls repeat), and
 * records what the VEN sent. A request the recording has no answer for gets 404 and is listed in {@link #unexpected}.
 * The answers are exactly the recorded bytes: a utility's quirk becomes a test by adding its recording.
 */
final class ReplayVtn implements AutoCloseable {

    record Exchange(String request, int status, String body) {
    }

    final List<String> received = new CopyOnWriteArrayList<>();
    final List<String> unexpected = new CopyOnWriteArrayList<>();
    private final List<Exchange> exchanges = new ArrayList<>();
    private final boolean[] used;
    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;

    ReplayVtn(Path dir, JsonNode conversation) throws Exception {
        for (JsonNode x : conversation.path("exchanges")) {
            String body = x.hasNonNull("bodyFile") ? Files.readString(dir.resolve(x.get("bodyFile").asText()))
                    : x.has("body") ? x.get("body").toString() : "";
            exchanges.add(new Exchange(x.get("request").asText(), x.path("status").asInt(200), body));
        }
        used = new boolean[exchanges.size()];
        server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(req -> req.body().onComplete(b -> {
            String key = req.method().name() + " " + req.path();
            received.add(key + (b.succeeded() && b.result().length() > 0 ? " " + b.result().toString() : ""));
            Exchange answer = answer(key);
            if (answer == null) {
                unexpected.add(key);
                req.response().setStatusCode(404).end();
                return;
            }
            req.response().setStatusCode(answer.status()).putHeader("Content-Type", "application/json").end(answer.body());
        })).listen().toCompletionStage().toCompletableFuture().get();
    }

    private synchronized Exchange answer(String key) {
        int last = -1;
        for (int i = 0; i < exchanges.size(); i++) {
            if (exchanges.get(i).request().equals(key)) {
                if (!used[i]) {
                    used[i] = true;
                    return exchanges.get(i);
                }
                last = i;
            }
        }
        return last < 0 ? null : exchanges.get(last);
    }

    /** The recorded exchanges the VEN never asked for. */
    synchronized List<String> unused() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < exchanges.size(); i++) {
            if (!used[i]) {
                out.add(exchanges.get(i).request());
            }
        }
        return out;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get();
        vertx.close().toCompletionStage().toCompletableFuture().get();
    }
}
