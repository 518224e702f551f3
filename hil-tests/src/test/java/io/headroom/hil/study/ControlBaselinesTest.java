package io.headroom.hil.study;

import io.headroom.appliance.site.AgentSettings;
import io.headroom.appliance.site.Endpoint;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.OpenAdrSettings;
import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.Rack;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.TripCurve;
import io.headroom.appliance.site.UpsModule;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** slow_capping and no_supercaps on a small dense 2N hall with declared UPS modules, in virtual time. */
class ControlBaselinesTest {

    static final TripCurve UPS_CURVE = new TripCurve(List.of(new TripCurve.Point(1.25, 600),
            new TripCurve.Point(1.5, 60), new TripCurve.Point(2.0, 0.2)), 2.05);

    /** Two 40 A feeds (28.2 kW of breaker each), each through a 26 kW module; 2 critical (300 W floor), 3 + 3. */
    static Site small2n() {
        List<Feed> feeds = new ArrayList<>();
        for (String id : List.of("A", "B")) {
            Feed f = new Feed(id, 40, 1.0, 415, 3, 0.98, TripCurve.thermalMagneticDefault(), "meter-" + id);
            feeds.add(f.withUps(new UpsModule("ups-" + id, 26_000, UPS_CURVE, 0.1)));
        }
        List<Node> nodes = new ArrayList<>();
        List<Rack> racks = new ArrayList<>();
        int[] counts = {2, 3, 3};
        int k = 0;
        for (Priority p : Priority.values()) {
            String rack = "R" + (p.ordinal() + 1);
            racks.add(new Rack(rack, "hall"));
            for (int i = 0; i < counts[p.ordinal()]; i++, k++) {
                nodes.add(new Node(rack.toLowerCase() + "-n" + (i + 1), rack, "hall", 8, StudyHalls.H100, 1500, p,
                        p == Priority.CRITICAL ? 300 : 200, new Endpoint("127.0.0.1", 57001 + k)));
            }
        }
        return new Site("small-2n", 60, feeds, List.of(new RedundancyGroup("hall", List.of("A", "B"))), racks, nodes,
                List.of(), List.of(), AgentSettings.plain(2000, 0), StudyHalls.CONTROL, OpenAdrSettings.disabled());
    }

    @Test
    void slowCappingHasNoFastPathAndItsFiguresComeWithIntervals() {
        Site site = small2n();
        StudyParams p = StudyHalls.quick();
        List<CapacityStudy.Result> rs = StudySeries.run(site, p, 1, 2, 2, 0, (seed, e, r) -> {
        });
        List<ControlBaselines.Result> xs = ControlBaselines.run(site, p, rs, 2, ControlBaselines.SLOW_CAP_LATENCY_MS, (seed, e) -> {
        });
        StringWriter w = new StringWriter();
        PrintWriter out = new PrintWriter(w);
        ControlBaselines.printFigures(xs, out);
        ControlBaselines.printTable(xs, out);
        out.flush();
        String figures = w.toString();
        assertThat(xs).hasSize(2);
        for (int i = 0; i < xs.size(); i++) {
            ControlBaselines.Result x = xs.get(i);
            CapacityStudy.Result r = rs.get(i);
            assertThat(x.seed()).isEqualTo(r.seed());
            assertThat(x.noSupercapsNodes()).as("the plant has no banks").isEqualTo(r.headroomNodes());
            assertThat(x.bestBaselineNodes()).isGreaterThanOrEqualTo(Math.max(r.bestOtherNodes(), x.slowCappingNodes()));
            assertThat(x.slowCappingNodes()).as(figures).isPositive().isLessThanOrEqualTo(r.headroomNodes());
            assertThat(x.slowCheck().passed()).isTrue();
            // At Headroom's count every drill is run (none skipped after a failure), and none fired a contingency.
            CapacityStudy.Evaluation a = x.slowAtHeadroom();
            assertThat(a.nodes()).isEqualTo(r.headroomNodes());
            assertThat(a.drills()).hasSize(2 * p.drills());
            assertThat(a.drills()).noneMatch(StudyRun.Result::fired);
            assertThat(r.atHeadroom().drills()).allMatch(StudyRun.Result::fired);
            // The appliance's UPS limits hold Headroom's survivors: no transfer.
            assertThat(r.atHeadroom().upsTransfers()).isZero();
        }
        assertThat(figures).contains("study.unlock_vs_slow_capping_ci95_low ", "study.unlock_vs_no_supercaps 1.000 x",
                "study.unlock_vs_best_baseline_ci95_high ", "study.slow_capping_at_headroom_ups_transfers ",
                "study.slow_capping_cap_latency_ms 2000 ms");
        // The JSON: valid, with the ratios and every seed.
        com.fasterxml.jackson.databind.JsonNode json;
        try {
            json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(ControlBaselines.json(xs));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertThat(json.get("slowCapLatencyMs").asInt()).isEqualTo(2000);
        assertThat(json.get("ratios").get("slow_capping").get("mean").asDouble())
                .isCloseTo(xs.stream().mapToDouble(x -> x.unlockVs(x.slowCappingNodes())).average().orElseThrow(),
                        org.assertj.core.api.Assertions.within(1e-5));
        assertThat(json.get("seeds")).hasSize(2);
        assertThat(json.get("seeds").get(0).get("slowAtHeadroom").get("drills").asInt()).isEqualTo(2 * p.drills());
        StudySeries.Interval slow = StudySeries.ci95(xs.stream().mapToDouble(x -> x.unlockVs(x.slowCappingNodes())).toArray());
        assertThat(slow.low()).isLessThanOrEqualTo(slow.mean());
        assertThat(slow.high()).isGreaterThanOrEqualTo(slow.mean());
    }

    @Test
    void theSitesUpsModuleIsThePlantsToo() {
        Feed a = small2n().feeds().getFirst();
        UpsModel m = UpsModel.of(a.ups(), a);
        assertThat(m.sizing()).isEqualTo(26_000 / a.limitW());
        assertThat(m.allowedSeconds(2.1)).as("at or above the instantaneous ratio: at once").isZero();
        assertThat(m.allowedSeconds(1.5)).isCloseTo(60, org.assertj.core.api.Assertions.within(1e-9));
        VirtualUps u = new VirtualUps(a, m);
        assertThat(u.ratingA()).isCloseTo(a.currentAtPowerA(26_000), org.assertj.core.api.Assertions.within(1e-9));
    }
}
