package io.headroom.hil.study;

import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * The baselines that run a controller, on the same site, workload seed and loss times as the study's
 * ({@link CapacityStudy}), searched like Headroom's count (zero trips and UPS transfers in every drill, compute lost
 * within the budgets):
 * <ul>
 *   <li>{@code slow_capping}: out-of-band capping as POLCA does it: the same regulation ({@code GroupRegulator}), but
 *       every cap goes through the BMC path ({@link #SLOW_CAP_LATENCY_MS} from command to enforcement, the reading back
 *       as long again) and nothing is armed or fired at a loss: the survivors carry the lost feed's share until the
 *       meters show it and a regulated cap lands. Also run at Headroom's count, every drill: what that density does
 *       without the fast path (trips, UPS transfers, seconds above the UPS's rating);</li>
 *   <li>{@code no_supercaps}: Headroom without its supercap banks. The study's plant has no banks (Headroom's count is
 *       the caps' alone), so this is Headroom's own count by construction, printed so that the table says so.</li>
 * </ul>
 * Kept apart from {@link CapacityStudy}: a second pass over the seeds, after theirs.
 */
public final class ControlBaselines {

    /**
     * Command to enforcement through a BMC (Redfish PowerLimit on a server) by default, ms: "seconds" (an assumption,
     * not a measurement: {@code ./headroom study --slow-cap-latency MS} runs another).
     */
    public static final int SLOW_CAP_LATENCY_MS = 2000;

    /**
     * One seed's controller baselines.
     *
     * @param slowCappingNodes the largest count {@code slow_capping} passes (0: none)
     * @param slowCheck        that count's evaluation (null when 0)
     * @param slowAtHeadroom   {@code slow_capping} at Headroom's count, every drill run (null when Headroom's is 0)
 * @param slowAtSafe       {@code slow_capping} at Headroom's zero-trip count (compute lost not bounded), every drill
 *                         run, where that is above Headroom's count (null otherwise): the densest hall the fast path
 *                         protects, without it
     * @param noSupercapsNodes {@code no_supercaps}: Headroom's count (the plant has no banks)
     * @param bestBaselineNodes the most nodes any baseline without the fast path hosts with zero trips and transfers:
     *                         nameplate, fixed_cap, measured_peak (each if its drills held) and slow_capping
     * @param slowEvaluations  counts {@code slow_capping} evaluated (the search's, ascending)
     * @param slowCapLatencyMs slow_capping's command-to-enforcement latency, ms
     */
    public record Result(long seed, int slowCapLatencyMs, int headroomNodes, int slowCappingNodes, CapacityStudy.Evaluation slowCheck,
                         CapacityStudy.Evaluation slowAtHeadroom, CapacityStudy.Evaluation slowAtSafe,
                         int safeNodes, int noSupercapsNodes, int bestBaselineNodes,
                         List<CapacityStudy.Evaluation> slowEvaluations) {

        public double unlockVs(int nodes) {
            return nodes == 0 ? Double.NaN : (double) headroomNodes / nodes;
        }
    }

    /** Called as each {@code slow_capping} configuration of a seed is evaluated. */
    public interface Listener {
        void note(long seed, CapacityStudy.Evaluation evaluation);
    }

    private ControlBaselines() {
    }

    /** The study's settings for {@code slow_capping}: no fast path, caps through the BMC in {@code latencyMs}. */
    public static StudyParams slow(StudyParams p, int latencyMs) {
        return p.withFastPathMs(-1).withCapLatencyMs(latencyMs);
    }

    /** One seed's controller baselines, given that seed's study. */
    public static Result of(Site site, StudyParams p, CapacityStudy.Result r, int latencyMs, Listener listener) {
        StudyParams sp = slow(p, latencyMs);
        CapacityStudy slow = new CapacityStudy(site, sp, r.seed())
                .onEvaluated(e -> listener.note(r.seed(), e));
        Map<Integer, CapacityStudy.Evaluation> seen = new HashMap<>();
        java.util.function.IntFunction<CapacityStudy.Evaluation> eval = n -> seen.computeIfAbsent(n,
                k -> slow.evaluate(k, true));
        int stat = r.staticNodes();
        int lo;
        int hi;
        if (stat > 0 && eval.apply(stat).passed()) {
            lo = stat;
            hi = Math.max(stat, r.upperBound());
        } else {
            lo = 0;
            hi = Math.max(0, stat - 1);
        }
        while (lo < hi) {
            int mid = lo + (hi - lo + 1) / 2;
            if (eval.apply(mid).passed()) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        int slowNodes = lo;
        CapacityStudy.Evaluation check = slowNodes == 0 ? null : eval.apply(slowNodes);
        CapacityStudy.Evaluation atHeadroom = r.headroomNodes() == 0 ? null
                : everyDrill(slow.scaled(), r.headroomNodes(), sp, r.seed());
        CapacityStudy.Evaluation atSafe = r.safeNodes() > r.headroomNodes()
                ? everyDrill(slow.scaled(), r.safeNodes(), sp, r.seed()) : null;
        int best = Math.max(r.bestOtherNodes(), slowNodes);
        List<CapacityStudy.Evaluation> evaluated = new ArrayList<>(seen.values());
        evaluated.sort(java.util.Comparator.comparingInt(CapacityStudy.Evaluation::nodes));
        return new Result(r.seed(), latencyMs, r.headroomNodes(), slowNodes, check, atHeadroom, atSafe, r.safeNodes(),
                r.headroomNodes(), best,
                List.copyOf(evaluated));
    }

    /**
     * Normal operation and every drill at {@code nodes} with the appliance under {@code p}, none skipped after a
     * failure (the study's search stops at the first): the same seeds and loss times as {@link CapacityStudy#evaluate}.
     */
    static CapacityStudy.Evaluation everyDrill(ScaledSite scaled, int nodes, StudyParams p, long seed) {
        StudyRun.Result normal = StudyRun.normal(scaled, nodes, true, p, Seeds.mix(seed, 0x40A1, 0));
        List<StudyRun.Result> drills = new ArrayList<>();
        String why = normal.held() ? "" : "normal operation: " + first(normal);
        Site site = scaled.base();
        for (RedundancyGroup g : site.groups()) {
            for (String feed : g.feedIds()) {
                for (int k = 0; k < p.drills(); k++) {
                    long key = (long) StudyRun.feedIndex(site, feed) * 1000 + k;
                    double at = p.warmupS() + p.lossWindowS()
                            * new SplittableRandom(Seeds.mix(seed, 0xD211, key)).nextDouble();
                    StudyRun.Result d = StudyRun.drill(scaled, nodes, true, p, Seeds.mix(seed, 0xD212, key), feed, at);
                    drills.add(d);
                    if (!d.held() && why.isEmpty()) {
                        why = String.format(Locale.ROOT, "drill: feed %s lost at %.3f s: %s", feed, at, first(d));
                    }
                }
            }
        }
        return new CapacityStudy.Evaluation(nodes, true, why.isEmpty(), why.isEmpty(), why.isEmpty() ? "passed" : why,
                normal, List.copyOf(drills));
    }

    private static String first(StudyRun.Result r) {
        return !r.trips().isEmpty() ? r.trips().getFirst() : r.transfers().getFirst();
    }

    /** Every seed's controller baselines, in seed order, seeds in parallel on {@code threads} threads. */
    public static List<Result> run(Site site, StudyParams p, List<CapacityStudy.Result> rs, int threads,
                                   int latencyMs, Listener listener) {
        List<java.util.concurrent.Callable<Result>> tasks = new ArrayList<>();
        for (CapacityStudy.Result r : rs) {
            tasks.add(() -> of(site, p, r, latencyMs, listener));
        }
        return StudySeries.inParallel(tasks, threads, "study-baseline");
    }

    // ---------------------------------------------------------------------------------------------- output

    private static StudySeries.Interval over(List<Result> xs, ToDoubleFunction<Result> f) {
        return StudySeries.ci95(xs.stream().mapToDouble(f).toArray());
    }

    /** The ratios this class adds, by baseline name. */
    static Map<String, ToDoubleFunction<Result>> ratios() {
        Map<String, ToDoubleFunction<Result>> m = new java.util.LinkedHashMap<>();
        m.put("slow_capping", x -> x.unlockVs(x.slowCappingNodes()));
        m.put("no_supercaps", x -> x.unlockVs(x.noSupercapsNodes()));
        m.put("best_baseline", x -> x.unlockVs(x.bestBaselineNodes()));
        return m;
    }

    private static int sum(List<Result> xs, java.util.function.ToIntFunction<Result> f) {
        return xs.stream().mapToInt(f).sum();
    }

    private static double sumD(List<Result> xs, ToDoubleFunction<Result> f) {
        return xs.stream().mapToDouble(f).sum();
    }

    /**
     * The figures, {@code study.FIGURE VALUE UNIT} (no {@code study done}: printed before the study's own):
     * {@code unlock_vs_slow_capping}, {@code unlock_vs_no_supercaps} and {@code unlock_vs_best_baseline} (the best of
     * every baseline without the fast path, slow_capping included) with their intervals, and what slow_capping does
     * at its count and at Headroom's.
     */
    public static void printFigures(List<Result> xs, PrintWriter out) {
        out.printf(Locale.ROOT, "study.slow_capping_nodes %.1f nodes%n", over(xs, Result::slowCappingNodes).mean());
        out.printf(Locale.ROOT, "study.no_supercaps_nodes %.1f nodes%n", over(xs, Result::noSupercapsNodes).mean());
        out.printf(Locale.ROOT, "study.best_baseline_nodes %.1f nodes%n", over(xs, Result::bestBaselineNodes).mean());
        for (var e : ratios().entrySet()) {
            StudySeries.Interval i = over(xs, e.getValue());
            out.printf(Locale.ROOT, "study.unlock_vs_%s %.3f x%n", e.getKey(), i.mean());
            out.printf(Locale.ROOT, "study.unlock_vs_%s_ci95_low %.3f x%n", e.getKey(), i.low());
            out.printf(Locale.ROOT, "study.unlock_vs_%s_ci95_high %.3f x%n", e.getKey(), i.high());
        }
        out.printf(Locale.ROOT, "study.slow_capping_cap_latency_ms %d ms%n", xs.getFirst().slowCapLatencyMs());
        out.printf(Locale.ROOT, "study.slow_capping_trips %d trips%n",
                sum(xs, x -> x.slowCheck() == null ? 0 : x.slowCheck().trips()));
        out.printf(Locale.ROOT, "study.slow_capping_ups_transfers %d transfers%n",
                sum(xs, x -> x.slowCheck() == null ? 0 : x.slowCheck().upsTransfers()));
        for (Priority c : new Priority[]{Priority.FLEXIBLE, Priority.STANDARD, Priority.CRITICAL}) {
            out.printf(Locale.ROOT, "study.slow_capping_%s_compute_lost_pct %.2f %%%n", c.label(), over(xs,
                    x -> x.slowCheck() == null ? Double.NaN : x.slowCheck().normal().lostFraction(c) * 100).mean());
        }
        out.printf(Locale.ROOT, "study.slow_capping_at_headroom_drills %d drills%n",
                sum(xs, x -> x.slowAtHeadroom() == null ? 0 : x.slowAtHeadroom().drills().size()));
        out.printf(Locale.ROOT, "study.slow_capping_at_headroom_trips %d trips%n",
                sum(xs, x -> x.slowAtHeadroom() == null ? 0 : x.slowAtHeadroom().trips()));
        out.printf(Locale.ROOT, "study.slow_capping_at_headroom_ups_transfers %d transfers%n",
                sum(xs, x -> x.slowAtHeadroom() == null ? 0 : x.slowAtHeadroom().upsTransfers()));
        out.printf(Locale.ROOT, "study.slow_capping_at_headroom_ups_overload_s %.3f s%n",
                sumD(xs, x -> x.slowAtHeadroom() == null ? 0 : x.slowAtHeadroom().upsOverloadS()));
        out.printf(Locale.ROOT, "study.slow_capping_at_headroom_ups_worst_exposure %.6f fraction%n",
                xs.stream().mapToDouble(x -> x.slowAtHeadroom() == null ? 0 : x.slowAtHeadroom().upsExposure())
                        .max().orElse(0));
        out.printf(Locale.ROOT, "study.slow_capping_at_safe_drills %d drills%n",
                sum(xs, x -> x.slowAtSafe() == null ? 0 : x.slowAtSafe().drills().size()));
        out.printf(Locale.ROOT, "study.slow_capping_at_safe_trips %d trips%n",
                sum(xs, x -> x.slowAtSafe() == null ? 0 : x.slowAtSafe().trips()));
        out.printf(Locale.ROOT, "study.slow_capping_at_safe_ups_transfers %d transfers%n",
                sum(xs, x -> x.slowAtSafe() == null ? 0 : x.slowAtSafe().upsTransfers()));
        out.printf(Locale.ROOT, "study.slow_capping_at_safe_ups_overload_s %.3f s%n",
                sumD(xs, x -> x.slowAtSafe() == null ? 0 : x.slowAtSafe().upsOverloadS()));
        out.printf(Locale.ROOT, "study.slow_capping_at_safe_ups_worst_exposure %.6f fraction%n",
                xs.stream().mapToDouble(x -> x.slowAtSafe() == null ? 0 : x.slowAtSafe().upsExposure())
                        .max().orElse(0));
        out.printf(Locale.ROOT, "study.slow_capping_evaluations %d configurations%n", sum(xs, x -> x.slowEvaluations().size()));
    }

    /** One row per seed, then the ratios with their intervals, for a person. */
    public static void printTable(List<Result> xs, PrintWriter out) {
        out.printf(Locale.ROOT, "%nBaselines with a controller (slow_capping: the same regulation, caps through the BMC in "
                + "%d ms, nothing armed at a loss; no_supercaps: the study's plant has no banks, so it is Headroom's "
                + "count):%n", xs.getFirst().slowCapLatencyMs());
        out.println("   seed  slow_capping  no_supercaps  best_baseline  headroom  vs_slow  vs_best  slow_at_headroom: trips  ups  ups_overload_s  safe  slow_at_safe: trips  ups  ups_overload_s");
        for (Result x : xs) {
            CapacityStudy.Evaluation a = x.slowAtHeadroom();
            CapacityStudy.Evaluation b = x.slowAtSafe();
            out.printf(Locale.ROOT, "  %5d  %12d  %12d  %13d  %8d  %7.3f  %7.3f  %23d  %3d  %14.1f  %4d  %19s  %3s  %14s%n", x.seed(),
                    x.slowCappingNodes(), x.noSupercapsNodes(), x.bestBaselineNodes(), x.headroomNodes(),
                    x.unlockVs(x.slowCappingNodes()), x.unlockVs(x.bestBaselineNodes()), a == null ? 0 : a.trips(),
                    a == null ? 0 : a.upsTransfers(), a == null ? 0 : a.upsOverloadS(), x.safeNodes(),
                    b == null ? "-" : String.valueOf(b.trips()), b == null ? "-" : String.valueOf(b.upsTransfers()),
                    b == null ? "-" : String.format(Locale.ROOT, "%.1f", b.upsOverloadS()));
        }
        for (var e : ratios().entrySet()) {
            StudySeries.Interval i = over(xs, e.getValue());
            out.printf(Locale.ROOT, "  unlock vs %-13s %.3f x, 95 %% interval [%.3f, %.3f] over %d seeds%n", e.getKey(),
                    i.mean(), i.low(), i.high(), i.n());
        }
        for (Result x : xs) {
            if (x.slowAtHeadroom() != null && !x.slowAtHeadroom().safe()) {
                out.printf(Locale.ROOT, "  seed %d: slow_capping at Headroom's %d nodes: %s.%n", x.seed(),
                        x.headroomNodes(), x.slowAtHeadroom().why());
            }
            if (x.slowAtSafe() != null && !x.slowAtSafe().safe()) {
                out.printf(Locale.ROOT, "  seed %d: slow_capping at Headroom's zero-trip count, %d nodes: %s.%n", x.seed(),
                        x.safeNodes(), x.slowAtSafe().why());
            }
        }
    }

    /**
     * The controller baselines as a JSON object: per baseline ratio the mean and its interval, and each seed's counts
     * and its evaluations at Headroom's densities.
     */
    public static String json(List<Result> xs) {
        StringBuilder b = new StringBuilder("{\"slowCapLatencyMs\":").append(xs.getFirst().slowCapLatencyMs())
                .append(",\"ratios\":{");
        boolean first = true;
        for (var e : ratios().entrySet()) {
            StudySeries.Interval i = over(xs, e.getValue());
            b.append(first ? "" : ",").append('"').append(e.getKey()).append("\":{\"mean\":").append(num(i.mean()))
                    .append(",\"ci95Low\":").append(num(i.low())).append(",\"ci95High\":").append(num(i.high()))
                    .append('}');
            first = false;
        }
        b.append("},\"seeds\":[");
        for (int k = 0; k < xs.size(); k++) {
            Result x = xs.get(k);
            b.append(k == 0 ? "" : ",").append("{\"seed\":").append(x.seed())
                    .append(",\"headroomNodes\":").append(x.headroomNodes())
                    .append(",\"slowCappingNodes\":").append(x.slowCappingNodes())
                    .append(",\"noSupercapsNodes\":").append(x.noSupercapsNodes())
                    .append(",\"bestBaselineNodes\":").append(x.bestBaselineNodes())
                    .append(",\"safeNodes\":").append(x.safeNodes())
                    .append(",\"slowAtHeadroom\":").append(evaluation(x.slowAtHeadroom()))
                    .append(",\"slowAtSafe\":").append(evaluation(x.slowAtSafe())).append('}');
        }
        return b.append("]}").toString();
    }

    private static String evaluation(CapacityStudy.Evaluation e) {
        if (e == null) {
            return "null";
        }
        return "{\"nodes\":" + e.nodes() + ",\"trips\":" + e.trips() + ",\"upsTransfers\":" + e.upsTransfers()
                + ",\"upsOverloadS\":" + num(e.upsOverloadS()) + ",\"upsWorstExposure\":" + num(e.upsExposure())
                + ",\"drills\":" + e.drills().size() + "}";
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
    }
}
