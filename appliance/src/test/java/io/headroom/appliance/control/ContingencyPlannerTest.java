package io.headroom.appliance.control;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ContingencyPlannerTest {

    @Test
    void theExampleHallNeedsCapsOnEveryLossAndHasAPlan() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24);
        RedundancyGroup g = site.groups().getFirst();
        List<ContingencyPlan> plans = ContingencyPlanner.planAtFullDemand(site, g);
        assertThat(plans).hasSize(4).allMatch(ContingencyPlan::feasible);
        ContingencyPlan lossOfA = plans.getFirst();
        assertThat(lossOfA.survivors()).containsExactly("B", "C", "D");
        double feedLimitW = site.feeds().getFirst().limitW();
        assertThat(feedLimitW).isCloseTo(105_660, within(50.0));
        assertThat(lossOfA.survivorsAllowedW()).isCloseTo(3 * feedLimitW * 0.97, within(1e-6));
        assertThat(lossOfA.demandW()).isEqualTo(64 * (8 * 700 + 1500));
        assertThat(lossOfA.shedW()).isGreaterThan(100_000);
        // Critical keeps all 700 W; flexible gives up most.
        assertThat(lossOfA.capsPerGpuW()[0]).isEqualTo(700);
        assertThat(lossOfA.capsPerGpuW()[63]).isLessThan(lossOfA.capsPerGpuW()[20]);
    }

    @Test
    void theSafeCapKeepsTheWorstContingencyWithinLimits() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24);
        RedundancyGroup g = site.groups().getFirst();
        double safe = ContingencyPlanner.safeCapW(site, g);
        double atSafeW = 64 * (1500 + 8 * safe);
        assertThat(atSafeW / 3).isLessThanOrEqualTo(site.feeds().getFirst().limitW() * 0.97);
        assertThat(safe).isBetween(380.0, 420.0);
    }

    @ParameterizedTest
    @ValueSource(longs = {21, 22, 23, 24})
    void afterAnySingleFeedLossTheArmedPlanKeepsEverySurvivorWithinItsLimit(long seed) {
        Random r = new Random(seed);
        for (int k = 0; k < 500; k++) {
            Site site = TestHalls.randomHall(r);
            RedundancyGroup g = site.groups().getFirst();
            List<Node> nodes = site.nodes();
            double[] demand = new double[nodes.size()];
            for (int i = 0; i < demand.length; i++) {
                demand[i] = r.nextDouble() * nodes.get(i).gpu().maxW() * 1.3;
            }
            for (ContingencyPlan plan : ContingencyPlanner.plan(site, g, demand)) {
                if (!plan.feasible()) {
                    continue; // the floors alone overload the survivors: raised as an alarm, checked elsewhere
                }
                double drawW = 0;
                for (int i = 0; i < nodes.size(); i++) {
                    Node n = nodes.get(i);
                    drawW += n.baseW() + Math.min(Math.max(demand[i], 0), plan.capsPerGpuW()[i]) * n.gpus();
                }
                for (String s : plan.survivors()) {
                    Feed f = site.feed(s).orElseThrow();
                    assertThat(drawW / plan.survivors().size()).as("seed %d hall %d lost %s survivor %s", seed, k,
                            plan.lostFeedId(), s).isLessThanOrEqualTo(f.limitW() + 1e-6);
                }
            }
        }
    }
}
