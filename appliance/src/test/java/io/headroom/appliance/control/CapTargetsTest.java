package io.headroom.appliance.control;

import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The group's limits and what its meters and nodes say in; what it may draw and each node's target cap out. */
class CapTargetsTest {

    /** Two 150 A feeds; 1 critical, 1 standard, 1 flexible node of 8 GPUs. */
    final Site site = TestHalls.hall(2, 150, 1, 1, 1);
    final List<Node> nodes = site.nodes();
    final CapTargets targets = new CapTargets(site, site.groups().getFirst(), nodes, 450);
    final NodeBounds nodeBounds = new NodeBounds(nodes);
    final MeterTrust trust = new MeterTrust(site.feeds(), nodes);
    final double[] demand = {700, 700, 700};

    CapTargets.Output run(Snapshot s, List<Limit> limits, List<Limit> nodeLimits, double nonGpuW) {
        MeterTrust.Reading meters = trust.run(s);
        NodeBounds.Bounds b = nodeBounds.apply(demand, nodeLimits, null);
        Allocator.Prepared prepared = Allocator.prepare(nodes, b.demand(), b.floors());
        return targets.run(s, limits, meters, meters.groupW(0), nonGpuW, prepared, b);
    }

    @Test
    void theBindingLimitsBudgetLessTheNonGpuLoadIsSharedByPriority() {
        // 20 kW on each feed; a 15 kW group ceiling binds, 4.5 kW of it is the servers' base.
        Snapshot s = Ticks.tick(1, Ticks.meters(site, 20_000 / site.feeds().getFirst().powerAtCurrentW(1),
                20_000 / site.feeds().getFirst().powerAtCurrentW(1)), Map.of());
        Limit group = new Limit.GroupCeiling("g", 15_000, Tier.GRID, "test", "group at most 15 kW");
        CapTargets.Output o = run(s, List.of(group), List.of(), 4_500);
        assertThat(o.allowedW()).isEqualTo(15_000);
        assertThat(o.gpuBudgetW()).isEqualTo(10_500);
        assertThat(o.binding()).isEqualTo(group);
        assertThat(o.why()).isEqualTo("group at most 15 kW");
        assertThat(o.considered()).extracting(Arbiter.Considered::limit).containsExactly(group);
        assertThat(o.alarms()).isEmpty();
        // Floors first (600 + 200 + 200 W a GPU: 8 kW), then by class: the critical node to its 700 W (0.8 kW), the
        // standard one the 1.7 kW left (212.5 W a GPU), nothing left for the flexible one.
        assertThat(o.capsPerGpuW()).containsExactly(700, 412.5, 200);
    }

    @Test
    void aNodeCeilingHoldsAndWhatItFreesGoesToTheOthers() {
        Snapshot s = Ticks.tick(1, Ticks.meters(site, 20_000 / site.feeds().getFirst().powerAtCurrentW(1),
                20_000 / site.feeds().getFirst().powerAtCurrentW(1)), Map.of());
        Limit group = new Limit.GroupCeiling("g", 15_000, Tier.GRID, "test", "group at most 15 kW");
        CapTargets.Output o = run(s, List.of(group), List.of(new Limit.NodeCeiling("n0", 300, Tier.SAFETY,
                "operator", "n0 at most 300 W")), 4_500);
        assertThat(o.capsPerGpuW()[0]).isEqualTo(300);
        assertThat(o.capsPerGpuW()[1]).as("the standard node gets what n0 does not take").isGreaterThan(200);
    }

    @Test
    void withNoUsableMeterEveryNodeIsHeldAtItsSafeCap() {
        CapTargets.Output o = run(Ticks.tick(1, Map.of(), Map.of()), List.of(), List.of(), Double.NaN);
        assertThat(o.capsPerGpuW()).as("the safe cap, never below a critical floor").containsExactly(600, 450, 450);
        assertThat(o.allowedW()).isNaN();
        assertThat(o.gpuBudgetW()).isNaN();
        assertThat(o.binding()).isNull();
        assertThat(o.why()).isEqualTo("no usable meter in group g: every node held at its N-1 safe cap");
    }

    @Test
    void withEveryFeedIdleTheGroupIsHeldToItsN1Capacity() {
        Snapshot s = Ticks.tick(1, Ticks.meters(site, 0.5, 0.5), Map.of());
        Limit breaker = new Limit.FeedCeiling("A", 145, Tier.SAFETY, "breaker", "breaker A");
        CapTargets.Output o = run(s, List.of(breaker), List.of(), 0);
        assertThat(o.allowedW()).isCloseTo(ContingencyPlanner.survivorsAllowedW(site, List.of("B"), 0.03), within(1e-6));
        assertThat(o.why()).isEqualTo("no feed of group g carries load: held to its N-1 capacity");
        assertThat(o.binding()).isNull();
    }
}
