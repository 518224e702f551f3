package io.headroom.appliance.control;

import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Node;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The regulator's decisions, tick by tick, are the ones recorded in {@code regulator-decisions.txt}: a digest of
 * every decision (caps, budgets, limits weighed, plans, alarms; values to a thousandth of a watt or an amp) of
 * {@link RegulatorScenarios}' seeded random plants, recorded from the regulator as it was before it was split into
 * controllers. A change of behaviour shows here as the seeds whose decisions moved; one that is meant re-records
 * the file: {@code -Dheadroom.recordDecisions=PATH} writes it there instead of checking.
 */
class RegulatorDecisionsTest {

    static final int SEEDS = 200;
    static final String FILE = "regulator-decisions.txt";
    /** Every scenario's decisions, computed once for the tests below. */
    private static final Map<Long, List<String>> TRACES = new LinkedHashMap<>();

    @BeforeAll
    static void runTheScenarios() {
        for (long seed = 1; seed <= SEEDS; seed++) {
            TRACES.put(seed, RegulatorScenarios.trace(seed, (site, group, safeCapW) ->
                    new GroupRegulator(site, group, safeCapW)::run, false));
        }
    }

    @Test
    void everyDecisionOfTheSeededScenariosIsTheRecordedOne() throws IOException {
        Map<Long, String> now = new LinkedHashMap<>();
        TRACES.forEach((seed, trace) -> now.put(seed, RegulatorScenarios.digest(trace)));
        String record = System.getProperty("headroom.recordDecisions");
        if (record != null) {
            StringBuilder b = new StringBuilder("# seed digest (RegulatorDecisionsTest)\n");
            now.forEach((seed, d) -> b.append(seed).append(' ').append(d).append('\n'));
            Files.writeString(Path.of(record), b.toString());
            return;
        }
        Map<Long, String> recorded = new LinkedHashMap<>();
        try (InputStream in = RegulatorDecisionsTest.class.getResourceAsStream(FILE)) {
            assertThat(in).as(FILE).isNotNull();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    String[] f = line.trim().split(" ");
                    recorded.put(Long.parseLong(f[0]), f[1]);
                }
            }
        }
        assertThat(recorded).as("seeds recorded").hasSize(SEEDS);
        List<Long> moved = new ArrayList<>();
        recorded.forEach((seed, d) -> {
            if (!d.equals(now.get(seed))) {
                moved.add(seed);
            }
        });
        assertThat(moved).as("seeds whose decisions differ from the recorded ones").isEmpty();
    }

    /**
     * An operator's override is a hard ceiling on an answering node: in every tick of every scenario no cap is above it
     * (or above the GPU's minimum, when the override is below that). The deadband once let a cap stay up to 5 W over
     * one. A node whose agent is silent is left out: it is pinned at its last cap, which the plans must assume it still
     * draws, and takes the override when it answers again.
     */
    @Test
    void noCapIsEverAboveAnOperatorOverride() {
        List<String> breaches = new ArrayList<>();
        for (long seed = 1; seed <= SEEDS; seed++) {
            long s0 = seed;
            RegulatorScenarios.trace(seed, (site, group, safeCapW) -> {
                GroupRegulator reg = new GroupRegulator(site, group, safeCapW);
                List<Node> nodes = site.nodesOf(group);
                return snap -> {
                    GroupDecision d = reg.run(snap);
                    for (int i = 0; i < nodes.size(); i++) {
                        Node n = nodes.get(i);
                        Double o = snap.nodeCeilingsW().get(n.id());
                        NodeTelemetry t = snap.nodes().get(n.id());
                        if (o != null && t != null && t.fresh() && d.capsPerGpuW()[i] > Math.max(o, n.gpu().minW()) + 1e-9) {
                            breaches.add("seed " + s0 + " tick " + snap.tick() + " " + n.id() + ": cap "
                                    + d.capsPerGpuW()[i] + " W over the override " + o + " W");
                        }
                    }
                    return d;
                };
            }, false);
        }
        assertThat(breaches).isEmpty();
    }

    /** The scenarios reach every concern of the regulator, so that the digests above say something about each. */
    @Test
    void theScenariosReachEveryConcern() {
        List<String> all = TRACES.values().stream().flatMap(List::stream).toList();
        for (String concern : List.of("in maintenance", "lost (no load", "meter stale", "meter frozen",
                "meter missing", "meter error", "under-reports", "flowing out", "agent not answering",
                "no N-1 plan exists with the critical floors", "no safe plan for the loss", "short excursion",
                "no excursion: the group has no redundancy left", "critical floors come before grid commitments",
                "below the floors", "no usable meter", "carries load: held to its N-1 capacity", "grid-commitment",
                "price", "rearm=true")) {
            assertThat(all).as(concern).anyMatch(line -> line.contains(concern));
        }
    }

    @Test
    void theDigestSeesAOneWattChange() {
        List<String> a = TRACES.get(7L);
        List<String> b = RegulatorScenarios.trace(7, (site, group, safeCapW) -> {
            GroupRegulator reg = new GroupRegulator(site, group, safeCapW);
            return s -> {
                GroupDecision d = reg.run(s);
                double[] caps = d.capsPerGpuW().clone();
                caps[0] += 1;
                return new GroupDecision(d.groupId(), d.allowedGroupW(), d.measuredGroupW(), d.nonGpuW(),
                        d.gpuBudgetW(), d.bindingFeed(), d.binding(), d.bindingLimit(), d.considered(), caps, d.plans(),
                        d.planEpoch(), d.rearm(), d.alarms(), d.feedsOut());
            };
        }, false);
        assertThat(RegulatorScenarios.digest(a)).isNotEqualTo(RegulatorScenarios.digest(b));
    }
}
