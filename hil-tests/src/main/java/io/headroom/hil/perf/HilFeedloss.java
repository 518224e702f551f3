package io.headroom.hil.perf;

import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.hil.Bench;
import io.headroom.hil.scenario.Scenario;
import io.headroom.hil.scenario.ScenarioReport;
import io.headroom.hil.scenario.ScenarioRunner;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * {@code hil-feedloss}: the example 4-feed hall on the bench (real protocols, real time) held at full demand, and
 * {@value #DRILLS} drills of a random feed lost at a random time (restored {@value #OUTAGE_S} s later, then 2–4 s
 * before the next). Figures, from the plant's own state every plant step (2 ms): breaker trips; from each loss to
 * every survivor back within its continuous limit ({@code p50_ms}, {@code p99_ms}, {@code max_ms}); to settled,
 * the last moment a survivor was above that limit before the feed came back ({@code settle_p99_ms}: regulation lets
 * the survivors ride a short excursion the trip curve allows, up to 1.05 × for 5 s, so this includes it); the highest
 * fraction of any breaker's curve used. The run's report is written beside the bench's data, its path printed.
 */
public final class HilFeedloss {

    static final int DRILLS = 20;
    static final double OUTAGE_S = 6;

    private HilFeedloss() {
    }

    public static void run(PrintWriter out) {
        try {
            measure(out);
        } catch (Exception e) {
            throw new IllegalStateException("hil-feedloss: " + e.getMessage(), e);
        }
    }

    private static void measure(PrintWriter out) throws Exception {
        Path home = Path.of(System.getProperty("headroom.home", "."));
        Site site = SiteLoader.load(home.resolve("sites/example-4feed.yaml"));
        Random r = new Random(20);
        List<Scenario.Event> events = new ArrayList<>();
        double t = 8;
        events.add(new Scenario.Burst(6, 1.0, 1e6));
        for (int i = 0; i < DRILLS; i++) {
            String feed = site.feeds().get(r.nextInt(site.feeds().size())).id();
            events.add(new Scenario.FeedLoss(t, feed));
            events.add(new Scenario.FeedRestore(t + OUTAGE_S, feed));
            t += OUTAGE_S + 2 + 2 * r.nextDouble();
        }
        Scenario sc = new Scenario("hil-feedloss", DRILLS + " random feed losses at full load", t, 8, events,
                new Scenario.Expectations(0, null, null, null, null, 0L, List.of()), null);
        Path data = Files.createTempDirectory("headroom-hil-feedloss");
        ScenarioRunner.Result res;
        try (Bench bench = Bench.start(site, Bench.Options.forTests(data))) {
            res = ScenarioRunner.run(bench, sc);
        }
        Path html = ScenarioReport.write(res, site, data.resolve("report"));
        double[] back = res.recoveries().stream().mapToDouble(ScenarioRunner.Recovery::backWithinMs).sorted().toArray();
        double[] settle = res.recoveries().stream().mapToDouble(ScenarioRunner.Recovery::settledMs).sorted().toArray();
        out.printf(Locale.ROOT, "hil-feedloss.drills %d count%n", back.length);
        out.printf(Locale.ROOT, "hil-feedloss.trips %.0f count%n", res.figures().get("trips"));
        out.printf(Locale.ROOT, "hil-feedloss.p50_ms %.1f ms%n", FeedlossToCaps.percentile(back, 0.5));
        out.printf(Locale.ROOT, "hil-feedloss.p99_ms %.1f ms%n", FeedlossToCaps.percentile(back, 0.99));
        out.printf(Locale.ROOT, "hil-feedloss.max_ms %.1f ms%n", back.length == 0 ? Double.NaN : back[back.length - 1]);
        out.printf(Locale.ROOT, "hil-feedloss.settle_p99_ms %.0f ms%n", FeedlossToCaps.percentile(settle, 0.99));
        out.printf(Locale.ROOT, "hil-feedloss.worst_trip_margin_used %.4f fraction%n", res.figures().get("worst_trip_margin_used"));
        out.printf(Locale.ROOT, "hil-feedloss.critical_compute_lost_pct %.2f %%%n", res.figures().get("critical_compute_lost_pct"));
        out.printf(Locale.ROOT, "# hil-feedloss: back within limit per drill %s ms; report %s%n",
                Arrays.toString(Arrays.stream(back).map(x -> Math.round(x)).toArray()), html);
        out.println("hil-feedloss done");
        out.flush();
    }
}
