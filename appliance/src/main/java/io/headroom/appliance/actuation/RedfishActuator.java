package io.headroom.appliance.actuation;

import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Node;
import io.headroom.drivers.redfish.PowerLimit;
import io.headroom.drivers.redfish.RedfishClient;
import io.headroom.drivers.redfish.RedfishException;
import io.headroom.drivers.redfish.RedfishRangeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Caps through each node's BMC (Redfish), for servers without a node agent. A BMC limits the whole chassis, not
 * each GPU, so the per-GPU cap regulation commands becomes a node-level limit:
 *
 * <pre>  node limit (W) = GPUs × cap per GPU + the node's base load (site file {@code baseW}: CPUs, fans, NICs, PSU losses)</pre>
 *
 * clamped to the range the BMC publishes (at most its {@code AllowableMax}; where the limit would be under its
 * {@code AllowableMin}, the minimum is sent and a warning logged, since the BMC cannot hold the node lower). The
 * BMC's own control loop then shares that budget between CPUs and GPUs as it sees fit; the formula assumes the
 * base load is what the node draws besides its GPUs.
 *
 * <p>Never blocks the caller: {@link #command} records, {@link #flush} starts requests (the client is asynchronous),
 * at most one in flight per node. A limit is sent when it moved by a watt or more; otherwise the BMC is read every
 * poll interval, for telemetry and to put back a limit changed behind our back. A BMC whose request failed is asked
 * again after one poll interval (a limit refused as out of range at once, clamped to the range it learnt). There are no leases and no armed
 * contingencies: a BMC keeps its limit when the appliance stops, and its limit takes the BMC's correction time
 * (often seconds) to take hold, so Redfish nodes are for regulation, not for the fast path.
 *
 * <p><b>Protection.</b> A Redfish node cannot be pre-armed, so it is held where every contingency wants it already:
 * {@link #arm} (called with each group's N-1 plans) sets its ceiling to the <em>lowest</em> per-GPU cap any of the
 * group's single-feed plans gives it, and every command is clamped to that ceiling. When a feed is lost, the
 * agents' armed caps land on the fast path and the Redfish nodes are already at (or under) their share of the
 * plan, so the plan holds without a BMC round trip. Until the first plans are armed the ceiling is the node's N-1
 * safe cap ({@code safeCapW}), and after a trigger {@link #holdContingency} holds that contingency's cap for the
 * hold period like the agents. The price: what regulation budgets to a Redfish node above that ceiling is not used.
 *
 * <p>Telemetry is the BMC's reading ({@code Sensor.Reading} of the power control, or
 * {@code PowerControl[].PowerConsumedWatts}) when it has one: GPU power = max(0, reading − base load), cap per GPU =
 * (limit − base load) / GPUs (the GPUs' maximum where capping is disabled). Its age counts from when the answer
 * came, in the caller's {@code nowNanos} time base (the flush's time plus how long the request took); it is stale
 * after three poll intervals.
 */
public final class RedfishActuator implements Actuator {

    private static final Logger log = LoggerFactory.getLogger(RedfishActuator.class);
    private static final double changeW = 1.0;

    /** A node's BMC: the client for its Redfish service and the chassis that is the node. */
    public record Bmc(RedfishClient client, String chassisId) {
    }

    private final Map<String, Channel> channels = new LinkedHashMap<>();
    private final long pollNanos;
    private final java.util.function.LongSupplier nanoTime;
    private final long telemetryDeadlineNanos;

    /** Per-node state; written by the regulation thread and the client's event loop. */
    private static final class Channel {
        final Node node;
        final Bmc bmc;
        volatile double desiredCapW = Double.NaN;
        volatile double sentLimitW = Double.NaN;
        volatile boolean inFlight;
        volatile long lastRequestNanos;
        volatile boolean contacted;
        volatile double minW = Double.NaN;
        volatile double maxW = Double.NaN;
        volatile NodeTelemetry telemetry;
        volatile long telemetryAtNanos;
        volatile long failures;
        volatile boolean warnedFloor;
        /** Per-GPU ceiling from the armed plans (the lowest contingency cap), or the safe cap before any; NaN: none. */
        volatile double ceilingW = Double.NaN;
        volatile double holdCapW = Double.NaN;
        volatile long holdUntilNanos;
        /** After a failure, no request before this (caller's time base). */
        volatile long holdOffUntilNanos;
        volatile boolean holdOff;

        Channel(Node node, Bmc bmc) {
            this.node = node;
            this.bmc = bmc;
        }
    }

    /**
     * @param nodes        the nodes capped through their BMCs
     * @param bmcOf        each node's BMC (the actuator closes the clients on {@link #close})
     * @param pollInterval how often an unchanged node's BMC is read; telemetry older than three intervals is stale
     * @param nanoTime     the caller's monotonic clock, ns (a request's duration is added to its start in it)
     */
    public RedfishActuator(List<Node> nodes, Function<Node, Bmc> bmcOf, Duration pollInterval,
                           java.util.function.LongSupplier nanoTime) {
        this(nodes, bmcOf, pollInterval, n -> Double.NaN, nanoTime);
    }

    /**
     * @param safeCapW each node's per-GPU ceiling until the first plans are armed (its N-1 safe cap); NaN: none
     */
    public RedfishActuator(List<Node> nodes, Function<Node, Bmc> bmcOf, Duration pollInterval,
                           java.util.function.ToDoubleFunction<Node> safeCapW, java.util.function.LongSupplier nanoTime) {
        this.nanoTime = java.util.Objects.requireNonNull(nanoTime, "nanoTime");
        this.pollNanos = pollInterval.toNanos();
        this.telemetryDeadlineNanos = 3 * pollNanos;
        for (Node n : nodes) {
            Channel c = new Channel(n, bmcOf.apply(n));
            c.ceilingW = safeCapW.applyAsDouble(n);
            channels.put(n.id(), c);
        }
    }

    /**
     * The BMC actuator of a site's Redfish nodes: a client per node (session auth, its CA or the JDK's trust, 3 s
     * connect and 5 s request timeouts), read every second; each node held at or under its contingency plans' caps,
     * {@code safeCapW} (its N-1 safe cap) until the first plans; the site's feeds name the contingencies.
     *
     * @throws IllegalStateException when a node's BMC password file cannot be read (the clients made are closed)
     */
    public static RedfishActuator forSite(io.headroom.appliance.site.Site site, io.vertx.core.Vertx vertx,
                                          List<Node> nodes, java.util.function.ToDoubleFunction<Node> safeCapW,
                                          java.util.function.LongSupplier nanoTime) {
        Map<String, Bmc> bmcs = new java.util.HashMap<>();
        try {
            for (Node n : nodes) {
                io.headroom.appliance.site.RedfishBmc b = n.redfish();
                String password = io.headroom.appliance.site.AgentKeys.readSecret(b.passwordFile());
                io.headroom.drivers.redfish.RedfishConfig.Builder cfg = io.headroom.drivers.redfish.RedfishConfig
                        .builder(b.url(), b.user(), password).connectTimeout(Duration.ofSeconds(3))
                        .requestTimeout(Duration.ofSeconds(5));
                if (b.caFile() != null) {
                    cfg.pinnedCa(b.caFile());
                }
                bmcs.put(n.id(), new Bmc(RedfishClient.create(vertx, cfg.build()), b.chassis()));
            }
        } catch (io.headroom.appliance.site.AgentKeys.KeyFileException e) {
            bmcs.values().forEach(b -> b.client().close());
            throw new IllegalStateException("BMC credentials: " + e.getMessage(), e);
        }
        log.info("{} node(s) capped through their BMCs (Redfish): held at their N-1 plans' lowest caps", nodes.size());
        return new RedfishActuator(nodes, n -> bmcs.get(n.id()), Duration.ofSeconds(1), safeCapW, nanoTime)
                .feeds(site.feeds().stream().map(io.headroom.appliance.site.Feed::id).toList());
    }

    /** Holds each of the group's Redfish nodes at or under the lowest cap any of its contingency plans gives it. */
    @Override
    public void arm(ContingencyCaps d, List<Node> groupNodes) {
        if (d.contingencies().isEmpty()) {
            return;
        }
        for (int i = 0; i < groupNodes.size(); i++) {
            Channel c = channels.get(groupNodes.get(i).id());
            if (c == null) {
                continue;
            }
            double lowest = Double.POSITIVE_INFINITY;
            for (ContingencyCaps.Contingency p : d.contingencies()) {
                lowest = Math.min(lowest, p.capsPerGpuW()[i]);
            }
            c.ceilingW = lowest;
            armedPlans.put(c.node.id(), plansOf(d, i));
        }
    }

    /** Per node: feed id → the node's cap in that contingency (for {@link #holdContingency}). */
    private final Map<String, Map<String, Double>> armedPlans = new java.util.concurrent.ConcurrentHashMap<>();
    private java.util.List<String> feedIds = List.of();

    /** The site's feeds in order, so that {@link #holdContingency}'s index names a feed. */
    public RedfishActuator feeds(List<String> ids) {
        this.feedIds = List.copyOf(ids);
        return this;
    }

    private static Map<String, Double> plansOf(ContingencyCaps d, int i) {
        Map<String, Double> m = new java.util.HashMap<>();
        for (ContingencyCaps.Contingency p : d.contingencies()) {
            m.put(p.lostFeedId(), p.capsPerGpuW()[i]);
        }
        return m;
    }

    @Override
    public void holdContingency(int feedIndex, long nowNanos, long holdNanos) {
        if (feedIndex < 0 || feedIndex >= feedIds.size()) {
            return;
        }
        String feed = feedIds.get(feedIndex);
        for (Channel c : channels.values()) {
            Double cap = armedPlans.getOrDefault(c.node.id(), Map.of()).get(feed);
            if (cap != null) {
                c.holdCapW = cap;
                c.holdUntilNanos = nowNanos + holdNanos;
            }
        }
    }

    /** The per-GPU cap the node is held at or under now (ceiling from the plans, a contingency hold), NaN: none. */
    public double ceilingW(Node node, long nowNanos) {
        Channel c = channels.get(node.id());
        return c == null ? Double.NaN : ceiling(c, nowNanos);
    }

    private static double ceiling(Channel c, long nowNanos) {
        double w = c.ceilingW;
        double hold = c.holdCapW;
        if (!Double.isNaN(hold) && nowNanos - c.holdUntilNanos < 0) {
            w = Double.isNaN(w) ? hold : Math.min(w, hold);
        }
        return w;
    }

    /** The node-level limit for {@code capPerGpuW} on every GPU of {@code node}, W. */
    public static double nodeLimitW(Node node, double capPerGpuW) {
        return node.gpus() * capPerGpuW + node.baseW();
    }

    @Override
    public void command(Node node, double capPerGpuW) {
        Channel c = channels.get(node.id());
        if (c == null) {
            throw new IllegalArgumentException("node " + node.id() + " has no BMC in this actuator");
        }
        c.desiredCapW = capPerGpuW;
    }

    @Override
    public void flush(long nowNanos) {
        for (Channel c : channels.values()) {
            double cap = c.desiredCapW;
            if (c.inFlight || Double.isNaN(cap) || (c.holdOff && nowNanos - c.holdOffUntilNanos < 0)) {
                continue;
            }
            double ceiling = ceiling(c, nowNanos);
            if (!Double.isNaN(ceiling)) {
                cap = Math.min(cap, ceiling);
            }
            c.holdOff = false;
            double want = clamp(c, nodeLimitW(c.node, cap));
            double sent = c.sentLimitW;
            if (Double.isNaN(sent) || Math.abs(want - sent) >= changeW) {
                set(c, want, nowNanos);
            } else if (!c.contacted || nowNanos - c.lastRequestNanos >= pollNanos) {
                poll(c, nowNanos);
            }
        }
    }

    private double clamp(Channel c, double w) {
        double max = c.maxW;
        double min = c.minW;
        if (!Double.isNaN(max) && w > max) {
            w = max;
        }
        if (!Double.isNaN(min) && w < min) {
            if (!c.warnedFloor) {
                c.warnedFloor = true;
                log.warn("node {}: limit {} W is under its BMC's minimum {} W; the BMC cannot hold it lower",
                        c.node.id(), Math.round(w), Math.round(min));
            }
            w = min;
        }
        return w;
    }

    private void set(Channel c, double limitW, long nowNanos) {
        c.inFlight = true;
        c.lastRequestNanos = nowNanos;
        c.contacted = true;
        start(c, () -> c.bmc.client().setLimit(c.bmc.chassisId(), limitW), nowNanos, (pl) -> {
            c.sentLimitW = pl.cappingEnabled() ? pl.limitW() : limitW;
        }, "limit " + Math.round(limitW) + " W not set");
    }

    private void poll(Channel c, long nowNanos) {
        c.inFlight = true;
        c.lastRequestNanos = nowNanos;
        c.contacted = true;
        start(c, () -> c.bmc.client().readLimit(c.bmc.chassisId()), nowNanos, pl -> {
            double sent = c.sentLimitW;
            if (!Double.isNaN(sent) && (!pl.cappingEnabled() || Math.abs(pl.limitW() - sent) >= changeW)) {
                log.warn("node {}: its BMC holds {} instead of {} W; setting it again", c.node.id(),
                        pl.cappingEnabled() ? Math.round(pl.limitW()) + " W" : "no limit", Math.round(sent));
                c.sentLimitW = Double.NaN;
            }
        }, "BMC not read");
    }

    private void start(Channel c, java.util.function.Supplier<CompletableFuture<PowerLimit>> op, long startedNanos,
                       java.util.function.Consumer<PowerLimit> onSuccess, String what) {
        long startedSys = nanoTime.getAsLong();
        CompletableFuture<PowerLimit> f;
        try {
            f = op.get();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((pl, err) -> {
            try {
                if (err == null) {
                    if (!Double.isNaN(pl.minW())) {
                        c.minW = pl.minW();
                    }
                    if (!Double.isNaN(pl.maxW())) {
                        c.maxW = pl.maxW();
                    }
                    onSuccess.accept(pl);
                    // answered at: the start in the caller's time base plus the time the request took
                    record(c, pl, startedNanos + (nanoTime.getAsLong() - startedSys));
                    if (c.failures > 0) {
                        log.info("node {}: BMC answers again after {} failures", c.node.id(), c.failures);
                        c.failures = 0;
                    }
                } else {
                    Throwable e = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                            ? err.getCause() : err;
                    if (e instanceof RedfishRangeException r) {
                        // learn the range: the next flush sends the clamped limit
                        if (!Double.isNaN(r.minW())) {
                            c.minW = r.minW();
                        }
                        if (!Double.isNaN(r.maxW())) {
                            c.maxW = r.maxW();
                        }
                    } else {
                        // a BMC that failed is asked again after one poll interval, not on every tick
                        c.holdOffUntilNanos = startedNanos + pollNanos;
                        c.holdOff = true;
                    }
                    c.failures++;
                    if (c.failures == 1 || Long.bitCount(c.failures) == 1) {
                        log.warn("node {} (BMC {}, chassis {}): {}: {} (failure {})", c.node.id(),
                                c.bmc.client().config().baseUri(), c.bmc.chassisId(), what,
                                e instanceof RedfishException ? e.getMessage() : e.toString(), c.failures);
                    }
                }
            } finally {
                c.inFlight = false;
            }
        });
    }

    private void record(Channel c, PowerLimit pl, long answeredNanos) {
        if (!pl.hasReading()) {
            return;
        }
        Node n = c.node;
        double gpuPower = Math.max(0, pl.consumedW() - n.baseW());
        double cap = pl.cappingEnabled() ? (pl.limitW() - n.baseW()) / n.gpus() : n.gpu().maxW();
        c.telemetry = new NodeTelemetry(n.id(), gpuPower, cap, true);
        c.telemetryAtNanos = answeredNanos;
    }

    @Override
    public Optional<NodeTelemetry> telemetry(Node node, long nowNanos) {
        Channel c = channels.get(node.id());
        NodeTelemetry t = c == null ? null : c.telemetry;
        if (t == null) {
            return Optional.empty();
        }
        boolean fresh = nowNanos - c.telemetryAtNanos <= telemetryDeadlineNanos;
        return Optional.of(fresh ? t : new NodeTelemetry(t.nodeId(), t.gpuPowerW(), t.capPerGpuW(), false));
    }

    /** Ends every BMC session (in parallel, bounded by the clients' request timeouts) and closes the clients. */
    @Override
    public void close() {
        List<CompletableFuture<Void>> ends = new ArrayList<>();
        long waitMs = 0;
        for (Channel c : channels.values()) {
            ends.add(c.bmc.client().closeAsync());
            waitMs = Math.max(waitMs, c.bmc.client().config().requestTimeout().toMillis());
        }
        try {
            CompletableFuture.allOf(ends.toArray(CompletableFuture[]::new)).get(waitMs + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("BMC sessions not all ended: {}", e.toString());
        }
        for (Channel c : channels.values()) {
            c.bmc.client().close();
        }
    }
}
