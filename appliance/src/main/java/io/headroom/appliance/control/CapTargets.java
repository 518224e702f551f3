package io.headroom.appliance.control;

import io.headroom.appliance.measure.FeedMeasurement;

import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the group may draw and each node's target cap: the {@link Arbiter} weighs the group's limits, the GPUs get
 * that less the load their telemetry does not explain, the {@link Allocator} shares it by priority (max-min fair in a
 * class) and the spare goes to the nodes too; every node ceiling holds. With no trusted meter every node is held at its
 * N-1 safe cap; with every feed idle or lost, the group is held to what its feeds carry after a single loss. Pure apart
 * from its scratch: the target vector it returns is its own and is overwritten by the next {@link #run} (the caller
 * reads it within the tick: {@link Hysteresis} copies it), and it prepares the spare's allocation in an
 * {@link Allocator.Prepared} it keeps, so that a tick allocates no vector of a node count.
 */
final class CapTargets {

    /**
     * @param capsPerGpuW each node's target per-GPU cap (before {@link Hysteresis}), W: the controller's scratch,
     *                    valid until its next run
     * @param allowedW    what the group may draw, W ({@code NaN} with no trusted meter)
     * @param gpuBudgetW  what its GPUs may draw, W ({@code NaN} with no trusted meter)
     * @param why         the binding limit, in words
     * @param binding     the binding limit (null when none could be evaluated)
     * @param considered  every limit the arbiter weighed, in group watts
     */
    record Output(double[] capsPerGpuW, double allowedW, double gpuBudgetW, String why, Limit binding,
                  List<Arbiter.Considered> considered, List<String> alarms) {
    }

    private final Site site;
    private final RedundancyGroup group;
    private final List<Node> nodes;
    private final double safeCapW;
    private final double[] maxDemand;
    /** Scratch: the allocation of the budget, and the spare spread over it. */
    private final double[] allocated;
    private final double[] spread;
    private final Allocator.Prepared spare;
    private final String whyNoMeter;
    private final String whyIdle;

    CapTargets(Site site, RedundancyGroup group, List<Node> nodes, double safeCapW) {
        this.site = site;
        this.group = group;
        this.nodes = nodes;
        this.safeCapW = safeCapW;
        this.maxDemand = new double[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            maxDemand[i] = nodes.get(i).gpu().maxW();
        }
        this.allocated = new double[nodes.size()];
        this.spread = new double[nodes.size()];
        this.spare = Allocator.Prepared.reusable(nodes.size());
        this.whyNoMeter = "no usable meter in group " + group.id() + ": every node held at its N-1 safe cap";
        this.whyIdle = "no feed of group " + group.id() + " carries load: held to its N-1 capacity";
    }

    /**
     * @param limits    the group's feed, group and site ceilings, in the order the arbiter weighs them
     * @param meters    what the trusted meters say
     * @param measuredW the group's draw, load side, W
     * @param nonGpuW   what its GPUs' telemetry does not explain, W
     * @param prepared  the allocation prepared for the nodes' demand and floors
     */
    Output run(Snapshot s, List<Limit> limits, MeterTrust.Reading meters, double measuredW, double nonGpuW,
               Allocator.Prepared prepared, NodeBounds.Bounds bounds) {
        double[] target;
        double allowedW;
        double budgetW;
        String why;
        Limit binding = null;
        List<Arbiter.Considered> considered = List.of();
        List<String> alarms = List.of();
        double[] floors = bounds.floors();
        if (meters.usable() == 0) {
            target = allocated;
            for (int i = 0; i < nodes.size(); i++) {
                target[i] = Math.clamp(safeCapW, floors[i], nodes.get(i).gpu().maxW());
            }
            allowedW = Double.NaN;
            budgetW = Double.NaN;
            why = whyNoMeter;
        } else {
            double floorW = nonGpuW + prepared.floorsW();
            Arbiter.Verdict v = Arbiter.decide(site, group, s, limits, measuredW, siteImportW(s), floorW,
                    meters.degraded());
            considered = v.considered();
            if (Double.isNaN(v.allowedW())) {
                // Every feed idle or lost: hold to what the group's feeds carry after a single loss.
                allowedW = ContingencyPlanner.survivorsAllowedW(site,
                        group.feedIds().subList(1, group.feedIds().size()), site.control().marginFraction());
                why = whyIdle;
            } else {
                allowedW = v.allowedW();
                binding = v.binding();
                why = v.explanation();
                if (!v.floorsHeld()) {
                    alarms = List.of(String.format(Locale.ROOT, "group %s: %s; below the floors, every GPU at its floor",
                            group.id(), v.explanation()));
                }
            }
            budgetW = allowedW - nonGpuW;
            target = spreadSpareBudget(prepared.allocate(budgetW, allocated), budgetW);
        }
        double[] ceilings = bounds.ceilings();
        if (ceilings != null) {
            for (int i = 0; i < target.length; i++) {
                target[i] = Math.min(target[i], ceilings[i]);
            }
        }
        return new Output(target, allowedW, budgetW, why, binding, considered, alarms);
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
        return spare.reset(nodes, maxDemand, allocated).allocate(budgetW, spread);
    }

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
