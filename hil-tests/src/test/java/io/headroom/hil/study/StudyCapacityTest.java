package io.headroom.hil.study;

import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The capacity study on a small hall, in short virtual runs. */
class StudyCapacityTest {

    static final Site HALL = StudyHalls.small();

    @Test
    void theScaledHallKeepsItsMixAndOnlyEverAddsNodes() {
        ScaledSite scaled = new ScaledSite(HALL);
        Site twice = scaled.withNodes(16);
        assertThat(twice.nodes()).hasSize(16);
        assertThat(twice.nodes().stream().filter(n -> n.priority() == Priority.CRITICAL)).hasSize(4);
        assertThat(twice.nodes().stream().filter(n -> n.priority() == Priority.FLEXIBLE)).hasSize(6);
        assertThat(twice.nodes().stream().map(n -> n.id()).distinct()).hasSize(16);
        for (int n = 1; n < 30; n++) {
            assertThat(scaled.withNodes(n + 1).nodes()).containsAll(scaled.withNodes(n).nodes());
        }
        // 3 survivors × 28.2 kW at 7.1 kW a node uncapped; floors (6.3 kW critical, 3.1 kW others) less 3 % margin.
        assertThat(scaled.staticNodes(100)).isEqualTo(11);
        assertThat(scaled.plannableNodes(100)).isBetween(19, 23);
    }

    @Test
    void aStaticallyProvisionedHallPassesEveryDrillUncappedAndAnOversubscribedOneTrips() {
        CapacityStudy study = new CapacityStudy(HALL, StudyHalls.quick(), 11);
        int stat = study.scaled().staticNodes(100);
        CapacityStudy.Evaluation ok = study.evaluate(stat, false);
        assertThat(ok.passed()).as(ok.why()).isTrue();
        assertThat(ok.drills()).hasSize(4);
        assertThat(ok.trips()).isZero();
        assertThat(ok.drills()).allSatisfy(d -> assertThat(d.fired()).isFalse()); // no appliance
        assertThat(ok.normal().lostFraction(Priority.FLEXIBLE)).isZero();
        CapacityStudy.Evaluation over = study.evaluate(stat * 2, false); // survivors at ~1.45 x rating for the outage
        assertThat(over.safe()).isFalse();
        assertThat(over.why()).contains("drill").contains("trip");
        assertThat(ok.upsTransfers()).isZero();
        assertThat(ok.upsOverloadS()).isZero();
        // At ~1.45 x their rating the survivors' UPS modules carry it for about 50 s: they would transfer.
        assertThat(over.upsTransfers()).isPositive();
        assertThat(over.drills().getFirst().transfers().getFirst()).contains("would transfer to bypass");
        assertThat(CapacityStudy.json(new CapacityStudy(HALL, StudyHalls.quick(), 11).run())).contains("\"drillResults\":[{\"trips\":0,\"upsTransfers\":0");
        CapacityStudy.Evaluation noUps = new CapacityStudy(HALL, StudyHalls.quick().withUps(UpsModel.none()), 11)
                .evaluate(stat * 2, false);
        assertThat(noUps.upsTransfers()).isZero();
        assertThat(noUps.trips()).isPositive();
    }

    @Test
    void withHeadroomTheSmallHallHostsMoreNodesThanStaticWithZeroTrips() {
        CapacityStudy.Result r = new CapacityStudy(HALL, StudyHalls.quick(), 3).run();
        assertThat(r.staticNodes()).isEqualTo(11);
        assertThat(r.safeNodes()).isGreaterThan(r.staticNodes());
        CapacityStudy.Evaluation e = r.atSafe();
        assertThat(e.trips()).isZero();
        assertThat(e.drills()).hasSize(4).allSatisfy(d -> {
            assertThat(d.fired()).as("the armed contingency was fired").isTrue();
            assertThat(d.recoveryMs()).as("survivors back within their limits").isLessThan(1000);
            assertThat(d.worstRatio()).as("survivors were overloaded before the caps landed").isGreaterThan(1.0);
        });
        // The same count uncapped trips: the caps are what carries it.
        CapacityStudy.Evaluation uncapped = new CapacityStudy(HALL, StudyHalls.quick(), 3).evaluate(r.safeNodes(), false);
        assertThat(uncapped.safe()).isFalse();
        assertThat(r.marginalNodes()).isGreaterThan(r.staticNodes());
        // Zero UPS transfers with Headroom; survivors are above their UPS's rating only until the caps land.
        assertThat(e.upsTransfers()).isZero();
        assertThat(e.upsOverloadS()).isPositive().isLessThan(4.0);
        assertThat(r.atHeadroom().upsTransfers()).isZero();
        // The baselines: a fixed cap per class within its compute budget hosts more than nameplate, and holds.
        assertThat(r.fixedCapNodes()).isGreaterThan(r.staticNodes()).isLessThan(r.safeNodes());
        assertThat(r.fixedCapW()[Priority.FLEXIBLE.ordinal()]).isBetween(400.0, 700.0);
        assertThat(r.fixedCapCheck().trips()).isZero();
        assertThat(r.fixedCapCheck().drills()).hasSize(4).allSatisfy(d -> assertThat(d.fired()).isFalse());
        assertThat(r.fixedCapCheck().normal().lostFraction(Priority.FLEXIBLE)).isPositive().isLessThanOrEqualTo(0.02);
        assertThat(r.fixedCapCheck().normal().lostFraction(Priority.STANDARD)).isLessThanOrEqualTo(0.02);
        assertThat(r.fixedCapCheck().normal().lostFraction(Priority.CRITICAL)).isLessThanOrEqualTo(0.0005);
        assertThat(r.measuredPeakNodes()).isGreaterThanOrEqualTo(r.staticNodes());
        assertThat(java.util.Arrays.stream(r.peakW()).boxed().toList()).allSatisfy(w -> assertThat(w).isBetween(0.0, 700.0));
        assertThat(r.bestOtherNodes()).isEqualTo(Math.max(r.staticNodes(), Math.max(
                r.fixedCapCheck().safe() ? r.fixedCapNodes() : 0, r.measuredPeakCheck().safe() ? r.measuredPeakNodes() : 0)));
        assertThat(figures(r)).contains("study.fixed_cap_nodes " + r.fixedCapNodes() + " nodes")
                .contains(String.format(java.util.Locale.ROOT, "study.unlock_vs_fixed_cap %.3f x",
                        (double) r.headroomNodes() / r.fixedCapNodes()))
                .contains("study.unlock_vs_best_other ");
    }

    @Test
    void theSearchIsMonotoneAndReproducibleForASeed() {
        StudyParams p = StudyHalls.quick().withLossBudgets(15, 5, 1);
        CapacityStudy.Result r = new CapacityStudy(HALL, p, 5).run();
        CapacityStudy scan = new CapacityStudy(HALL, p, 5);
        List<Boolean> passes = new ArrayList<>();
        StringBuilder trace = new StringBuilder();
        for (int n = r.staticNodes(); n <= r.upperBound(); n++) {
            CapacityStudy.Evaluation e = scan.evaluate(n, true);
            passes.add(e.passed());
            trace.append(n).append(e.passed() ? " ok; " : " " + e.why() + "; ");
        }
        int lastPass = passes.lastIndexOf(true);
        assertThat(passes.subList(0, lastPass + 1)).as(trace.toString()).doesNotContain(false);
        assertThat(lastPass).as("some count fails the budgets: " + trace).isLessThan(passes.size() - 1);
        assertThat(r.headroomNodes()).as(trace.toString()).isEqualTo(r.staticNodes() + lastPass);
        CapacityStudy.Result again = new CapacityStudy(HALL, p, 5).run();
        assertThat(CapacityStudy.json(again)).isEqualTo(CapacityStudy.json(r));
        assertThat(figures(again)).isEqualTo(figures(r)).contains("study.headroom_nodes " + r.headroomNodes() + " nodes")
                .endsWith("study done\n");
        assertThat(CapacityStudy.json(new CapacityStudy(HALL, p, 6).run())).isNotEqualTo(CapacityStudy.json(r));
    }

    @Test
    void theTwoNExampleIsStaticallyHalfLoadedAndItsFloorsFitOnOneFeed() throws Exception {
        Site twoN = io.headroom.appliance.site.SiteLoader.load(java.nio.file.Path.of("../sites/example-2n.yaml"));
        assertThat(twoN.feeds()).hasSize(2);
        assertThat(twoN.groups()).singleElement().satisfies(g -> assertThat(g.feedIds()).containsExactly("A", "B"));
        ScaledSite scaled = new ScaledSite(twoN);
        // One 211.3 kW feed carries 29 nodes at 7.1 kW; the floors (16 × 6.3 kW critical, 32 × 3.1 kW) fit at 48.
        assertThat(scaled.staticNodes(200)).isEqualTo(29);
        assertThat(scaled.plannableNodes(200)).isEqualTo(twoN.nodes().size()).isEqualTo(48);
    }

    static String figures(CapacityStudy.Result r) {
        StringWriter w = new StringWriter();
        PrintWriter out = new PrintWriter(w);
        CapacityStudy.printFigures(r, out);
        out.flush();
        return w.toString().replace(System.lineSeparator(), "\n");
    }
}
