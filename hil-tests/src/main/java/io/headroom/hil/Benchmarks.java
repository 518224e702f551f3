package io.headroom.hil;

import io.headroom.appliance.control.Allocator;
import io.headroom.appliance.control.ContingencyPlanner;
import io.headroom.appliance.site.AgentSettings;
import io.headroom.appliance.site.ControlSettings;
import io.headroom.appliance.site.Endpoint;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.GpuModel;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.OpenAdrSettings;
import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.Rack;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.TripCurve;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The benchmarks behind {@code ./headroom perf}. Each prints {@code NAME.FIGURE VALUE UNIT} lines and ends
 * with {@code NAME done}. They are measurements, not tests: nothing here asserts a speed.
 */
public final class Benchmarks {

    private static final Map<String, Consumer<PrintWriter>> ALL = new LinkedHashMap<>();

    static {
        ALL.put("plan-time", Benchmarks::planTime);
        ALL.put("modbus-scan", io.headroom.hil.perf.ModbusScanBenchmark::run);
        ALL.put("feedloss-to-caps", io.headroom.hil.perf.FeedlossToCaps::run);
        ALL.put("cap-throughput", io.headroom.hil.perf.CapThroughput::run);
        ALL.put("dsp-throughput", io.headroom.hil.perf.DspThroughputBenchmark::run);
        ALL.put("feedloss-detect", io.headroom.hil.perf.FeedlossDetectBenchmark::run);
        ALL.put("hil-feedloss", io.headroom.hil.perf.HilFeedloss::run);
        ALL.put("waveform-rate", io.headroom.hil.perf.WaveformRate::run);
        ALL.put("sv-decode", io.headroom.hil.perf.SvDecodeBenchmark::run);
        ALL.put("footprint", io.headroom.hil.perf.Footprint::run);
        ALL.put("regulation-alloc", io.headroom.hil.perf.RegulationAlloc::run);
        ALL.put("band-limits", io.headroom.hil.perf.BandLimitsBenchmark::run);
        ALL.put("campus-split", io.headroom.hil.perf.CampusSplitPerf::run);
    }

    private Benchmarks() {
    }

    /** Runs one benchmark with "still running" lines on stderr every 5 s while it lasts (stdout: its figures only). */
    private static void withProgress(String name, Consumer<PrintWriter> b, PrintWriter out, PrintWriter err) {
        try (Progress p = Progress.start(err, "perf " + name, 5)) {
            b.accept(out);
            out.flush();
        }
    }

    /** Benchmarks that take options of their own ({@code ./headroom perf NAME OPTIONS}). */
    private static final Map<String, WithOptions> OPTIONS = Map.of("footprint", io.headroom.hil.perf.Footprint::run,
            "feedloss-to-caps", io.headroom.hil.perf.FeedlossToCaps::run,
            "hil-feedloss", io.headroom.hil.perf.HilFeedloss::run,

            "campus-split", io.headroom.hil.perf.CampusSplitPerf::run);

    interface WithOptions {
        int run(List<String> options, PrintWriter out, PrintWriter err);
    }

    public static int run(String name, List<String> options, PrintWriter out, PrintWriter err) {
        if (options.isEmpty()) {
            return run(name, out, err);
        }
        WithOptions b = name == null ? null : OPTIONS.get(name);
        if (b == null) {
            err.println("perf: " + (name == null ? "options need a benchmark name" : name + " takes no options")
                    + "; with options: " + String.join(", ", OPTIONS.keySet()));
            return 2;
        }
        return b.run(options, out, err);
    }

    public static int run(String name, PrintWriter out, PrintWriter err) {
        if (name == null) {
            int k = 0;
            for (Map.Entry<String, Consumer<PrintWriter>> b : ALL.entrySet()) {
                k++;
                err.printf(Locale.ROOT, "perf: %s (%d of %d)%n", b.getKey(), k, ALL.size());
                err.flush();
                withProgress(b.getKey(), b.getValue(), out, err);
            }
            return 0;
        }
        Consumer<PrintWriter> b = ALL.get(name);
        if (b == null) {
            err.println("perf: no benchmark named '" + name + "'; known: " + String.join(", ", ALL.keySet()));
            return 2;
        }
        withProgress(name, b, out, err);
        return 0;
    }

    /**
     * Time to re-plan every single-feed contingency of a 4-feed group and the steady-state allocation, for
     * 1,000, 10,000 and 100,000 GPUs (8 per node, a third of the nodes in each class, random demand).
     * Median of repeated runs after warm-up, on the calling thread (one core).
     */
    static void planTime(PrintWriter out) {
        for (int gpus : new int[]{1_000, 10_000, 100_000}) {
            Site site = syntheticHall(gpus / 8, 4, new Random(gpus));
            RedundancyGroup g = site.groups().getFirst();
            List<Node> nodes = site.nodesOf(g);
            double[] demand = new double[nodes.size()];
            Random r = new Random(7);
            for (int i = 0; i < demand.length; i++) {
                demand[i] = 200 + r.nextDouble() * 500;
            }
            double budget = ContingencyPlanner.survivorsAllowedW(site, g.feedIds(), 0.03)
                    - nodes.stream().mapToDouble(Node::baseW).sum();
            int runs = gpus >= 100_000 ? 15 : 60;
            double[] ms = new double[runs];
            long sink = 0;
            for (int k = -runs / 3; k < runs; k++) { // first third is warm-up
                long t0 = System.nanoTime();
                // What a regulation tick re-plans: one sort, every contingency, the steady allocation.
                Allocator.Prepared prepared = Allocator.prepare(nodes, demand, Allocator.floors(nodes));
                sink += ContingencyPlanner.plan(site, g, nodes, demand, prepared).size();
                sink += prepared.allocate(budget).length;
                long t1 = System.nanoTime();
                if (k >= 0) {
                    ms[k] = (t1 - t0) / 1e6;
                }
            }
            Arrays.sort(ms);
            out.printf(Locale.ROOT, "plan-time.n%d %.3f ms%n", gpus, ms[runs / 2]);
            if (sink == 42) {
                out.print("");
            }
        }
        out.println("plan-time done");
    }

    static Site syntheticHall(int nodesCount, int feeds, Random r) {
        List<Feed> f = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        double perFeedW = nodesCount * 7100.0 / feeds;
        double ratingA = Math.ceil(perFeedW / (Math.sqrt(3) * 415 * 0.98));
        for (int i = 0; i < feeds; i++) {
            String id = String.valueOf((char) ('A' + i));
            ids.add(id);
            f.add(new Feed(id, ratingA, 1.0, 415, 3, 0.98, TripCurve.thermalMagneticDefault(), "meter-" + id));
        }
        GpuModel h100 = new GpuModel("h100-sxm", 200, 700, 700);
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < nodesCount; i++) {
            Priority p = Priority.values()[i % 3];
            nodes.add(new Node("n" + i, "R" + i / 8, "g", 8, h100, 1500, p, p == Priority.CRITICAL ? 600 : 200,
                    new Endpoint("127.0.0.1", 1 + i % 65000)));
        }
        return new Site("synthetic", 60, f, List.of(new RedundancyGroup("g", ids)), List.of(new Rack("R0", "g")),
                nodes, List.of(), List.of(), AgentSettings.plain(2000, 0),
                new ControlSettings(100, 0.03, 5, 2000, 25), OpenAdrSettings.disabled());
    }
}
