package io.headroom.appliance.control;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Tick-by-tick: a snapshot in, caps and their explanation out. */
class GroupRegulatorTest {

    static final long TICK = 100_000_000L;

    /** A minimal plant: nodes draw min(demand, cap) per GPU plus base; the group splits equally over live feeds. */
    static final class Plant {
        final Site site;
        final double[] demandPerGpu;
        final double[] capPerGpu;
        final boolean[] feedUp;

        Plant(Site site, double demand) {
            this.site = site;
            this.demandPerGpu = new double[site.nodes().size()];
            this.capPerGpu = new double[site.nodes().size()];
            java.util.Arrays.fill(demandPerGpu, demand);
            java.util.Arrays.fill(capPerGpu, 700);
            this.feedUp = new boolean[site.feeds().size()];
            java.util.Arrays.fill(feedUp, true);
        }

        double gpuW(int i) {
            return Math.min(demandPerGpu[i], capPerGpu[i]) * site.nodes().get(i).gpus();
        }

        double groupW() {
            double w = 0;
            for (int i = 0; i < capPerGpu.length; i++) {
                w += gpuW(i) + site.nodes().get(i).baseW();
            }
            return w;
        }

        int live() {
            int n = 0;
            for (boolean b : feedUp) {
                n += b ? 1 : 0;
            }
            return n;
        }

        double feedW(int f) {
            return feedUp[f] ? groupW() / live() : 0;
        }

        double feedA(int f) {
            Feed feed = site.feeds().get(f);
            return feedW(f) / (Math.sqrt(3) * feed.voltageV() * feed.powerFactor());
        }

        Snapshot snapshot(long tick) {
            Map<String, FeedMeasurement> feeds = new HashMap<>();
            for (int f = 0; f < site.feeds().size(); f++) {
                feeds.put(site.feeds().get(f).id(), new FeedMeasurement(site.feeds().get(f).id(), feedA(f), feedW(f),
                        MeasurementQuality.GOOD, 50));
            }
            Map<String, NodeTelemetry> nodes = new HashMap<>();
            for (int i = 0; i < capPerGpu.length; i++) {
                Node n = site.nodes().get(i);
                nodes.put(n.id(), new NodeTelemetry(n.id(), gpuW(i), capPerGpu[i], true));
            }
            return new Snapshot(tick, tick * TICK, Instant.EPOCH.plusMillis(tick * 100), feeds, nodes);
        }

        GroupDecision step(GroupRegulator reg, long tick) {
            GroupDecision d = reg.run(snapshot(tick));
            System.arraycopy(d.capsPerGpuW(), 0, capPerGpu, 0, capPerGpu.length);
            return d;
        }
    }

    @Test
    void anOverloadedGroupIsBroughtUnderItsLimitInOneTickFlexibleFirst() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24); // the example hall's shape: 454 kW at full demand
        Plant plant = new Plant(site, 700);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 700);
        double limitA = 150 * 0.97;
        assertThat(plant.feedA(0)).as("overloaded before").isGreaterThan(150);
        GroupDecision d = plant.step(reg, 1);
        assertThat(plant.feedA(0)).as("within limit after one tick").isLessThanOrEqualTo(limitA + 1e-6);
        assertThat(d.bindingFeed()).isNotEmpty();
        assertThat(d.binding()).contains("sets the budget");
        // critical untouched, flexible shed first
        assertThat(plant.capPerGpu[0]).isEqualTo(700);
        assertThat(plant.capPerGpu[63]).isLessThan(700);
    }

    @Test
    void capsRiseOnlyAfterTheHoldTimeAndByBoundedSteps() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24);
        Plant plant = new Plant(site, 700);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 700);
        plant.step(reg, 1);
        double lowered = plant.capPerGpu[63];
        plant.demandPerGpu[16] = 250; // a standard node goes quiet: headroom appears for flexible work
        for (int t = 2; t <= 20; t++) { // inside the 2 s hold
            plant.step(reg, t);
            assertThat(plant.capPerGpu[63]).as("tick %d", t).isLessThanOrEqualTo(lowered + 1e-9);
        }
        double before = plant.capPerGpu[63];
        plant.step(reg, 22);
        assertThat(plant.capPerGpu[63]).isGreaterThan(before).isLessThanOrEqualTo(before + 25 + 1e-9);
    }

    @Test
    void aSteadyLoadGivesSteadyCaps() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24);
        Plant plant = new Plant(site, 650);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 700);
        for (int t = 1; t <= 300; t++) {
            plant.step(reg, t);
        }
        double[] settled = plant.capPerGpu.clone();
        int changes = 0;
        for (int t = 301; t <= 600; t++) {
            double[] before = plant.capPerGpu.clone();
            plant.step(reg, t);
            changes += java.util.Arrays.equals(before, plant.capPerGpu) ? 0 : 1;
        }
        assertThat(changes).as("no oscillation in steady load").isZero();
        assertThat(plant.capPerGpu).containsExactly(settled);
        assertThat(plant.feedA(0)).isLessThanOrEqualTo(150 * 0.97 + 1e-6);
    }

    @Test
    void aStaleMeterTightensTheBudgetAndRaisesAnAlarm() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24);
        Plant plant = new Plant(site, 700);
        GroupRegulator fresh = new GroupRegulator(site, site.groups().getFirst(), 700);
        GroupRegulator degraded = new GroupRegulator(site, site.groups().getFirst(), 700);
        Snapshot s = plant.snapshot(1);
        Map<String, FeedMeasurement> feeds = new HashMap<>(s.feeds());
        feeds.put("B", new FeedMeasurement("B", Double.NaN, Double.NaN, MeasurementQuality.STALE, 900));
        Snapshot stale = new Snapshot(1, s.monoNanos(), s.utc(), feeds, s.nodes());
        GroupDecision a = fresh.run(s);
        GroupDecision b = degraded.run(stale);
        assertThat(b.gpuBudgetW()).isLessThan(a.gpuBudgetW());
        assertThat(b.alarms()).singleElement().asString().contains("feed B").contains("stale");
        assertThat(a.alarms()).isEmpty();
    }

    @Test
    void noUsableMeterHoldsTheSafeCap() {
        Site site = TestHalls.hall(4, 150, 1, 1, 1);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 413);
        GroupDecision d = reg.run(new Snapshot(1, TICK, Instant.EPOCH, Map.of(), Map.of()));
        assertThat(d.capsPerGpuW()).containsExactly(600, 413, 413); // critical never below its floor
        assertThat(d.alarms()).hasSize(4);
        assertThat(d.binding()).contains("safe cap");
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13, 14, 15})
    void randomHallsSettleWithinTheirLimitsAndCapsStayInRange(long seed) {
        Random r = new Random(seed);
        for (int k = 0; k < 60; k++) {
            Site site = TestHalls.randomHall(r);
            List<Node> nodes = site.nodes();
            Plant plant = new Plant(site, 0);
            for (int i = 0; i < nodes.size(); i++) {
                plant.demandPerGpu[i] = nodes.get(i).gpu().minW() + r.nextDouble() * 1.5 * nodes.get(i).gpu().maxW();
                plant.capPerGpu[i] = nodes.get(i).gpu().maxW();
            }
            if (r.nextBoolean()) {
                plant.feedUp[r.nextInt(plant.feedUp.length)] = false; // a feed lost before regulation starts
            }
            GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 1e9);
            for (int t = 1; t <= 100; t++) {
                plant.step(reg, t);
                for (int i = 0; i < nodes.size(); i++) {
                    assertThat(plant.capPerGpu[i]).isBetween(Allocator.floor(nodes.get(i)) - 1e-9,
                            nodes.get(i).gpu().maxW() + 1e-9);
                }
            }
            double floorsW = Allocator.floorsW(nodes) + nodes.stream().mapToDouble(Node::baseW).sum();
            for (int f = 0; f < site.feeds().size(); f++) {
                Feed feed = site.feeds().get(f);
                double limit = feed.limitA() * 0.97;
                // Settled within the limit, unless even the floors overload it (then every GPU is at its floor).
                if (floorsW / plant.live() < feed.powerAtCurrentW(limit) * 0.999) {
                    assertThat(plant.feedA(f)).as("seed %d hall %d feed %s", seed, k, feed.id())
                            .isLessThanOrEqualTo(limit * 1.0001);
                }
            }
        }
    }
}
