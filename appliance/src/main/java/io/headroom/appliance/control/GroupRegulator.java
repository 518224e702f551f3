package io.headroom.appliance.control;

import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.ControlSettings;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Regulation for one redundancy group, one {@link #run} per tick. It decides nothing itself: it runs the group's
 * controllers in order on the tick's {@link Snapshot}, each a small class that reads the snapshot (and what the ones
 * before it found) and writes its outputs, and hands their limits to the arbitration.
 * <ol>
 *   <li>{@link Maintenance}: feeds in maintenance are out, and the group is held to what the others carry (a
 *       {@link Limit.GroupCeiling});</li>
 *   <li>{@link MeterTrust}: which meters are trusted (usable, and not under-reporting: {@link MeterCrossCheck}),
 *       and what they say the group draws;</li>
 *   <li>{@link LostFeeds}: a trusted feed reading no load while its group carries load is lost;</li>
 *   <li>{@link BreakerLimits}: the breakers' {@link Limit.FeedCeiling}s, trip-curve aware (no short excursion while a
 *       feed is out), the UPS modules' ({@link UpsLimits}: their ratings, and what the survivors of a loss may pick up
 *       before the armed caps land), then the snapshot's external limits (contract, grid commitments);</li>
 *   <li>{@link NodeDemand}: what each node wants, from its agent's telemetry; a silent agent's node pinned at its cap;</li>
 *   <li>{@link CriticalReadiness} and {@link OperatorCeilings}: {@link Limit.NodeCeiling}s, applied with the pins by
 *       {@link NodeBounds};</li>
 *   <li>the contingency plans for every single-feed loss at the demand seen ({@link ContingencyPlanner}), budgeting
 *       the load the GPUs' telemetry does not explain;</li>
 *   <li>{@link CapTargets}: the {@link Arbiter}'s verdict on the group's limits, and each node's target cap through
 *       the {@link Allocator};</li>
 *   <li>{@link Hysteresis}: caps fall at once and rise slowly; then {@link ContingencyArming} says whether the plans
 *       must be armed again.</li>
 * </ol>
 * The group's draw is counted on the load side (meters' power plus what the supercap banks discharge into its feeds,
 * less what they charge from them), so that the GPUs' budget follows neither: the banks cover excesses and charge only
 * into the room left under the continuous ceilings ({@link SupercapController}); counting a charge as load would lower
 * the caps, widen that room and deepen the charge, a loop that runs to the converters' limit.
 *
 * <p>Pure apart from its controllers' state (caps and when they fell, breaker exposure, meter cross-check timers,
 * armed epoch); time comes from the snapshot.
 */
public final class GroupRegulator {

    /** Extra fraction held back while some of a group's meters cannot be trusted. */
    public static final double DEGRADED_EXTRA_MARGIN = 0.10;
    /** Plans are armed again when a planned cap moves by more than this, W per GPU... */
    static final double REARM_THRESHOLD_W = 25;
    /** ...or when they are this old. */
    static final long REARM_MAX_AGE_NANOS = 10_000_000_000L;

    private final Site site;
    private final RedundancyGroup group;
    private final List<Node> nodes;
    private final Maintenance maintenance;
    private final MeterTrust meterTrust;
    private final LostFeeds lostFeeds;
    private final BreakerLimits breakers;
    private final UpsLimits ups;
    private final NodeDemand nodeDemand;
    private final CriticalReadiness readiness;
    private final OperatorCeilings operatorCeilings;
    private final NodeBounds nodeBounds;
    private final CapTargets capTargets;
    private final Hysteresis hysteresis;
    private final ContingencyArming arming = new ContingencyArming(REARM_THRESHOLD_W, REARM_MAX_AGE_NANOS);
    /** The tick's allocation, sorted again each tick into the same arrays (it does not outlive the tick). */
    private final Allocator.Prepared prepared;

    public GroupRegulator(Site site, RedundancyGroup group, double safeCapW) {
        this(site, group, safeCapW, AllocationMode.CLASS_FAIR);
    }

    /** With the given {@link AllocationMode} (the hold time {@link NodeDemand#DEFAULT_HOLD_MS}). */
    public GroupRegulator(Site site, RedundancyGroup group, double safeCapW, AllocationMode mode) {
        this(site, group, safeCapW, mode, NodeDemand.DEFAULT_HOLD_MS);
    }

    /** With the given {@link AllocationMode} and, for {@link AllocationMode#DEMAND_AWARE}, hold time. */
    public GroupRegulator(Site site, RedundancyGroup group, double safeCapW, AllocationMode mode, long holdMs) {
        this.site = site;
        this.group = group;
        List<Feed> feeds = group.feedIds().stream().map(id -> site.feed(id).orElseThrow()).toList();
        this.nodes = site.nodesOf(group);
        this.maintenance = new Maintenance(site, group, feeds);
        this.meterTrust = new MeterTrust(feeds, nodes);
        this.lostFeeds = new LostFeeds(group, feeds);
        this.breakers = new BreakerLimits(site, feeds);
        this.ups = new UpsLimits(site, group, feeds);
        this.nodeDemand = new NodeDemand(nodes, safeCapW, mode, holdMs);
        this.readiness = new CriticalReadiness(site, group, nodes);
        this.operatorCeilings = new OperatorCeilings(nodes);
        this.nodeBounds = new NodeBounds(nodes);
        this.capTargets = new CapTargets(site, group, nodes, safeCapW);
        double[] initial = new double[nodes.size()];
        double[] floors = nodeBounds.normalFloors();
        for (int i = 0; i < nodes.size(); i++) {
            initial[i] = Math.clamp(safeCapW, floors[i], nodes.get(i).gpu().maxW());
        }
        this.hysteresis = new Hysteresis(nodes, site.control(), initial);
        this.prepared = Allocator.Prepared.reusable(nodes.size());
    }

    public List<Node> nodes() {
        return nodes;
    }

    public RedundancyGroup group() {
        return group;
    }

    public GroupDecision run(Snapshot s) {
        List<String> alarms = new ArrayList<>();
        Maintenance.Output maintained = maintenance.run(s);
        alarms.addAll(maintained.alarms());
        MeterTrust.Reading meters = meterTrust.run(s);
        alarms.addAll(meters.alarms());
        LostFeeds.Output lost = lostFeeds.run(s, meters, maintained.feedsOut());
        alarms.addAll(lost.alarms());
        Set<String> feedsOut = lost.feedsOut();

        // The group's limits, in the order the arbiter weighs them: the breakers' first.
        List<Limit> limits = new ArrayList<>(breakers.run(s, !feedsOut.isEmpty()));
        if (ups.any()) {
            limits.addAll(ups.run(!feedsOut.isEmpty()));
        }
        limits.addAll(s.external());
        limits.addAll(maintained.limits());

        NodeDemand.Estimate demand = nodeDemand.run(s, hysteresis.caps());
        alarms.addAll(demand.alarms());
        alarms.addAll(readiness.alarms());
        List<Limit> nodeLimits = readiness.limits();
        List<Limit> overrides = operatorCeilings.run(s);
        if (!overrides.isEmpty()) {
            nodeLimits = new ArrayList<>(nodeLimits);
            nodeLimits.addAll(overrides);
        }
        NodeBounds.Bounds bounds = nodeBounds.apply(demand.perGpuW(), nodeLimits, demand.silentAtW());

        // The group's draw (load side) and what its GPUs' telemetry does not explain: the plans budget it too, less
        // what the GPUs without fresh telemetry may be drawing under their caps (they are planned for through the
        // caps); never less than the site file's declared base (the planner's floor).
        double measuredW = meters.groupW(lost.lost().size());
        double nonGpuW = Double.isNaN(measuredW) ? Double.NaN : Math.max(0, measuredW - demand.gpuW());
        double planNonGpuW = Double.isNaN(nonGpuW) ? Double.NaN : Math.max(0, nonGpuW - demand.silentGpuBoundW());
        prepared.reset(nodes, bounds.demand(), bounds.floors());
        List<ContingencyPlan> plans = ContingencyPlanner.plan(site, group, nodes, bounds.demand(), prepared,
                planNonGpuW, feedsOut);
        for (ContingencyPlan p : plans) {
            if (!p.feasible()) {
                alarms.add("group " + group.id() + ": no safe plan for the loss of feed " + p.lostFeedId()
                        + " even with every GPU at its minimum");
            }
        }

        CapTargets.Output target = capTargets.run(s, limits, meters, measuredW, nonGpuW, prepared, bounds);
        alarms.addAll(target.alarms());
        double[] caps = hysteresis.run(target.capsPerGpuW(), bounds.floors(), bounds.ceilings(), demand.silentAtW(),
                s.monoNanos());
        boolean rearm = arming.offer(plans, s.monoNanos());
        Limit binding = target.binding();
        String bindingFeed = binding instanceof Limit.FeedCeiling fc ? fc.feedId() : "";
        return new GroupDecision(group.id(), target.allowedW(), measuredW, nonGpuW, target.gpuBudgetW(), bindingFeed,
                target.why(), binding, target.considered(), caps, plans, arming.epoch(), rearm, List.copyOf(alarms),
                feedsOut);
    }
}
