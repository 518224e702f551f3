package io.headroom.appliance.control;

import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.MeasurementQuality;
import io.headroom.appliance.measure.NodeActivity;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link AllocationMode#DEMAND_AWARE} tick by tick on a plant whose agents report power-cap throttling (a node whose
 * demand exceeds its cap), against {@link AllocationMode#CLASS_FAIR} on the same plant.
 */
class DemandAwareAllocationTest {

    static final long TICK = 100_000_000L;

    /** Nodes draw min(demand, cap) per GPU plus base, split over the live feeds; agents report throttling. */
    static final class Plant {
        final Site site;
        final double[] demandPerGpu;
        final double[] capPerGpu;
        final boolean reportsActivity;
        final Map<String, Double> ceilings = new HashMap<>();

        Plant(Site site, double[] demand, boolean reportsActivity) {
            this.site = site;
            this.demandPerGpu = demand.clone();
            this.capPerGpu = new double[demand.length];
            java.util.Arrays.fill(capPerGpu, 700);
            this.reportsActivity = reportsActivity;
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

        double feedA(int f) {
            Feed feed = site.feeds().get(f);
            return groupW() / site.feeds().size() / (Math.sqrt(3) * feed.voltageV() * feed.powerFactor());
        }

        Snapshot snapshot(long tick) {
            Map<String, FeedMeasurement> feeds = new HashMap<>();
            for (int f = 0; f < site.feeds().size(); f++) {
                String id = site.feeds().get(f).id();
                feeds.put(id, new FeedMeasurement(id, feedA(f), groupW() / site.feeds().size(), MeasurementQuality.GOOD, 50));
            }
            Map<String, NodeTelemetry> nodes = new HashMap<>();
            for (int i = 0; i < capPerGpu.length; i++) {
                Node n = site.nodes().get(i);
                boolean throttled = demandPerGpu[i] > capPerGpu[i] + 0.5;
                boolean idle = demandPerGpu[i] < 0.1 * n.gpu().maxW();
                NodeActivity a = reportsActivity ? new NodeActivity(n.gpus(), idle ? 0 : n.gpus(), idle ? n.gpus() : 0,
                        throttled ? n.gpus() : 0, 100 * demandPerGpu[i] / n.gpu().defaultW()) : NodeActivity.UNKNOWN;
                nodes.put(n.id(), new NodeTelemetry(n.id(), gpuW(i), capPerGpu[i], true, a));
            }
            return new Snapshot(tick, tick * TICK, Instant.EPOCH.plusMillis(tick * 100), feeds, nodes, Map.of(),
                    java.util.List.of(), ceilings, java.util.Set.of());
        }

        GroupDecision step(GroupRegulator reg, long tick) {
            GroupDecision d = reg.run(snapshot(tick));
            System.arraycopy(d.capsPerGpuW(), 0, capPerGpu, 0, capPerGpu.length);
            return d;
        }

        /** GPU power delivered against demand, this tick. */
        double shortfallW() {
            double w = 0;
            for (int i = 0; i < capPerGpu.length; i++) {
                w += Math.max(0, demandPerGpu[i] - capPerGpu[i]) * site.nodes().get(i).gpus();
            }
            return w;
        }
    }

    private static GroupRegulator regulator(Site site, AllocationMode mode) {
        return new GroupRegulator(site, site.groups().getFirst(), 700, mode, 5_000);
    }

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 24);
    }

    /**
     * A random hall and random demands (idle, steady, above the cap), changing now and then: in demand-aware mode
     * every cap stays within its floor and its GPUs' maximum, under an operator's ceiling, the feeds within their
     * continuous limit once settled, every plan's caps within its budget; and over the run demand-aware loses no more
     * GPU power to caps than class-fair, and the caps of a steady load do not chatter.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void demandAwareKeepsEveryBoundAndLosesNoMoreThanClassFair(long seed) {
        Random r = new Random(seed);
        Site site = TestHalls.hall(4, 120 + r.nextInt(60), 4 + r.nextInt(8), 8 + r.nextInt(16), 8 + r.nextInt(24));
        int n = site.nodes().size();
        double[] demand = new double[n];
        for (int i = 0; i < n; i++) {
            demand[i] = randomDemand(r);
        }
        Plant fair = new Plant(site, demand, true);
        Plant aware = new Plant(site, demand, true);
        int overridden = r.nextInt(n);
        double ceiling = 250 + r.nextInt(300);
        aware.ceilings.put(site.nodes().get(overridden).id(), ceiling);
        fair.ceilings.put(site.nodes().get(overridden).id(), ceiling);
        GroupRegulator rf = regulator(site, AllocationMode.CLASS_FAIR);
        GroupRegulator ra = regulator(site, AllocationMode.DEMAND_AWARE);
        double lostFair = 0;
        double lostAware = 0;
        double[] floors = Allocator.floors(site.nodes());
        for (long t = 1; t <= 1200; t++) {
            if (t % 300 == 0) {
                for (int k = 0; k < 1 + r.nextInt(4); k++) {
                    int i = r.nextInt(n);
                    double d = randomDemand(r);
                    fair.demandPerGpu[i] = d;
                    aware.demandPerGpu[i] = d;
                }
            }
            fair.step(rf, t);
            GroupDecision d = aware.step(ra, t);
            lostFair += fair.shortfallW();
            lostAware += aware.shortfallW();
            for (int i = 0; i < n; i++) {
                Node node = site.nodes().get(i);
                assertThat(aware.capPerGpu[i]).as("seed %d tick %d node %d", seed, t, i)
                        .isBetween(Math.min(floors[i], ceiling) - 1e-9, node.gpu().maxW() + 1e-9);
                if (node.priority() == Priority.CRITICAL && i != overridden) {
                    assertThat(aware.capPerGpu[i]).as("critical floor").isGreaterThanOrEqualTo(floors[i] - 1e-9);
                }
            }
            assertThat(aware.capPerGpu[overridden]).as("operator's ceiling, tick %d", t).isLessThanOrEqualTo(ceiling + 1e-9);
            for (ContingencyPlan p : d.plans()) {
                double w = 0;
                for (int i = 0; i < n; i++) {
                    w += p.capsPerGpuW()[i] * site.nodes().get(i).gpus();
                }
                if (p.feasible()) {
                    assertThat(w).as("plan for %s within its budget", p.lostFeedId()).isLessThanOrEqualTo(p.gpuBudgetW() + 1e-6);
                }
            }
            if (t % 300 > 60) {
                for (int f = 0; f < site.feeds().size(); f++) {
                    Feed feed = site.feeds().get(f);
                    assertThat(aware.feedA(f)).as("feed %d tick %d", f, t)
                            .isLessThanOrEqualTo(feed.limitA() * (1 - site.control().marginFraction()) + 1e-6);
                }
            }
        }
        assertThat(lostAware).as("seed %d: GPU power lost to caps, demand-aware vs class-fair", seed)
                .isLessThanOrEqualTo(lostFair * 1.02 + 1e-6);
        // Steady from here: no chatter.
        for (long t = 1201; t <= 1500; t++) {
            aware.step(ra, t);
        }
        double[] settled = aware.capPerGpu.clone();
        for (long t = 1501; t <= 1800; t++) {
            aware.step(ra, t);
        }
        assertThat(aware.capPerGpu).as("seed %d: steady load, steady caps", seed).containsExactly(settled);
    }

    private static double randomDemand(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> 40 + r.nextInt(40);    // idle
            case 1 -> 300 + r.nextInt(250);  // steady, under its cap
            default -> 600 + r.nextInt(100); // wants more than a shared budget gives
        };
    }

    @Test
    void aNodeWellUnderItsCapGivesUpBudgetToThrottledOnesAndABusyOneKeepsItsCapForTheHoldTime() {
        Site site = TestHalls.hall(4, 125, 0, 0, 64); // 341 kW allowed, 418 kW wanted: the budget binds
        double[] demand = new double[64];
        java.util.Arrays.fill(demand, 700);
        for (int i = 0; i < 16; i++) {
            demand[i] = 400; // steady, well under what it would get
        }
        Plant fair = new Plant(site, demand, true);
        Plant aware = new Plant(site, demand, true);
        GroupRegulator rf = regulator(site, AllocationMode.CLASS_FAIR);
        GroupRegulator ra = regulator(site, AllocationMode.DEMAND_AWARE);
        for (long t = 1; t <= 600; t++) {
            fair.step(rf, t);
            aware.step(ra, t);
        }
        assertThat(aware.capPerGpu[0]).as("under its cap: its draw plus the margin (5 %%)")
                .isEqualTo(420, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(fair.capPerGpu[0]).as("class-fair keeps 1.1 × draw + 10").isEqualTo(450, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(aware.capPerGpu[63]).as("the throttled nodes get what the others gave up")
                .isGreaterThan(fair.capPerGpu[63]);
        assertThat(aware.shortfallW()).isLessThan(fair.shortfallW());

        // Eight busy nodes' work pauses: they keep their caps for the hold time (5 s here), then give them up.
        double held = aware.capPerGpu[63];
        for (int i = 56; i < 64; i++) {
            aware.demandPerGpu[i] = 300;
        }
        for (long t = 601; t <= 640; t++) {
            aware.step(ra, t);
            assertThat(aware.capPerGpu[63]).as("tick %d, within the hold", t).isGreaterThanOrEqualTo(held - 1e-9);
        }
        for (long t = 641; t <= 700; t++) {
            aware.step(ra, t);
        }
        assertThat(aware.capPerGpu[63]).as("after the hold: draw plus margin")
                .isEqualTo(300 + NodeDemand.AWARE_MARGIN_W, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(aware.capPerGpu[55]).as("and the others took it up").isGreaterThan(held + 20);
    }

    @Test
    void withoutActivityDemandAwareIsClassFair() {
        Random r = new Random(7);
        Site site = TestHalls.hall(4, 150, 8, 16, 24);
        double[] demand = new double[site.nodes().size()];
        for (int i = 0; i < demand.length; i++) {
            demand[i] = randomDemand(r);
        }
        Plant fair = new Plant(site, demand, false);
        Plant aware = new Plant(site, demand, false);
        GroupRegulator rf = regulator(site, AllocationMode.CLASS_FAIR);
        GroupRegulator ra = regulator(site, AllocationMode.DEMAND_AWARE);
        for (long t = 1; t <= 300; t++) {
            fair.step(rf, t);
            aware.step(ra, t);
            assertThat(aware.capPerGpu).as("tick %d", t).containsExactly(fair.capPerGpu);
        }
    }

    @Test
    void modesParse() {
        assertThat(AllocationMode.parse("demand-aware")).isEqualTo(AllocationMode.DEMAND_AWARE);
        assertThat(AllocationMode.parse("CLASS_FAIR")).isEqualTo(AllocationMode.CLASS_FAIR);
        assertThat(AllocationMode.DEMAND_AWARE.label()).isEqualTo("demand-aware");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AllocationMode.parse("fast"))
                .hasMessageContaining("class-fair or demand-aware");
    }
}
