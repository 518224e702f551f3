package io.headroom.appliance.control;

import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class AllocatorTest {

    static double[] full(List<Node> nodes) {
        double[] d = new double[nodes.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = nodes.get(i).gpu().maxW();
        }
        return d;
    }

    @Test
    void flexibleIsCappedFirstThenStandardAndCriticalLast() {
        Site site = TestHalls.hall(4, 150, 1, 1, 1); // 3 nodes of 8 GPUs
        List<Node> nodes = site.nodes();
        // Everyone at max: 3 × 8 × 700 = 16.8 kW. Give 15 kW: flexible alone gives up 1.8 kW.
        double[] caps = Allocator.allocate(nodes, full(nodes), 15_000);
        assertThat(caps[0]).isEqualTo(700);
        assertThat(caps[1]).isEqualTo(700);
        assertThat(caps[2]).isCloseTo(700 - 1800.0 / 8, within(1e-6));
        // 10 kW: flexible at its min (200), standard takes the rest after critical's 700.
        caps = Allocator.allocate(nodes, full(nodes), 10_000);
        assertThat(caps[2]).isEqualTo(200);
        assertThat(caps[0]).isEqualTo(700);
        assertThat(caps[1]).isCloseTo((10_000 - 5600 - 1600) / 8.0, within(1e-6));
    }

    @Test
    void withinAClassItIsMaxMinFair() {
        Site site = TestHalls.hall(4, 150, 0, 0, 3);
        List<Node> nodes = site.nodes();
        // One node wants only 300 W per GPU; the other two share what it leaves equally.
        double[] caps = Allocator.allocate(nodes, new double[]{300, 700, 700}, 3 * 8 * 500);
        assertThat(caps[0]).isCloseTo(300, within(1e-6));
        assertThat(caps[1]).isCloseTo(600, within(1e-6));
        assertThat(caps[2]).isCloseTo(600, within(1e-6));
    }

    @Test
    void belowTheFloorsEveryoneIsAtTheirFloor() {
        Site site = TestHalls.hall(4, 150, 1, 1, 1);
        double[] caps = Allocator.allocate(site.nodes(), full(site.nodes()), 1000);
        assertThat(caps).containsExactly(600, 200, 200);
        assertThat(Allocator.floorsW(site.nodes())).isEqualTo(8 * (600 + 200 + 200));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void invariantsOverThousandsOfRandomHalls(long seed) {
        Random r = new Random(seed);
        for (int k = 0; k < 500; k++) {
            Site site = TestHalls.randomHall(r);
            List<Node> nodes = site.nodes();
            double[] demand = new double[nodes.size()];
            double maxW = 0;
            for (int i = 0; i < demand.length; i++) {
                Node n = nodes.get(i);
                demand[i] = r.nextDouble() * n.gpu().maxW() * 1.2;
                maxW += n.gpu().maxW() * n.gpus();
            }
            double floors = Allocator.floorsW(nodes);
            double budget = r.nextDouble() * maxW * 1.1;
            double[] caps = Allocator.allocate(nodes, demand, budget);
            double used = 0;
            for (int i = 0; i < caps.length; i++) {
                Node n = nodes.get(i);
                assertThat(caps[i]).as("cap within [floor, max]")
                        .isBetween(Allocator.floor(n) - 1e-9, n.gpu().maxW() + 1e-9);
                used += caps[i] * n.gpus();
            }
            if (budget >= floors) {
                assertThat(used).as("within budget").isLessThanOrEqualTo(budget + 1e-6);
            }
            // Priority: if any flexible node is above its floor, every critical node has all it wanted.
            boolean flexibleAboveFloor = false;
            for (int i = 0; i < caps.length; i++) {
                Node n = nodes.get(i);
                flexibleAboveFloor |= n.priority() == Priority.FLEXIBLE && caps[i] > Allocator.floor(n) + 1e-6;
            }
            if (flexibleAboveFloor) {
                for (int i = 0; i < caps.length; i++) {
                    Node n = nodes.get(i);
                    if (n.priority() == Priority.CRITICAL) {
                        double want = Math.clamp(demand[i], Allocator.floor(n), n.gpu().maxW());
                        assertThat(caps[i]).as("critical served before flexible").isCloseTo(want, within(1e-6));
                    }
                }
            }
        }
    }

    /**
     * A reused allocation, reset for each demand vector in turn, allocates bit for bit what a new one does, whatever it
     * held before (the regulator keeps one per group and resets it every tick).
     */
    @Test
    void aReusedAllocationAllocatesWhatANewOneDoes() {
        Random r = new Random(23);
        for (int hall = 0; hall < 50; hall++) {
            Site site = TestHalls.randomHall(r);
            List<Node> nodes = site.nodes();
            Allocator.Prepared reused = Allocator.Prepared.reusable(nodes.size());
            double[] into = new double[nodes.size()];
            for (int k = 0; k < 20; k++) {
                double[] demand = new double[nodes.size()];
                double[] floors = Allocator.floors(nodes);
                for (int i = 0; i < demand.length; i++) {
                    demand[i] = r.nextInt(4) == 0 ? 0 : 100 + r.nextDouble() * 700;
                    floors[i] = r.nextInt(5) == 0 ? nodes.get(i).gpu().minW() : floors[i];
                }
                Allocator.Prepared fresh = Allocator.prepare(nodes, demand, floors);
                assertThat(reused.reset(nodes, demand, floors)).isSameAs(reused);
                assertThat(reused.floorsW()).isEqualTo(fresh.floorsW());
                double full = Allocator.floorsW(nodes, floors) + r.nextDouble() * 8 * 700 * nodes.size();
                for (double budget : new double[]{0, fresh.floorsW() - 1, fresh.floorsW(), full, 1e9}) {
                    double[] a = fresh.allocate(budget);
                    assertThat(reused.allocate(budget, into)).isSameAs(into).containsExactly(a);
                    assertThat(reused.allocate(budget)).containsExactly(a);
                }
            }
        }
    }
}
