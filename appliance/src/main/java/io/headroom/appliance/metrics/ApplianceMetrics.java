package io.headroom.appliance.metrics;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.control.FeedMeasurement;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The appliance's metrics for Prometheus (scraped at {@code GET /metrics}): per feed its power, current,
 * limit, ceiling and margin; per group its allowed draw and GPU budget; per node its cap and GPU power; the
 * regulation tick's duration and period jitter; alarms; journal drops. Gauges read the latest published
 * state (held strongly: Micrometer would otherwise let it be collected), so scraping never touches the loops. Names and labels are listed in appliance/README.md.
 */
public final class ApplianceMetrics implements TickListener {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer tick;
    private final DistributionSummary jitter;
    private final long nominalNanos;
    private long lastStartNanos = Long.MIN_VALUE;

    public ApplianceMetrics(Site site, Supplier<SiteState> state, Journal journal) {
        this.nominalNanos = site.control().tickMs() * 1_000_000L;
        this.tick = Timer.builder("headroom.regulation.tick").description("time to run one regulation tick")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(1)).register(registry);
        this.jitter = DistributionSummary.builder("headroom.regulation.jitter").baseUnit("seconds")
                .description("|actual tick period - nominal period|").publishPercentileHistogram()
                .minimumExpectedValue(1e-5).maximumExpectedValue(1.0).register(registry);
        for (Feed f : site.feeds()) {
            feedGauge("headroom.feed.power", "watts", f, state, m -> m.powerW());
            feedGauge("headroom.feed.current", "amperes", f, state, m -> m.currentA());
            feedGauge("headroom.feed.margin", "ratio", f, state, m -> 1 - m.currentA() / f.limitA());
            Gauge.builder("headroom.feed.limit", f, Feed::limitA).baseUnit("amperes").tag("feed", f.id()).strongReference(true).register(registry);
        }
        for (var g : site.groups()) {
            groupGauge("headroom.group.allowed", g.id(), state, GroupDecision::allowedGroupW);
            groupGauge("headroom.group.gpu.budget", g.id(), state, GroupDecision::gpuBudgetW);
        }
        for (Node n : site.nodes()) {
            Gauge.builder("headroom.node.cap", state, s -> {
                        SiteState x = s.get();
                        Double c = x == null ? null : x.caps().get(n.id());
                        return c == null ? Double.NaN : c;
                    }).baseUnit("watts").description("per-GPU cap the appliance commands")
                    .tags("node", n.id(), "priority", n.priority().label()).strongReference(true).register(registry);
            Gauge.builder("headroom.node.gpu.power", state, s -> {
                        SiteState x = s.get();
                        var t = x == null ? null : x.nodes().get(n.id());
                        return t == null ? Double.NaN : t.gpuPowerW();
                    }).baseUnit("watts").tags("node", n.id(), "priority", n.priority().label()).strongReference(true).register(registry);
        }
        Gauge.builder("headroom.alarms.active", state, s -> s.get() == null ? 0 : s.get().alarms().size())
                .description("alarms raised now").strongReference(true).register(registry);
        Gauge.builder("headroom.journal.dropped", journal, Journal::dropped)
                .description("history items the journal dropped because its writer fell behind").strongReference(true).register(registry);
    }

    private void feedGauge(String name, String unit, Feed f, Supplier<SiteState> state, ToDoubleFunction<FeedMeasurement> v) {
        Gauge.builder(name, state, s -> {
            SiteState x = s.get();
            FeedMeasurement m = x == null ? null : x.feeds().get(f.id());
            return m == null || !m.usable() ? Double.NaN : v.applyAsDouble(m);
        }).baseUnit(unit).tag("feed", f.id()).strongReference(true).register(registry);
    }

    private void groupGauge(String name, String group, Supplier<SiteState> state, ToDoubleFunction<GroupDecision> v) {
        Gauge.builder(name, state, s -> {
            SiteState x = s.get();
            if (x == null) {
                return Double.NaN;
            }
            for (GroupDecision d : x.decisions()) {
                if (d.groupId().equals(group)) {
                    return v.applyAsDouble(d);
                }
            }
            return Double.NaN;
        }).baseUnit("watts").tag("group", group).strongReference(true).register(registry);
    }

    @Override
    public void onTick(long startNanos, long durationNanos) {
        tick.record(Duration.ofNanos(durationNanos));
        if (lastStartNanos != Long.MIN_VALUE) {
            jitter.record(Math.abs((startNanos - lastStartNanos) - nominalNanos) / 1e9);
        }
        lastStartNanos = startNanos;
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }
}
