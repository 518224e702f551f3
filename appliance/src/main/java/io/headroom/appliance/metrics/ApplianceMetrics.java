package io.headroom.appliance.metrics;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.actuation.AckListener;
import io.headroom.appliance.grid.GridLink;
import io.headroom.appliance.measure.ModbusBuses;
import io.headroom.appliance.protection.FastPathListener;
import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.MeasurementQuality;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.headroom.drivers.modbus.ModbusBus;
import io.headroom.grid.Commitment;
import io.headroom.grid.CommitmentBook;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The appliance's metrics for Prometheus (scraped at {@code GET /metrics}): per feed its power, current,
 * limit, ceiling and margin; per group its allowed draw and GPU budget; per node its cap and GPU power; the
 * regulation tick's duration and period jitter; alarms; journal drops; the fast path's latency (detection →
 * trigger datagrams out → last agent acknowledgement); per Modbus device its poll latency and errors; the agents'
 * cap acknowledgement round trip; the OpenADR VEN's state. Gauges read the latest published state (held strongly:
 * Micrometer would otherwise let it be collected), so scraping never touches the loops; latencies arrive through
 * the listeners this class implements or installs ({@link TickListener}, {@link FastPathListener},
 * {@link AckListener}, {@link ModbusBus.PollListener}), each called after the work it measures. Names and labels
 * are listed in appliance/README.md.
 */
public final class ApplianceMetrics implements TickListener, FastPathListener, AckListener, AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer tick;
    private final DistributionSummary jitter;
    private final long nominalNanos;
    private long lastStartNanos = Long.MIN_VALUE;
    private final Timer fastPathSent;
    private final Timer fastPathAcked;
    private final Counter silentAgents;
    private final Map<String, Integer> nodeIndex = new HashMap<>();
    private final Timer[] ackByNode;
    private final Counter[] ackFailuresByNode;
    /** Per node (site order), the last acknowledged round trip in ns; -1 before the first. */
    private final AtomicLongArray lastAckNanos;
    private Jvm gc;

    public ApplianceMetrics(Site site, Supplier<SiteState> state, Journal journal) {
        this.nominalNanos = site.control().tickMs() * 1_000_000L;
        this.tick = Timer.builder("headroom.regulation.tick").description("time to run one regulation tick")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(1)).register(registry);
        this.jitter = DistributionSummary.builder("headroom.regulation.jitter").baseUnit("seconds")
                .description("|actual tick period - nominal period|").publishPercentileHistogram()
                .minimumExpectedValue(1e-5).maximumExpectedValue(1.0).register(registry);
        for (Feed f : site.feeds()) {
            feedGauge("headroom.feed.power", "watts", f, state, m -> m.powerW());
            feedGauge("headroom.feed.current", "amperes", f, state, m -> m.currentA());
            feedGauge("headroom.feed.margin", "ratio", f, state, m -> 1 - m.currentA() / f.limitA());
            Gauge.builder("headroom.feed.limit", f, Feed::limitA).baseUnit("amperes").tag("feed", f.id()).strongReference(true).register(registry);
        }
        for (var g : site.groups()) {
            groupGauge("headroom.group.allowed", g.id(), state, GroupDecision::allowedGroupW);
            groupGauge("headroom.group.gpu.budget", g.id(), state, GroupDecision::gpuBudgetW);
        }
        for (Node n : site.nodes()) {
            Gauge.builder("headroom.node.cap", state, s -> {
                        SiteState x = s.get();
                        Double c = x == null ? null : x.caps().get(n.id());
                        return c == null ? Double.NaN : c;
                    }).baseUnit("watts").description("per-GPU cap the appliance commands")
                    .tags("node", n.id(), "priority", n.priority().label()).strongReference(true).register(registry);
            Gauge.builder("headroom.node.gpu.power", state, s -> {
                        SiteState x = s.get();
                        var t = x == null ? null : x.nodes().get(n.id());
                        return t == null ? Double.NaN : t.gpuPowerW();
                    }).baseUnit("watts").tags("node", n.id(), "priority", n.priority().label()).strongReference(true).register(registry);
        }
        rackGauges(site, state);
        Gauge.builder("headroom.alarms.active", state, s -> s.get() == null ? 0 : s.get().alarms().size())
                .description("alarms raised now").strongReference(true).register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("headroom.journal.dropped", journal, Journal::dropped)
                .description("history items the journal dropped because its writer fell behind").register(registry);
        Gauge.builder("headroom.build.info", () -> 1).description("the firmware's version and the JVM it runs on")
                .tags("version", BuildInfo.version(), "java_version", Runtime.version().toString())
                .strongReference(true).register(registry);
        Gauge.builder("headroom.regulation.last.tick.timestamp", state, s -> {
                    SiteState x = s.get();
                    return x == null || x.utc() == null ? Double.NaN : x.utc().toEpochMilli() / 1e3;
                }).baseUnit("seconds").description("UTC time of the last regulation tick published")
                .strongReference(true).register(registry);
        Gauge.builder("headroom.configured", () -> 1)
                .description("1: the appliance runs a site file of its own (0 is an unconfigured appliance's, which"
                        + " controls nothing)").strongReference(true).register(registry);
        safety(site, state);
        this.fastPathSent = fastPathTimer("sent");
        this.fastPathAcked = fastPathTimer("acked");
        this.silentAgents = Counter.builder("headroom.protection.silent.agents")
                .description("agents targeted by a contingency fan-out that never acknowledged it").register(registry);
        // The histogram per group (a few), not per node (thousands × buckets); the last round trip per node.
        Map<String, Timer> ackByGroup = new HashMap<>();
        Map<String, Counter> failuresByGroup = new HashMap<>();
        for (var g : site.groups()) {
            ackByGroup.put(g.id(), Timer.builder("headroom.agent.ack")
                    .description("round trip of a cap command to a node agent, to its acknowledgement")
                    .tag("group", g.id()).publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofSeconds(2)).register(registry));
            failuresByGroup.put(g.id(), Counter.builder("headroom.agent.ack.failures")
                    .description("cap commands a node agent did not acknowledge (timeout, error answer)")
                    .tag("group", g.id()).register(registry));
        }
        int n = site.nodes().size();
        this.ackByNode = new Timer[n];
        this.ackFailuresByNode = new Counter[n];
        this.lastAckNanos = new AtomicLongArray(n);
        for (int i = 0; i < n; i++) {
            Node node = site.nodes().get(i);
            nodeIndex.put(node.id(), i);
            ackByNode[i] = ackByGroup.get(node.groupId());
            ackFailuresByNode[i] = failuresByGroup.get(node.groupId());
            lastAckNanos.set(i, -1);
            int k = i;
            Gauge.builder("headroom.node.ack", lastAckNanos, a -> a.get(k) < 0 ? Double.NaN : a.get(k) / 1e9)
                    .baseUnit("seconds").description("the node agent's last acknowledged cap command round trip")
                    .tags("node", node.id(), "priority", node.priority().label()).strongReference(true).register(registry);
        }
    }

    /**
     * The safety state as series: per feed its breaker ceiling now and its measurement's quality (one series per
     * quality, 1 for the current one); per group its N-1 readiness and per contingency its feasibility and shed;
     * per bank its state of charge; per node whether its telemetry is fresh (a silent agent reads 0).
     */
    private void safety(Site site, Supplier<SiteState> state) {
        for (Feed f : site.feeds()) {
            String group = site.groupOfFeed(f.id()).id();
            Gauge.builder("headroom.feed.ceiling", state, s -> {
                        Double a = ceilingA(s.get(), group, f.id());
                        return a == null ? Double.NaN : a;
                    }).baseUnit("amperes").description("the breaker ceiling regulation applies to the feed now")
                    .tag("feed", f.id()).strongReference(true).register(registry);
            for (MeasurementQuality q : MeasurementQuality.values()) {
                Gauge.builder("headroom.feed.quality", state, s -> {
                            SiteState x = s.get();
                            FeedMeasurement m = x == null ? null : x.feeds().get(f.id());
                            return m == null ? Double.NaN : m.quality() == q ? 1 : 0;
                        }).description("1 for the quality of the feed's measurement now (GOOD, STALE, ERROR,"
                                + " OUT_OF_RANGE, FROZEN), 0 for the others")
                        .tags("feed", f.id(), "quality", q.name()).strongReference(true).register(registry);
            }
        }
        for (var g : site.groups()) {
            Gauge.builder("headroom.group.n1.ready", state, s -> {
                        GroupDecision d = decision(s.get(), g.id());
                        return d == null ? Double.NaN : n1Ready(d) ? 1 : 0;
                    }).description("1 while the group has a feasible plan for the loss of each of its feeds and no"
                            + " feed out (lost or in maintenance)").tag("group", g.id()).strongReference(true)
                    .register(registry);
            Gauge.builder("headroom.group.feeds.out", state, s -> {
                        GroupDecision d = decision(s.get(), g.id());
                        return d == null ? Double.NaN : d.feedsOut().size();
                    }).description("feeds of the group lost or in maintenance now").tag("group", g.id())
                    .strongReference(true).register(registry);
            for (String lost : g.feedIds()) {
                Gauge.builder("headroom.contingency.feasible", state, s -> {
                            var p = plan(s.get(), g.id(), lost);
                            return p == null ? Double.NaN : p.feasible() ? 1 : 0;
                        }).description("1 when the plan for losing lost_feed keeps the survivors within their limits"
                                + " with the critical floors met").tags("group", g.id(), "lost_feed", lost)
                        .strongReference(true).register(registry);
                Gauge.builder("headroom.contingency.shed", state, s -> {
                            var p = plan(s.get(), g.id(), lost);
                            return p == null ? Double.NaN : p.shedW();
                        }).baseUnit("watts").description("power the plan for losing lost_feed sheds from full demand")
                        .tags("group", g.id(), "lost_feed", lost).strongReference(true).register(registry);
            }
        }
        for (var b : site.supercaps()) {
            Gauge.builder("headroom.bank.soc", state, s -> {
                        SiteState x = s.get();
                        var m = x == null ? null : x.banks().get(b.id());
                        return m == null || !m.usable() ? Double.NaN : m.socFraction();
                    }).baseUnit("ratio").description("the supercap bank's state of charge")
                    .tags("bank", b.id(), "feed", b.feedId()).strongReference(true).register(registry);
            Gauge.builder("headroom.bank.power", state, s -> {
                        SiteState x = s.get();
                        var m = x == null ? null : x.banks().get(b.id());
                        return m == null || !m.usable() ? Double.NaN : m.powerW();
                    }).baseUnit("watts").description("the bank's converter power (discharge positive)")
                    .tags("bank", b.id(), "feed", b.feedId()).strongReference(true).register(registry);
        }
        for (Node n : site.nodes()) {
            Gauge.builder("headroom.node.telemetry.fresh", state, s -> {
                        SiteState x = s.get();
                        var t = x == null ? null : x.nodes().get(n.id());
                        return x == null ? Double.NaN : t != null && t.fresh() ? 1 : 0;
                    }).description("1 while the node's agent (or BMC) answers, 0 when it is silent")
                    .tags("node", n.id(), "priority", n.priority().label()).strongReference(true).register(registry);
        }
    }

    /** A group is N-1 ready: a plan for the loss of each feed, every plan feasible, no feed out. */
    public static boolean n1Ready(GroupDecision d) {
        return !d.plans().isEmpty() && !d.redundancyLost()
                && d.plans().stream().allMatch(io.headroom.appliance.control.ContingencyPlan::feasible);
    }

    private static GroupDecision decision(SiteState s, String group) {
        if (s == null) {
            return null;
        }
        for (GroupDecision d : s.decisions()) {
            if (d.groupId().equals(group)) {
                return d;
            }
        }
        return null;
    }

    private static io.headroom.appliance.control.ContingencyPlan plan(SiteState s, String group, String lost) {
        GroupDecision d = decision(s, group);
        if (d == null) {
            return null;
        }
        for (var p : d.plans()) {
            if (p.lostFeedId().equals(lost)) {
                return p;
            }
        }
        return null;
    }

    private static Double ceilingA(SiteState s, String group, String feed) {
        GroupDecision d = decision(s, group);
        if (d == null) {
            return null;
        }
        for (io.headroom.appliance.control.Arbiter.Considered c : d.considered()) {
            if (c.limit() instanceof io.headroom.appliance.control.Limit.FeedCeiling f && f.feedId().equals(feed)) {
                return f.amps();
            }
        }
        return null;
    }

    /**
     * The fast path's readiness: how many agents it targets and how many hold their current contingency table
     * ({@code headroom_protection_agents}, {@code headroom_protection_agents_armed}).
     */
    public ApplianceMetrics protection(java.util.function.IntSupplier armed, int agents) {
        Gauge.builder("headroom.protection.agents.armed", armed, a -> a.getAsInt())
                .description("agents holding the contingency table regulation armed last").strongReference(true)
                .register(registry);
        Gauge.builder("headroom.protection.agents", () -> agents)
                .description("agents the fast path fires contingencies to").strongReference(true).register(registry);
        return this;
    }

    /**
     * JVM and process metrics (Micrometer's binders: memory pools, GC pauses, threads, classes, CPU, uptime, open
     * files) and {@code process_resident_memory_bytes} (from /proc/self/statm, where there is one). The GC binder
     * listens to the JVM's notifications until {@link #close()}.
     */
    public ApplianceMetrics jvm() {
        gc = bindJvm(registry);
        return this;
    }

    /** The JVM's binders on a registry; closing the result stops the GC binder's notifications. */
    public interface Jvm extends AutoCloseable {
        @Override
        void close();
    }

    /** {@link #jvm()}'s series on any registry (the unconfigured appliance's too). */
    public static Jvm bindJvm(io.micrometer.core.instrument.MeterRegistry registry) {
        new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
        var gcMetrics = new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics();
        gcMetrics.bindTo(registry);
        new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.system.UptimeMetrics().bindTo(registry);
        new io.micrometer.core.instrument.binder.system.FileDescriptorMetrics().bindTo(registry);
        java.nio.file.Path statm = java.nio.file.Path.of("/proc/self/statm");
        if (java.nio.file.Files.isReadable(statm)) {
            Gauge.builder("process.resident.memory", statm, ApplianceMetrics::residentBytes).baseUnit("bytes")
                    .description("resident set size of the process").strongReference(true).register(registry);
        }
        return gcMetrics::close;
    }

    private static double residentBytes(java.nio.file.Path statm) {
        try {
            String[] f = java.nio.file.Files.readString(statm).trim().split("\\s+");
            return Long.parseLong(f[1]) * 4096.0;
        } catch (java.io.IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /**
     * The MQTT Sparkplug B northbound: whether it is connected and born, messages published and dropped, births,
     * commands refused.
     */
    public ApplianceMetrics mqtt(io.headroom.appliance.northbound.SparkplugNode node) {
        if (node == null) {
            return this;
        }
        var st = node.stats();
        Gauge.builder("headroom.mqtt.connected", node, x -> x.connected() ? 1 : 0)
                .description("1 while the Sparkplug B edge node is connected and born").strongReference(true)
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("headroom.mqtt.messages.published", st,
                x -> x.published.get()).description("Sparkplug B messages written to the broker").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("headroom.mqtt.messages.dropped", st,
                x -> x.dropped.get()).description("DDATA dropped because the broker was not taking messages")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("headroom.mqtt.births", st, x -> x.births.get())
                .description("NBIRTH sequences sent (connects and rebirths)").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("headroom.mqtt.commands.refused", st,
                x -> x.commandsRefused.get()).description("NCMD metrics refused (the northbound is read-only)")
                .register(registry);
        return this;
    }

    /** Stops the GC binder's notifications (when {@link #jvm()} was called). */
    @Override
    public void close() {
        if (gc != null) {
            gc.close();
        }
    }

    private Timer fastPathTimer(String stage) {
        return Timer.builder("headroom.protection.fastpath")
                .description("from the feed-loss decision to the trigger datagrams sent (stage=sent) and to the last"
                        + " agent acknowledgement (stage=acked)")
                .tag("stage", stage).publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(50_000))
                .maximumExpectedValue(Duration.ofMillis(500)).register(registry);
    }

    /**
     * Per-device poll latency (successful scans) and errors (failed scans) of every Modbus bus; installs a
     * {@link ModbusBus.PollListener} on each. Call before the buses start.
     */
    /**
     * The supervised loops (those watched by {@code supervisor} now): per loop {@code headroom_loop_up} (1 running or
     * failing, 0 stalled or stopped), {@code headroom_loop_heartbeat_age_seconds} and {@code headroom_loop_failures};
     * {@code headroom_healthy} (1 while every loop runs). Each read asks the supervisor.
     */
    public ApplianceMetrics supervision(io.headroom.appliance.supervision.Supervisor supervisor) {
        for (io.headroom.appliance.supervision.Supervisor.Verdict v : supervisor.check().loops()) {
            String loop = v.loop();
            java.util.function.Function<io.headroom.appliance.supervision.Supervisor,
                    io.headroom.appliance.supervision.Supervisor.Verdict> of = s -> s.check().of(loop);
            Gauge.builder("headroom.loop.up", supervisor, s -> {
                        var x = of.apply(s);
                        return x == null ? Double.NaN : x.state().healthy() ? 1 : 0;
                    }).description("1 while the loop runs, 0 when it is stalled or stopped (health red, no watchdog kicks)")
                    .tag("loop", loop).strongReference(true).register(registry);
            Gauge.builder("headroom.loop.heartbeat.age", supervisor, s -> {
                        var x = of.apply(s);
                        return x == null ? Double.NaN : x.silentNanos() / 1e9;
                    }).baseUnit("seconds").description("time since the loop's last heartbeat")
                    .tag("loop", loop).strongReference(true).register(registry);
            io.micrometer.core.instrument.FunctionCounter.builder("headroom.loop.failures", supervisor, s -> {
                        var x = of.apply(s);
                        return x == null ? 0 : x.failures();
                    }).description("events of the loop that failed (the loop went on)")
                    .tag("loop", loop).register(registry);
        }
        Gauge.builder("headroom.healthy", supervisor, s -> s.check().healthy() ? 1 : 0)
                .description("1 while every supervised loop runs; 0 turns /api/v1/health red and stops the watchdogs")
                .strongReference(true).register(registry);
        return this;
    }

    public ApplianceMetrics modbus(ModbusBuses buses) {
        for (ModbusBus bus : buses.buses().values()) {
            String busId = bus.config().id();
            Map<ModbusBus.Device, Timer> latency = new IdentityHashMap<>();
            Map<ModbusBus.Device, Counter> errors = new IdentityHashMap<>();
            for (ModbusBus.Device d : bus.devices()) {
                latency.put(d, Timer.builder("headroom.modbus.poll")
                        .description("time to scan a Modbus device (every block, retries and pacing included)")
                        .tags("bus", busId, "device", d.id()).publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(5))
                        .register(registry));
                errors.put(d, Counter.builder("headroom.modbus.poll.errors")
                        .description("failed scans of a Modbus device (timeout, exception response, bad frame)")
                        .tags("bus", busId, "device", d.id()).register(registry));
            }
            bus.setPollListener(new PollMeters(latency, errors));
        }
        return this;
    }

    /** A bus's poll listener: counts into meters made beforehand; a lookup and an add on the bus thread. */
    record PollMeters(Map<ModbusBus.Device, Timer> latency, Map<ModbusBus.Device, Counter> errors)
            implements ModbusBus.PollListener {
        @Override
        public void onPoll(ModbusBus.Device device, long durationNanos, boolean ok) {
            if (ok) {
                Timer t = latency.get(device);
                if (t != null) {
                    t.record(durationNanos, TimeUnit.NANOSECONDS);
                }
            } else {
                Counter c = errors.get(device);
                if (c != null) {
                    c.increment();
                }
            }
        }
    }

    /**
     * The grid side: active events (distinct origins of the commitments active now, from the book regulation
     * obeys) and, with a VEN, whether it is registered, its pending reports and the age of its last poll.
     *
     * @param ven null when the appliance is not enrolled (no {@code headroom_openadr_*} VEN series then)
     */
    public ApplianceMetrics grid(GridLink ven, CommitmentBook book, Clock utc) {
        return grid(ven, book, new io.headroom.appliance.clock.Clocks(io.headroom.appliance.clock.Clocks.system().monotonic(), utc));
    }

    /** {@link #grid(GridLink, CommitmentBook, Clock)} on the appliance's clocks (the VEN's health is re-read every 5 s). */
    public ApplianceMetrics grid(GridLink ven, CommitmentBook book, io.headroom.appliance.clock.Clocks clocks) {
        Clock utc = clocks.utc();
        Gauge.builder("headroom.openadr.events.active", book, b -> activeEvents(b, utc.instant()))
                .description("utility events with a commitment active now").strongReference(true).register(registry);
        if (ven != null) {
            VenHealth h = new VenHealth(ven, clocks.monotonic());
            String v = ven.version();
            Gauge.builder("headroom.openadr.registered", h, x -> x.get().registered() ? 1 : 0).tag("version", v)
                    .description("1 when the VTN knows this VEN").strongReference(true).register(registry);
            Gauge.builder("headroom.openadr.pending.reports", h, x -> x.get().pendingReports()).tag("version", v)
                    .description("reports (2.0b: outgoing messages) queued, not yet accepted by the VTN")
                    .strongReference(true).register(registry);
            Gauge.builder("headroom.openadr.last.poll.age", h, x -> {
                        Instant last = x.get().lastPoll();
                        return last == null ? Double.NaN : Duration.between(last, utc.instant()).toNanos() / 1e9;
                    }).baseUnit("seconds").tag("version", v).description("time since the last successful poll of the VTN")
                    .strongReference(true).register(registry);
        }
        return this;
    }

    static int activeEvents(CommitmentBook book, Instant now) {
        Set<String> events = new HashSet<>();
        for (Commitment c : book.all()) {
            if (c.activeAt(now)) {
                events.add(c.origin().isEmpty() ? "commitment:" + c.id() : c.origin());
            }
        }
        return events.size();
    }

    /**
     * The VEN's health, read once at registration and then refreshed in the background when older than 5 s:
     * a scrape (on the HTTP event loop) never waits for the VEN's journal.
     */
    static final class VenHealth {
        private static final long MAX_AGE_NANOS = 5_000_000_000L;
        private final GridLink ven;
        private final AtomicBoolean refreshing = new AtomicBoolean();
        private volatile GridLink.Health latest;
        private volatile long readAtNanos;
        private final io.headroom.appliance.clock.MonotonicClock clock;

        VenHealth(GridLink ven, io.headroom.appliance.clock.MonotonicClock clock) {
            this.ven = ven;
            this.clock = clock;
            refresh();
        }

        GridLink.Health get() {
            if (clock.nanos() - readAtNanos > MAX_AGE_NANOS && refreshing.compareAndSet(false, true)) {
                Thread.ofVirtual().name("metrics-ven-health").start(() -> {
                    try {
                        refresh();
                    } finally {
                        refreshing.set(false);
                    }
                });
            }
            return latest;
        }

        private void refresh() {
            try {
                latest = ven.health();
            } catch (RuntimeException e) {
                if (latest == null) {
                    latest = new GridLink.Health(false, null, 0);
                }
            }
            readAtNanos = clock.nanos();
        }
    }

    @Override
    public void onFired(int feedIndex, long originNanos, long sentNanos, long lastAckNanos, int targets, int answered) {
        fastPathSent.record(Math.max(0, sentNanos - originNanos), TimeUnit.NANOSECONDS);
        if (answered > 0) {
            fastPathAcked.record(Math.max(0, lastAckNanos - originNanos), TimeUnit.NANOSECONDS);
        }
        if (targets > answered) {
            silentAgents.increment(targets - answered);
        }
    }

    @Override
    public void onCapAck(Node node, long roundTripNanos, boolean acknowledged) {
        Integer i = nodeIndex.get(node.id());
        if (i == null) {
            return;
        }
        if (acknowledged) {
            lastAckNanos.set(i, roundTripNanos);
            Timer t = ackByNode[i];
            if (t != null) {
                t.record(roundTripNanos, TimeUnit.NANOSECONDS);
            }
        } else if (ackFailuresByNode[i] != null) {
            ackFailuresByNode[i].increment();
        }
    }

    /**
     * Per rack, the placement hints ({@link io.headroom.appliance.placement.Placement}): the power a new job could draw
     * uncapped now and after the worst single-feed loss, N-1 readiness, and the GPUs busy, idle and power-throttled.
     * The hints are computed once per published state, whatever the number of racks.
     */
    private void rackGauges(Site site, Supplier<SiteState> state) {
        PlacementMemo memo = new PlacementMemo(site, state);
        for (io.headroom.appliance.site.Rack r : site.racks()) {
            rackGauge("headroom.rack.headroom.now", "watts", "power a new job could draw uncapped now", r, memo,
                    h -> h.uncappedNowW());
            rackGauge("headroom.rack.headroom.after.worst.loss", "watts",
                    "power a new job could draw uncapped after the worst single-feed loss", r, memo,
                    h -> h.uncappedAfterWorstLossW());
            rackGauge("headroom.rack.n1.ready", null, "1 when the rack's group is N-1 ready", r, memo,
                    h -> h.n1Ready() ? 1 : 0);
            rackGauge("headroom.rack.gpus.busy", null, "GPUs reporting work", r, memo, h -> h.busyGpus());
            rackGauge("headroom.rack.gpus.idle", null, "GPUs reporting idle", r, memo, h -> h.idleGpus());
            rackGauge("headroom.rack.gpus.power.throttled", null, "GPUs held down by their power limit", r, memo,
                    h -> h.powerThrottledGpus());
        }
    }

    private void rackGauge(String name, String unit, String description, io.headroom.appliance.site.Rack rack,
                           PlacementMemo memo, ToDoubleFunction<io.headroom.appliance.placement.Placement.RackHint> v) {
        Gauge.Builder<PlacementMemo> b = Gauge.builder(name, memo, m -> {
            io.headroom.appliance.placement.Placement.RackHint h = m.get().rack(rack.id());
            return h == null ? Double.NaN : v.applyAsDouble(h);
        }).description(description).tags("rack", rack.id(), "group", rack.groupId()).strongReference(true);
        (unit == null ? b : b.baseUnit(unit)).register(registry);
    }

    /** The placement of the latest published state, computed again only when another state is published. */
    static final class PlacementMemo {
        private final Site site;
        private final Supplier<SiteState> state;
        private volatile SiteState of;
        private volatile Racks racks;

        record Racks(Map<String, io.headroom.appliance.placement.Placement.RackHint> byId) {
            io.headroom.appliance.placement.Placement.RackHint rack(String id) {
                return byId.get(id);
            }
        }

        PlacementMemo(Site site, Supplier<SiteState> state) {
            this.site = site;
            this.state = state;
        }

        Racks get() {
            SiteState s = state.get();
            Racks r = racks;
            if (r == null || s != of) {
                Map<String, io.headroom.appliance.placement.Placement.RackHint> m = new HashMap<>();
                for (io.headroom.appliance.placement.Placement.RackHint h : io.headroom.appliance.placement.Placement.of(site, s).racks()) {
                    m.put(h.id(), h);
                }
                r = new Racks(m);
                racks = r;
                of = s;
            }
            return r;
        }
    }

    private void feedGauge(String name, String unit, Feed f, Supplier<SiteState> state, ToDoubleFunction<FeedMeasurement> v) {
        Gauge.builder(name, state, s -> {
            SiteState x = s.get();
            FeedMeasurement m = x == null ? null : x.feeds().get(f.id());
            return m == null || !m.usable() ? Double.NaN : v.applyAsDouble(m);
        }).baseUnit(unit).tag("feed", f.id()).strongReference(true).register(registry);
    }

    private void groupGauge(String name, String group, Supplier<SiteState> state, ToDoubleFunction<GroupDecision> v) {
        Gauge.builder(name, state, s -> {
            SiteState x = s.get();
            if (x == null) {
                return Double.NaN;
            }
            for (GroupDecision d : x.decisions()) {
                if (d.groupId().equals(group)) {
                    return v.applyAsDouble(d);
                }
            }
            return Double.NaN;
        }).baseUnit("watts").tag("group", group).strongReference(true).register(registry);
    }

    @Override
    public void onTick(long startNanos, long durationNanos) {
        tick.record(Duration.ofNanos(durationNanos));
        if (lastStartNanos != Long.MIN_VALUE) {
            jitter.record(Math.abs((startNanos - lastStartNanos) - nominalNanos) / 1e9);
        }
        lastStartNanos = startNanos;
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }
}
