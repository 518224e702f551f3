package io.headroom.hil;

import io.headroom.appliance.RegulationLoop;
import io.headroom.appliance.SiteState;
import io.headroom.appliance.actuation.Actuator;
import io.headroom.appliance.actuation.BankActuator;
import io.headroom.appliance.clock.Clocks;
import io.headroom.appliance.control.ContingencyPlan;
import io.headroom.appliance.control.ContingencyPlanner;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.measure.MeasurementPipeline;
import io.headroom.appliance.measure.ModbusBuses;
import io.headroom.appliance.site.Endpoint;
import io.headroom.appliance.site.Meter;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SupercapBank;
import io.headroom.drivers.modbus.ModbusBus;
import io.headroom.grid.CommitmentBook;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.function.LongConsumer;

/**
 * The appliance's measurement → regulation → actuation path against the simulated plant, in virtual time, on one
 * thread, deterministically. What is real and what is replaced:
 * <ul>
 *   <li>real: the site model; the Modbus driver ({@link ModbusBus}, j2mod over loopback TCP) reading the plant's
 *       meters and supercap converters, which are real Modbus TCP servers ({@link Plant}); {@link MeasurementPipeline};
 *       {@link RegulationLoop#tick} with its group regulators, arbiter, contingency planner and supercap controller;
 *       {@link BankActuator} writing bank setpoints over Modbus; the {@link Journal} (SQLite, on the virtual UTC
 *       clock); the plant itself (workload, nodes, breakers with their trip curves, banks).</li>
 *   <li>driven, not threaded: the plant steps every {@link #STEP_MS} ms of virtual time ({@link Plant#step}); each
 *       bus runs what is due at the virtual now on this thread ({@link ModbusBus#runDue}); regulation ticks every
 *       {@code control.tick}. The clock moves only between those, so a bus transaction takes no virtual time.</li>
 *   <li>replaced: the node agents and their CoAP/DTLS transport, the contingency trigger and the protection loop,
 *       by {@link AgentsInMemory}: a cap is enforced on the plant's GPUs {@link #CAP_LATENCY_MS} after regulation's
 *       flush sends it and acknowledged (with the node's GPU power) as long again, renewed every quarter lease;
 *       contingency tables are armed as long after a re-plan; a feed loss applies the armed caps
 *       {@link #FAST_PATH_MS} after it and holds the appliance's commands at or below them, as
 *       {@code CoapActuator.holdContingency} does. Leases never lapse (the appliance never stops here).</li>
 *   <li>not run: the waveform DSP, GPIO, the API, the VEN, supervision.</li>
 * </ul>
 * Used by {@code VirtualTimeApplianceTest} and by {@code ./headroom bench --scenario FILE --virtual-time}
 * ({@code ScenarioRunner.runVirtual}).
 */
public final class VirtualTimeHall implements AutoCloseable {

    public static final long STEP_MS = 2;
    public static final long CAP_LATENCY_MS = 5;
    public static final long FAST_PATH_MS = 4;

    /** The virtual clock: monotonic ns and UTC from one counter that only the run moves. */
    static final class VirtualClock extends Clock {
        private static final Instant EPOCH = Instant.parse("2026-01-05T00:00:00Z");
        private long nanos = 1_000_000_000_000L; // an arbitrary origin, as System.nanoTime's

        long nanos() {
            return nanos;
        }

        void advanceMs(long ms) {
            nanos += ms * 1_000_000L;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("UTC only");
        }

        @Override
        public Instant instant() {
            return EPOCH.plusNanos(nanos);
        }
    }

    private record Event(long atMs, long seq, Runnable action) {
    }

    private final Site site;
    private final VirtualClock clock = new VirtualClock();
    private final Plant plant;
    private final Journal journal;
    private final ModbusBuses buses;
    private final RegulationLoop regulation;
    /** Regulation's alarms: no hysteresis unless the user of the hall sets one ({@link #alarms()}). */
    private final io.headroom.appliance.operator.ActiveAlarms alarms = new io.headroom.appliance.operator.ActiveAlarms();
    private final AgentsInMemory agents;
    private final PriorityQueue<Event> events = new PriorityQueue<>(
            (a, b) -> a.atMs != b.atMs ? Long.compare(a.atMs, b.atMs) : Long.compare(a.seq, b.seq));
    private long seq;
    private long nowMs;

    public VirtualTimeHall(Site declared, long seed, Path dataDir) throws Exception {
        Map<String, Integer> meterPorts = new HashMap<>();
        Map<String, Endpoint> modbus = new HashMap<>();
        java.util.Iterator<Integer> free = Bench.freeTcpPorts(declared.meters().size() + declared.supercaps().size()).iterator();
        for (Meter m : declared.meters()) {
            int port = free.next();
            meterPorts.put(m.id(), port);
            modbus.put(m.id(), new Endpoint("127.0.0.1", port));
        }
        Map<String, Integer> bankPorts = new HashMap<>();
        for (SupercapBank b : declared.supercaps()) {
            int port = free.next();
            bankPorts.put(b.id(), port);
            modbus.put(b.id(), new Endpoint("127.0.0.1", port));
        }
        this.site = declared.withEndpoints(Map.of(), modbus);
        Clocks clocks = new Clocks(clock::nanos, clock);
        this.plant = new Plant(site, meterPorts, bankPorts, seed, STEP_MS, clock::nanos);
        try {
            this.journal = Journal.open(dataDir.resolve("journal.db"), clock, 7 * 24 * 3600, 1_000_000);
            this.buses = ModbusBuses.of(site, clocks, true);
            MeasurementPipeline measurements = new MeasurementPipeline(site, buses);
            this.agents = new AgentsInMemory();
            this.regulation = new RegulationLoop(site, measurements, agents, new CommitmentBook(), journal, clock,
                    clocks.monotonic(), RegulationLoop.Wiring.none().withBanks(new BankActuator(site, buses))
                            .withAlarms(alarms));
        } catch (Exception | Error e) {
            plant.close();
            throw e;
        }
        plant.onFeedChange((feedId, up) -> {
            if (!up) {
                agents.feedLost(feedId);
            }
        });
    }

    public Site site() {
        return site;
    }

    public Plant plant() {
        return plant;
    }

    /** The appliance's regulation as the hall runs it (its alarms, their hysteresis). */
    /** The alarms regulation raises and clears (set a hysteresis here, as the appliance does). */
    public io.headroom.appliance.operator.ActiveAlarms alarms() {
        return alarms;
    }

    public RegulationLoop regulation() {
        return regulation;
    }

    /** The journal, on the virtual clock. */
    public Journal journal() {
        return journal;
    }

    /** The virtual clock: UTC and (as {@code instant}'s nanos) monotonic time, moved only by {@link #run}. */
    public Clock clock() {
        return clock;
    }

    /** Virtual ms since the start. */
    public long nowMs() {
        return nowMs;
    }

    /**
     * Runs {@code minutes} of virtual time: every {@link #STEP_MS} ms the due actuator events, {@code scenario} (told
     * the virtual ms), a plant step, the buses' due scans and, on its period, a regulation tick ({@code onTick}).
     */
    public void run(long durationMs, LongConsumer scenario, java.util.function.Consumer<SiteState> onTick) {
        long tickMs = site.control().tickMs();
        if (nowMs == 0) {
            plant.startStepped();
            agents.startAtSafeCaps();
        }
        long end = nowMs + durationMs;
        while (nowMs < end) {
            clock.advanceMs(STEP_MS);
            nowMs += STEP_MS;
            while (!events.isEmpty() && events.peek().atMs <= nowMs) {
                events.poll().action().run();
            }
            scenario.accept(nowMs);
            plant.step(STEP_MS / 1000.0);
            for (ModbusBus b : buses.buses().values()) {
                b.runDue();
            }
            if (nowMs % tickMs == 0) {
                onTick.accept(regulation.tick());
            }
        }
    }

    private void at(long ms, Runnable r) {
        events.add(new Event(ms, seq++, r));
    }

    /** Cap commands sent to the agents so far. */
    public long capsSent() {
        return agents.sent;
    }

    /** Feed losses answered by an armed table. */
    public long contingenciesApplied() {
        return agents.applied;
    }

    /**
     * The node agents as the plant's GPUs see them, without a network: see the class comment. Called on the run's
     * thread only.
     */
    private final class AgentsInMemory implements Actuator {
        private final Map<String, Integer> index = new HashMap<>();
        private final double[] desired;
        private final double[] sentW;
        private final long[] sentAtMs;
        private final NodeTelemetry[] telemetry;
        private final long[] telemetryAtMs;
        private final double[] holdW;
        private final long[] holdUntilMs;
        /** Per group (site order): the tables the agents hold, [feed index][node of the group]; null before the first. */
        private final double[][][] armed;
        private final double[][][] armedByAppliance;
        /** Per group, its nodes in the order of its decisions' caps. */
        private final List<List<Node>> groupNodes = new ArrayList<>();
        private final long leaseMs = site.agents().leaseMs();
        long sent;
        long applied;

        AgentsInMemory() {
            int n = site.nodes().size();
            for (int i = 0; i < n; i++) {
                index.put(site.nodes().get(i).id(), i);
            }
            desired = new double[n];
            sentW = new double[n];
            java.util.Arrays.fill(sentW, Double.NaN);
            sentAtMs = new long[n];
            telemetry = new NodeTelemetry[n];
            telemetryAtMs = new long[n];
            holdW = new double[n];
            java.util.Arrays.fill(holdW, Double.NaN);
            holdUntilMs = new long[n];
            armed = new double[site.groups().size()][][];
            armedByAppliance = new double[site.groups().size()][][];
            for (RedundancyGroup g : site.groups()) {
                groupNodes.add(site.nodesOf(g));
            }
        }

        /** Every agent starts at its group's N-1 safe cap (what an agent without a lease holds). */
        void startAtSafeCaps() {
            for (Node n : site.nodes()) {
                enforce(n.id(), ContingencyPlanner.safeCapW(site, site.group(n.groupId()).orElseThrow()));
            }
        }

        private void enforce(String nodeId, double capPerGpuW) {
            PlantNode p = plant.node(nodeId);
            for (int g = 0; g < p.gpuCount(); g++) {
                p.setLimitW(g, Math.clamp(capPerGpuW, p.minW(g), p.maxW(g)));
            }
        }

        @Override
        public void command(Node node, double capPerGpuW) {
            int i = index.get(node.id());
            if (!Double.isNaN(holdW[i]) && nowMs < holdUntilMs[i]) {
                capPerGpuW = Math.min(capPerGpuW, holdW[i]);
            }
            desired[i] = capPerGpuW;
        }

        @Override
        public void flush(long nowNanos) {
            for (int i = 0; i < desired.length; i++) {
                double cap = desired[i];
                if (Double.isNaN(sentW[i]) || Math.abs(cap - sentW[i]) >= 0.5 || nowMs - sentAtMs[i] >= leaseMs / 4) {
                    sentW[i] = cap;
                    sentAtMs[i] = nowMs;
                    sent++;
                    Node node = site.nodes().get(i);
                    int k = i;
                    long applyAt = nowMs + CAP_LATENCY_MS;
                    at(applyAt, () -> {
                        enforce(node.id(), cap);
                        PlantNode p = plant.node(node.id());
                        java.util.List<io.headroom.drivers.gpuprotocol.GpuActivity> activity = new java.util.ArrayList<>();
                        for (int g = 0; g < p.gpuCount(); g++) {
                            activity.add(p.activity(g));
                        }
                        NodeTelemetry t = new NodeTelemetry(node.id(), p.gpuPowerW(), p.limitPerGpuW(), true,
                                io.headroom.appliance.measure.NodeActivity.of(activity));
                        at(applyAt + CAP_LATENCY_MS, () -> {
                            telemetry[k] = t;
                            telemetryAtMs[k] = applyAt + CAP_LATENCY_MS;
                        });
                    });
                }
            }
        }

        @Override
        public void arm(io.headroom.appliance.actuation.ContingencyCaps d, List<Node> nodes) {
            int g = groupIndex(d.groupId());
            groupNodes.set(g, List.copyOf(nodes));
            double[][] table = new double[site.feeds().size()][];
            for (io.headroom.appliance.actuation.ContingencyCaps.Contingency p : d.contingencies()) {
                table[feedIndex(p.lostFeedId())] = p.capsPerGpuW().clone();
            }
            armedByAppliance[g] = table;
            at(nowMs + CAP_LATENCY_MS, () -> armed[g] = table);
        }

        /** A feed is lost now: the fast path fires its group's armed table. */
        void feedLost(String feedId) {
            RedundancyGroup group = site.groupOfFeed(feedId);
            int g = groupIndex(group.id());
            int f = feedIndex(feedId);
            at(nowMs + FAST_PATH_MS, () -> {
                List<Node> nodes = groupNodes.get(g);
                double[][] table = armed[g];
                if (table != null && table[f] != null) {
                    applied++;
                    for (int k = 0; k < nodes.size(); k++) {
                        enforce(nodes.get(k).id(), table[f][k]);
                    }
                }
                holdContingency(f, clock.nanos(), Math.max(2_000, leaseMs) * 1_000_000L);
            });
        }

        @Override
        public void holdContingency(int feedIndex, long nowNanos, long holdNanos) {
            for (int g = 0; g < armedByAppliance.length; g++) {
                double[][] table = armedByAppliance[g];
                if (table == null || table[feedIndex] == null) {
                    continue;
                }
                List<Node> nodes = groupNodes.get(g);
                for (int k = 0; k < nodes.size(); k++) {
                    int i = index.get(nodes.get(k).id());
                    holdW[i] = table[feedIndex][k];
                    holdUntilMs[i] = nowMs + holdNanos / 1_000_000L;
                }
            }
        }

        @Override
        public Optional<NodeTelemetry> telemetry(Node node, long nowNanos) {
            int i = index.get(node.id());
            NodeTelemetry t = telemetry[i];
            if (t == null) {
                return Optional.empty();
            }
            boolean fresh = nowMs - telemetryAtMs[i] <= Math.max(1000, leaseMs);
            return Optional.of(fresh ? t : new NodeTelemetry(t.nodeId(), t.gpuPowerW(), t.capPerGpuW(), false,
                    t.activity()));
        }

        @Override
        public void close() {
        }

        private int groupIndex(String groupId) {
            for (int g = 0; g < site.groups().size(); g++) {
                if (site.groups().get(g).id().equals(groupId)) {
                    return g;
                }
            }
            throw new IllegalArgumentException("no group " + groupId);
        }

        private int feedIndex(String feedId) {
            for (int f = 0; f < site.feeds().size(); f++) {
                if (site.feeds().get(f).id().equals(feedId)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("no feed " + feedId);
        }
    }

    @Override
    public void close() {
        List<AutoCloseable> parts = new ArrayList<>(List.of(regulation, buses, journal, plant));
        for (AutoCloseable p : parts) {
            try {
                p.close();
            } catch (Exception ignored) {
                // closing what is left
            }
        }
    }
}
