package io.headroom.appliance.control;

import io.headroom.appliance.measure.NodeTelemetry;

import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Tick by tick: the agents' telemetry and the last caps in, each node's demand out (8 GPUs of 200–700 W a node). */
class NodeDemandTest {

    final Site site = TestHalls.hall(2, 150, 0, 0, 3);
    final NodeDemand demand = new NodeDemand(site.nodes(), 450);
    final double[] lastCaps = {600, 600, 600};

    @Test
    void aNodeHeardFromWantsALittleMoreThanItDrawsOrItsMaximumWhenAtItsCap() {
        Map<String, NodeTelemetry> t = Map.of(
                "n0", new NodeTelemetry("n0", 8 * 400, 600, true),
                "n1", new NodeTelemetry("n1", 8 * 580, 600, true), // over 95 % of its cap
                "n2", new NodeTelemetry("n2", 8 * 569, 600, true));
        NodeDemand.Estimate e = demand.run(Ticks.tick(1, Map.of(), t), lastCaps);
        assertThat(e.perGpuW()[0]).isCloseTo(400 * 1.1 + 10, within(1e-9));
        assertThat(e.perGpuW()[1]).as("saturated").isEqualTo(700);
        assertThat(e.perGpuW()[2]).isCloseTo(569 * 1.1 + 10, within(1e-9));
        assertThat(e.gpuW()).isEqualTo(8 * (400 + 580 + 569));
        assertThat(e.silentGpuBoundW()).isZero();
        assertThat(e.silentAtW()).isNull();
        assertThat(e.alarms()).isEmpty();
    }

    @Test
    void aNodeNeverHeardFromIsPlannedAtItsLastCapOrItsSafeCap() {
        NodeDemand.Estimate e = demand.run(Ticks.tick(1, Map.of(), Map.of()), new double[]{600, 300, 600});
        assertThat(e.perGpuW()).containsExactly(600, 300, 600);
        assertThat(e.gpuW()).isZero();
        assertThat(e.silentGpuBoundW()).as("n1 may draw its safe cap").isEqualTo(8 * (600 + 450 + 600));
        assertThat(e.silentAtW()).isNull();
    }

    @Test
    void aSilentNodeIsPinnedAtTheLargestCapItMayHoldAndRaisesAnAlarm() {
        Map<String, NodeTelemetry> t = Map.of(
                "n0", new NodeTelemetry("n0", 8 * 400, 600, true),
                "n1", new NodeTelemetry("n1", 8 * 500, 650, false), // acknowledged 650 before falling silent
                "n2", new NodeTelemetry("n2", 8 * 300, 300, false));
        NodeDemand.Estimate e = demand.run(Ticks.tick(1, Map.of(), t), new double[]{600, 600, 300});
        assertThat(e.silentAtW()[0]).isNaN();
        assertThat(e.silentAtW()[1]).as("its acknowledged cap").isEqualTo(650);
        assertThat(e.silentAtW()[2]).as("its safe cap, once its lease lapses").isEqualTo(450);
        assertThat(e.perGpuW()[1]).isEqualTo(650);
        assertThat(e.gpuW()).as("the fresh node only").isEqualTo(8 * 400);
        assertThat(e.silentGpuBoundW()).as("what they drew when last heard of").isEqualTo(8 * 500 + 8 * 300);
        assertThat(e.alarms()).containsExactly(
                "node n1: agent not answering; planned at 650 W per GPU (its last cap) in every contingency, the "
                        + "group's other nodes cover it",
                "node n2: agent not answering; planned at 450 W per GPU (its last cap) in every contingency, the "
                        + "group's other nodes cover it");
    }
}
