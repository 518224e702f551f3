package io.headroom.appliance.control;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;

import java.util.ArrayList;
import java.util.List;

/**
 * For every single contingency (the loss of one feed of a redundancy group) the caps that keep the survivors
 * inside their limits, and the uniform safe cap an agent falls back to when no appliance speaks to it.
 * Nodes draw equally from every live feed of their group, so after a loss each survivor carries the group's
 * load divided by N-1, and the most limited survivor sets what the group may draw. Pure.
 */
public final class ContingencyPlanner {

    private ContingencyPlanner() {
    }

    /** Plans every contingency of a group for the given per-GPU demand (site order within the group). */
    public static List<ContingencyPlan> plan(Site site, RedundancyGroup group, double[] demandPerGpu) {
        List<Node> nodes = site.nodesOf(group);
        return plan(site, group, nodes, demandPerGpu, Allocator.floors(nodes));
    }

    /**
     * Plans every contingency with explicit per-GPU floors: the floors regulation holds the nodes to (lower
     * than the critical floors only while no plan with them exists).
     */
    public static List<ContingencyPlan> plan(Site site, RedundancyGroup group, List<Node> nodes,
                                             double[] demandPerGpu, double[] floors) {
        return plan(site, group, nodes, demandPerGpu, Allocator.prepare(nodes, demandPerGpu, floors));
    }

    /** Plans every contingency from an allocation already prepared for this demand (shared with regulation). */
    public static List<ContingencyPlan> plan(Site site, RedundancyGroup group, List<Node> nodes,
                                             double[] demandPerGpu, Allocator.Prepared prepared) {
        return plan(site, group, nodes, demandPerGpu, prepared, 0, java.util.Set.of());
    }

    /**
     * Plans every contingency with what regulation measured and what the operator took out of service.
     *
     * @param measuredNonGpuW the group's draw its GPUs' telemetry does not explain, W: the plans budget at least
     *                        this (and at least the site file's {@code baseW}), since caps cannot shed it; a
     *                        plan that assumed only the declared base load would leave the survivors over
     *                        their limits whenever the servers draw more than declared
     * @param outOfService    feeds already open (maintenance): they are no survivors of any contingency
     */
    public static List<ContingencyPlan> plan(Site site, RedundancyGroup group, List<Node> nodes,
                                             double[] demandPerGpu, Allocator.Prepared prepared,
                                             double measuredNonGpuW, java.util.Set<String> outOfService) {
        double margin = site.control().marginFraction();
        double declaredBaseW = 0;
        for (Node n : nodes) {
            declaredBaseW += n.baseW();
        }
        double baseW = Double.isFinite(measuredNonGpuW) ? Math.max(declaredBaseW, measuredNonGpuW) : declaredBaseW;
        double demandW = baseW;
        for (int i = 0; i < nodes.size(); i++) {
            demandW += demandPerGpu[i] * nodes.get(i).gpus();
        }
        List<ContingencyPlan> plans = new ArrayList<>();
        for (String lost : group.feedIds()) {
            List<String> survivors = new ArrayList<>(group.feedIds().size());
            for (String f : group.feedIds()) {
                if (!f.equals(lost) && !outOfService.contains(f)) {
                    survivors.add(f);
                }
            }
            double allowed = survivors.isEmpty() ? 0 : survivorsAllowedW(site, survivors, margin);
            double budget = allowed - baseW;
            double[] caps = prepared.allocate(budget);
            plans.add(new ContingencyPlan(group.id(), lost, List.copyOf(survivors), allowed, baseW, budget, demandW, caps,
                    budget >= prepared.floorsW() - 1e-6));
        }
        return plans;
    }

    /** Plans with every GPU wanting its maximum: the worst case a site must be ready for. */
    public static List<ContingencyPlan> planAtFullDemand(Site site, RedundancyGroup group) {
        List<Node> nodes = site.nodesOf(group);
        double[] demand = new double[nodes.size()];
        for (int i = 0; i < demand.length; i++) {
            demand[i] = nodes.get(i).gpu().maxW();
        }
        return plan(site, group, demand);
    }

    /**
     * The per-GPU cap critical nodes must be held to so that every contingency has a plan: with every other
     * GPU at its minimum, the worst contingency's survivors carry the base load and the critical nodes at
     * this cap (each critical node clamped into its own [min, floor]). Returns the highest critical floor (no
     * tightening) when a plan exists with the floors; 0 (every critical node at its minimum) when even the
     * minimums do not fit, and then nothing the caps can do makes a plan.
     */
    public static double criticalCapForAPlanW(Site site, RedundancyGroup group, List<Node> nodes) {
        double worst = Double.POSITIVE_INFINITY;
        for (String lost : group.feedIds()) {
            List<String> survivors = group.feedIds().stream().filter(f -> !f.equals(lost)).toList();
            worst = Math.min(worst, survivorsAllowedW(site, survivors, site.control().marginFraction()));
        }
        double fixedW = 0;
        double hi = 0;
        boolean anyCritical = false;
        for (Node n : nodes) {
            fixedW += n.baseW();
            if (n.priority() == io.headroom.appliance.site.Priority.CRITICAL) {
                anyCritical = true;
                hi = Math.max(hi, Allocator.floor(n));
            } else {
                fixedW += n.gpu().minW() * n.gpus();
            }
        }
        if (!anyCritical || criticalDrawW(nodes, hi) + fixedW <= worst) {
            return hi;
        }
        double lo = 0;
        for (int k = 0; k < 60; k++) { // bisection on the uniform cap; each node clamped into [min, floor]
            double mid = (lo + hi) / 2;
            if (criticalDrawW(nodes, mid) + fixedW <= worst) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static double criticalDrawW(List<Node> nodes, double cap) {
        double w = 0;
        for (Node n : nodes) {
            if (n.priority() == io.headroom.appliance.site.Priority.CRITICAL) {
                w += Math.clamp(cap, n.gpu().minW(), Allocator.floor(n)) * n.gpus();
            }
        }
        return w;
    }

    /**
     * What a set of feeds can carry when a group's load splits equally over them, less margin, W: each feed's path
     * carries its breaker's continuous limit, or its UPS module's rating where that is lower ({@link Feed#carryW()}),
     * so the plans bring a loss's survivors within both.
     */
    public static double survivorsAllowedW(Site site, List<String> feedIds, double margin) {
        double minLimit = Double.POSITIVE_INFINITY;
        for (int k = 0; k < feedIds.size(); k++) {
            minLimit = Math.min(minLimit, feed(site, feedIds.get(k)).carryW());
        }
        return feedIds.size() * minLimit * (1 - margin);
    }

    /** The site's feed of that id (as {@code site.feed(id).orElseThrow()}, without a stream: it runs every tick). */
    static Feed feed(Site site, String id) {
        List<Feed> feeds = site.feeds();
        for (int i = 0; i < feeds.size(); i++) {
            if (feeds.get(i).id().equals(id)) {
                return feeds.get(i);
            }
        }
        throw new java.util.NoSuchElementException("No value present");
    }

    /**
     * The per-GPU cap that keeps every survivor of the group's worst single contingency within its limit with
     * every GPU of the group at that cap, or the site's configured safe cap if it sets one. Agents clamp it
     * into their own GPUs' ranges.
     */
    public static double safeCapW(Site site, RedundancyGroup group) {
        if (site.agents().safeCapW() > 0) {
            return site.agents().safeCapW();
        }
        List<Node> nodes = site.nodesOf(group);
        double baseW = nodes.stream().mapToDouble(Node::baseW).sum();
        int gpus = nodes.stream().mapToInt(Node::gpus).sum();
        double worst = Double.POSITIVE_INFINITY;
        for (String lost : group.feedIds()) {
            List<String> survivors = group.feedIds().stream().filter(f -> !f.equals(lost)).toList();
            worst = Math.min(worst, survivorsAllowedW(site, survivors, site.control().marginFraction()));
        }
        return gpus == 0 ? 0 : Math.floor((worst - baseW) / gpus);
    }
}
