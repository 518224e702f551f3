package io.headroom.appliance.campus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.headroom.appliance.campus.CampusSplit.Limits;
import io.headroom.appliance.campus.CampusSplit.Report;
import io.headroom.appliance.campus.CampusSplit.Result;
import io.headroom.appliance.campus.CampusSplit.Slot;

/**
 * The split's rules, on hand-made rounds and as properties over 200 seeded random campuses each (1–12 appliances,
 * some silent, some with budgets still in force, a DR commitment or not, a ramp limit or not): a seed that fails is
 * named and replays alone.
 */
class CampusSplitTest {

    private static final double EPS = 1e-6;

    static LongStream seeds() {
        return LongStream.range(0, 200);
    }

    /** A random campus: static shares summing to at most the limit, reports for most, outstanding budgets for some. */
    record Case(Limits limits, List<Slot> slots) {
    }

    static Case randomCase(long seed) {
        Random r = new Random(seed);
        int n = 1 + r.nextInt(12);
        double limit = 50_000 + r.nextDouble() * 2_000_000;
        double shareSum = limit * (0.3 + 0.7 * r.nextDouble());
        double[] w = new double[n];
        double ws = 0;
        for (int i = 0; i < n; i++) {
            w[i] = 0.05 + r.nextDouble();
            ws += w[i];
        }
        double commitment = r.nextInt(3) == 0 ? limit * (0.2 + r.nextDouble()) : Double.NaN;
        double ramp = r.nextBoolean() ? 0 : limit * 0.01 * (1 + r.nextInt(30));
        List<Slot> slots = new ArrayList<>();
        double outstandingBudget = limit * r.nextDouble(); // what the previous round may have left in force
        for (int i = 0; i < n; i++) {
            double share = shareSum * w[i] / ws;
            Report rep = null;
            if (r.nextInt(6) != 0) {
                double demand = share * 2.2 * r.nextDouble();
                double critical = demand * r.nextDouble() * 0.6;
                double flexible = (demand - critical) * r.nextDouble();
                rep = new Report(demand, critical, flexible, r.nextInt(4) != 0, r.nextDouble() * 2000);
            }
            double outstanding = r.nextBoolean() ? outstandingBudget * w[i] / ws : 0;
            double previous = r.nextInt(4) == 0 ? Double.NaN : outstanding > 0 ? outstanding : share * r.nextDouble();
            slots.add(new Slot("a" + i, share, rep, outstanding, previous));
        }
        return new Case(new Limits(limit, commitment, ramp, 1.0), slots);
    }

    private static double setAside(List<Slot> slots) {
        return slots.stream().filter(s -> s.report() == null)
                .mapToDouble(s -> Math.max(s.staticShareW(), s.outstandingW())).sum();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void budgetsNeverSumAboveTheCampusBudgetNorGoNegative(long seed) {
        Case c = randomCase(seed);
        Result r = CampusSplit.split(c.limits(), c.slots());
        double silentStatic = c.slots().stream().filter(s -> s.report() == null).mapToDouble(Slot::staticShareW).sum();
        assertThat(r.sumW()).isLessThanOrEqualTo(Math.max(r.capW(), silentStatic) + EPS);
        assertThat(r.budgetsW().values()).allSatisfy(b -> assertThat(b).isGreaterThanOrEqualTo(0).isFinite());
        assertThat(r.budgetsW().keySet()).containsExactlyElementsOf(c.slots().stream().map(Slot::id).toList());
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aSilentApplianceIsGivenItsStaticShareNeverMore(long seed) {
        Case c = randomCase(seed);
        Result r = CampusSplit.split(c.limits(), c.slots());
        for (Slot s : c.slots()) {
            if (s.report() == null) {
                assertThat(r.budgetsW().get(s.id())).isCloseTo(s.staticShareW(), within(EPS));
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void whateverTheOutstandingBudgetsDoTheCampusStaysWithinItsBudget(long seed) {
        Case c = randomCase(seed);
        double before = setAside(c.slots()) + c.slots().stream().filter(s -> s.report() != null)
                .mapToDouble(Slot::outstandingW).sum();
        Result r = CampusSplit.split(c.limits(), c.slots());
        double worst = 0;
        for (Slot s : c.slots()) {
            double b = r.budgetsW().get(s.id());
            worst += s.report() == null ? Math.max(b, s.outstandingW()) : Math.max(b, s.outstandingW());
        }
        if (before <= r.capW()) {
            // each appliance on its new budget or on the highest one still in force: within the campus budget
            assertThat(worst).isLessThanOrEqualTo(r.capW() + EPS);
        } else {
            // already over (the cap fell under what is in force): no appliance is raised above what it may run on
            for (Slot s : c.slots()) {
                if (s.report() != null) {
                    assertThat(r.budgetsW().get(s.id())).isLessThanOrEqualTo(Math.max(s.outstandingW(), 0) + EPS);
                }
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void theSumRisesAtMostTheRampPerRound(long seed) {
        Case c = randomCase(seed);
        Result r = CampusSplit.split(c.limits(), c.slots());
        double prev = c.slots().stream().mapToDouble(s -> Double.isNaN(s.previousW()) ? s.staticShareW() : s.previousW())
                .sum();
        if (c.limits().rampWps() > 0) {
            boolean anyRise = c.slots().stream().anyMatch(s -> s.report() != null && r.budgetsW().get(s.id())
                    > (Double.isNaN(s.previousW()) ? s.staticShareW() : s.previousW()) + EPS);
            if (anyRise) {
                assertThat(r.sumW()).isLessThanOrEqualTo(prev + c.limits().rampWps() * c.limits().roundS() + EPS);
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void theOrderOfTheAppliancesDoesNotMatter(long seed) {
        Case c = randomCase(seed);
        List<Slot> shuffled = new ArrayList<>(c.slots());
        Collections.shuffle(shuffled, new Random(seed ^ 0x5EED));
        Map<String, Double> a = CampusSplit.split(c.limits(), c.slots()).budgetsW();
        Map<String, Double> b = CampusSplit.split(c.limits(), shuffled).budgetsW();
        for (String id : a.keySet()) {
            assertThat(b.get(id)).isCloseTo(a.get(id), within(1e-6 * Math.max(1, a.get(id))));
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void withRoomAndNothingInForceEveryCriticalLoadIsCoveredFirst(long seed) {
        Case c = randomCase(seed);
        // nothing in force, no ramp: the allocation alone
        List<Slot> fresh = c.slots().stream().map(s -> new Slot(s.id(), s.staticShareW(), s.report(), 0, Double.NaN))
                .toList();
        Limits l = new Limits(c.limits().importLimitW(), c.limits().commitmentW(), 0, 1);
        Result r = CampusSplit.split(l, fresh);
        double available = Math.max(0, r.capW() - setAside(fresh));
        double critical = fresh.stream().filter(s -> s.report() != null)
                .mapToDouble(s -> Math.min(s.report().criticalW(), s.report().demandW())).sum();
        double demand = fresh.stream().filter(s -> s.report() != null).mapToDouble(s -> s.report().demandW()).sum();
        for (Slot s : fresh) {
            if (s.report() == null) {
                continue;
            }
            double b = r.budgetsW().get(s.id());
            if (available >= critical - EPS) {
                assertThat(b).isGreaterThanOrEqualTo(Math.min(s.report().criticalW(), s.report().demandW()) - 1e-3);
            }
            if (available >= demand - EPS) {
                assertThat(b).isGreaterThanOrEqualTo(s.report().demandW() - 1e-3);
            }
        }
        if (fresh.stream().anyMatch(s -> s.report() != null) && setAside(fresh) <= r.capW()) {
            // all of it handed out: nothing kept back when someone could use it
            double live = fresh.stream().filter(s -> s.report() != null).mapToDouble(s -> r.budgetsW().get(s.id())).sum();
            assertThat(live).isCloseTo(available, within(1e-6 * Math.max(1, available)));
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void theSplitIsAFunctionOfItsInputs(long seed) {
        Case c = randomCase(seed);
        assertThat(CampusSplit.split(c.limits(), c.slots())).isEqualTo(CampusSplit.split(c.limits(), c.slots()));
    }

    // ---- hand-made rounds ----

    private static Report demand(double w, double critical, double flexible) {
        return new Report(w, critical, flexible, true, 0);
    }

    @Test
    void demandBelowTheLimitIsMetAndTheRestSpreadByStaticShare() {
        Result r = CampusSplit.split(new Limits(300_000, Double.NaN, 0, 1), List.of(
                new Slot("a", 100_000, demand(50_000, 10_000, 20_000), 0, Double.NaN),
                new Slot("b", 50_000, demand(100_000, 10_000, 20_000), 0, Double.NaN)));
        // 150 kW of demand met, 150 kW spare: 2/3 to a, 1/3 to b
        assertThat(r.budgetsW().get("a")).isCloseTo(150_000, within(1e-6));
        assertThat(r.budgetsW().get("b")).isCloseTo(150_000, within(1e-6));
    }

    @Test
    void underAShortageCriticalThenFirmThenFlexibleMaxMinFair() {
        // 100 kW for: a wants 80 (critical 40, flexible 20), b wants 80 (critical 10, flexible 60)
        Result r = CampusSplit.split(new Limits(100_000, Double.NaN, 0, 1), List.of(
                new Slot("a", 40_000, demand(80_000, 40_000, 20_000), 0, Double.NaN),
                new Slot("b", 40_000, demand(80_000, 10_000, 60_000), 0, Double.NaN)));
        // critical: 40 + 10 = 50; firm (demand - flexible): a 60, b 20 → 30 more wanted, 50 left: a 60, b 20 (80);
        // the last 20 kW max-min fair over a's 20 and b's 60 of flexible: a +10, b +10
        assertThat(r.budgetsW().get("a")).isCloseTo(70_000, within(1e-6));
        assertThat(r.budgetsW().get("b")).isCloseTo(30_000, within(1e-6));
    }

    @Test
    void aDrCommitmentBelowTheLimitBinds() {
        Result r = CampusSplit.split(new Limits(300_000, 120_000, 0, 1), List.of(
                new Slot("a", 100_000, demand(100_000, 0, 50_000), 0, Double.NaN),
                new Slot("b", 100_000, demand(100_000, 0, 50_000), 0, Double.NaN)));
        assertThat(r.capW()).isEqualTo(120_000);
        assertThat(r.binding()).isEqualTo("commitment");
        assertThat(r.sumW()).isCloseTo(120_000, within(1e-6));
    }

    @Test
    void aSilentApplianceKeepsWhatItMayStillRunOnSetAside() {
        // b is silent and may still run on 150 kW issued earlier: a gets only what is left of 300 kW
        Result r = CampusSplit.split(new Limits(300_000, Double.NaN, 0, 1), List.of(
                new Slot("a", 100_000, demand(250_000, 0, 0), 100_000, 100_000),
                new Slot("b", 100_000, null, 150_000, 150_000)));
        assertThat(r.budgetsW().get("b")).isEqualTo(100_000);
        assertThat(r.budgetsW().get("a")).isCloseTo(150_000, within(1e-6));
    }

    @Test
    void aRiseWaitsForRoomWhileAFallingBudgetMayStillBeInForce() {
        // a falls from 200 to 50 (its demand dropped); b wants 250: until a applies its new budget, b may rise only
        // into what 300 kW leaves beside a's 200
        Result r = CampusSplit.split(new Limits(300_000, Double.NaN, 0, 1), List.of(
                new Slot("a", 100_000, demand(50_000, 0, 0), 200_000, 200_000),
                new Slot("b", 100_000, demand(250_000, 0, 0), 100_000, 100_000)));
        assertThat(r.budgetsW().get("a")).isCloseTo(50_000, within(1e-6));
        assertThat(r.budgetsW().get("b")).isCloseTo(100_000, within(1e-6));
        // once a reports it applies the lower one, b gets the room
        Result next = CampusSplit.split(new Limits(300_000, Double.NaN, 0, 1), List.of(
                new Slot("a", 100_000, demand(50_000, 0, 0), 50_000, 50_000),
                new Slot("b", 100_000, demand(250_000, 0, 0), 100_000, 100_000)));
        assertThat(next.budgetsW().get("b")).isCloseTo(250_000, within(1e-6));
    }

    @Test
    void theRampHoldsBackTheRise() {
        Result r = CampusSplit.split(new Limits(300_000, Double.NaN, 10_000, 1), List.of(
                new Slot("a", 100_000, demand(200_000, 0, 0), 100_000, 100_000),
                new Slot("b", 100_000, demand(100_000, 0, 0), 100_000, 100_000)));
        assertThat(r.sumW()).isCloseTo(210_000, within(1e-6));
        assertThat(r.binding()).isEqualTo("ramp");
    }

    @Test
    void waterFillingGivesEqualRisesUpToEachOnesGap() {
        double[] alloc = {0, 0, 0};
        double left = CampusSplit.fill(alloc, new double[] {10, 50, 100}, 90);
        assertThat(left).isZero();
        assertThat(alloc).containsExactly(10, 40, 40);
    }

    /**
     * A new coordinator with no history, every member still on its static share (1,000 W cap, 500 W each): a member
     * wanting more gets none of it this round, since the other still runs on its share; once that one applies its
     * lower budget, the room is there. Counting only issued budgets (none) granted 800 W while the other held 500 W.
     */
    @Test
    void membersStillOnTheirStaticSharesHoldTheirShareAgainstOthersRises() {
        Limits limits = new Limits(1000, Double.NaN, 0, 1.0);
        double a0 = CampusCoordinator.runningW(true, 0, Double.NaN, 500);
        double b0 = CampusCoordinator.runningW(false, 0, 480, 500);
        assertThat(a0).isEqualTo(500);
        assertThat(b0).as("before it applied any budget: its share").isEqualTo(500);
        Result first = CampusSplit.split(limits, List.of(
                new Slot("a", 500, new Report(800, 100, 300, true, 0), a0, Double.NaN),
                new Slot("b", 500, new Report(200, 100, 50, true, 0), b0, Double.NaN)));
        assertThat(first.budgetsW().get("a")).isLessThanOrEqualTo(500);
        assertThat(first.budgetsW().get("b")).isCloseTo(200, within(1e-6));
        assertThat(first.budgetsW().get("a") + 500).as("a's budget with b still on its share").isLessThanOrEqualTo(1000);
        // b applied its 200 W budget (revision 7): now a may rise into the room it left
        double b1 = CampusCoordinator.runningW(false, 7, 200, 500);
        assertThat(b1).isEqualTo(200);
        Result second = CampusSplit.split(limits, List.of(
                new Slot("a", 500, new Report(800, 100, 300, true, 0), Math.max(first.budgetsW().get("a"), 500), 500),
                new Slot("b", 500, new Report(200, 100, 50, true, 0), Math.max(200, b1), 200)));
        assertThat(second.budgetsW().get("a")).isCloseTo(800, within(1e-6));
        assertThat(second.budgetsW().get("a") + second.budgetsW().get("b")).isLessThanOrEqualTo(1000 + 1e-6);
    }
}
