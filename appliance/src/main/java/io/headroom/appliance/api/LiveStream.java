package io.headroom.appliance.api;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.site.Site;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * {@code GET /api/v1/stream}: the live state as Server-Sent Events.
 * <ul>
 *   <li>event {@code state}: the same JSON as {@code GET /api/v1/site}, with the tick as the event id; one when a
 *       client connects (if a tick has run), then at most one per period (500 ms), when the tick moved since the
 *       client's last one;</li>
 *   <li>a comment line ({@code : heartbeat}) when nothing was sent to a client for a heartbeat period (15 s), so
 *       proxies and clients see a live connection while the state stands still.</li>
 * </ul>
 * One periodic timer serves every client: it encodes the state once and hands the bytes to each client on that
 * client's own context. Nothing waits: a client whose write queue is full (it is not reading) misses events
 * rather than buffering them, and one that stays full for {@link #STALLED_CLOSE_MS} is closed. A client that goes
 * (close or error) is removed at once, and the timer runs only while there are clients.
 */
final class LiveStream {

    static final String PATH = "/api/v1/stream";
    static final long PERIOD_MS = 500;
    static final long HEARTBEAT_MS = 15_000;
    /** A client that has not drained its write queue for this long is disconnected. */
    static final long STALLED_CLOSE_MS = 30_000;
    /** Per client: at most this much unsent data is queued (a few events of a large site). */
    static final int WRITE_QUEUE_BYTES = 1 << 20;

    private final Vertx vertx;
    private final Site site;
    private final Supplier<SiteState> state;
    private final long periodMs;
    private final long heartbeatMs;
    private final Set<Client> clients = ConcurrentHashMap.newKeySet();
    private final AtomicLong dropped = new AtomicLong();
    private static final Buffer HEARTBEAT = Buffer.buffer(": heartbeat\n\n");
    private final Object timerLock = new Object();
    private long timerId = -1; // under timerLock


    private static final class Client {
        final HttpServerResponse response;
        final Context context;
        // decided on the timer's thread, set first by the request handler
        volatile long lastTick = -1;
        volatile long lastEventNs;
        volatile long lastWriteNs;
        volatile long stalledSinceNs; // 0: draining

        Client(HttpServerResponse response, Context context) {
            this.response = response;
            this.context = context;
        }
    }

    /** Adds the operator's view (maintenance, overrides, alarm ids) to each event, as {@code /api/v1/site} does. */
    private OperatorApi operator;

    private final io.headroom.appliance.clock.MonotonicClock clock;

    LiveStream(Vertx vertx, Site site, Supplier<SiteState> state, long periodMs, long heartbeatMs,
               io.headroom.appliance.clock.MonotonicClock clock) {
        this.clock = clock;
        this.vertx = vertx;
        this.site = site;
        this.state = state;
        this.periodMs = periodMs;
        this.heartbeatMs = heartbeatMs;
    }

    /** Clients at once, at most; one more is answered 503 with {@code Retry-After}. */
    private int maxClients = Integer.MAX_VALUE;

    /** Mounts {@code GET /api/v1/stream} on {@code router} with the default periods and at most {@code maxClients}. */
    static LiveStream mount(Router router, Vertx vertx, Site site, Supplier<SiteState> state, OperatorApi operator,
                            int maxClients, io.headroom.appliance.clock.MonotonicClock clock) {
        LiveStream live = new LiveStream(vertx, site, state, PERIOD_MS, HEARTBEAT_MS, clock);
        live.operator = operator;
        live.maxClients = maxClients;
        router.get(PATH).handler(live::handle);
        return live;
    }

    /** Clients now connected. */
    int clients() {
        return clients.size();
    }

    /** Events and heartbeats not sent because a client's write queue was full. */
    long dropped() {
        return dropped.get();
    }

    void handle(RoutingContext rc) {
        HttpServerResponse r = rc.response();
        if (clients.size() >= maxClients) {
            r.putHeader("retry-after", "10");
            ApiServer.json(rc, 503, new io.vertx.core.json.JsonObject().put("error", "the live stream has its "
                    + maxClients + " clients; poll /api/v1/site or try again later"));
            return;
        }
        r.setChunked(true)
                .putHeader("content-type", "text/event-stream; charset=utf-8")
                .putHeader("cache-control", "no-cache")
                .putHeader("x-accel-buffering", "no")
                .setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
        Client c = new Client(r, rc.vertx().getOrCreateContext());
        r.closeHandler(v -> leave(c));
        r.exceptionHandler(e -> leave(c));
        r.endHandler(v -> leave(c));
        SiteState s = state.get();
        c.lastWriteNs = clock.nanos();
        if (s != null) {
            c.lastTick = s.tick();
            c.lastEventNs = c.lastWriteNs;
        }
        // retry: the browser's reconnection delay; the first event at once, so a new page need not wait a period
        r.write("retry: 2000\n\n" + (s == null ? ": waiting for the first tick\n\n" : event(s))).onFailure(e -> leave(c));
        clients.add(c);
        synchronized (timerLock) {
            if (timerId < 0) {
                timerId = vertx.setPeriodic(periodMs, periodMs, id -> tick());
            }
        }
    }

    private void leave(Client c) {
        if (clients.remove(c)) {
            synchronized (timerLock) {
                if (clients.isEmpty() && timerId >= 0) {
                    vertx.cancelTimer(timerId);
                    timerId = -1;
                }
            }
        }
    }

    private void tick() {
        if (clients.isEmpty()) {
            return;
        }
        SiteState s = state.get();
        long now = clock.nanos();
        Buffer event = null;
        for (Client c : clients) {
            Buffer bytes = null;
            // a timer that fell behind fires back to back: never two events to a client within 90 % of a period
            if (s != null && s.tick() != c.lastTick && now - c.lastEventNs >= periodMs * 900_000L) {
                if (event == null) {
                    event = Buffer.buffer(event(s).getBytes(StandardCharsets.UTF_8));
                }
                bytes = event;
                c.lastTick = s.tick();
                c.lastEventNs = now;
            } else if (now - c.lastWriteNs >= heartbeatMs * 1_000_000L) {
                bytes = HEARTBEAT;
            }
            if (bytes != null) {
                c.lastWriteNs = now;
                Buffer b = bytes;
                c.context.runOnContext(v -> send(c, b, now));
            }
        }
    }

    private void send(Client c, Buffer bytes, long now) {
        if (!clients.contains(c)) {
            return;
        }
        HttpServerResponse r = c.response;
        if (r.writeQueueFull()) {
            dropped.incrementAndGet();
            if (c.stalledSinceNs == 0) {
                c.stalledSinceNs = now;
            } else if (now - c.stalledSinceNs > STALLED_CLOSE_MS * 1_000_000L) {
                leave(c);
                r.reset();
            }
            return;
        }
        c.stalledSinceNs = 0;
        try {
            r.write(bytes).onFailure(e -> leave(c));
        } catch (IllegalStateException closed) {
            leave(c);
        }
    }

    private String event(SiteState s) {
        return "event: state\nid: " + s.tick() + "\ndata: " + SiteJson.site(site, s, operator).encode() + "\n\n";
    }
}
