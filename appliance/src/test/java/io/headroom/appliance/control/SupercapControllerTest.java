package io.headroom.appliance.control;

import io.headroom.appliance.measure.BankMeasurement;
import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.MeasurementQuality;
import io.headroom.appliance.site.Endpoint;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SupercapBank;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Tick by tick against a simulated bank per feed: load in, grid-side power and SoC out. */
class SupercapControllerTest {

    static final double DT = 0.1;

    /** 4 feeds, a 2 kWh / 50 kW bank on each. */
    static Site hallWithBanks() {
        Site h = TestHalls.hall(4, 150, 16, 24, 24);
        List<SupercapBank> banks = new ArrayList<>();
        for (Feed f : h.feeds()) {
            banks.add(new SupercapBank("bank-" + f.id(), f.id(), 2000, 50_000, new Endpoint("127.0.0.1", 1), 1));
        }
        return new Site(h.name(), 60, h.feeds(), h.groups(), h.racks(), h.nodes(), h.meters(), banks, h.agents(),
                h.control(), h.openadr());
    }

    /** Runs the controller against a load profile; returns grid-side site power per tick. */
    static final class Run {
        final Site site = hallWithBanks();
        final SupercapController c;
        final double[] soc = {0.5, 0.5, 0.5, 0.5};
        final double[] bankW = new double[4];
        final List<Double> grid = new ArrayList<>();
        final List<SupercapController.Output> outputs = new ArrayList<>();

        Run(SupercapController.Settings settings) {
            c = new SupercapController(site, settings);
        }

        void go(DoubleUnaryOperator loadAt, double seconds, List<Limit.FeedCeiling> ceilings) {
            go(loadAt, seconds, ceilings, Double.POSITIVE_INFINITY);
        }

        void go(DoubleUnaryOperator loadAt, double seconds, List<Limit.FeedCeiling> ceilings, double siteCeilingW) {
            go(loadAt, seconds, ceilings, siteCeilingW, java.util.Set.of());
        }

        void go(DoubleUnaryOperator loadAt, double seconds, List<Limit.FeedCeiling> ceilings, double siteCeilingW,
                java.util.Set<String> noRedundancyFeeds) {
            int ticks = (int) Math.round(seconds / DT);
            int start = grid.size();
            for (int k = 0; k < ticks; k++) {
                long tick = start + k;
                double load = loadAt.applyAsDouble(tick * DT);
                Map<String, FeedMeasurement> feeds = new HashMap<>();
                Map<String, BankMeasurement> banks = new HashMap<>();
                for (int f = 0; f < 4; f++) {
                    String id = site.feeds().get(f).id();
                    double gridW = load / 4 - bankW[f];
                    feeds.put(id, new FeedMeasurement(id, gridW / 700, gridW, MeasurementQuality.GOOD, 20));
                    banks.put("bank-" + id, new BankMeasurement("bank-" + id, id, bankW[f], soc[f], true));
                }
                Snapshot s = new Snapshot(tick, (long) (tick * DT * 1e9), Instant.EPOCH, feeds, Map.of(), banks, List.of());
                SupercapController.Output out = c.run(s, ceilings, siteCeilingW, noRedundancyFeeds);
                outputs.add(out);
                double after = load;
                for (int f = 0; f < 4; f++) {
                    bankW[f] = out.setpointsW().get("bank-" + site.feeds().get(f).id());
                    soc[f] = Math.clamp(soc[f] - bankW[f] * DT / 3600 / 2000, 0, 1);
                    after -= bankW[f];
                }
                grid.add(after); // the converters answer within the tick: grid-side power once they have

            }
        }
    }

    @Test
    void aBandControllersGridTargetReplacesTheOwnFilterAndTheOtherRulesStillHold() {
        Site site = hallWithBanks();
        SupercapController c = new SupercapController(site, SupercapController.Settings.defaults());
        Map<String, FeedMeasurement> feeds = new HashMap<>();
        Map<String, BankMeasurement> banks = new HashMap<>();
        for (Feed f : site.feeds()) {
            feeds.put(f.id(), new FeedMeasurement(f.id(), 100_000 / 700.0, 100_000, MeasurementQuality.GOOD, 20));
            banks.put("bank-" + f.id(), new BankMeasurement("bank-" + f.id(), f.id(), 0, 0.5, true));
        }
        Snapshot s = new Snapshot(1, 0, Instant.EPOCH, feeds, Map.of(), banks, List.of());
        // load 400 kW, target 340 kW: 60 kW of discharge, 15 kW from each bank
        SupercapController.Output out = c.run(s, List.of(), Double.POSITIVE_INFINITY, java.util.Set.of(), 340_000);
        assertThat(out.gridTargetW()).isEqualTo(340_000);
        assertThat(out.setpointsW().values()).allSatisfy(w -> assertThat(w).isCloseTo(15_000, within(1e-6)));
        // a target far below: each bank at its converter's 50 kW
        out = c.run(s, List.of(), Double.POSITIVE_INFINITY, java.util.Set.of(), 0);
        assertThat(out.setpointsW().values()).allSatisfy(w -> assertThat(w).isEqualTo(50_000));
        // a target above the load (charging) from a group without redundancy: no charging from its feeds
        out = c.run(s, List.of(), Double.POSITIVE_INFINITY, site.feeds().stream().map(Feed::id).collect(java.util.stream.Collectors.toSet()), 460_000);
        assertThat(out.setpointsW().values()).allSatisfy(w -> assertThat(w).isZero());
    }

    @Test
    void aLoadStepReachesTheGridNoFasterThanTheRampLimit() {
        Run r = new Run(SupercapController.Settings.defaults());
        r.go(t -> t < 10 ? 300_000 : 400_000, 30, List.of());
        double maxRamp = 0;
        for (int k = 1; k < r.grid.size(); k++) {
            maxRamp = Math.max(maxRamp, Math.abs(r.grid.get(k) - r.grid.get(k - 1)) / DT);
        }
        assertThat(maxRamp).as("W/s at the grid").isLessThanOrEqualTo(50_000 * 1.001);
        assertThat(r.grid.getLast()).as("the grid takes the step in the end").isCloseTo(400_000, within(5_000.0));
        assertThat(r.soc[0]).as("the banks gave energy").isLessThan(0.5);
    }

    @Test
    void swingsAtOneHertzAreTakenOutOfTheGridSidePower() {
        Run r = new Run(SupercapController.Settings.defaults());
        r.go(t -> 350_000 + 60_000 * Math.sin(2 * Math.PI * 1.0 * t), 60, List.of());
        double min = Double.MAX_VALUE;
        double max = 0;
        for (int k = 300; k < r.grid.size(); k++) { // after the first 30 s
            min = Math.min(min, r.grid.get(k));
            max = Math.max(max, r.grid.get(k));
        }
        assertThat((max - min) / 2).as("grid-side swing amplitude, W (load swings 60 kW)").isLessThan(6_000);
    }

    @Test
    void betweenSwingsTheBanksReturnToTheMiddleOfTheirCharge() {
        Run low = new Run(SupercapController.Settings.defaults());
        java.util.Arrays.fill(low.soc, 0.2); // drained by a long gap cover
        low.go(t -> 380_000, 600, List.of());
        assertThat(low.soc[0]).isBetween(0.38, 0.62);
        assertThat(low.outputs.getFirst().notes()).anyMatch(n -> n.contains("returning towards 50 %"));
        Run high = new Run(SupercapController.Settings.defaults());
        java.util.Arrays.fill(high.soc, 0.9);
        high.go(t -> 380_000, 600, List.of());
        assertThat(high.soc[0]).isBetween(0.38, 0.62);
        // ... and the return itself respects the ramp limit at the grid.
        for (int k = 1; k < high.grid.size(); k++) {
            assertThat(Math.abs(high.grid.get(k) - high.grid.get(k - 1)) / DT).isLessThanOrEqualTo(50_000 * 1.001 + 1);
        }
    }

    @Test
    void rechargingNeverUsesABreakersShortExcursionAllowance() {
        Run r = new Run(SupercapController.Settings.defaults());
        java.util.Arrays.fill(r.soc, 0.2); // banks want to recharge
        // A feed in a short excursion to 157.5 A; its continuous ceiling is 150 A less 3 % = 145.5 A. At 100 kW
        // per feed (142.9 A at 700 W/A) that leaves 1.8 kW of room, not the 10.3 kW under the excursion.
        List<Limit.FeedCeiling> ceilings = List.of(new Limit.FeedCeiling("A", 157.5, Tier.SAFETY, "breaker", "excursion"));
        r.go(t -> 400_000, 30, ceilings);
        double roomW = (150 * 0.97 - 100_000 / 700.0) * 700;
        for (SupercapController.Output o : r.outputs) {
            assertThat(o.setpointsW().get("bank-A")).isGreaterThanOrEqualTo(-roomW - 1e-6);
        }
        assertThat(r.bankW[0]).isCloseTo(-roomW, within(1.0));
    }

    @Test
    void rechargingNeverTakesTheSiteImportPastItsCeiling() {
        Run r = new Run(SupercapController.Settings.defaults());
        java.util.Arrays.fill(r.soc, 0.2);
        // A grid commitment of 402 kW over a 400 kW load: 2 kW of room, shared by four equal banks.
        r.go(t -> 400_000, 30, List.of(), 402_000);
        for (SupercapController.Output o : r.outputs) {
            double total = o.setpointsW().values().stream().mapToDouble(Double::doubleValue).sum();
            assertThat(total).isGreaterThanOrEqualTo(-2_000 - 1e-6);
        }
        assertThat(r.bankW[0]).isCloseTo(-500, within(1.0));
        assertThat(r.outputs.getLast().notes()).anyMatch(n -> n.contains("held to 0.5 kW by the site's import ceiling"));
    }

    @Test
    void noBankChargesFromAGroupThatHasLostItsRedundancy() {
        // The contingency cut has just dropped the load (400 → 300 kW): the grid-side filter still holds it up, so
        // the banks would charge into the room the cut opened, room regulation gives back to the GPUs.
        java.util.Set<String> group = java.util.Set.of("A", "B", "C", "D");
        Run n1 = new Run(SupercapController.Settings.defaults());
        n1.go(t -> 400_000, 10, List.of());
        n1.go(t -> 300_000, 10, List.of(), Double.POSITIVE_INFINITY, group);
        for (int k = 100; k < n1.outputs.size(); k++) {
            for (double sp : n1.outputs.get(k).setpointsW().values()) {
                assertThat(sp).as("tick %d", k).isGreaterThanOrEqualTo(0);
            }
        }
        assertThat(n1.outputs.getLast().notes()).anyMatch(n -> n.contains("bank-A: no charging from feed A while its "
                + "group has no N-1 redundancy"));
        // With its redundancy intact, the same step charges the banks (the test can fail).
        Run n = new Run(SupercapController.Settings.defaults());
        n.go(t -> 400_000, 10, List.of());
        n.go(t -> 300_000, 10, List.of());
        assertThat(n.outputs.get(105).setpointsW().get("bank-A")).isLessThan(-1_000);
        // Covering a survivor's excess (discharging) still happens without redundancy: 100 kW on feed A against a
        // 130 A ceiling at 700 W/A is 9 kW over.
        Run cover = new Run(new SupercapController.Settings(1e9, 0.001, 0.5, 0.5, 0.05, 0.95, 0));
        cover.go(t -> 400_000, 1, List.of(new Limit.FeedCeiling("A", 130, Tier.SAFETY, "breaker", "breaker A")),
                Double.POSITIVE_INFINITY, group);
        assertThat(cover.outputs.getFirst().setpointsW().get("bank-A")).isGreaterThanOrEqualTo(9_000 - 1);
    }

    @Test
    void anEmptyBankGivesNothingAndSaysTheCapsCarryTheGap() {
        Run r = new Run(SupercapController.Settings.defaults());
        r.soc[0] = 0.04;
        r.go(t -> t < 1 ? 300_000 : 400_000, 3, List.of());
        assertThat(r.bankW[0]).isLessThanOrEqualTo(0);
        assertThat(r.outputs.getLast().notes()).anyMatch(n -> n.contains("bank-A: empty; the GPU caps carry the gap"));
        assertThat(r.bankW[1]).isGreaterThan(0);
    }

    @Test
    void rechargingNeverTakesAFeedPastItsCeiling() {
        Run r = new Run(SupercapController.Settings.defaults());
        java.util.Arrays.fill(r.soc, 0.2); // banks want to recharge
        // 100 kW per feed = 142.9 A at 700 W/A; feed A's ceiling 145 A leaves 1.5 kW of room.
        List<Limit.FeedCeiling> ceilings = List.of(new Limit.FeedCeiling("A", 145, Tier.SAFETY, "breaker", "breaker A"));
        r.go(t -> 400_000, 30, ceilings);
        for (SupercapController.Output o : r.outputs) {
            assertThat(o.setpointsW().get("bank-A")).isGreaterThanOrEqualTo(-1_500 - 1e-6);
        }
        assertThat(r.bankW[0]).isCloseTo(-1_500, within(1.0));
        assertThat(r.bankW[1]).as("feeds without a ceiling given recharge freely").isLessThan(-1_500);
        assertThat(r.outputs.getLast().notes()).anyMatch(n -> n.contains("charging held to 1.5 kW"));
    }

    @Test
    void aFeedOverItsCeilingGetsAtLeastTheExcessFromItsBank() {
        Run r = new Run(new SupercapController.Settings(1e9, 0.001, 0.5, 0.5, 0.05, 0.95, 0)); // no smoothing
        // 100 kW per feed = 142.9 A at 700 W/A; ceiling 135 A = 94.5 kW: 5.5 kW over on feed A.
        r.go(t -> 400_000, 1, List.of(new Limit.FeedCeiling("A", 135, Tier.SAFETY, "breaker", "breaker A")));
        assertThat(r.bankW[0]).isCloseTo(5_500, within(1.0));
        assertThat(r.bankW[1]).isCloseTo(0, within(1.0));
        assertThat(r.outputs.getLast().notes()).anyMatch(n -> n.contains("covers 5.5 kW over feed A's ceiling"));
    }
}
