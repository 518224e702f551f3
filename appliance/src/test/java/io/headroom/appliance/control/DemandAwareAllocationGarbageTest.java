package io.headroom.appliance.control;

import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Demand-aware allocation adds no per-tick garbage: once a steady load's caps have settled, a tick of a group in
 * demand-aware mode (its agents reporting activity, some GPUs throttled) allocates no more than the same tick in
 * class-fair mode (what a decision carries out is the same in both).
 */
class DemandAwareAllocationGarbageTest {

    private static long bytesPerTick(AllocationMode mode) {
        Site site = TestHalls.hall(4, 125, 8, 16, 40);
        double[] demand = new double[site.nodes().size()];
        for (int i = 0; i < demand.length; i++) {
            demand[i] = i % 4 == 0 ? 60 : i % 4 == 1 ? 400 : 700;
        }
        DemandAwareAllocationTest.Plant plant = new DemandAwareAllocationTest.Plant(site, demand, true);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 700, mode, 5_000);
        long t = 1;
        for (; t <= 2_000; t++) {
            plant.step(reg, t); // settle, and warm the JIT up
        }
        Snapshot[] snapshots = new Snapshot[500];
        for (int k = 0; k < snapshots.length; k++) {
            snapshots[k] = plant.snapshot(t + k); // made before measuring: the snapshot is the loop's, not regulation's
        }
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (Snapshot s : snapshots) {
            reg.run(s);
        }
        return (mx.getThreadAllocatedBytes(tid) - before) / snapshots.length;
    }

    @Test
    void aSettledDemandAwareTickAllocatesNoMoreThanAClassFairOne() {
        long fair = bytesPerTick(AllocationMode.CLASS_FAIR);
        long aware = bytesPerTick(AllocationMode.DEMAND_AWARE);
        assertThat(fair).isPositive();
        assertThat(aware).as("demand-aware %d B/tick, class-fair %d B/tick", aware, fair)
                .isLessThanOrEqualTo(fair + fair / 20);
    }
}
