package io.headroom.appliance.northbound;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.control.ContingencyPlan;
import io.headroom.appliance.control.GroupDecision;
import io.headroom.appliance.measure.BankMeasurement;
import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.MeasurementQuality;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Published states made by hand for the northbound's tests: every feed at {@code currentA}, every plan feasible. */
final class SparkplugStates {

    static Site exampleSite() throws Exception {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path f = p.resolve("sites/example-4feed.yaml");
            if (Files.exists(f)) {
                return SiteLoader.load(f);
            }
        }
        throw new IllegalStateException("no sites/example-4feed.yaml above " + Path.of("").toAbsolutePath());
    }

    static SiteState state(Site site, long tick, double currentA, boolean feasible) {
        Map<String, FeedMeasurement> feeds = new HashMap<>();
        for (Feed f : site.feeds()) {
            feeds.put(f.id(), new FeedMeasurement(f.id(), currentA, currentA * 400 * Math.sqrt(3),
                    MeasurementQuality.GOOD, 50));
        }
        List<GroupDecision> decisions = new ArrayList<>();
        for (RedundancyGroup g : site.groups()) {
            List<ContingencyPlan> plans = new ArrayList<>();
            for (String lost : g.feedIds()) {
                plans.add(new ContingencyPlan(g.id(), lost, g.feedIds().stream().filter(x -> !x.equals(lost)).toList(),
                        300_000, 50_000, 250_000, 280_000, new double[0], feasible));
            }
            decisions.add(new GroupDecision(g.id(), 400_000, 200_000, 50_000, 150_000, "", "feed ceilings", null,
                    List.of(), new double[0], plans, tick, false, List.of(), Set.of()));
        }
        Map<String, BankMeasurement> banks = new HashMap<>();
        Map<String, Double> setpoints = new HashMap<>();
        for (var b : site.supercaps()) {
            banks.put(b.id(), new BankMeasurement(b.id(), b.feedId(), 0, 0.8, true));
            setpoints.put(b.id(), 0.0);
        }
        return new SiteState(tick, Instant.parse("2026-12-08T00:00:00Z").plusMillis(tick * 100), 1.0, feeds,
                Map.of(), Map.of(), decisions, List.of(), banks, setpoints, Map.of());
    }
}
