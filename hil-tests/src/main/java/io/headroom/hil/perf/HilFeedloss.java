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
 * {@value #DRILLS} drills (default) of a random feed lost at a random time, restored {@value #OUTAGE_S} s later, then
 * {@value #GAP_S}–{@value #GAP_S} × 2 s before the next (shortened from 6 s and 2–4 s so that 100 drills fit in
 * about 4 minutes: each drill's figure is over within tens of milliseconds). Figures, from the plant's own state
 * every plant step (2 ms): breaker trips; from each loss to every survivor back within its continuous limit
 * ({@code p50_ms}, {@code p99_ms}, {@code max_ms}); to settled, the last moment a survivor was above that limit
 * before the feed came back ({@code settle_p99_ms}: regulation lets the survivors ride a short excursion the trip
 * curve allows, up to 1.05 × for 5 s, so this includes it); the highest fraction of any breaker's curve used. The
 * run's report is written beside the bench's data, its path printed.
 *
 * <p>What makes a slow drill slow: while it runs, this JVM's collector pauses (its notifications) and a probe
 * thread that asks to wake every millisecond (how late it woke: the machine's scheduling) are recorded; each drill's
 * window, from the loss to back within limits, is matched with them, and the slowest drills are printed with the
 * feed lost, the collector's pause and the longest scheduling stall inside their window
 * ({@code slow_drills_with_stall}, {@code slow_drills_with_gc}: of the drills at or above p90).
 *
 * <p>Options: {@code --drills N}, {@code --outage S}, {@code --gap S}.
 */
public final class HilFeedloss {

    static final int DRILLS = 100;
    static final double OUTAGE_S = 0.6;
    static final double GAP_S = 1.2;
    /** A scheduling stall worth naming: the probe woke this much later than asked. */
    static final double STALL_MS = 2.0;

    private HilFeedloss() {
    }

    public static void run(PrintWriter out) {
        run(List.of(), out, new PrintWriter(System.err, true));
    }

    public static int run(List<String> options, PrintWriter out, PrintWriter err) {
        int drills = DRILLS;
        double outage = OUTAGE_S;
        double gap = GAP_S;
        boolean fastSettle = true;
        long seed = 20;
        for (int i = 0; i < options.size(); i++) {
            switch (options.get(i)) {
                case "--drills" -> drills = Integer.parseInt(options.get(++i));
                case "--outage" -> outage = Double.parseDouble(options.get(++i));
                case "--gap" -> gap = Double.parseDouble(options.get(++i));
                case "--seed" -> seed = Long.parseLong(options.get(++i));
                case "--site-settling" -> fastSettle = false;
                default -> {
                    err.println("perf hil-feedloss: unknown option " + options.get(i)
                            + " (known: --drills N, --outage S, --gap S, --seed N, --site-settling)");
                    return 2;
                }
            }
        }
        try {
            measure(out, drills, outage, gap, seed, fastSettle);
            return 0;
        } catch (Exception e) {
            throw new IllegalStateException("hil-feedloss: " + e.getMessage(), e);
        }
    }

    /** Collector pauses of this JVM, [start, end] in System.nanoTime(). */
    private static final class Pauses implements javax.management.NotificationListener {
        final List<long[]> windows = java.util.Collections.synchronizedList(new ArrayList<>());
        final long uptimeToNanos;

        Pauses() {
            long nanos = System.nanoTime();
            long uptimeMs = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
            uptimeToNanos = nanos - uptimeMs * 1_000_000L;
        }

        @Override
        public void handleNotification(javax.management.Notification n, Object handback) {
            if (!n.getType().equals(com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                return;
            }
            com.sun.management.GarbageCollectionNotificationInfo info = com.sun.management.GarbageCollectionNotificationInfo
                    .from((javax.management.openmbean.CompositeData) n.getUserData());
            long start = uptimeToNanos + info.getGcInfo().getStartTime() * 1_000_000L;
            long end = uptimeToNanos + Math.max(info.getGcInfo().getEndTime(), info.getGcInfo().getStartTime() + 1)
                    * 1_000_000L;
            if (info.getGcAction().contains("major") || !info.getGcName().contains("Concurrent")) {
                windows.add(new long[]{start, end});
            }
        }

        double msWithin(long from, long to) {
            double ms = 0;
            synchronized (windows) {
                for (long[] w : windows) {
                    long a = Math.max(from, w[0]);
                    long b = Math.min(to, w[1]);
                    if (b > a) {
                        ms += (b - a) / 1e6;
                    }
                }
            }
            return ms;
        }
    }

    /** A thread that asks to wake every millisecond and records how late it woke when that is over {@value #STALL_MS} ms. */
    private static final class Jitter implements AutoCloseable {
        final List<long[]> stalls = java.util.Collections.synchronizedList(new ArrayList<>());
        volatile boolean closed;
        final Thread thread = Thread.ofPlatform().daemon().name("hil-feedloss-jitter").start(() -> {
            while (!closed) {
                long t = System.nanoTime();
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
                long late = System.nanoTime() - t - 1_000_000L;
                if (late > STALL_MS * 1e6) {
                    stalls.add(new long[]{t + 1_000_000L, late});
                }
            }
        });

        /** The longest stall that overlaps [from, to], ms. */
        double maxWithin(long from, long to) {
            double max = 0;
            synchronized (stalls) {
                for (long[] s : stalls) {
                    if (s[0] < to && s[0] + s[1] > from) {
                        max = Math.max(max, s[1] / 1e6);
                    }
                }
            }
            return max;
        }

        @Override
        public void close() throws InterruptedException {
            closed = true;
            thread.join(1000);
        }
    }

    private static void measure(PrintWriter out, int drills, double outage, double gap, long seed, boolean fastSettle)
            throws Exception {
        Path home = Path.of(System.getProperty("headroom.home", "."));
        Path file = home.resolve("sites/example-4feed.yaml");
        String yaml = Files.readString(file);
        if (fastSettle) {
            // the hall back at full load within about a second of a restore (the file's 2 s hold and 25 W per tick
            // take some 4 s), so that every drill starts at full load; the fast path does not read these
            String before = yaml;
            yaml = yaml.replaceFirst("(?m)^(\\s*raiseHold:)\\s*2 s", "$1 500 ms")
                    .replaceFirst("(?m)^(\\s*raiseStep:)\\s*25 W", "$1 100 W");
            if (yaml.equals(before)) {
                throw new IllegalStateException("sites/example-4feed.yaml: raiseHold 2 s / raiseStep 25 W not found");
            }
        }
        Site site = SiteLoader.parse(file.toString(), yaml);
        out.printf(Locale.ROOT, "# hil-feedloss: %d drills, outage %.1f s, then %.1f-%.1f s; %s; seed %d%n", drills,
                outage, gap, 2 * gap, fastSettle ? "raiseHold 500 ms, raiseStep 100 W (the file: 2 s, 25 W)"
                        : "the site file's settling", seed);
        Random r = new Random(seed);
        List<Scenario.Event> events = new ArrayList<>();
        double t = 8;
        events.add(new Scenario.Burst(6, 1.0, 1e6));
        for (int i = 0; i < drills; i++) {
            String feed = site.feeds().get(r.nextInt(site.feeds().size())).id();
            events.add(new Scenario.FeedLoss(t, feed));
            events.add(new Scenario.FeedRestore(t + outage, feed));
            t += outage + gap + gap * r.nextDouble();
        }
        Scenario sc = new Scenario("hil-feedloss", drills + " random feed losses at full load", t, 8, events,
                new Scenario.Expectations(0, null, null, null, null, 0L, List.of()), null);
        Path data = Files.createTempDirectory("headroom-hil-feedloss");
        ScenarioRunner.Result res;
        Pauses pauses = new Pauses();
        List<javax.management.NotificationEmitter> emitters = new ArrayList<>();
        for (java.lang.management.GarbageCollectorMXBean gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof javax.management.NotificationEmitter e) {
                e.addNotificationListener(pauses, null, null);
                emitters.add(e);
            }
        }
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        try (Bench bench = Bench.start(site, Bench.Options.forTests(data)); Jitter jitter = new Jitter()) {
            // the scenario's times count from its start, on the plant's clock (System.nanoTime(), stepped every
            // 2 ms): a drill at atS happened about atS after this (within a plant step)
            long startNanos = System.nanoTime();
            res = ScenarioRunner.run(bench, sc);
            explain(out, res, startNanos, pauses, jitter);
        } finally {
            for (javax.management.NotificationEmitter e : emitters) {
                try {
                    e.removeNotificationListener(pauses);
                } catch (javax.management.ListenerNotFoundException ignored) {
                    // not added
                }
            }
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
        out.printf(Locale.ROOT, "# hil-feedloss: load average before %s, after %s%n", loadBefore,
                Files.readString(Path.of("/proc/loadavg")).trim());
        out.println("hil-feedloss done");
        out.flush();
    }

    /** The slow drills (at or above p90) and what overlapped them: this JVM's collector, the machine's scheduling. */
    private static void explain(PrintWriter out, ScenarioRunner.Result res, long t0, Pauses pauses,
                                Jitter jitter) {
        List<ScenarioRunner.Recovery> rs = res.recoveries().stream()
                .filter(x -> Double.isFinite(x.backWithinMs())).toList();
        if (rs.isEmpty()) {
            return;
        }
        double[] back = rs.stream().mapToDouble(ScenarioRunner.Recovery::backWithinMs).sorted().toArray();
        double p90 = FeedlossToCaps.percentile(back, 0.9);
        int slow = 0;
        int slowStall = 0;
        int slowGc = 0;
        int fastStall = 0;
        int fast = 0;
        java.util.Map<String, List<Double>> byFeed = new java.util.TreeMap<>();
        for (ScenarioRunner.Recovery x : rs) {
            byFeed.computeIfAbsent(x.feed(), k -> new ArrayList<>()).add(x.backWithinMs());
            long from = t0 + Math.round(x.atS() * 1e9);
            long to = from + Math.round(x.backWithinMs() * 1e6) + 2_000_000L; // one plant step of slack
            double gc = pauses.msWithin(from - 2_000_000L, to);
            double stall = jitter.maxWithin(from - 2_000_000L, to);
            boolean isSlow = x.backWithinMs() >= p90;
            if (isSlow) {
                slow++;
                slowStall += stall > 0 ? 1 : 0;
                slowGc += gc > 0 ? 1 : 0;
                out.printf(Locale.ROOT, "# hil-feedloss: slow drill at %.2f s, feed %s lost: back within %.1f ms; "
                        + "collector pauses in it %.1f ms; longest scheduling stall %.1f ms%n", x.atS(), x.feed(),
                        x.backWithinMs(), gc, stall);
            } else {
                fast++;
                fastStall += stall > 0 ? 1 : 0;
            }
        }
        long flat = rs.stream().filter(x -> x.backWithinMs() <= 2.0 + 1e-9).count();
        out.printf(Locale.ROOT, "# hil-feedloss: %d of %d drills back within one plant step (2 ms): no survivor went "
                + "over its limit (caps already low when the feed went, or the banks carried it)%n", flat, rs.size());
        out.printf(Locale.ROOT, "hil-feedloss.slow_drills %d count%n", slow);
        out.printf(Locale.ROOT, "hil-feedloss.slow_drills_with_stall %d count%n", slowStall);
        out.printf(Locale.ROOT, "hil-feedloss.slow_drills_with_gc %d count%n", slowGc);
        out.printf(Locale.ROOT, "# hil-feedloss: drills below p90 with a scheduling stall over %.0f ms: %d of %d; "
                + "stalls over the whole run %d, collector pauses %d%n", STALL_MS, fastStall, fast,
                jitter.stalls.size(), pauses.windows.size());
        for (java.util.Map.Entry<String, List<Double>> e : byFeed.entrySet()) {
            double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).sorted().toArray();
            out.printf(Locale.ROOT, "# hil-feedloss: feed %s lost %d times: p50 %.1f ms, max %.1f ms%n", e.getKey(),
                    v.length, FeedlossToCaps.percentile(v, 0.5), v[v.length - 1]);
        }
        out.flush();
    }
}
