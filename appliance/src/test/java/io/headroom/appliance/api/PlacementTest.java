package io.headroom.appliance.api;

import io.headroom.appliance.placement.Placement;
import io.headroom.appliance.SiteState;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.control.GroupRegulator;
import io.headroom.appliance.control.Snapshot;
import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.MeasurementQuality;
import io.headroom.appliance.measure.NodeActivity;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Placement hints and the scheduler extender on the example hall, with request bodies in extender/v1's shape. */
class PlacementTest {

    static Site site;

    @BeforeAll
    static void load() throws Exception {
        site = SiteLoader.load(Path.of("../sites/example-4feed.yaml"));
    }

    /** Every node drawing {@code perGpuW}; rack r3's nodes report two power-throttled GPUs; {@code lostFeed} reads 0. */
    static SiteState state(double perGpuW, double feedLoad, String lostFeed) {
        Map<String, FeedMeasurement> feeds = new HashMap<>();
        for (Feed f : site.feeds()) {
            double k = f.id().equals(lostFeed) ? 0 : feedLoad;
            feeds.put(f.id(), new FeedMeasurement(f.id(), f.limitA() * k, f.limitW() * k, MeasurementQuality.GOOD, 40));
        }
        Map<String, NodeTelemetry> nodes = new HashMap<>();
        for (Node n : site.nodes()) {
            NodeActivity a = n.rackId().equals("R3") ? new NodeActivity(n.gpus(), n.gpus(), 0, 2, 90)
                    : new NodeActivity(n.gpus(), n.gpus() - 3, 3, 0, 50);
            nodes.put(n.id(), new NodeTelemetry(n.id(), perGpuW * n.gpus(), 600, true, a));
        }
        Snapshot s = new Snapshot(7, 7_000_000_000L, Instant.parse("2026-12-08T00:00:00Z"), feeds, nodes);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 500);
        GroupDecision d = reg.run(s);
        Map<String, Double> caps = new HashMap<>();
        for (int i = 0; i < reg.nodes().size(); i++) {
            caps.put(reg.nodes().get(i).id(), d.capsPerGpuW()[i]);
        }
        return new SiteState(7, s.utc(), 100, feeds, nodes, caps, List.of(d), List.of(), Map.of(), Map.of(), Map.of());
    }

    @Test
    void hintsAreBoundedByTheGroupsSpareAndTheNodesGpus() {
        SiteState st = state(300, 0.5, null);
        GroupDecision d = st.decisions().getFirst();
        Placement p = Placement.of(site, st);
        double gpuW = site.nodes().stream().mapToDouble(n -> 300.0 * n.gpus()).sum();
        double spare = Math.max(0, d.gpuBudgetW() - gpuW);
        assertThat(spare).as("a half-loaded hall has spare").isPositive();
        assertThat(p.racks()).hasSize(site.racks().size());
        for (Placement.RackHint r : p.racks()) {
            assertThat(r.n1Ready()).isTrue();
            assertThat(r.uncappedNowW()).isLessThanOrEqualTo(spare + 1e-6);
            assertThat(r.uncappedAfterWorstLossW()).isLessThanOrEqualTo(r.uncappedNowW() + 1e-6);
            assertThat(r.worstLossFeed()).isNotEmpty();
            for (Placement.NodeHint n : r.nodes()) {
                Node node = site.nodes().stream().filter(x -> x.id().equals(n.id())).findFirst().orElseThrow();
                assertThat(n.freeGpuW()).isEqualTo(node.gpus() * (node.gpu().maxW() - 300), org.assertj.core.data.Offset.offset(1e-6));
                assertThat(n.uncappedNowW()).isEqualTo(Math.min(n.freeGpuW(), spare), org.assertj.core.data.Offset.offset(1e-6));
            }
        }
        Placement.RackHint r3 = p.racks().stream().filter(r -> r.id().equals("R3")).findFirst().orElseThrow();
        assertThat(r3.powerThrottledGpus()).isEqualTo(2 * r3.nodes().size());
        assertThat(r3.idleGpus()).isZero();
        Placement.RackHint r1 = p.racks().getFirst();
        assertThat(r1.idleGpus()).isEqualTo(3 * r1.nodes().size());
        JsonObject json = p.toJson();
        assertThat(json.getJsonArray("racks").getJsonObject(0).getJsonArray("nodes").getJsonObject(0).getInteger("idleGpus"))
                .isEqualTo(3);
    }

    @Test
    void aFeedOutLeavesNoRedundancyAndNothingAfterALoss() {
        SiteState st = state(300, 0.6, "B");
        assertThat(st.decisions().getFirst().feedsOut()).contains("B");
        Placement p = Placement.of(site, st);
        assertThat(p.racks()).allSatisfy(r -> {
            assertThat(r.n1Ready()).isFalse();
            assertThat(r.uncappedAfterWorstLossW()).isZero();
        });
        assertThat(Placement.of(site, null).racks()).allSatisfy(r -> assertThat(r.n1Ready()).isFalse());
    }

    static JsonObject k8sNode(String name) {
        return new JsonObject().put("metadata", new JsonObject().put("name", name).put("labels", new JsonObject()
                .put("kubernetes.io/hostname", name))).put("status", new JsonObject().put("capacity",
                new JsonObject().put("nvidia.com/gpu", "8")));
    }

    static JsonObject pod(String powerW, String gpus) {
        JsonObject meta = new JsonObject().put("name", "train-0").put("namespace", "ml");
        if (powerW != null) {
            meta.put("annotations", new JsonObject().put(SchedulerExtender.POWER_ANNOTATION, powerW));
        }
        JsonObject c = new JsonObject().put("name", "main").put("image", "trainer:1");
        if (gpus != null) {
            c.put("resources", new JsonObject().put("limits", new JsonObject().put("nvidia.com/gpu", gpus)));
        }
        return new JsonObject().put("metadata", meta).put("spec", new JsonObject().put("containers", new JsonArray().add(c)));
    }

    @Test
    void filterKeepsNodesWithHeadroomAndSaysWhyTheOthersFail() {
        SchedulerExtender ext = new SchedulerExtender(site);
        Placement p = Placement.of(site, state(300, 0.5, null));
        JsonObject args = new JsonObject().put("pod", pod(null, "4"))
                .put("nodes", new JsonObject().put("kind", "NodeList").put("items", new JsonArray()
                        .add(k8sNode("r1-n1")).add(k8sNode("r5-n2")).add(k8sNode("cpu-only-7"))));
        JsonObject out = ext.filter(args, p);
        assertThat(out.getJsonObject("nodes").getJsonArray("items").stream()
                .map(o -> ((JsonObject) o).getJsonObject("metadata").getString("name")))
                .containsExactly("r1-n1", "r5-n2", "cpu-only-7");
        assertThat(out.getJsonObject("failedNodes").isEmpty()).isTrue();
        assertThat(out.getString("error")).isEmpty();
        // an item without metadata (no name): no candidate, left out, and no 500
        JsonObject nameless = ext.filter(new JsonObject().put("pod", pod(null, "4")).put("nodes", new JsonObject()
                .put("items", new JsonArray().add(new JsonObject()).add(k8sNode("r1-n1")))), p);
        assertThat(nameless.getJsonObject("nodes").getJsonArray("items")).hasSize(1);

        // A pod asking more than any node can add now: every Headroom node fails, with why; the unknown one passes.
        JsonObject big = new JsonObject().put("pod", pod("100000", null)).put("nodenames", new JsonArray()
                .add("r1-n1").add("r5-n2").add("cpu-only-7"));
        JsonObject no = ext.filter(big, p);
        assertThat(no.getJsonArray("nodenames")).containsExactly("cpu-only-7");
        assertThat(no.getJsonObject("failedNodes").getString("r1-n1")).contains("needs 100000 W").contains("uncapped now");

        // Not N-1 ready: fails whatever the pod needs.
        JsonObject lost = ext.filter(new JsonObject().put("pod", pod("1", null)).put("nodenames", new JsonArray().add("r1-n1")),
                Placement.of(site, state(300, 0.6, "B")));
        assertThat(lost.getJsonObject("failedNodes").getString("r1-n1")).contains("not N-1 ready");

        JsonObject bad = ext.filter(new JsonObject().put("pod", pod("lots", null)).put("nodenames", new JsonArray().add("r1-n1")), p);
        assertThat(bad.getString("error")).contains("headroom.io/power-w");
    }

    @Test
    void prioritizeScoresByHeadroomAfterTheWorstLoss() {
        SchedulerExtender ext = new SchedulerExtender(site);
        // r1 nodes draw more than the others: less to add, lower scores.
        SiteState st = state(300, 0.5, null);
        Map<String, NodeTelemetry> nodes = new HashMap<>(st.nodes());
        nodes.put("r1-n1", new NodeTelemetry("r1-n1", 650.0 * 8, 700, true));
        SiteState busier = new SiteState(st.tick(), st.utc(), st.tickMs(), st.feeds(), nodes, st.caps(), st.decisions(),
                st.alarms(), st.banks(), st.bankSetpointsW(), st.phases());
        Placement p = Placement.of(site, busier);
        JsonArray scores = ext.prioritize(new JsonObject().put("pod", pod(null, "8")).put("nodes", new JsonObject()
                .put("items", new JsonArray().add(k8sNode("r1-n1")).add(k8sNode("r5-n2")).add(k8sNode("cpu-only-7")))), p);
        assertThat(scores).hasSize(3);
        Map<String, Long> by = new HashMap<>();
        for (Object o : scores) {
            JsonObject h = (JsonObject) o;
            assertThat(h.fieldNames()).containsExactlyInAnyOrder("host", "score");
            by.put(h.getString("host"), h.getLong("score"));
        }
        assertThat(by.get("r5-n2")).isEqualTo(SchedulerExtender.MAX_SCORE);
        assertThat(by.get("r1-n1")).isBetween(0L, by.get("r5-n2") - 1);
        assertThat(by.get("cpu-only-7")).isZero();
    }
}
