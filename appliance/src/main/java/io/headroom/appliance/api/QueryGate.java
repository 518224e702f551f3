package io.headroom.appliance.api;

import io.vertx.core.Context;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Journal and history queries run on their own few worker threads, never the event loop and never the pool that
 * other blocking work uses; at most {@code max} run or wait at once, and one more is answered 503 with
 * {@code Retry-After} at once instead of queueing: a flood of queries costs the appliance a bounded amount of
 * memory and threads, whatever its size.
 */
final class QueryGate {

    /** Work that writes its own answer (a streamed export), on the worker, given the request's context. */
    @FunctionalInterface
    interface Streamed {
        void run(Context requestContext) throws Exception;
    }

    private final WorkerExecutor workers;
    private final int max;
    private final AtomicInteger inFlight = new AtomicInteger();

    QueryGate(WorkerExecutor workers, int max) {
        this.workers = workers;
        this.max = max;
    }

    /** Runs {@code work} and answers its JSON with 200, a {@link ApiServer.BadParameter} with 400. */
    void json(RoutingContext rc, Callable<JsonObject> work) {
        if (!enter(rc)) {
            return;
        }
        // encoded on the worker too: a page of thousands of rows is no work for the event loop
        workers.executeBlocking(() -> work.call().toBuffer(), false).onComplete(r -> {
            inFlight.decrementAndGet();
            if (r.succeeded()) {
                rc.response().setStatusCode(200).putHeader("content-type", "application/json").end(r.result());
            } else {
                ApiServer.failure(rc, r.cause());
            }
        });
    }

    /** Runs {@code work}, which writes the answer itself; a failure before it wrote anything is answered. */
    void stream(RoutingContext rc, Streamed work) {
        if (!enter(rc)) {
            return;
        }
        Context ctx = rc.vertx().getOrCreateContext();
        workers.<Void>executeBlocking(() -> {
            work.run(ctx);
            return null;
        }, false).onComplete(r -> {
            inFlight.decrementAndGet();
            if (r.failed()) {
                if (!rc.response().headWritten()) {
                    ApiServer.failure(rc, r.cause());
                } else {
                    rc.response().reset();
                }
            }
        });
    }

    int inFlight() {
        return inFlight.get();
    }

    private boolean enter(RoutingContext rc) {
        if (inFlight.incrementAndGet() > max) {
            inFlight.decrementAndGet();
            rc.response().putHeader("retry-after", "1");
            ApiServer.json(rc, 503, new JsonObject().put("error", "busy: " + max
                    + " journal or history queries are running or waiting; try again in a second"));
            return false;
        }
        return true;
    }
}
