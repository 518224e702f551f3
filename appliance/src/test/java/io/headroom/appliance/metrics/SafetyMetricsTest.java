package io.headroom.appliance.metrics;

import static io.headroom.appliance.metrics.Scrape.samples;
import static io.headroom.appliance.metrics.Scrape.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.control.Arbiter;
import io.headroom.appliance.control.ContingencyPlan;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.control.Limit;
import io.headroom.appliance.control.Tier;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.measure.BankMeasurement;
import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.MeasurementQuality;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Site;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The safety series (N-1 readiness, contingencies, armed agents, bank state of charge, feed ceilings and meter
 * quality, silent agents), the build and JVM/process series, and Prometheus naming: counters end in {@code _total}.
 */
class SafetyMetricsTest {

    private static SiteState state(Site site, boolean feasibleLosingB, Set<String> feedsOut) {
        Map<String, FeedMeasurement> feeds = new HashMap<>();
        for (Feed f : site.feeds()) {
            feeds.put(f.id(), new FeedMeasurement(f.id(), 100, 60_000,
                    f.id().equals("C") ? MeasurementQuality.FROZEN : MeasurementQuality.GOOD, 40));
        }
        List<GroupDecision> decisions = new ArrayList<>();
        for (var g : site.groups()) {
            List<ContingencyPlan> plans = new ArrayList<>();
            for (String lost : g.feedIds()) {
                plans.add(new ContingencyPlan(g.id(), lost, List.of(), 300_000, 0, 0, 320_000, new double[0],
                        !lost.equals("B") || feasibleLosingB));
            }
            Limit ceiling = new Limit.FeedCeiling("A", 180, Tier.SAFETY, "breaker", "feed A breaker limit");
            decisions.add(new GroupDecision(g.id(), 400_000, 200_000, 50_000, 150_000, "A", "feed A", ceiling,
                    List.of(new Arbiter.Considered(ceiling, 400_000)), new double[0], plans, 3, false,
                    List.of(), feedsOut));
        }
        Map<String, BankMeasurement> banks = new HashMap<>();
        for (var b : site.supercaps()) {
            banks.put(b.id(), new BankMeasurement(b.id(), b.feedId(), 0, 0.75, true));
        }
        Map<String, NodeTelemetry> nodes = new HashMap<>();
        nodes.put(site.nodes().get(0).id(), null);
        return new SiteState(7, Instant.parse("2026-12-08T00:00:00Z"), 1, feeds, Map.of(), Map.of(), decisions,
                List.of(), banks, Map.of(), Map.of());
    }

    @Test
    void readinessContingenciesBanksCeilingsAndQualityAreSeries(@TempDir Path dir) throws Exception {
        Site site = Scrape.exampleSite();
        var now = new java.util.concurrent.atomic.AtomicReference<>(state(site, true, Set.of()));
        AtomicInteger armed = new AtomicInteger(64);
        try (Journal journal = Journal.open(dir.resolve("j.db"), Clock.systemUTC(), 3600, 1000)) {
            ApplianceMetrics m = new ApplianceMetrics(site, now::get, journal).protection(armed::get, 64);
            Map<String, Double> s = samples(m.scrape());
            assertThat(value(s, "headroom_group_n1_ready", "group=\"hall-1\"")).isEqualTo(1);
            assertThat(value(s, "headroom_contingency_feasible", "lost_feed=\"B\"")).isEqualTo(1);
            assertThat(value(s, "headroom_contingency_shed_watts", "lost_feed=\"A\"")).isEqualTo(20_000);
            assertThat(value(s, "headroom_feed_ceiling_amperes", "feed=\"A\"")).isEqualTo(180);
            assertThat(value(s, "headroom_feed_ceiling_amperes", "feed=\"B\"")).isNaN();
            assertThat(value(s, "headroom_feed_quality", "feed=\"C\"", "quality=\"FROZEN\"")).isEqualTo(1);
            assertThat(value(s, "headroom_feed_quality", "feed=\"C\"", "quality=\"GOOD\"")).isZero();
            assertThat(value(s, "headroom_feed_quality", "feed=\"A\"", "quality=\"GOOD\"")).isEqualTo(1);
            assertThat(value(s, "headroom_bank_soc_ratio", "bank=\"bank-A\"")).isEqualTo(0.75);
            assertThat(value(s, "headroom_node_telemetry_fresh", "node=\"r1-n1\"")).isZero();
            assertThat(value(s, "headroom_protection_agents_armed")).isEqualTo(64);
            assertThat(value(s, "headroom_regulation_last_tick_timestamp_seconds"))
                    .isEqualTo(Instant.parse("2026-12-08T00:00:00Z").getEpochSecond());

            // a plan that no longer fits, a feed in maintenance, agents not re-armed: the series say so
            now.set(state(site, false, Set.of()));
            armed.set(60);
            s = samples(m.scrape());
            assertThat(value(s, "headroom_contingency_feasible", "lost_feed=\"B\"")).isZero();
            assertThat(value(s, "headroom_group_n1_ready", "group=\"hall-1\"")).isZero();
            assertThat(value(s, "headroom_protection_agents_armed")).isEqualTo(60);
            now.set(state(site, true, Set.of("D")));
            s = samples(m.scrape());
            assertThat(value(s, "headroom_group_n1_ready", "group=\"hall-1\"")).isZero();
            assertThat(value(s, "headroom_group_feeds_out", "group=\"hall-1\"")).isEqualTo(1);
        }
    }

    @Test
    void buildJvmAndProcessSeriesAndCountersEndInTotal(@TempDir Path dir) throws Exception {
        Site site = Scrape.exampleSite();
        try (Journal journal = Journal.open(dir.resolve("j.db"), Clock.systemUTC(), 3600, 1000);
             ApplianceMetrics m = new ApplianceMetrics(site, () -> null, journal).jvm()) {
            String text = m.scrape();
            Map<String, Double> s = samples(text);
            assertThat(value(s, "headroom_build_info")).isEqualTo(1);
            assertThat(s.keySet()).anyMatch(k -> k.startsWith("headroom_build_info{") && k.contains("version=\"")
                    && k.contains("java_version=\""));
            assertThat(value(s, "headroom_configured")).isEqualTo(1);
            assertThat(value(s, "headroom_journal_dropped_total")).isZero();
            assertThat(Scrape.names(text)).contains("jvm_memory_used_bytes", "jvm_gc_live_data_size_bytes",
                    "jvm_threads_live_threads", "process_cpu_usage", "process_uptime_seconds",
                    "process_start_time_seconds", "process_files_open_files", "process_resident_memory_bytes");
            assertThat(value(s, "process_resident_memory_bytes")).isGreaterThan(1 << 20);
            // Prometheus naming: every counter's samples end in _total; no timestamp without _timestamp_seconds
            List<String> counters = new ArrayList<>();
            for (String line : text.split("\n")) {
                if (line.startsWith("# TYPE ") && line.endsWith(" counter")) {
                    counters.add(line.split(" ")[2]);
                }
            }
            assertThat(counters).isNotEmpty().allMatch(c -> c.endsWith("_total"));
            assertThat(Scrape.names(text)).filteredOn(n -> n.contains("timestamp"))
                    .allMatch(n -> n.endsWith("_timestamp_seconds"));
        }
    }
}
