package io.headroom.appliance;

import io.headroom.appliance.actuation.Actuator;
import io.headroom.appliance.actuation.BankActuator;
import io.headroom.appliance.actuation.ContingencyCaps;
import io.headroom.appliance.control.Arbiter;
import io.headroom.appliance.control.ContingencyPlan;
import io.headroom.appliance.measure.BankMeasurement;
import io.headroom.appliance.control.Limit;
import io.headroom.appliance.control.SupercapArbiter;
import io.headroom.appliance.control.SupercapController;
import io.headroom.appliance.site.ControlSettings;
import io.headroom.appliance.control.Tier;
import io.headroom.appliance.journal.FeedSecond;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.journal.JournalEntry;
import io.headroom.appliance.journal.JournalLog;
import io.headroom.grid.CommitmentBook;
import io.headroom.appliance.control.ContingencyPlanner;
import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.control.GroupRegulator;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.control.Snapshot;
import io.headroom.appliance.measure.MeasurementPipeline;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The regulation loop (10–50 Hz) on its own platform thread: latest measurements → one immutable snapshot →
 * one {@link GroupRegulator} per redundancy group (breaker limits, grid commitments from the
 * {@link CommitmentBook}, contingency plans for the demand seen) → caps to the actuator. Publishes a {@link SiteState} per tick. A failing tick (an
 * {@link Error} too) is logged and counted, never allowed to stop the loop; a loop that stops ticking is its
 * supervisor's to see ({@link Wiring#supervisedBy}).
 *
 * <p>Complete once constructed: what it is wired to besides its core (banks, waveform streams, a tick listener,
 * operator controls, a supervisor, other alarms to show, where its state is published) is given at construction
 * ({@link Wiring}), never set afterwards.
 */
public final class RegulationLoop implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RegulationLoop.class);

    private final Site site;
    private final MeasurementPipeline measurements;
    private final Actuator actuator;
    private final CommitmentBook commitments;
    private final Journal journal;
    private final io.headroom.appliance.journal.DecisionFilter decisionFilter =
            io.headroom.appliance.journal.DecisionFilter.defaults();
    /** Per feed, this second's sum of W, sum of A, max of A. */
    private final double[][] rollup;
    private final int[] rollupSamples;
    private long rollupSecond = Long.MIN_VALUE;
    private final BankActuator bankActuator;
    private final io.headroom.appliance.dsp.WaveformWatch waveforms;
    private final SupercapController supercaps;
    /** {@code control.bands}: null when the site sets no band or ramp limit. */
    private final io.headroom.appliance.control.BandController bands;
    private boolean lastRedundancyLost;
    private final io.headroom.appliance.metrics.TickListener tickListener;
    private final Clock utc;
    private final LongSupplier nanoTime;
    private final List<GroupRegulator> regulators = new ArrayList<>();
    private final LatestState state;
    private final ScheduledExecutorService thread;
    private final io.headroom.appliance.operator.ActiveAlarms activeAlarms;
    private final io.headroom.appliance.operator.OperatorControls operator;
    private long tick;
    private io.headroom.appliance.control.NodeValues.Index nodeIndex;
    private volatile long failedTicks;
    private final io.headroom.appliance.supervision.Heartbeat heartbeat;
    private final java.util.function.Supplier<List<String>> otherAlarms;

    /**
     * What a loop is wired to besides its core; every part is optional ({@link #none()}: no banks, no waveform
     * streams, no tick listener, no operator, unsupervised, no other alarms, alarms and state of its own).
     *
     * @param banks        commands the supercap banks (smoothing, ramp limit, gap cover); null or empty: none
     * @param waveforms    the waveform streams watched: their health (a silent or failed stream is an alarm), the
     *                     feeds' half-cycle quantities and the site's band power go into each {@link SiteState}, and
     *                     the band power into the snapshot (regulation's budgets still come from the meters); the
     *                     watch's clock is the loop's {@code nanoTime}; null or empty: none
     * @param tickListener who is told each tick's timing (metrics); null: nobody
     * @param operator     an operator's overrides and maintenance, obeyed; null: none
     * @param supervisor   watches the loop (loop {@value #LOOP}): a beat per successful tick, so a loop that hangs,
     *                     dies or fails every tick is stalled after twenty ticks (at least 2 s, as the GPIO
     *                     watchdog's own stall check: a loaded host delays a tick by a second now and then); watched
     *                     from the loop's construction on; null: unwatched
     * @param otherAlarms  alarms shown in each published state beside regulation's own (the loops' supervision);
     *                     null: none
     * @param alarms       where regulation raises and clears its alarms (shared with the operator controls that
     *                     acknowledge them, and with the hysteresis set there); null: a set of its own, without
     *                     hysteresis (alarms raise and clear at once: tests driving single ticks)
     * @param published    where each tick's state is published (its readers may be built before the loop); null: a
     *                     board of its own ({@link #state()} reads it either way)
     */
    public record Wiring(BankActuator banks, io.headroom.appliance.dsp.WaveformWatch waveforms,
                         io.headroom.appliance.metrics.TickListener tickListener,
                         io.headroom.appliance.operator.OperatorControls operator,
                         io.headroom.appliance.supervision.Supervisor supervisor,
                         java.util.function.Supplier<List<String>> otherAlarms,
                         io.headroom.appliance.operator.ActiveAlarms alarms, LatestState published) {

        /** Nothing besides the core. */
        public static Wiring none() {
            return new Wiring(null, null, null, null, null, null, null, null);
        }

        public Wiring withBanks(BankActuator b) {
            return new Wiring(b, waveforms, tickListener, operator, supervisor, otherAlarms, alarms, published);
        }

        public Wiring withWaveforms(io.headroom.appliance.dsp.WaveformWatch w) {
            return new Wiring(banks, w, tickListener, operator, supervisor, otherAlarms, alarms, published);
        }

        public Wiring onTick(io.headroom.appliance.metrics.TickListener l) {
            return new Wiring(banks, waveforms, l, operator, supervisor, otherAlarms, alarms, published);
        }

        public Wiring withOperator(io.headroom.appliance.operator.OperatorControls o) {
            return new Wiring(banks, waveforms, tickListener, o, supervisor, otherAlarms, alarms, published);
        }

        public Wiring supervisedBy(io.headroom.appliance.supervision.Supervisor s) {
            return new Wiring(banks, waveforms, tickListener, operator, s, otherAlarms, alarms, published);
        }

        public Wiring showAlarms(java.util.function.Supplier<List<String>> others) {
            return new Wiring(banks, waveforms, tickListener, operator, supervisor, others, alarms, published);
        }

        public Wiring withAlarms(io.headroom.appliance.operator.ActiveAlarms a) {
            return new Wiring(banks, waveforms, tickListener, operator, supervisor, otherAlarms, a, published);
        }

        public Wiring publishTo(LatestState board) {
            return new Wiring(banks, waveforms, tickListener, operator, supervisor, otherAlarms, alarms, board);
        }
    }

    /** A loop with nothing besides its core ({@link Wiring#none()}: tests, tools). */
    public RegulationLoop(Site site, MeasurementPipeline measurements, Actuator actuator, CommitmentBook commitments,
                          Journal journal, Clock utc, LongSupplier nanoTime) {
        this(site, measurements, actuator, commitments, journal, utc, nanoTime, Wiring.none());
    }

    public RegulationLoop(Site site, MeasurementPipeline measurements, Actuator actuator, CommitmentBook commitments,
                          Journal journal, Clock utc, LongSupplier nanoTime, Wiring wiring) {
        this.site = site;
        this.commitments = commitments;
        this.journal = journal;
        this.rollup = new double[site.feeds().size()][3];
        this.rollupSamples = new int[site.feeds().size()];
        ControlSettings cs = site.control();
        SupercapController.Settings d = SupercapController.Settings.defaults();
        this.supercaps = new SupercapController(site, new SupercapController.Settings(cs.rampLimitWPerS(),
                cs.smoothingTauMs() / 1000.0, d.socTarget(), d.socBand(), d.socMin(), d.socMax(), d.socGainPerS()));
        this.measurements = measurements;
        this.actuator = actuator;
        this.utc = utc;
        this.nanoTime = nanoTime;
        // Class-fair unless -Dheadroom.allocation=demand-aware (AllocationMode).
        io.headroom.appliance.control.AllocationMode allocation =
                io.headroom.appliance.control.AllocationMode.fromSystemProperty();
        if (allocation != io.headroom.appliance.control.AllocationMode.CLASS_FAIR) {
            log.info("regulation: {} allocation within each priority class ({})", allocation.label(),
                    io.headroom.appliance.control.AllocationMode.PROPERTY);
        }
        for (RedundancyGroup g : site.groups()) {
            regulators.add(new GroupRegulator(site, g, ContingencyPlanner.safeCapW(site, g), allocation));
        }
        this.bankActuator = wiring.banks() == null || wiring.banks().isEmpty() ? null : wiring.banks();
        this.bands = cs.bands().none() ? null
                : bandController(site, bankActuator != null, actuator.carriesGpuSmoothing(), d);
        this.waveforms = wiring.waveforms() == null || wiring.waveforms().isEmpty() ? null : wiring.waveforms();
        this.tickListener = wiring.tickListener() == null ? io.headroom.appliance.metrics.TickListener.NONE
                : wiring.tickListener();
        this.operator = wiring.operator();
        this.otherAlarms = wiring.otherAlarms() == null ? List::of : wiring.otherAlarms();
        this.activeAlarms = wiring.alarms() == null ? new io.headroom.appliance.operator.ActiveAlarms()
                : wiring.alarms();
        this.state = wiring.published() == null ? new LatestState() : wiring.published();
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "regulation");
            t.setDaemon(true);
            t.setPriority(Thread.MAX_PRIORITY - 1);
            return t;
        });
        // last: a loop whose construction failed is never watched
        this.heartbeat = wiring.supervisor() == null ? io.headroom.appliance.supervision.Heartbeat.unwatched(LOOP)
                : wiring.supervisor().watch(LOOP, java.time.Duration.ofMillis(Math.max(2000, 20 * site.control().tickMs())),
                "caps, leases and contingency plans are not renewed (agents fall back to their safe caps as their "
                        + "leases lapse)");
    }

    public void start() {
        long period = site.control().tickMs();
        thread.scheduleAtFixedRate(this::safeTick, period, period, TimeUnit.MILLISECONDS);
    }

    /** The latest published state; null before the first tick. */
    public SiteState state() {
        return state.get();
    }

    public long failedTicks() {
        return failedTicks;
    }

    /** The alarms raised now, with ids an operator acknowledges. */
    public io.headroom.appliance.operator.ActiveAlarms alarms() {
        return activeAlarms;
    }

    /** The appliance's alarm hysteresis: a condition raises its alarm once it has held this long... */
    public static final java.time.Duration ALARM_RAISE_AFTER = java.time.Duration.ofSeconds(1);
    /** ... and clears it once it has been gone this long. */
    public static final java.time.Duration ALARM_CLEAR_AFTER = java.time.Duration.ofSeconds(3);

    /** The loop's name for supervision. */
    public static final String LOOP = "regulation";

    /** The loop's heartbeat (its drills are armed there). */
    public io.headroom.appliance.supervision.Heartbeat heartbeat() {
        return heartbeat;
    }

    /**
     * The scheduled task: nothing may escape it, since an executor cancels a periodic task silently on the first
     * throwable (an {@link Error} too) and regulation would stop with nothing said.
     */
    private void safeTick() {
        io.headroom.appliance.supervision.Heartbeat hb = heartbeat;
        long t0;
        try {
            t0 = nanoTime.getAsLong();
            tick();
            hb.beat();
        } catch (Throwable e) {
            failedTicks++;
            hb.failed(e);
            try {
                log.error("regulation tick {} failed; the loop goes on", tick, e);
            } catch (Throwable ignored) {
                // logging failed too (out of memory): the count and the heartbeat carry it
            }
            return;
        }
        try {
            tickListener.onTick(t0, nanoTime.getAsLong() - t0);
        } catch (Throwable e) {
            log.warn("tick listener failed: {}", e.toString());
        }
    }

    /** One tick; public so that tests and the bench can drive the loop without its thread. */
    public SiteState tick() {
        long now = nanoTime.getAsLong();
        tick++;
        Map<String, FeedMeasurement> feeds = measurements.measure(now);
        // Per node, in arrays over the site's node index: no hash entry per node, no boxed cap (NodeValues).
        io.headroom.appliance.control.NodeValues.Builder<NodeTelemetry> heard =
                new io.headroom.appliance.control.NodeValues.Builder<>(nodeIndex());
        for (int i = 0; i < site.nodes().size(); i++) {
            heard.put(i, actuator.telemetry(site.nodes().get(i), now).orElse(null));
        }
        Map<String, NodeTelemetry> nodes = heard.build();
        java.time.Instant at = utc.instant();
        Map<String, BankMeasurement> banks = bankActuator == null ? Map.of() : bankActuator.measure(now);
        io.headroom.appliance.operator.OperatorControls op = operator;
        io.headroom.appliance.dsp.WaveformState wave = waveforms == null
                ? io.headroom.appliance.dsp.WaveformState.none() : waveforms.state(now);
        List<Limit> external = gridLimits(at);
        io.headroom.appliance.control.BandController.Output band = null;
        if (bands != null) {
            band = bands.run(bandInput(now, feeds, banks, op == null ? Set.of() : op.outOfService()));
            external.addAll(band.limits()); // a band ceiling goes through the arbiter like every limit
            if (actuator.carriesGpuSmoothing()) { // before this tick's commands, which carry it
                io.headroom.appliance.control.BandController.GpuCommand g = band.gpu();
                if (g.inGpu() && !g.none()) {
                    actuator.gpuSmoothing(g.floorW(), g.rampUpWPerS(), g.rampDownWPerS());
                } else {
                    actuator.gpuSmoothing(Double.NaN, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
                }
            }
        }
        Snapshot snapshot = new Snapshot(tick, now, at, feeds, nodes, banks, external,
                op == null ? Map.of() : op.nodeCeilingsW(at), op == null ? Set.of() : op.outOfService(), wave.bands());
        List<GroupDecision> decisions = new ArrayList<>();
        io.headroom.appliance.control.NodeValues.Doubles.Builder caps =
                new io.headroom.appliance.control.NodeValues.Doubles.Builder(nodeIndex());
        List<String> alarms = new ArrayList<>();
        if (waveforms != null) {
            alarms.addAll(waveforms.alarms(wave, now));
        }
        for (GroupRegulator reg : regulators) {
            GroupDecision d = reg.run(snapshot);
            decisions.add(d);
            alarms.addAll(d.alarms());
            List<Node> groupNodes = reg.nodes();
            if (d.rearm()) {
                actuator.arm(contingencyCaps(d), groupNodes);
            }
            for (int i = 0; i < groupNodes.size(); i++) {
                Node n = groupNodes.get(i);
                caps.put(n.id(), d.capsPerGpuW()[i]);
                actuator.command(n, d.capsPerGpuW()[i]);
            }
        }
        actuator.flush(now);
        Map<String, Double> bankSetpoints = Map.of();
        if (bankActuator != null) {
            SupercapArbiter.Bounds b = SupercapArbiter.bounds(site, decisions);
            SupercapController.Output out = supercaps.run(snapshot, b.feedCeilings(), b.siteCeilingW(),
                    b.noRedundancyFeeds(), band == null ? Double.NaN : band.gridTargetW());
            bankSetpoints = out.setpointsW();
            bankActuator.command(bankSetpoints, now);
        }
        boolean lost = false;
        for (GroupDecision d : decisions) {
            lost |= d.redundancyLost();
        }
        lastRedundancyLost = lost;
        logAlarmChanges(alarms, at);
        journalDecisions(decisions, at);
        rollup(feeds, at);
        List<String> shown = alarms;
        List<String> others = otherAlarms.get();
        if (!others.isEmpty()) {
            shown = new ArrayList<>(others);
            shown.addAll(alarms);
        }
        SiteState s = new SiteState(tick, at, site.control().tickMs(), feeds, nodes, caps.build(), decisions,
                List.copyOf(shown), banks, bankSetpoints, measurements.phases(now), wave);
        state.publish(s);
        return s;
    }

    /**
     * The band controller for {@code control.bands}: the site's banks (if the loop commands them) and caps, and GPU
     * floors and ramp rates where the actuator carries them to the agents ({@link Actuator#carriesGpuSmoothing()}:
     * the agent protocol's smoothing extension, off unless the actuator was told to).
     */
    private static io.headroom.appliance.control.BandController bandController(Site site, boolean banks,
                                                                              boolean gpuSmoothing,
                                                                              SupercapController.Settings d) {
        double wh = 0;
        double w = 0;
        for (io.headroom.appliance.site.SupercapBank b : site.supercaps()) {
            wh += b.energyWh();
            w += b.maxPowerW();
        }
        int gpus = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (Node n : site.nodes()) {
            gpus += n.gpus();
            min = Math.min(min, n.gpu().minW());
            max = Math.max(max, n.gpu().maxW());
        }
        java.util.Set<io.headroom.appliance.control.BandController.Means> means =
                java.util.EnumSet.of(io.headroom.appliance.control.BandController.Means.CAPS);
        if (banks && wh > 0) {
            means.add(io.headroom.appliance.control.BandController.Means.BANKS);
        }
        if (gpuSmoothing) {
            means.add(io.headroom.appliance.control.BandController.Means.GPU_SMOOTHING);
        }
        io.headroom.appliance.site.BandLimits l = site.control().bands();
        return new io.headroom.appliance.control.BandController(new io.headroom.appliance.control.BandController.Settings(
                l, site.control().contractImportLimitW(), means, wh, w, d.socMin(), d.socMax(), d.socTarget(), gpus,
                gpus == 0 ? 0 : min, max, 0.8,
                io.headroom.appliance.control.BandController.Settings.referenceTauFor(l)));
    }

    /**
     * The band controller's view of this tick: the site's load side (every feed's import plus its banks' discharge),
     * the banks' mean SoC, and whether a contingency holds (a feed unmeasured or in maintenance, or a group that had
     * lost its redundancy last tick): then it stands aside.
     */
    private io.headroom.appliance.control.BandController.Input bandInput(long now, Map<String, FeedMeasurement> feeds,
                                                                        Map<String, BankMeasurement> banks,
                                                                        Set<String> outOfService) {
        double load = 0;
        boolean contingency = lastRedundancyLost || !outOfService.isEmpty();
        for (io.headroom.appliance.site.Feed f : site.feeds()) {
            FeedMeasurement m = feeds.get(f.id());
            if (m == null || !m.usable()) {
                contingency = true;
            } else {
                load += m.powerW();
            }
        }
        double soc = 0;
        int n = 0;
        for (BankMeasurement b : banks.values()) {
            if (b.usable()) {
                load += b.powerW();
                soc += b.socFraction();
                n++;
            }
        }
        return new io.headroom.appliance.control.BandController.Input(now, load, Double.NaN,
                n == 0 ? Double.NaN : soc / n, contingency, false);
    }

    /** The site's node ids, indexed once (made on the first tick). */
    private io.headroom.appliance.control.NodeValues.Index nodeIndex() {
        if (nodeIndex == null) {
            nodeIndex = new io.headroom.appliance.control.NodeValues.Index(site.nodes());
        }
        return nodeIndex;
    }

    /** The utility contract and the grid commitments active at {@code t}, as site ceilings of the GRID tier. */
    private List<Limit> gridLimits(java.time.Instant t) {
        List<Limit> out = new ArrayList<>(2);
        double contract = site.control().contractImportLimitW();
        if (contract > 0) {
            out.add(new Limit.SiteCeiling(contract, Tier.GRID, "contract", String.format(java.util.Locale.ROOT,
                    "utility contract: site import at most %.1f kW", contract / 1000)));
        }
        java.util.OptionalDouble importLimit = commitments.importLimitAt(t);
        if (importLimit.isPresent()) {
            out.add(new Limit.SiteCeiling(importLimit.getAsDouble(), Tier.GRID, "grid-commitment",
                    String.format(java.util.Locale.ROOT, "grid commitment: site import at most %.1f kW now",
                            importLimit.getAsDouble() / 1000)));
        }
        return out;
    }

    private void logAlarmChanges(List<String> alarms, java.time.Instant at) {
        io.headroom.appliance.operator.ActiveAlarms.Changes c = activeAlarms.update(alarms, at);
        for (io.headroom.appliance.operator.ActiveAlarms.Alarm a : c.raised()) {
            long id = journal.record(JournalEntry.of(at, "alarm.raised", a.subject(), "appliance", a.message(),
                    "{\"alarm\":\"" + a.id() + "\"}"));
            JournalLog.with(log.atWarn().addKeyValue("alarmId", a.id()), id).log("alarm raised: {}", a.message());
        }
        for (io.headroom.appliance.operator.ActiveAlarms.Alarm a : c.cleared()) {
            long id = journal.record(JournalEntry.of(at, "alarm.cleared", a.subject(), "appliance", a.message(),
                    "{\"alarm\":\"" + a.id() + "\"}"));
            JournalLog.with(log.atInfo().addKeyValue("alarmId", a.id()), id).log("alarm cleared: {}", a.message());
        }
    }

    /**
     * Journals a group's decision when its substance changes (the tier or kind of the binding limit, its budget,
     * its plans' feasibility), at most one row per group every 10 s, each row with the count of equivalent decisions
     * folded since the last ({@link io.headroom.appliance.journal.DecisionFilter}).
     */
    private void journalDecisions(List<GroupDecision> decisions, java.time.Instant at) {
        for (GroupDecision d : decisions) {
            Limit l = d.bindingLimit();
            String substance = l == null ? d.binding().replaceAll("[0-9]+(\\.[0-9]+)?", "#")
                    : l.tier() + "/" + l.getClass().getSimpleName() + "/" + l.source();
            String detail = l == null ? d.binding() : substance + "/" + d.bindingFeed();
            boolean feasible = d.plans().stream().allMatch(io.headroom.appliance.control.ContingencyPlan::feasible);
            var row = decisionFilter.offer(new io.headroom.appliance.journal.DecisionFilter.Decision(
                    d.groupId(), substance, detail, d.allowedGroupW(), feasible), at);
            if (row.isPresent()) {
                var r = row.get();
                journal.record(JournalEntry.of(at, "decision", d.groupId(), "appliance", d.binding() + r.suffix(),
                        String.format(java.util.Locale.ROOT, "{\"allowedW\":%s,\"gpuBudgetW\":%s,\"tier\":\"%s\","
                                        + "\"feasible\":%s,\"why\":\"%s\",\"folded\":%d%s}",
                                json(d.allowedGroupW()), json(d.gpuBudgetW()), l == null ? "" : l.tier(), feasible,
                                r.reason(), r.folded(), r.foldedSince() == null ? ""
                                        : ",\"foldedSince\":\"" + r.foldedSince() + "\"")));
            }
        }
    }

    private static String json(double v) {
        return Double.isFinite(v) ? String.valueOf(Math.round(v)) : "null";
    }

    /** Accumulates this second per feed; hands the journal each finished second. */
    private void rollup(Map<String, FeedMeasurement> feeds, java.time.Instant at) {
        long second = at.getEpochSecond();
        if (second != rollupSecond) {
            if (rollupSecond != Long.MIN_VALUE) {
                for (int f = 0; f < rollup.length; f++) {
                    int n = rollupSamples[f];
                    if (n > 0) {
                        journal.rollup(new FeedSecond(rollupSecond, site.feeds().get(f).id(), rollup[f][0] / n,
                                rollup[f][2], rollup[f][1] / n, site.feeds().get(f).limitA(), n));
                    }
                }
            }
            rollupSecond = second;
            for (double[] r : rollup) {
                java.util.Arrays.fill(r, 0);
            }
            java.util.Arrays.fill(rollupSamples, 0);
        }
        for (int f = 0; f < rollup.length; f++) {
            FeedMeasurement m = feeds.get(site.feeds().get(f).id());
            if (m != null && m.usable()) {
                rollup[f][0] += m.powerW();
                rollup[f][1] += m.currentA();
                rollup[f][2] = Math.max(rollup[f][2], m.currentA());
                rollupSamples[f]++;
            }
        }
    }

    @Override
    public void close() {
        heartbeat.retire();
        thread.shutdownNow();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A decision's plans as the actuators arm them (actuation knows nothing of control's types). */
    static ContingencyCaps contingencyCaps(GroupDecision d) {
        List<ContingencyCaps.Contingency> list = new ArrayList<>(d.plans().size());
        for (ContingencyPlan p : d.plans()) {
            list.add(new ContingencyCaps.Contingency(p.lostFeedId(), p.capsPerGpuW()));
        }
        return new ContingencyCaps(d.groupId(), d.planEpoch(), list);
    }
}
