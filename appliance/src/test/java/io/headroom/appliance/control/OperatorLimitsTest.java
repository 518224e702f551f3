package io.headroom.appliance.control;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tick by tick: what an operator sets by hand (a cap override, a feed in maintenance) as regulation obeys it, and
 * contingency plans that budget the load the servers really draw, not only what the site file declares.
 */
class OperatorLimitsTest {

    static final double CONTINUOUS_A = 150 * 0.97;

    static GroupDecision step(GroupRegulatorTest.Plant plant, GroupRegulator reg, long tick, Map<String, Double> ceilings,
                              Set<String> outOfService) {
        Snapshot s = plant.snapshot(tick);
        Snapshot withOperator = new Snapshot(s.tick(), s.monoNanos(), s.utc(), s.feeds(), s.nodes(), s.banks(),
                s.external(), ceilings, outOfService);
        GroupDecision d = reg.run(withOperator);
        System.arraycopy(d.capsPerGpuW(), 0, plant.capPerGpu, 0, plant.capPerGpu.length);
        return d;
    }

    static GroupRegulatorTest.Plant settled(Site site, GroupRegulator reg, double demand) {
        GroupRegulatorTest.Plant plant = new GroupRegulatorTest.Plant(site, demand);
        for (int t = 1; t <= 600; t++) {
            plant.step(reg, t);
        }
        return plant;
    }

    @Test
    void anOverrideCapsItsNodeAtOnceAndWhatItFreesGoesToTheOthersAfterTheHold() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 700);
        GroupRegulatorTest.Plant plant = settled(site, reg, 700);
        double flexibleBefore = plant.capPerGpu[62];
        assertThat(flexibleBefore).as("flexible work is capped in the settled hall").isLessThan(650);

        Map<String, Double> override = Map.of("n63", 250.0, "n0", 400.0); // a flexible node, and a critical one
        step(plant, reg, 601, override, Set.of());
        assertThat(plant.capPerGpu[63]).as("the overridden flexible node, at once").isEqualTo(250);
        assertThat(plant.capPerGpu[0]).as("a critical node below its floor: the operator's call").isEqualTo(400);
        for (int t = 602; t <= 700; t++) {
            step(plant, reg, t, override, Set.of());
            assertThat(plant.capPerGpu[63]).as("tick %d", t).isLessThanOrEqualTo(250);
            assertThat(plant.capPerGpu[0]).as("tick %d", t).isLessThanOrEqualTo(400);
        }
        assertThat(plant.capPerGpu[62]).as("another flexible node gets what the overrides freed")
                .isGreaterThan(flexibleBefore + 10);
        assertThat(plant.feedA(0)).as("and the feeds stay within their limit").isLessThanOrEqualTo(CONTINUOUS_A + 1e-6);

        step(plant, reg, 701, Map.of("n63", 50.0), Set.of());
        assertThat(plant.capPerGpu[63]).as("never below the GPUs' minimum").isEqualTo(200);
        for (int t = 702; t <= 1000; t++) {
            step(plant, reg, t, Map.of(), Set.of());
        }
        assertThat(plant.capPerGpu[63]).as("the override gone, the node rises again").isGreaterThan(250);
    }

    @Test
    void aFeedInMaintenanceHoldsTheGroupToWhatTheOtherFeedsCarrySoItsBreakerCanBeOpened() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 700);
        GroupRegulatorTest.Plant plant = settled(site, reg, 700);
        double survivorsW = ContingencyPlanner.survivorsAllowedW(site, List.of("B", "C", "D"), 0.03);
        assertThat(plant.groupW()).as("the settled hall draws more than three feeds carry").isGreaterThan(survivorsW);

        GroupDecision d = step(plant, reg, 601, Map.of(), Set.of("A"));
        assertThat(plant.groupW()).as("held to B, C and D's capacity at once").isLessThanOrEqualTo(survivorsW + 1e-6);
        assertThat(d.alarms()).anySatisfy(a -> assertThat(a).contains("feed A").contains("maintenance")
                .contains("no N-1 redundancy"));
        assertThat(d.binding()).contains("maintenance");
        ContingencyPlan lossOfB = d.plans().stream().filter(p -> p.lostFeedId().equals("B")).findFirst().orElseThrow();
        assertThat(lossOfB.survivors()).as("A is no survivor while it is open").containsExactly("C", "D");

        plant.feedUp[0] = false; // the operator opens A's breaker
        for (int t = 602; t <= 700; t++) {
            step(plant, reg, t, Map.of(), Set.of("A"));
            for (int f = 1; f < 4; f++) {
                assertThat(plant.feedA(f)).as("survivor %s, tick %d: no excursion needed", site.feeds().get(f).id(), t)
                        .isLessThanOrEqualTo(CONTINUOUS_A + 1e-6);
            }
        }
        plant.feedUp[0] = true;
        d = step(plant, reg, 701, Map.of(), Set.of());
        assertThat(d.alarms()).noneSatisfy(a -> assertThat(a).contains("maintenance"));
    }

    @Test
    void aFeedThatCarriesNothingWhileItsGroupDoesIsLostForThePlansAndRaisesAnAlarm() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 700);
        GroupRegulatorTest.Plant plant = settled(site, reg, 600);
        GroupDecision before = plant.step(reg, 601);
        assertThat(before.alarms()).isEmpty();
        assertThat(before.plans().stream().filter(p -> p.lostFeedId().equals("A")).findFirst().orElseThrow().survivors())
                .containsExactly("B", "C", "D");
        plant.feedUp[1] = false; // B is gone; its meter still answers, with no current
        GroupDecision d = plant.step(reg, 602);
        assertThat(d.alarms()).anySatisfy(a -> assertThat(a).contains("feed B: lost").contains("no N-1 redundancy"));
        ContingencyPlan lossOfA = d.plans().stream().filter(p -> p.lostFeedId().equals("A")).findFirst().orElseThrow();
        assertThat(lossOfA.survivors()).as("B cannot carry A's share").containsExactly("C", "D");
        plant.feedUp[1] = true;
        assertThat(plant.step(reg, 603).alarms()).isEmpty();
    }

    @Test
    void plansBudgetTheLoadTheServersReallyDrawNotOnlyTheDeclaredBase() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 700);
        GroupRegulatorTest.Plant plant = new GroupRegulatorTest.Plant(site, 700);
        plant.unexplainedW = 30_000; // the servers draw 30 kW more than the site file's baseW says
        GroupDecision d = null;
        for (int t = 1; t <= 600; t++) {
            d = plant.step(reg, t);
        }
        for (ContingencyPlan p : d.plans()) {
            assertThat(p.feasible()).isTrue();
            GroupRegulatorTest.Plant after = new GroupRegulatorTest.Plant(site, 700);
            after.unexplainedW = plant.unexplainedW;
            System.arraycopy(p.capsPerGpuW(), 0, after.capPerGpu, 0, after.capPerGpu.length);
            int lost = site.feeds().indexOf(site.feed(p.lostFeedId()).orElseThrow());
            after.feedUp[lost] = false;
            for (int f = 0; f < 4; f++) {
                Feed feed = site.feeds().get(f);
                if (f != lost) {
                    assertThat(after.feedA(f)).as("loss of %s: survivor %s with the armed caps", p.lostFeedId(), feed.id())
                            .isLessThanOrEqualTo(feed.limitA() * 0.97 + 1e-6);
                }
            }
        }
    }
}
