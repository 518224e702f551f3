package io.headroom.appliance.api;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Connection limits of the API server: at most {@link ApiServer.Limits#maxConnections} open connections and
 * {@link ApiServer.Limits#maxConnectionsPerClient} from one address (one past either is answered 503 with
 * {@code Retry-After} and {@code Connection: close}), and a connection that has not sent a whole request head
 * within {@link ApiServer.Limits#firstRequestTimeoutS} is closed (slow headers hold no slot for long). Idle
 * connections are closed by the server's idle timeout.
 */
final class ConnectionGuard {

    private final Vertx vertx;
    private final ApiServer.Limits limits;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<String, AtomicInteger> perClient = new ConcurrentHashMap<>();
    private final Set<HttpConnection> over = ConcurrentHashMap.newKeySet();
    private final Map<HttpConnection, Long> awaitingRequest = new ConcurrentHashMap<>();

    ConnectionGuard(Vertx vertx, ApiServer.Limits limits) {
        this.vertx = vertx;
        this.limits = limits;
    }

    /** The server's connection handler. */
    void opened(HttpConnection c) {
        String who = c.remoteAddress() == null ? "?" : c.remoteAddress().hostAddress();
        int total = open.incrementAndGet();
        int mine = perClient.computeIfAbsent(who, k -> new AtomicInteger()).incrementAndGet();
        if (total > limits.maxConnections() || mine > limits.maxConnectionsPerClient()) {
            over.add(c);
        }
        long timer = vertx.setTimer(limits.firstRequestTimeoutS() * 1000L, id -> {
            if (awaitingRequest.remove(c) != null) {
                c.shutdown(0, java.util.concurrent.TimeUnit.SECONDS); // close() would wait out a grace period
            }
        });
        awaitingRequest.put(c, timer);
        c.closeHandler(v -> {
            open.decrementAndGet();
            perClient.computeIfPresent(who, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
            over.remove(c);
            Long t = awaitingRequest.remove(c);
            if (t != null) {
                vertx.cancelTimer(t);
            }
        });
    }

    /** First on every route: a request on a connection past the limits is refused. */
    void admit(RoutingContext rc) {
        HttpConnection c = rc.request().connection();
        Long t = awaitingRequest.remove(c);
        if (t != null) {
            vertx.cancelTimer(t);
        }
        if (over.contains(c)) {
            rc.response().setStatusCode(503).putHeader("retry-after", "5").putHeader("connection", "close")
                    .putHeader("content-type", "application/json")
                    .end(new JsonObject().put("error", "too many connections: at most " + limits.maxConnections()
                            + " in all and " + limits.maxConnectionsPerClient() + " from one address").encode())
                    .onComplete(v -> c.shutdown(0, java.util.concurrent.TimeUnit.SECONDS));
            return;
        }
        rc.next();
    }

    /** Connections open now. */
    int open() {
        return open.get();
    }
}
