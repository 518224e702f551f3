package io.headroom.appliance.control;

import io.headroom.appliance.measure.BankMeasurement;
import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.MeasurementQuality;
import io.headroom.appliance.measure.NodeTelemetry;
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
        /** Load the servers draw beyond their declared base and their GPUs' telemetry (fans, NICs, storage), W. */
        double unexplainedW;
        /** Per feed, what its meter reports of the truth (1: honest; 0.5: a CT of the wrong ratio; −1: reversed). */
        final double[] meterFactor;
        /** Per node, whether its agent stopped answering: it reports nothing new and obeys no new cap. */
        final boolean[] silent;
        final double[] lastReportedW;

        Plant(Site site, double demand) {
            this.site = site;
            this.demandPerGpu = new double[site.nodes().size()];
            this.capPerGpu = new double[site.nodes().size()];
            java.util.Arrays.fill(demandPerGpu, demand);
            java.util.Arrays.fill(capPerGpu, 700);
            this.feedUp = new boolean[site.feeds().size()];
            java.util.Arrays.fill(feedUp, true);
            this.meterFactor = new double[site.feeds().size()];
            java.util.Arrays.fill(meterFactor, 1);
            this.silent = new boolean[site.nodes().size()];
            this.lastReportedW = new double[site.nodes().size()];
        }

        double gpuW(int i) {
            return Math.min(demandPerGpu[i], capPerGpu[i]) * site.nodes().get(i).gpus();
        }

        double groupW() {
            double w = 0;
            for (int i = 0; i < capPerGpu.length; i++) {
                w += gpuW(i) + site.nodes().get(i).baseW();
            }
            return w + unexplainedW;
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
                double k = meterFactor[f];
                feeds.put(site.feeds().get(f).id(), new FeedMeasurement(site.feeds().get(f).id(), Math.abs(k) * feedA(f),
                        k * feedW(f), MeasurementQuality.GOOD, 50));
            }
            Map<String, NodeTelemetry> nodes = new HashMap<>();
            for (int i = 0; i < capPerGpu.length; i++) {
                Node n = site.nodes().get(i);
                if (!silent[i]) {
                    lastReportedW[i] = gpuW(i);
                }
                nodes.put(n.id(), new NodeTelemetry(n.id(), lastReportedW[i], capPerGpu[i], !silent[i]));
            }
            return new Snapshot(tick, tick * TICK, Instant.EPOCH.plusMillis(tick * 100), feeds, nodes);
        }

        GroupDecision step(GroupRegulator reg, long tick) {
            GroupDecision d = reg.run(snapshot(tick));
            for (int i = 0; i < capPerGpu.length; i++) {
                if (!silent[i]) {
                    capPerGpu[i] = d.capsPerGpuW()[i];
                }
            }
            return d;
        }
    }

    @Test
    void anOverloadIsCutToTheCurvesShortExcursionAtOnceThenToTheLimitFlexibleFirst() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24); // the example hall's shape: 454 kW at full demand
        Plant plant = new Plant(site, 700);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 700);
        assertThat(plant.feedA(0)).as("overloaded before").isGreaterThan(150 * 1.05);
        GroupDecision d = plant.step(reg, 1);
        assertThat(plant.feedA(0)).as("within the allowed excursion after one tick").isLessThanOrEqualTo(150 * 1.05 + 1e-6);
        assertThat(d.binding()).contains("short excursion").contains("trip curve");
        assertThat(d.bindingLimit().tier()).isEqualTo(Tier.SAFETY);
        assertThat(d.bindingFeed()).isNotEmpty();
        assertThat(plant.capPerGpu[0]).as("critical untouched").isEqualTo(700);
        assertThat(plant.capPerGpu[63]).as("flexible shed first").isLessThan(700);
        for (int t = 2; t <= 60; t++) {
            d = plant.step(reg, t);
        }
        assertThat(plant.feedA(0)).as("continuous limit less margin after the excursion")
                .isLessThanOrEqualTo(150 * 0.97 + 1e-6);
        assertThat(d.binding()).contains("continuous");
    }

    @Test
    void withAFeedLostTheSurvivorsAreHeldToTheirContinuousLimitsWithNoExcursion() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24);
        Plant plant = new Plant(site, 700);
        plant.feedUp[2] = false; // feed C lost: its meter reads nothing while the others carry the hall
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 700);
        GroupDecision d = plant.step(reg, 1);
        for (int f : new int[]{0, 1, 3}) {
            assertThat(plant.feedA(f)).as("survivor %d after one tick", f).isLessThanOrEqualTo(150 * 0.97 + 1e-6);
        }
        assertThat(d.binding()).contains("continuous").contains("no redundancy left");
        assertThat(d.alarms()).anyMatch(a -> a.contains("feed C: lost"));
        // and it stays so while the feed is out: no excursion along the curve later either
        for (int t = 2; t <= 80; t++) {
            plant.step(reg, t);
            for (int f : new int[]{0, 1, 3}) {
                assertThat(plant.feedA(f)).as("survivor %d tick %d", f, t).isLessThanOrEqualTo(150 * 0.97 + 1e-6);
            }
        }
        // the feed back: the group has its redundancy again, and a new overload may ride the excursion
        plant.feedUp[2] = true;
        plant.demandPerGpu[0] = 700;
        java.util.Arrays.fill(plant.capPerGpu, 700);
        d = plant.step(reg, 81);
        assertThat(d.binding()).contains("short excursion");
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
        for (int t = 1; t <= 900; t++) {
            plant.step(reg, t);
        }
        double[] settled = plant.capPerGpu.clone();
        int changes = 0;
        for (int t = 901; t <= 1500; t++) {
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
        assertThat(b.measuredGroupW()).as("extrapolated, never 'no load'").isCloseTo(a.measuredGroupW(), org.assertj.core.api.Assertions.within(1.0));
        assertThat(a.alarms()).isEmpty();
    }

    @Test
    void noUsableMeterHoldsTheSafeCap() {
        Site site = TestHalls.hall(4, 150, 1, 1, 1);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 413);
        GroupDecision d = reg.run(new Snapshot(1, TICK, Instant.EPOCH, Map.of(), Map.of()));
        assertThat(d.capsPerGpuW()).containsExactly(600, 413, 413); // critical never below its floor
        assertThat(d.alarms()).filteredOn(a -> a.contains("meter missing")).hasSize(4);
        assertThat(d.binding()).contains("safe cap");
    }

    @Test
    void aDischargingBankDoesNotMakeTheGpusChaseIt() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24);
        Plant plant = new Plant(site, 600); // under the limits: no breaker excursion in play
        GroupRegulator withBank = new GroupRegulator(site, site.groups().getFirst(), 700);
        GroupRegulator without = new GroupRegulator(site, site.groups().getFirst(), 700);
        Snapshot s = plant.snapshot(1);
        // The bank on feed A discharges 20 kW: the meter on A reads 20 kW (and its share of current) less.
        Map<String, FeedMeasurement> feeds = new HashMap<>(s.feeds());
        FeedMeasurement a = feeds.get("A");
        double scale = (a.powerW() - 20_000) / a.powerW();
        feeds.put("A", new FeedMeasurement("A", a.currentA() * scale, a.powerW() - 20_000, MeasurementQuality.GOOD, 50));
        Snapshot helped = new Snapshot(1, s.monoNanos(), s.utc(), feeds, s.nodes(),
                Map.of("bank-A", new BankMeasurement("bank-A", "A", 20_000, 0.6, true)), List.of());
        GroupDecision x = withBank.run(helped);
        GroupDecision y = without.run(s);
        assertThat(x.measuredGroupW()).isCloseTo(y.measuredGroupW(), org.assertj.core.api.Assertions.within(1e-6));
        assertThat(x.gpuBudgetW()).isCloseTo(y.gpuBudgetW(), org.assertj.core.api.Assertions.within(1e-6));
        assertThat(x.capsPerGpuW()).containsExactly(y.capsPerGpuW());
    }

    @Test
    void aChargingBankTakesNoBudgetFromTheGpus() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24);
        Plant plant = new Plant(site, 600);
        GroupRegulator charging = new GroupRegulator(site, site.groups().getFirst(), 700);
        GroupRegulator idle = new GroupRegulator(site, site.groups().getFirst(), 700);
        Snapshot s = plant.snapshot(1);
        // The bank on feed A charges at 10 kW: the meter on A reads 10 kW (and its share of current) more.
        Map<String, FeedMeasurement> feeds = new HashMap<>(s.feeds());
        FeedMeasurement a = feeds.get("A");
        double scale = (a.powerW() + 10_000) / a.powerW();
        feeds.put("A", new FeedMeasurement("A", a.currentA() * scale, a.powerW() + 10_000, MeasurementQuality.GOOD, 50));
        Snapshot withCharge = new Snapshot(1, s.monoNanos(), s.utc(), feeds, s.nodes(),
                Map.of("bank-A", new BankMeasurement("bank-A", "A", -10_000, 0.3, true)), List.of());
        GroupDecision x = charging.run(withCharge);
        GroupDecision y = idle.run(s);
        assertThat(x.measuredGroupW()).as("the charge is taken out of the load side").isCloseTo(y.measuredGroupW(),
                org.assertj.core.api.Assertions.within(1.0));
        assertThat(x.gpuBudgetW()).as("and leaves the GPUs their budget").isCloseTo(y.gpuBudgetW(),
                org.assertj.core.api.Assertions.within(1.0));
        assertThat(x.capsPerGpuW()).containsExactly(y.capsPerGpuW());
    }

    @Test
    void aGridCommitmentBindsButNeverBelowTheCriticalFloorsWhileSafetyAlwaysBinds() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24);
        Plant plant = new Plant(site, 650);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 700);
        Snapshot s = plant.snapshot(1);
        Limit dr = new Limit.SiteCeiling(300_000, Tier.GRID, "openadr:evt-1", "grid commitment: 300 kW");
        GroupDecision d = reg.run(new Snapshot(1, s.monoNanos(), s.utc(), s.feeds(), s.nodes(), Map.of(), List.of(dr)));
        assertThat(d.bindingLimit()).isEqualTo(dr);
        assertThat(d.allowedGroupW()).isCloseTo(300_000, org.assertj.core.api.Assertions.within(1.0));
        // A commitment below the floors (base 96 kW + floors 16×8×600 + 48×8×200 = 249.6 kW) holds at the floors.
        Limit deep = new Limit.SiteCeiling(150_000, Tier.GRID, "openadr:evt-2", "grid commitment: 150 kW");
        GroupRegulator reg2 = new GroupRegulator(site, site.groups().getFirst(), 700);
        GroupDecision e = reg2.run(new Snapshot(1, s.monoNanos(), s.utc(), s.feeds(), s.nodes(), Map.of(), List.of(deep)));
        assertThat(e.bindingLimit()).isEqualTo(deep);
        assertThat(e.binding()).contains("critical floors come before grid commitments");
        assertThat(e.allowedGroupW()).isGreaterThan(150_000);
        for (int i = 0; i < 16; i++) {
            assertThat(e.capsPerGpuW()[i]).as("critical floor holds against a grid limit").isGreaterThanOrEqualTo(600);
        }
    }

    @Test
    void whenNoPlanExistsCriticalNodesAreHeldBelowTheirFloorUntilOneDoes() {
        // 2 feeds of 60 A: after a loss one feed carries 41.4 kW; 8 critical nodes at their 600 W floor need
        // 8 × (1500 + 4800) = 50.4 kW. No plan with the floors: tighten critical and say so.
        Site site = TestHalls.hall(2, 60, 8, 0, 0);
        Plant plant = new Plant(site, 650);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 700);
        GroupDecision d = plant.step(reg, 1);
        assertThat(d.alarms()).anyMatch(a -> a.contains("no N-1 plan exists with the critical floors"));
        assertThat(d.plans()).allMatch(ContingencyPlan::feasible);
        double survivorW = site.feeds().getFirst().limitW() * 0.97;
        for (ContingencyPlan p : d.plans()) {
            double w = 0;
            for (int i = 0; i < site.nodes().size(); i++) {
                w += site.nodes().get(i).baseW() + p.capsPerGpuW()[i] * 8;
            }
            assertThat(w).as("armed plan for the loss of %s fits the survivor", p.lostFeedId())
                    .isLessThanOrEqualTo(survivorW + 1e-6);
        }
        for (double c : d.capsPerGpuW()) {
            assertThat(c).isLessThan(600).isGreaterThanOrEqualTo(200);
        }
    }

    @Test
    void plansAreArmedWithANewEpochOnlyWhenTheyMoveOrAge() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24);
        Plant plant = new Plant(site, 650);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 700);
        GroupDecision first = plant.step(reg, 1);
        assertThat(first.rearm()).isTrue();
        assertThat(first.planEpoch()).isEqualTo(1);
        int rearms = 0;
        for (int t = 2; t <= 1200; t++) { // 2 minutes of steady load
            rearms += plant.step(reg, t).rearm() ? 1 : 0;
        }
        // Settling moves the plans a few times; then only the 10 s refresh re-arms.
        assertThat(rearms).isBetween(11, 40);
        long epoch = plant.step(reg, 1201).planEpoch();
        plant.demandPerGpu[0] = 250; // a critical node goes quiet: its planned cap falls to its floor
        GroupDecision moved = null;
        for (int t = 1202; t <= 1260 && (moved == null || !moved.rearm()); t++) {
            moved = plant.step(reg, t);
        }
        assertThat(moved.rearm()).isTrue();
        assertThat(moved.planEpoch()).isGreaterThan(epoch);
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
            boolean planWithFloors = ContingencyPlanner.criticalCapForAPlanW(site, site.groups().getFirst(), nodes)
                    >= nodes.stream().filter(n -> n.priority() == io.headroom.appliance.site.Priority.CRITICAL)
                    .mapToDouble(Allocator::floor).max().orElse(0) - 1e-9;
            for (int t = 1; t <= 150; t++) {
                GroupDecision d = plant.step(reg, t);
                for (int i = 0; i < nodes.size(); i++) {
                    Node n = nodes.get(i);
                    double lowest = planWithFloors ? Allocator.floor(n) : n.gpu().minW();
                    assertThat(plant.capPerGpu[i]).as("never below min, critical floors hold while a plan exists")
                            .isBetween(lowest - 1e-9, n.gpu().maxW() + 1e-9);
                }
                if (t == 150) {
                    assertThat(d.alarms().stream().anyMatch(a -> a.contains("no N-1 plan"))).isEqualTo(!planWithFloors);
                }
            }
            double floorsW = nodes.stream().mapToDouble(n -> n.gpu().minW() * n.gpus() + n.baseW()).sum();
            for (int f = 0; f < site.feeds().size(); f++) {
                Feed feed = site.feeds().get(f);
                double limit = feed.limitA() * 0.97;
                // Settled within the limit, unless even the floors overload it (then every GPU is at its floor).
                if (floorsW / plant.live() < feed.powerAtCurrentW(limit) * 0.999) {
                    assertThat(plant.feedA(f)).as("seed %d hall %d feed %s (%d feeds live)", seed, k, feed.id(), plant.live())
                            .isLessThanOrEqualTo(limit * 1.0001);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {21, 22, 23, 24})
    void randomHallsUnderASteadyLoadSettleToSteadyCaps(long seed) {
        Random r = new Random(seed);
        for (int k = 0; k < 40; k++) {
            Site site = TestHalls.randomHall(r);
            List<Node> nodes = site.nodes();
            Plant plant = new Plant(site, 0);
            for (int i = 0; i < nodes.size(); i++) {
                plant.demandPerGpu[i] = nodes.get(i).gpu().minW() + r.nextDouble() * 1.5 * nodes.get(i).gpu().maxW();
            }
            GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 1e9);
            for (int t = 1; t <= 1200; t++) { // two minutes: past the breakers' short excursions and their recovery
                plant.step(reg, t);
            }
            int changes = 0;
            for (int t = 1201; t <= 1800; t++) {
                double[] before = plant.capPerGpu.clone();
                plant.step(reg, t);
                changes += java.util.Arrays.equals(before, plant.capPerGpu) ? 0 : 1;
            }
            assertThat(changes).as("seed %d hall %d: cap changes over a minute of steady load", seed, k).isZero();
        }
    }

    /** Every survivor of every plan within its limit less margin, with each node at its planned cap. */
    static void assertPlansFit(Site site, GroupDecision d) {
        for (ContingencyPlan p : d.plans()) {
            double w = 0;
            for (int i = 0; i < site.nodes().size(); i++) {
                w += site.nodes().get(i).baseW() + p.capsPerGpuW()[i] * site.nodes().get(i).gpus();
            }
            assertThat(w).as("plan for the loss of %s", p.lostFeedId()).isLessThanOrEqualTo(p.survivorsAllowedW() + 1e-6);
        }
    }

    @Test
    void aSilentAgentIsPlannedAtItsLastCapInEveryContingencyAndTheOthersCoverItUntilItAnswersAgain() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24);
        double safeCap = ContingencyPlanner.safeCapW(site, site.groups().getFirst());
        Plant plant = new Plant(site, 700);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), safeCap);
        for (int t = 1; t <= 60; t++) {
            plant.step(reg, t);
        }
        // Eight flexible nodes' agents crash at full load: their GPUs keep the cap they had.
        int[] dead = {56, 57, 58, 59, 60, 61, 62, 63};
        for (int i : dead) {
            plant.silent[i] = true;
        }
        double heldW = Math.max(plant.capPerGpu[63], safeCap);
        GroupDecision d = null;
        for (int t = 61; t <= 90; t++) {
            d = plant.step(reg, t);
            for (ContingencyPlan p : d.plans()) {
                for (int i : dead) {
                    assertThat(p.capsPerGpuW()[i]).as("tick %d: node %d in the plan for the loss of %s", t, i, p.lostFeedId())
                            .isEqualTo(heldW);
                }
            }
            assertPlansFit(site, d);
        }
        assertThat(d.alarms()).filteredOn(a -> a.contains("agent not answering")).hasSize(8)
                .allMatch(a -> a.contains("planned at " + Math.round(heldW) + " W per GPU"));
        for (int i : dead) {
            assertThat(d.capsPerGpuW()[i]).as("sent the cap it had, not raised to the one it is planned at")
                    .isEqualTo(plant.capPerGpu[i]);
        }
        // The plans are real: lose feed B, apply the armed caps to the nodes that obey them: the survivors hold.
        ContingencyPlan lossOfB = d.plans().stream().filter(p -> p.lostFeedId().equals("B")).findFirst().orElseThrow();
        double[] steady = plant.capPerGpu.clone();
        for (int i = 0; i < site.nodes().size(); i++) {
            if (!plant.silent[i]) {
                plant.capPerGpu[i] = lossOfB.capsPerGpuW()[i];
            }
        }
        plant.feedUp[1] = false;
        for (int f : new int[]{0, 2, 3}) {
            assertThat(plant.feedA(f)).as("survivor %d at once, with the silent nodes at their caps", f)
                    .isLessThanOrEqualTo(150 * 0.97 + 1e-6);
        }
        plant.feedUp[1] = true;
        System.arraycopy(steady, 0, plant.capPerGpu, 0, steady.length);
        // They answer again: folded back in, planned like any other node.
        for (int i : dead) {
            plant.silent[i] = false;
        }
        d = plant.step(reg, 91);
        assertThat(d.alarms()).noneMatch(a -> a.contains("agent not answering"));
        ContingencyPlan after = d.plans().getFirst();
        assertThat(after.capsPerGpuW()[63]).as("cut in a contingency like the other flexible nodes again")
                .isEqualTo(after.capsPerGpuW()[48]).isLessThan(heldW);
    }

    @Test
    void aMeterReadingHalfTheTruthIsCaughtWithinTwoSecondsAndItsGroupHeldConservatively() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24);
        Plant plant = new Plant(site, 700);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), ContingencyPlanner.safeCapW(site, site.groups().getFirst()));
        for (int t = 1; t <= 60; t++) {
            plant.step(reg, t);
        }
        plant.meterFactor[0] = 0.5; // feed A's meter: a CT of the wrong ratio, or a spoofed server
        GroupDecision d = null;
        int raisedAt = -1;
        for (int t = 61; t <= 200; t++) {
            d = plant.step(reg, t);
            boolean alarmed = d.alarms().stream().anyMatch(a -> a.startsWith("feed A: meter under-reports"));
            if (alarmed && raisedAt < 0) {
                raisedAt = t;
            }
            if (t - 61 < 20) {
                assertThat(alarmed).as("tick %d: not before 2 s short", t).isFalse();
            }
        }
        assertThat(raisedAt - 61).as("ticks from the lie to the alarm").isBetween(20, 21);
        assertThat(d.alarms()).anyMatch(a -> a.startsWith("feed A: meter under-reports: it reads 5")
                && a.endsWith("group held conservatively as for a stale meter"));
        for (int f = 0; f < 4; f++) {
            assertThat(plant.feedA(f)).as("true current of feed %d, settled", f).isLessThanOrEqualTo(150 * 0.97 + 1e-6);
        }
        // honest again: trusted after 5 s of reading its share
        plant.meterFactor[0] = 1;
        for (int t = 201; t <= 249; t++) {
            d = plant.step(reg, t);
            assertThat(d.alarms()).as("tick %d", t).anyMatch(a -> a.startsWith("feed A: meter under-reports"));
        }
        d = plant.step(reg, 251);
        assertThat(d.alarms()).noneMatch(a -> a.contains("meter under-reports"));
    }

    @Test
    void everyMeterReadingHalfTheTruthHoldsTheGroupAtItsSafeCap() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24);
        double safeCap = ContingencyPlanner.safeCapW(site, site.groups().getFirst());
        Plant plant = new Plant(site, 700);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), safeCap);
        java.util.Arrays.fill(plant.meterFactor, 0.5); // every CT configured with the wrong ratio
        GroupDecision d = null;
        for (int t = 1; t <= 120; t++) {
            d = plant.step(reg, t);
        }
        assertThat(d.alarms()).filteredOn(a -> a.contains("meter under-reports")).hasSize(4);
        assertThat(d.binding()).contains("safe cap");
        for (int f = 0; f < 4; f++) {
            assertThat(plant.feedA(f)).as("true current of feed %d", f).isLessThanOrEqualTo(150 * 0.97 + 1e-6);
        }
    }

    @Test
    void aReversedCtReadingPowerFlowingOutIsSuspectToo() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24);
        Plant plant = new Plant(site, 600);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 700);
        plant.meterFactor[1] = -1;
        GroupDecision d = null;
        for (int t = 1; t <= 25; t++) {
            d = plant.step(reg, t);
        }
        assertThat(d.alarms()).anyMatch(a -> a.startsWith("feed B: meter reads power flowing out"));
    }

    @Test
    void readingsThatLagABurstsEndByASecondAreNoLie() {
        Site site = TestHalls.hall(4, 150, 16, 24, 24);
        Plant plant = new Plant(site, 700);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 700);
        for (int t = 1; t <= 60; t++) {
            plant.step(reg, t);
        }
        // the meters see the burst end at once; the agents' readings a second late (a renewal or two)
        java.util.Arrays.fill(plant.meterFactor, 0.7);
        for (int t = 61; t <= 70; t++) {
            assertThat(plant.step(reg, t).alarms()).noneMatch(a -> a.contains("meter"));
        }
        java.util.Arrays.fill(plant.meterFactor, 1);
        for (int t = 71; t <= 140; t++) {
            assertThat(plant.step(reg, t).alarms()).noneMatch(a -> a.contains("meter"));
        }
    }
}
