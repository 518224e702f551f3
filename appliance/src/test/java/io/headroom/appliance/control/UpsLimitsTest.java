package io.headroom.appliance.control;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.TripCurve;
import io.headroom.appliance.site.UpsModule;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** UPS modules as limits: their ratings in regulation and in the plans, and the short window a loss must fit in. */
class UpsLimitsTest {

    /** 125 % for 10 min, 150 % for 60 s, 200 % for 200 ms, transfer at once from 250 %. */
    static final TripCurve CURVE = new TripCurve(List.of(new TripCurve.Point(1.25, 600),
            new TripCurve.Point(1.5, 60), new TripCurve.Point(2.0, 0.2)), 2.5);

    /** The hall with a UPS of {@code fraction} × each feed's breaker limit on every feed. */
    static Site withUps(Site site, double fraction, TripCurve curve, double responseS) {
        List<Feed> feeds = site.feeds().stream()
                .map(f -> f.withUps(new UpsModule("ups-" + f.id(), f.limitW() * fraction, curve, responseS)))
                .toList();
        return new Site(site.name(), site.frequencyHz(), feeds, site.groups(), site.racks(), site.nodes(),
                site.meters(), site.supercaps(), site.agents(), site.control(), site.openadr());
    }

    @Test
    void theShortRatioIsWhereTheCurveStillCarriesTheResponseTime() {
        assertThat(new UpsModule("u", 1e5, CURVE, 0.1).shortRatio()).isCloseTo(2.5, within(1e-9));
        assertThat(new UpsModule("u", 1e5, CURVE, 0.2).shortRatio()).isCloseTo(2.5, within(1e-9));
        // 300 ms: between (1.5, 60 s) and (2.0, 200 ms), log-log.
        double r = new UpsModule("u", 1e5, CURVE, 0.3).shortRatio();
        assertThat(CURVE.allowedSeconds(r)).isCloseTo(0.3, within(1e-6));
        assertThat(r).isBetween(1.5, 2.0);
        assertThat(new UpsModule("u", 1e5, CURVE, 1000).shortRatio()).as("beyond the curve's first point")
                .isCloseTo(1.25, within(1e-9));
    }

    @Test
    void aHallWithoutUpsModulesGetsNoLimitFromThem() {
        Site site = TestHalls.hall(2, 300, 4, 4, 4);
        UpsLimits u = new UpsLimits(site, site.groups().getFirst(), site.feeds());
        assertThat(u.any()).isFalse();
        assertThat(u.run(false)).isEmpty();
        assertThat(ContingencyPlanner.survivorsAllowedW(site, List.of("A"), 0.03))
                .isEqualTo(site.feeds().getFirst().limitW() * 0.97);
    }

    @Test
    void eachModuleIsACeilingAtItsRatingInTheFeedsAmperes() {
        Site site = withUps(TestHalls.hall(2, 300, 4, 4, 4), 0.8, CURVE, 0.1);
        UpsLimits u = new UpsLimits(site, site.groups().getFirst(), site.feeds());
        List<Limit> limits = u.run(false);
        assertThat(limits).hasSize(3);
        Limit.FeedCeiling a = (Limit.FeedCeiling) limits.getFirst();
        assertThat(a.feedId()).isEqualTo("A");
        assertThat(a.amps()).isCloseTo(300 * 0.8 * 0.97, within(1e-9));
        assertThat(a.tier()).isEqualTo(Tier.SAFETY);
        assertThat(a.source()).isEqualTo("ups");
        assertThat(a.reason()).isEqualTo("UPS ups-A on feed A: 169.1 kW continuous less 3 % margin");
        Limit.GroupCeiling g = (Limit.GroupCeiling) limits.get(2);
        assertThat(g.watts()).isCloseTo(site.feeds().getFirst().limitW() * 0.8 * 2.5 * 0.97, within(1e-6));
        assertThat(u.run(true)).as("a feed already out: no further loss to ride through").hasSize(2);
    }

    @Test
    void regulationHoldsEachFeedWithinItsUpsRatingNotItsBreaker() {
        Site site = withUps(TestHalls.hall(4, 150, 16, 24, 24), 0.9, CURVE, 0.1);
        GroupRegulatorTest.Plant plant = new GroupRegulatorTest.Plant(site, 700);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 700);
        GroupDecision d = plant.step(reg, 1);
        assertThat(d.bindingLimit().source()).isEqualTo("ups");
        assertThat(d.binding()).isEqualTo("UPS ups-A on feed A: 95.1 kW continuous less 3 % margin");
        for (int f = 0; f < 4; f++) {
            assertThat(plant.feedW(f)).isLessThanOrEqualTo(site.feeds().get(f).ups().ratingW() * 0.97 + 1e-6);
        }
        assertThat(plant.capPerGpu[0]).as("critical untouched").isEqualTo(700);
        assertThat(plant.capPerGpu[63]).as("flexible shed first").isLessThan(700);
    }

    @Test
    void the2NGroupIsHeldToWhatTheSurvivorPicksUpWithinTheCapsResponse() {
        // Caps that take 300 ms: the survivor of a 2N loss may pick up only what its curve carries for 300 ms.
        Site site = withUps(TestHalls.hall(2, 300, 16, 16, 16), 1.0, CURVE, 0.3);
        UpsModule ups = site.feeds().getFirst().ups();
        GroupRegulatorTest.Plant plant = new GroupRegulatorTest.Plant(site, 700);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 700);
        GroupDecision d = null;
        for (int t = 1; t <= 3; t++) {
            d = plant.step(reg, t);
        }
        assertThat(d.bindingLimit()).isInstanceOf(Limit.GroupCeiling.class);
        assertThat(d.binding()).startsWith("UPS ups-B: at the loss of feed A it may pick up ");
        double atLoss = plant.groupW() / ups.ratingW(); // the survivor's ratio the instant A goes
        assertThat(atLoss).isLessThan(2.0);
        assertThat(ups.allowedSeconds(atLoss)).isGreaterThanOrEqualTo(0.3);
        // The plan for that loss brings the survivor within its rating.
        ContingencyPlan lossOfA = d.plans().getFirst();
        assertThat(lossOfA.survivorsAllowedW()).isCloseTo(ups.ratingW() * 0.97, within(1e-6));
        assertThat(survivorLoadW(site, plant, lossOfA)).isLessThanOrEqualTo(ups.ratingW() * 0.97 + 1e-6);
    }

    /** Each survivor's load with the plan's caps applied to the plant's demand, W. */
    static double survivorLoadW(Site site, GroupRegulatorTest.Plant plant, ContingencyPlan p) {
        List<Node> nodes = site.nodesOf(site.group(p.groupId()).orElseThrow());
        double w = plant.unexplainedW;
        for (int i = 0; i < nodes.size(); i++) {
            w += Math.min(plant.demandPerGpu[i], p.capsPerGpuW()[i]) * nodes.get(i).gpus() + nodes.get(i).baseW();
        }
        return w / p.survivors().size();
    }

    /**
     * Seeded random halls with random UPS modules (rating 50–120 % of the breaker's limit, caps landing in 5 ms to
     * 1 s) and random demand: once regulation settles, no feed is above its UPS's rating (less margin); the load any
     * survivor picks up at a loss is one its curve carries at least for the caps' response time; and every feasible
     * plan brings each survivor within its UPS's rating.
     */
    @Test
    void seededHallsStayWithinEveryUpsCurve() {
        List<String> breaches = new ArrayList<>();
        int checkedLosses = 0;
        for (long seed = 1; seed <= 200; seed++) {
            Random r = new Random(seed);
            Site hall = TestHalls.randomHall(r);
            double margin = hall.control().marginFraction();
            List<Feed> feeds = new ArrayList<>();
            for (Feed f : hall.feeds()) {
                feeds.add(r.nextInt(5) == 0 ? f : f.withUps(new UpsModule("ups-" + f.id(),
                        f.limitW() * (0.5 + 0.7 * r.nextDouble()), CURVE, 0.005 + r.nextDouble())));
            }
            Site site = new Site(hall.name(), hall.frequencyHz(), feeds, hall.groups(), hall.racks(), hall.nodes(),
                    hall.meters(), hall.supercaps(), hall.agents(), hall.control(), hall.openadr());
            GroupRegulatorTest.Plant plant = new GroupRegulatorTest.Plant(site, 0);
            for (int i = 0; i < plant.demandPerGpu.length; i++) {
                Node n = site.nodes().get(i);
                plant.demandPerGpu[i] = n.gpu().minW() + r.nextDouble() * (n.gpu().maxW() - n.gpu().minW());
            }
            Arrays.fill(plant.capPerGpu, 0);
            for (int i = 0; i < plant.capPerGpu.length; i++) {
                plant.capPerGpu[i] = site.nodes().get(i).gpu().maxW();
            }
            GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 0);
            GroupDecision d = null;
            for (int t = 1; t <= 100; t++) {
                d = plant.step(reg, t);
            }
            boolean plannable = d.plans().stream().allMatch(ContingencyPlan::feasible);
            if (!plannable) {
                continue; // not even the floors fit: regulation holds the floors and says so (other tests)
            }
            for (int f = 0; f < feeds.size(); f++) {
                UpsModule u = feeds.get(f).ups();
                if (u != null && plant.feedW(f) > u.ratingW() * (1 - margin) + 1e-6) {
                    breaches.add("seed " + seed + " feed " + feeds.get(f).id() + ": " + plant.feedW(f)
                            + " W over its UPS's rating less margin " + u.ratingW() * (1 - margin));
                }
            }
            for (ContingencyPlan p : d.plans()) {
                checkedLosses++;
                double pickUp = plant.groupW() / p.survivors().size();
                double after = survivorLoadW(site, plant, p);
                for (String s : p.survivors()) {
                    UpsModule u = site.feed(s).orElseThrow().ups();
                    if (u == null) {
                        continue;
                    }
                    if (u.allowedSeconds(pickUp / u.ratingW()) < u.responseS()) {
                        breaches.add("seed " + seed + " loss of " + p.lostFeedId() + ": survivor " + s + " at "
                                + pickUp / u.ratingW() + " x for less than " + u.responseS() + " s");
                    }
                    if (after > u.ratingW() * (1 - margin) + 1e-6) {
                        breaches.add("seed " + seed + " loss of " + p.lostFeedId() + ": survivor " + s + " at "
                                + after + " W under the plan, over its UPS's rating " + u.ratingW());
                    }
                }
            }
        }
        assertThat(breaches).isEmpty();
        assertThat(checkedLosses).as("enough plannable halls to say something").isGreaterThan(200);
    }
}
