package io.headroom.appliance.control;

import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Demand, node ceilings and silent nodes in; floors, ceilings and demand for the allocation out. */
class NodeBoundsTest {

    /** n0 critical (floor 600), n1 standard and n2 flexible (floor 200, the GPUs' minimum); 700 W maximum. */
    final Site site = TestHalls.hall(2, 150, 1, 1, 1);
    final NodeBounds bounds = new NodeBounds(site.nodes());
    final double[] demand = {700, 650, 500};

    static Limit ceiling(String node, double w) {
        return new Limit.NodeCeiling(node, w, Tier.SAFETY, "test", "test");
    }

    @Test
    void withNoCeilingEveryNodeHasItsNormalFloor() {
        NodeBounds.Bounds b = bounds.apply(demand, List.of(), null);
        assertThat(b.floors()).containsExactly(600, 200, 200);
        assertThat(b.ceilings()).isNull();
        assertThat(b.demand()).containsExactly(700, 650, 500);
    }

    @Test
    void aCeilingHoldsEvenUnderACriticalFloorButNeverBelowTheGpusMinimum() {
        NodeBounds.Bounds b = bounds.apply(demand, List.of(ceiling("n0", 400), ceiling("n1", 50)), null);
        assertThat(b.ceilings()).containsExactly(400, 200, Double.POSITIVE_INFINITY);
        assertThat(b.floors()).containsExactly(400, 200, 200);
        assertThat(b.demand()).containsExactly(400, 200, 500);
        assertThat(demand).as("the demand given is not written").containsExactly(700, 650, 500);
    }

    @Test
    void theLowestOfSeveralCeilingsOnANodeHoldsWhateverTheirOrder() {
        // The vectors are the controller's scratch until its next apply: copied before the second.
        NodeBounds.Bounds a = bounds.apply(demand, List.of(ceiling("n2", 450), ceiling("n2", 300)), null);
        double[] aCeilings = a.ceilings().clone();
        assertThat(a.ceilings()[2]).isEqualTo(300);
        assertThat(a.demand()[2]).isEqualTo(300);
        NodeBounds.Bounds b = bounds.apply(demand, List.of(ceiling("n2", 300), ceiling("n2", 450)), null);
        assertThat(aCeilings).containsExactly(b.ceilings());
    }

    @Test
    void limitsThatAreNoNodeCeilingOfThisGroupArePassedOver() {
        NodeBounds.Bounds b = bounds.apply(demand, List.of(ceiling("elsewhere", 250),
                new Limit.GroupCeiling("g", 1_000, Tier.SAFETY, "test", "test")), null);
        assertThat(b.ceilings()).isNull();
        assertThat(b.floors()).containsExactly(600, 200, 200);
    }

    @Test
    void aSilentNodeIsPinnedAtItsCapOverItsCeilingAndItsFloor() {
        double[] silent = {Double.NaN, 680, Double.NaN};
        NodeBounds.Bounds b = bounds.apply(demand, List.of(ceiling("n1", 300)), silent);
        assertThat(b.floors()).containsExactly(600, 680, 200);
        assertThat(b.ceilings()).containsExactly(Double.POSITIVE_INFINITY, 680, Double.POSITIVE_INFINITY);
        assertThat(b.demand()).containsExactly(700, 680, 500);
    }
}
