package io.headroom.appliance.control;

import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.ControlSettings;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Regulation for one redundancy group, one {@link #run} per tick:
 * <ol>
 *   <li>limits: the group's breakers ({@link BreakerLimits}, trip-curve aware; no short excursion while the group
 *       has lost a feed or has one in maintenance) and the snapshot's external limits (contract, grid
 *       commitments);</li>
 *   <li>the group's draw, load side: the meters' power plus what the supercap banks discharge into the group's
 *       feeds, less what they charge from them, so that the GPUs' budget follows neither: the banks cover
 *       excesses and charge only into the room left under the continuous ceilings ({@link SupercapController});
 *       counting a charge as load would lower the caps, widen that room and deepen the charge, a loop that
 *       runs to the converters' limit;</li>
 *   <li>{@link Arbiter}: what the group may draw and which limit binds;</li>
 *   <li>the GPU budget: that, less the load the GPUs' telemetry does not explain;</li>
 *   <li>contingency readiness: the plans for every single-feed loss at the demand seen; if none exists with
 *       the critical floors, an alarm, and critical nodes are held below their floor (never below their GPUs'
 *       minimum) until one does;</li>
 *   <li>{@link Allocator}: per-GPU caps by priority, max-min fair in a class;</li>
 *   <li>hysteresis: caps fall at once, rise only after {@code raiseHold} and by {@code raiseStep} per tick,
 *       and changes within {@code deadband} are not made, so a steady load gives steady caps.</li>
 * </ol>
 * Stale or implausible meters never read as "no load": the group's draw is extrapolated from the feeds still
 * read, the limits are tightened by {@link #DEGRADED_EXTRA_MARGIN}, and an alarm is raised; with no usable
 * meter at all the group is held at its N-1 safe cap.
 *
 * <p>Pure apart from its own state (last caps, when they fell, breaker exposure, armed epoch); time comes from
 * the snapshot.
 */
public final class GroupRegulator {

    /** Extra fraction held back while some of a group's meters cannot be trusted. */
    public static final double DEGRADED_EXTRA_MARGIN = 0.10;
    /** A node drawing at least this fraction of its cap is taken to want more. */
    static final double SATURATED = 0.95;
    /** A feed under this fraction of its limit, while another of its group is above {@link #LIVE_FRACTION}, is lost. */
    static final double DEAD_FRACTION = 0.02;
    static final double LIVE_FRACTION = 0.20;
    /** Plans are armed again when a planned cap moves by more than this, W per GPU... */
    static final double REARM_THRESHOLD_W = 25;
    /** ...or when they are this old. */
    static final long REARM_MAX_AGE_NANOS = 10_000_000_000L;

    private final Site site;
    private final RedundancyGroup group;
    private final List<Feed> feeds;
    private final List<Node> nodes;
    private final ControlSettings control;
    private final double safeCapW;
    private final BreakerLimits breakers;
    private final ContingencyArming arming = new ContingencyArming(REARM_THRESHOLD_W, REARM_MAX_AGE_NANOS);
    private final double[] normalFloors;
    private final double[] lastCap;
    private final long[] loweredAtNanos;
    private final MeterCrossCheck crossCheck;

    public GroupRegulator(Site site, RedundancyGroup group, double safeCapW) {
        this.site = site;
        this.group = group;
        this.feeds = group.feedIds().stream().map(id -> site.feed(id).orElseThrow()).toList();
        this.nodes = site.nodesOf(group);
        this.control = site.control();
        this.safeCapW = safeCapW;
        this.breakers = new BreakerLimits(site, feeds);
        this.normalFloors = Allocator.floors(nodes);
        this.lastCap = new double[nodes.size()];
        this.loweredAtNanos = new long[nodes.size()];
        this.crossCheck = new MeterCrossCheck(feeds);
        for (int i = 0; i < nodes.size(); i++) {
            lastCap[i] = Math.clamp(safeCapW, normalFloors[i], nodes.get(i).gpu().maxW());
        }
        Arrays.fill(loweredAtNanos, Long.MIN_VALUE / 2);
    }

    public List<Node> nodes() {
        return nodes;
    }

    public RedundancyGroup group() {
        return group;
    }

    public GroupDecision run(Snapshot s) {
        List<String> alarms = new ArrayList<>();
        List<Limit> limits = new ArrayList<>(s.external());
        // Maintenance: the group is run as if its feeds in maintenance were already lost, so that opening their
        // breakers moves no load the survivors cannot carry.
        java.util.Set<String> outOfService = java.util.Set.of();
        if (!s.outOfService().isEmpty()) {
            List<String> inService = new ArrayList<>();
            List<String> out = new ArrayList<>();
            for (Feed f : feeds) {
                (s.outOfService().contains(f.id()) ? out : inService).add(f.id());
            }
            if (!out.isEmpty()) {
                outOfService = java.util.Set.copyOf(out);
                double carryW = inService.isEmpty() ? 0
                        : ContingencyPlanner.survivorsAllowedW(site, inService, control.marginFraction());
                String feedsOut = String.join(", ", out);
                limits.add(new Limit.GroupCeiling(group.id(), carryW, Tier.SAFETY, "maintenance", String.format(Locale.ROOT,
                        "feed %s in maintenance: the group may draw only what feeds %s carry (%.1f kW)", feedsOut,
                        inService.isEmpty() ? "(none)" : String.join(", ", inService), carryW / 1000)));
                alarms.add("feed " + feedsOut + ": in maintenance; group " + group.id()
                        + " is held to the other feeds' capacity and has no N-1 redundancy left");
            }
        }

        // A meter that reads less than the agents report is held as a stale one (MeterCrossCheck).
        crossCheck.run(s, nodes, DEAD_FRACTION);
        alarms.addAll(crossCheck.alarms());
        int usable = 0;
        double gridW = 0;
        double bankW = 0;
        boolean[] trusted = new boolean[feeds.size()];
        for (int fi = 0; fi < feeds.size(); fi++) {
            Feed f = feeds.get(fi);
            FeedMeasurement m = s.feeds().get(f.id());
            if (m != null && m.usable() && crossCheck.suspect(fi)) {
                continue; // its alarm says why
            }
            if (m == null || !m.usable()) {
                alarms.add("feed " + f.id() + ": meter " + (m == null ? "missing" : m.quality().name().toLowerCase(Locale.ROOT))
                        + (m == null ? "" : " (" + m.ageMs() + " ms old)") + "; group held conservatively");
                continue;
            }
            usable++;
            trusted[fi] = true;
            gridW += m.powerW();
            bankW += s.bankPowerOnFeedW(f.id()); // load side: discharge added back, charging taken out
        }
        boolean degraded = usable < feeds.size();

        // A feed whose meter reads no load while the rest of its group carries load is gone (nodes draw equally
        // from every live feed of their group): its plans cannot count on it, and the group has lost its N-1.
        List<String> lost = new ArrayList<>(0);
        if (usable >= 2) {
            double busiest = 0;
            for (int fi = 0; fi < feeds.size(); fi++) {
                Feed f = feeds.get(fi);
                FeedMeasurement m = s.feeds().get(f.id());
                if (trusted[fi]) {
                    busiest = Math.max(busiest, m.currentA() / f.limitA());
                }
            }
            if (busiest >= LIVE_FRACTION) {
                for (int fi = 0; fi < feeds.size(); fi++) {
                    Feed f = feeds.get(fi);
                    FeedMeasurement m = s.feeds().get(f.id());
                    if (trusted[fi] && m.currentA() < DEAD_FRACTION * f.limitA()
                            && !outOfService.contains(f.id())) {
                        lost.add(f.id());
                    }
                }
            }
        }
        if (!lost.isEmpty()) {
            java.util.Set<String> out = new java.util.HashSet<>(outOfService);
            out.addAll(lost);
            outOfService = java.util.Set.copyOf(out);
            alarms.add("feed " + String.join(", ", lost) + ": lost (no load while group " + group.id()
                    + " carries load); the group has no N-1 redundancy left");
        }
        // The breakers' ceilings. With a feed lost or in maintenance the group has no redundancy left: its
        // survivors are the last breakers between its nodes and a blackout, and are held to their continuous
        // limits, never to a short excursion along their trip curves.
        limits.addAll(0, breakers.run(s, !outOfService.isEmpty()));

        // Demand per GPU and what the GPUs draw, from the agents' telemetry.
        double gpuW = 0;
        double silentGpuBoundW = 0; // what the GPUs without fresh telemetry draw, planned for through their caps
        double[] demand = new double[nodes.size()];
        // A node whose agent stopped answering is uncontrollable: its GPUs draw up to the last cap it may hold (the
        // last it acknowledged or was sent, or its safe cap once its lease lapses: the larger), in steady state and in
        // every contingency, since a trigger will not reach it. NaN: a node under control.
        double[] silentAtW = null;
        for (int i = 0; i < nodes.size(); i++) {
            Node node = nodes.get(i);
            NodeTelemetry t = s.nodes().get(node.id());
            if (t != null && t.fresh()) {
                gpuW += t.gpuPowerW();
                double perGpu = t.gpuPowerW() / node.gpus();
                demand[i] = perGpu >= SATURATED * lastCap[i] ? node.gpu().maxW() : perGpu * 1.1 + 10;
            } else if (t == null) {
                // never heard from (the first ticks): at its safe cap, or a former session's cap until that lapses
                demand[i] = lastCap[i];
                silentGpuBoundW += Math.max(lastCap[i], Math.min(safeCapW, node.gpu().maxW())) * node.gpus();
            } else {
                double at = Math.min(node.gpu().maxW(), Math.max(Math.max(lastCap[i], t.capPerGpuW()),
                        Math.clamp(safeCapW, node.gpu().minW(), node.gpu().maxW())));
                if (silentAtW == null) {
                    silentAtW = new double[nodes.size()];
                    Arrays.fill(silentAtW, Double.NaN);
                }
                silentAtW[i] = at;
                demand[i] = at;
                // It is planned at its cap: what it drew when last heard of comes out of the measured remainder (as
                // a fresh node's reading does), or a rack of silent nodes would be counted twice and the plans for
                // everyone else cut by as much.
                silentGpuBoundW += Math.min(t.gpuPowerW(), at * node.gpus());
                alarms.add(String.format(Locale.ROOT, "node %s: agent not answering; planned at %.0f W per GPU (its last "
                        + "cap) in every contingency, the group's other nodes cover it", node.id(), at));
            }
        }

        // Contingency readiness: while no plan exists with the critical floors, critical nodes are held in
        // steady state at the cap that makes one exist (never below their GPUs' minimum), so that a loss
        // needs no cut below what they already run at.
        double[] floors = normalFloors;
        double[] ceilings = null;
        double criticalCap = ContingencyPlanner.criticalCapForAPlanW(site, group, nodes);
        boolean tightened = false;
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).priority() == Priority.CRITICAL && criticalCap < normalFloors[i] - 1e-6) {
                if (ceilings == null) {
                    floors = normalFloors.clone();
                    ceilings = new double[nodes.size()];
                    Arrays.fill(ceilings, Double.POSITIVE_INFINITY);
                }
                tightened = true;
                floors[i] = Math.clamp(criticalCap, nodes.get(i).gpu().minW(), normalFloors[i]);
                ceilings[i] = floors[i];
                demand[i] = Math.min(demand[i], ceilings[i]);
            }
        }
        // Operator overrides: a ceiling on the node's cap (and on its floor, never below its GPUs' minimum);
        // what it frees goes to the others through the allocation.
        if (!s.nodeCeilingsW().isEmpty()) {
            for (int i = 0; i < nodes.size(); i++) {
                Double o = s.nodeCeilingsW().get(nodes.get(i).id());
                if (o == null) {
                    continue;
                }
                if (ceilings == null) {
                    floors = normalFloors.clone();
                    ceilings = new double[nodes.size()];
                    Arrays.fill(ceilings, Double.POSITIVE_INFINITY);
                }
                double c = Math.max(o, nodes.get(i).gpu().minW());
                ceilings[i] = Math.min(ceilings[i], c);
                floors[i] = Math.min(floors[i], ceilings[i]);
                demand[i] = Math.min(demand[i], ceilings[i]);
            }
        }

        // A silent node's cap is what it is: floor and ceiling both, so the allocation and every plan count it there.
        if (silentAtW != null) {
            if (ceilings == null) {
                floors = floors.clone();
                ceilings = new double[nodes.size()];
                Arrays.fill(ceilings, Double.POSITIVE_INFINITY);
            } else if (floors == normalFloors) {
                floors = normalFloors.clone();
            }
            for (int i = 0; i < nodes.size(); i++) {
                if (!Double.isNaN(silentAtW[i])) {
                    floors[i] = silentAtW[i];
                    ceilings[i] = silentAtW[i];
                    demand[i] = silentAtW[i];
                }
            }
        }

        // The group's draw (load side) and what its GPUs' telemetry does not explain: the plans budget it too.
        double measuredW = Double.NaN;
        double nonGpuW = Double.NaN;
        if (usable > 0) {
            // Feeds without a trusted reading are taken to carry what the trusted live ones carry on average; a feed
            // known to be lost carries nothing and takes no share of the extrapolation.
            int liveTrusted = usable - lost.size();
            measuredW = liveTrusted > 0 ? (gridW + bankW) * (feeds.size() - lost.size()) / liveTrusted : gridW + bankW;
            nonGpuW = Math.max(0, measuredW - gpuW);
        }
        // The plans budget what the servers draw besides their GPUs: the measured remainder, less what the GPUs
        // without fresh telemetry may be drawing under their caps (they are planned for through the caps);
        // never less than the site file's declared base (the planner's floor).
        double planNonGpuW = Double.isNaN(nonGpuW) ? Double.NaN : Math.max(0, nonGpuW - silentGpuBoundW);
        Allocator.Prepared prepared = Allocator.prepare(nodes, demand, floors);
        List<ContingencyPlan> plans = ContingencyPlanner.plan(site, group, nodes, demand, prepared, planNonGpuW, outOfService);
        if (tightened) {
            alarms.add(String.format(Locale.ROOT, "group %s: no N-1 plan exists with the critical floors; critical "
                    + "nodes held at %.0f W per GPU until one does", group.id(), criticalCap));
        }
        for (ContingencyPlan p : plans) {
            if (!p.feasible()) {
                alarms.add("group " + group.id() + ": no safe plan for the loss of feed " + p.lostFeedId()
                        + " even with every GPU at its minimum");
            }
        }

        double[] target;
        double allowedW;
        double budgetW;
        String why;
        Limit binding = null;
        List<Arbiter.Considered> considered = List.of();
        if (usable == 0) {
            target = new double[nodes.size()];
            for (int i = 0; i < nodes.size(); i++) {
                target[i] = Math.clamp(safeCapW, floors[i], nodes.get(i).gpu().maxW());
            }
            allowedW = Double.NaN;
            budgetW = Double.NaN;
            why = "no usable meter in group " + group.id() + ": every node held at its N-1 safe cap";
        } else {
            double siteW = siteImportW(s);
            double floorW = nonGpuW + prepared.floorsW();
            Arbiter.Verdict v = Arbiter.decide(site, group, s, limits, measuredW, siteW, floorW, degraded);
            considered = v.considered();
            if (Double.isNaN(v.allowedW())) {
                // Every feed idle or lost: hold to what the group's feeds carry after a single loss.
                allowedW = ContingencyPlanner.survivorsAllowedW(site,
                        group.feedIds().subList(1, group.feedIds().size()), control.marginFraction());
                why = "no feed of group " + group.id() + " carries load: held to its N-1 capacity";
            } else {
                allowedW = v.allowedW();
                binding = v.binding();
                why = v.explanation();
                if (!v.floorsHeld()) {
                    alarms.add(String.format(Locale.ROOT, "group %s: %s; below the floors, every GPU at its floor",
                            group.id(), v.explanation()));
                }
            }
            budgetW = allowedW - nonGpuW;
            target = prepared.allocate(budgetW);
            target = spreadSpareBudget(target, budgetW);
        }
        if (ceilings != null) {
            for (int i = 0; i < target.length; i++) {
                target[i] = Math.min(target[i], ceilings[i]);
            }
        }

        long now = s.monoNanos();
        for (int i = 0; i < nodes.size(); i++) {
            if (silentAtW != null && !Double.isNaN(silentAtW[i])) {
                // A silent node keeps being sent the cap it had (renewing its lease if it is merely slow), never the
                // cap it is planned at: raising it would only give a slow agent more to draw.
                continue;
            }
            double t = target[i];
            if (t < lastCap[i] - control.deadbandW() || t < floors[i] - 1e-9 || lastCap[i] > nodes.get(i).gpu().maxW()) {
                lastCap[i] = t;
                loweredAtNanos[i] = now;
            } else if (t > lastCap[i] + control.deadbandW()
                    && now - loweredAtNanos[i] >= control.raiseHoldMs() * 1_000_000L) {
                lastCap[i] = Math.min(t, lastCap[i] + control.raiseStepW());
            }
            lastCap[i] = Math.max(lastCap[i], floors[i]);
        }
        boolean rearm = arming.offer(plans, now);
        String bindingFeed = binding instanceof Limit.FeedCeiling fc ? fc.feedId() : "";
        return new GroupDecision(group.id(), allowedW, measuredW, nonGpuW, budgetW, bindingFeed, why, binding,
                considered, lastCap.clone(), plans, arming.epoch(), rearm, List.copyOf(alarms), outOfService);
    }

    /**
     * What the demand estimate leaves of the budget goes to the nodes too, by class and max-min fair, up to their
     * GPUs' maximum: a cap set at the estimate (1.1 × the last reading) clips the next spike of a training job
     * or an inference burst although the feeds could carry it, and losing that compute buys no safety (the caps
     * still add up to at most the budget).
     */
    private double[] spreadSpareBudget(double[] allocated, double budgetW) {
        double used = 0;
        for (int i = 0; i < nodes.size(); i++) {
            used += allocated[i] * nodes.get(i).gpus();
        }
        if (!(budgetW - used > nodes.size())) {
            return allocated; // no spare worth a watt per node
        }
        if (maxDemand == null) {
            maxDemand = new double[nodes.size()];
            for (int i = 0; i < nodes.size(); i++) {
                maxDemand[i] = nodes.get(i).gpu().maxW();
            }
        }
        return Allocator.prepare(nodes, maxDemand, allocated).allocate(budgetW);
    }

    private double[] maxDemand;

    /** The site's draw on the load side (supercap discharge added back, charging taken out), W. */
    private static double siteImportW(Snapshot s) {
        double w = 0;
        for (FeedMeasurement m : s.feeds().values()) {
            if (m.usable()) {
                w += m.powerW() + s.bankPowerOnFeedW(m.feedId());
            }
        }
        return w;
    }
}
