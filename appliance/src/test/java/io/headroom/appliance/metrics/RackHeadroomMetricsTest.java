package io.headroom.appliance.metrics;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.placement.Placement;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.control.GroupRegulator;
import io.headroom.appliance.control.Snapshot;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.MeasurementQuality;
import io.headroom.appliance.measure.NodeActivity;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static io.headroom.appliance.metrics.Scrape.samples;
import static io.headroom.appliance.metrics.Scrape.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Per-rack headroom and GPU activity as Prometheus series, the same figures as {@code /api/v1/placement}. */
class RackHeadroomMetricsTest {

    static SiteState state(Site site, double perGpuW) {
        Map<String, FeedMeasurement> feeds = new HashMap<>();
        for (Feed f : site.feeds()) {
            feeds.put(f.id(), new FeedMeasurement(f.id(), f.limitA() * 0.5, f.limitW() * 0.5, MeasurementQuality.GOOD, 40));
        }
        Map<String, NodeTelemetry> nodes = new HashMap<>();
        for (Node n : site.nodes()) {
            nodes.put(n.id(), new NodeTelemetry(n.id(), perGpuW * n.gpus(), 600, true,
                    new NodeActivity(n.gpus(), n.gpus() - 1, 1, n.rackId().equals("R2") ? 3 : 0, 60)));
        }
        Snapshot s = new Snapshot(3, 3_000_000_000L, Instant.parse("2026-12-08T00:00:00Z"), feeds, nodes);
        GroupRegulator reg = new GroupRegulator(site, site.groups().getFirst(), 500);
        GroupDecision d = reg.run(s);
        return new SiteState(3, s.utc(), 100, feeds, nodes, Map.of(), List.of(d), List.of(), Map.of(), Map.of(), Map.of());
    }

    @Test
    void everyRackHasItsHeadroomReadinessAndGpuCounts(@TempDir Path dir) throws Exception {
        Site site = Scrape.exampleSite();
        AtomicReference<SiteState> state = new AtomicReference<>();
        try (Journal journal = Journal.open(dir.resolve("j.db"), Clock.systemUTC(), 3600, 1000)) {
            ApplianceMetrics m = new ApplianceMetrics(site, state::get, journal);
            Map<String, Double> before = samples(m.scrape());
            assertThat(value(before, "headroom_rack_n1_ready", "rack=\"R1\"")).as("nothing ready before a tick").isZero();

            state.set(state(site, 300));
            Map<String, Double> s = samples(m.scrape());
            Placement p = Placement.of(site, state.get());
            for (Placement.RackHint r : p.racks()) {
                String rack = "rack=\"" + r.id() + "\"";
                assertThat(value(s, "headroom_rack_headroom_now_watts", rack)).isCloseTo(r.uncappedNowW(), within(1e-6));
                assertThat(value(s, "headroom_rack_headroom_after_worst_loss_watts", rack))
                        .isCloseTo(r.uncappedAfterWorstLossW(), within(1e-6));
                assertThat(value(s, "headroom_rack_n1_ready", rack)).isEqualTo(1);
                assertThat(value(s, "headroom_rack_gpus_idle", rack)).isEqualTo(r.nodes().size());
                assertThat(value(s, "headroom_rack_gpus_busy", rack)).isEqualTo(r.gpus() - r.nodes().size());
            }
            assertThat(value(s, "headroom_rack_headroom_now_watts", "rack=\"R1\"")).isPositive();
            assertThat(value(s, "headroom_rack_gpus_power_throttled", "rack=\"R2\"")).isEqualTo(3 * 8);
            assertThat(value(s, "headroom_rack_gpus_power_throttled", "rack=\"R1\"")).isZero();

            state.set(state(site, 690)); // every GPU near its maximum: little to add
            assertThat(value(samples(m.scrape()), "headroom_rack_headroom_now_watts", "rack=\"R1\""))
                    .isLessThan(value(s, "headroom_rack_headroom_now_watts", "rack=\"R1\""));
        }
    }
}
