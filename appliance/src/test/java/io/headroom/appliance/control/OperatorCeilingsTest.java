package io.headroom.appliance.control;

import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Tick by tick: an operator's overrides in, ceilings on the group's nodes out. */
class OperatorCeilingsTest {

    final Site site = TestHalls.hall(2, 150, 1, 1, 1);
    final OperatorCeilings operator = new OperatorCeilings(site.nodes());

    @Test
    void eachOverrideOfANodeOfTheGroupIsACeilingOnIt() {
        assertThat(operator.run(Ticks.tick(1, Map.of(), Map.of()))).as("tick 1: none").isEmpty();

        var t2 = operator.run(Ticks.tick(2, Map.of(), Map.of(), Map.of("n2", 250.0, "n0", 50.0, "elsewhere", 300.0),
                Set.of()));
        assertThat(t2).as("tick 2: group order; another group's node is not this one's").hasSize(2);
        Limit.NodeCeiling n0 = (Limit.NodeCeiling) t2.get(0);
        Limit.NodeCeiling n2 = (Limit.NodeCeiling) t2.get(1);
        assertThat(n0.nodeId()).isEqualTo("n0");
        assertThat(n0.perGpuW()).as("as asked: the GPUs' minimum is the bounds' to apply").isEqualTo(50);
        assertThat(n2.nodeId()).isEqualTo("n2");
        assertThat(n2.perGpuW()).isEqualTo(250);
        assertThat(n2.source()).isEqualTo("operator");
        assertThat(n2.reason()).isEqualTo("operator override: node n2 at most 250 W per GPU");

        assertThat(operator.run(Ticks.tick(3, Map.of(), Map.of()))).as("tick 3: lifted").isEmpty();
    }
}
