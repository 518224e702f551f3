package io.headroom.hil.study;

import io.headroom.appliance.control.AllocationMode;
import io.headroom.appliance.control.ContingencyPlan;
import io.headroom.appliance.control.ContingencyPlanner;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.control.GroupRegulator;
import io.headroom.appliance.control.Snapshot;
import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.MeasurementQuality;
import io.headroom.appliance.measure.NodeActivity;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The appliance in virtual time around the real control core: one {@link GroupRegulator} per redundancy
 * group, run every {@code control.tick} on a snapshot of the meters and the agents' last acknowledged power,
 * as {@code RegulationLoop} does; what it decides reaches the plant the way the actuator and the agents make it:
 * <ul>
 *   <li>a cap is sent when it moved by ≥ 0.5 W or a quarter lease passed; the agent enforces it
 *       {@code capLatencyMs} later and acknowledges with its GPUs' power reading, which arrives as long again;</li>
 *   <li>when a decision says {@code rearm}, its plans are armed on the agents ({@code capLatencyMs} later);</li>
 *   <li>a feed loss fires the armed contingency: {@code fastPathMs} after it every agent of the group enforces
 *       its armed cap for that feed, and the appliance holds its commands at or below those caps for
 *       max(2 s, lease), as {@code ProtectionLoop} and {@code CoapActuator.holdContingency} do. A cap command
 *       already in flight still lands (as on the wire).</li>
 * </ul>
 * Supercap banks are left out: the study counts on caps alone (conservative).
 */
final class VirtualAppliance {

    private record Event(long atMs, long seq, Runnable action) {
    }

    private final Site site;
    private final VirtualPlant plant;
    private final StudyParams p;
    private final List<GroupRegulator> regulators = new ArrayList<>();
    private final List<int[]> groupNodes = new ArrayList<>(); // plant index of each regulator node
    private final long tickMs;
    private final long leaseMs;
    private final PriorityQueue<Event> events = new PriorityQueue<>(
            (a, b) -> a.atMs != b.atMs ? Long.compare(a.atMs, b.atMs) : Long.compare(a.seq, b.seq));
    private long seq;
    private long tick;
    // Actuator state per plant node.
    private final double[] sentW;
    private final long[] sentAtMs;
    private final NodeTelemetry[] telemetry;
    private final long[] telemetryAtMs;
    private final double[] holdCapW;
    private final long[] holdUntilMs;
    // Armed tables: per group, [feed index within group][node within group]; the appliance's and the agents'.
    private final double[][][] armedByAppliance;
    private final double[][][] armedAtAgents;
    private final Map<String, Integer> nodeIndex = new HashMap<>();
    private GroupDecision[] last;
    private int triggers;

    VirtualAppliance(Site site, VirtualPlant plant, StudyParams p) {
        this(site, plant, p, AllocationMode.CLASS_FAIR);
    }

    /** With the given allocation mode; the agents report their GPUs' activity (power-cap throttling) in every ack. */
    VirtualAppliance(Site site, VirtualPlant plant, StudyParams p, AllocationMode allocation) {
        this.site = site;
        this.plant = plant;
        this.p = p;
        this.tickMs = site.control().tickMs();
        this.leaseMs = site.agents().leaseMs();
        for (int i = 0; i < site.nodes().size(); i++) {
            nodeIndex.put(site.nodes().get(i).id(), i);
        }
        for (RedundancyGroup g : site.groups()) {
            GroupRegulator r = new GroupRegulator(site, g, ContingencyPlanner.safeCapW(site, g), allocation);
            regulators.add(r);
            groupNodes.add(r.nodes().stream().mapToInt(x -> nodeIndex.get(x.id())).toArray());
        }
        int n = site.nodes().size();
        sentW = new double[n];
        java.util.Arrays.fill(sentW, Double.NaN);
        sentAtMs = new long[n];
        telemetry = new NodeTelemetry[n];
        telemetryAtMs = new long[n];
        holdCapW = new double[n];
        java.util.Arrays.fill(holdCapW, Double.NaN);
        holdUntilMs = new long[n];
        armedByAppliance = new double[site.groups().size()][][];
        armedAtAgents = new double[site.groups().size()][][];
        last = new GroupDecision[site.groups().size()];
    }

    /** An agent's starting cap: its group's N-1 safe cap. */
    static double safeCapW(Site site, Node node) {
        return ContingencyPlanner.safeCapW(site, site.group(node.groupId()).orElseThrow());
    }

    private void at(long ms, Runnable r) {
        events.add(new Event(ms, seq++, r));
    }

    /** Runs what is due at {@code nowMs}, then a regulation tick if one falls on it. */
    void advanceTo(long nowMs) {
        while (!events.isEmpty() && events.peek().atMs <= nowMs) {
            events.poll().action.run();
        }
        if (nowMs % tickMs == 0) {
            tick(nowMs);
        }
    }

    private void tick(long now) {
        tick++;
        Map<String, FeedMeasurement> feeds = new HashMap<>();
        for (int f = 0; f < plant.feedCount(); f++) {
            Feed feed = site.feeds().get(f);
            double a = plant.meterCurrentA(f, p.meterWindowMs(), p.meterAgeMs());
            feeds.put(feed.id(), new FeedMeasurement(feed.id(), a, feed.powerAtCurrentW(a), MeasurementQuality.GOOD,
                    p.meterAgeMs()));
        }
        Map<String, NodeTelemetry> nodes = new HashMap<>();
        for (int i = 0; i < telemetry.length; i++) {
            NodeTelemetry t = telemetry[i];
            if (t != null) {
                boolean fresh = now - telemetryAtMs[i] <= Math.max(1000, leaseMs);
                nodes.put(t.nodeId(), fresh ? t : new NodeTelemetry(t.nodeId(), t.gpuPowerW(), t.capPerGpuW(), false));
            }
        }
        Snapshot s = new Snapshot(tick, now * 1_000_000L, Instant.EPOCH.plusMillis(now), feeds, nodes);
        for (int g = 0; g < regulators.size(); g++) {
            GroupDecision d = regulators.get(g).run(s);
            last[g] = d;
            int[] idx = groupNodes.get(g);
            if (d.rearm()) {
                arm(g, d.plans(), now);
            }
            for (int k = 0; k < idx.length; k++) {
                int i = idx[k];
                double want = d.capsPerGpuW()[k];
                if (!Double.isNaN(holdCapW[i]) && now < holdUntilMs[i]) {
                    want = Math.min(want, holdCapW[i]);
                }
                if (Double.isNaN(sentW[i]) || Math.abs(want - sentW[i]) >= 0.5 || now - sentAtMs[i] >= leaseMs / 4) {
                    send(i, want, now);
                }
            }
        }
    }

    private void send(int i, double cap, long now) {
        sentW[i] = cap;
        sentAtMs[i] = now;
        long apply = now + p.capLatencyMs();
        at(apply, () -> {
            plant.enforceCap(i, cap);
            Node node = site.nodes().get(i);
            int gpus = node.gpus();
            boolean idle = plant.idle(i);
            NodeTelemetry t = new NodeTelemetry(node.id(), plant.telemetryW(i), plant.enforcedCapW(i), true,
                    new NodeActivity(gpus, idle ? 0 : gpus, idle ? gpus : 0, plant.powerThrottled(i) ? gpus : 0,
                            Double.NaN));
            at(apply + p.capLatencyMs(), () -> {
                telemetry[i] = t;
                telemetryAtMs[i] = apply + p.capLatencyMs();
            });
        });
    }

    private void arm(int g, List<ContingencyPlan> plans, long now) {
        double[][] table = new double[plans.size()][];
        for (int f = 0; f < plans.size(); f++) {
            table[f] = plans.get(f).capsPerGpuW().clone();
        }
        armedByAppliance[g] = table;
        at(now + p.capLatencyMs(), () -> armedAtAgents[g] = table);
    }

    /** A feed is lost at {@code nowMs}: the fast path fires its group's armed contingency. */
    void feedLost(String feedId, long nowMs) {
        if (p.fastPathMs() < 0) {
            return; // no fast path (slow_capping): regulation alone answers, through its meters and caps
        }
        RedundancyGroup group = site.groupOfFeed(feedId);
        int g = VirtualPlant.groupIndex(site, group.id());
        int f = group.feedIds().indexOf(feedId);
        long fire = nowMs + p.fastPathMs();
        at(fire, () -> {
            double[][] agents = armedAtAgents[g];
            int[] idx = groupNodes.get(g);
            if (agents != null) {
                triggers++;
                for (int k = 0; k < idx.length; k++) {
                    plant.enforceCap(idx[k], agents[f][k]);
                }
            }
            double[][] mine = armedByAppliance[g];
            if (mine != null) {
                long hold = Math.max(2_000, leaseMs);
                for (int k = 0; k < idx.length; k++) {
                    holdCapW[idx[k]] = mine[f][k];
                    holdUntilMs[idx[k]] = fire + hold;
                }
            }
        });
    }

    /** Contingencies fired that found a table armed at the agents. */
    int triggers() {
        return triggers;
    }

    /** The last decision of each group (null before the first tick). */
    GroupDecision[] lastDecisions() {
        return last.clone();
    }
}
