package io.headroom.hil.study;

import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.Site;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToDoubleFunction;

/**
 * The capacity study over several seeds (seed, seed + 1, ...): each seed its own workload, loss times and
 * baselines, the whole study per seed ({@link CapacityStudy}); every ratio reported as the mean over the seeds
 * with a 95 % confidence interval from Student's t-distribution ({@code mean ± t(0.975, n − 1) · s / √n}).
 * Seeds run in parallel on {@code threads} threads; each seed's result is independent of the others and of the
 * thread count.
 */
public final class StudySeries {

    /** A mean and its 95 % interval over {@code n} values (NaN bounds when n < 2). */
    public record Interval(double mean, double low, double high, int n) {
    }

    /** Called as each configuration of a seed is evaluated, and once each seed is done ({@code evaluation} null). */
    public interface Listener {
        void note(long seed, CapacityStudy.Evaluation evaluation, CapacityStudy.Result done);
    }

    private StudySeries() {
    }

    /** Runs seeds {@code firstSeed} … {@code firstSeed + seeds − 1}; the results in seed order. */
    public static List<CapacityStudy.Result> run(Site site, StudyParams p, long firstSeed, int seeds, int threads,
                                                 int probes, Listener listener) {
        List<java.util.concurrent.Callable<CapacityStudy.Result>> tasks = new ArrayList<>();
        for (int i = 0; i < seeds; i++) {
            long seed = firstSeed + i;
            tasks.add(() -> {
                CapacityStudy.Result r = new CapacityStudy(site, p, seed).probes(probes)
                        .onEvaluated(e -> listener.note(seed, e, null)).run();
                listener.note(seed, null, r);
                return r;
            });
        }
        return inParallel(tasks, threads, "study-seed");
    }

    /**
     * The study's one way to run independent pieces (seeds, baselines, comparisons): {@code tasks} on at most
     * {@code threads} daemon threads named {@code name}; their results in the tasks' order; the first failure ends it.
     */
    public static <T> List<T> inParallel(List<java.util.concurrent.Callable<T>> tasks, int threads, String name) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, tasks.size())), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<T>> fs = new ArrayList<>();
            for (java.util.concurrent.Callable<T> task : tasks) {
                fs.add(pool.submit(task));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : fs) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("study interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("study failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Student's t quantile at 0.975 for {@code df} degrees of freedom. */
    static double t975(int df) {
        final double[] table = {Double.NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
        if (df < 1) {
            return Double.NaN;
        }
        if (df < table.length) {
            return table[df];
        }
        double z = 1.959964; // Cornish-Fisher expansion beyond the table (error < 1e-3 from 30 on)
        double z3 = z * z * z;
        double z5 = z3 * z * z;
        return z + (z3 + z) / (4.0 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96.0 * df * df);
    }

    /** The mean and its 95 % t-interval over the finite values. */
    public static Interval ci95(double[] values) {
        double[] xs = java.util.Arrays.stream(values).filter(Double::isFinite).toArray();
        int n = xs.length;
        if (n == 0) {
            return new Interval(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double mean = java.util.Arrays.stream(xs).average().orElse(Double.NaN);
        if (n < 2) {
            return new Interval(mean, Double.NaN, Double.NaN, n);
        }
        double ss = 0;
        for (double x : xs) {
            ss += (x - mean) * (x - mean);
        }
        double half = t975(n - 1) * Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
        return new Interval(mean, mean - half, mean + half, n);
    }

    static Interval over(List<CapacityStudy.Result> rs, ToDoubleFunction<CapacityStudy.Result> f) {
        return ci95(rs.stream().mapToDouble(f).toArray());
    }

    /** The ratios, by baseline name, each seed's Headroom count over that seed's baseline count. */
    static java.util.Map<String, ToDoubleFunction<CapacityStudy.Result>> ratios() {
        java.util.Map<String, ToDoubleFunction<CapacityStudy.Result>> m = new java.util.LinkedHashMap<>();
        m.put("nameplate", r -> r.unlockVs(r.staticNodes()));
        m.put("fixed_cap", r -> r.unlockVs(r.fixedCapNodes()));
        m.put("measured_peak", r -> r.unlockVs(r.measuredPeakNodes()));
        m.put("best_other", r -> r.unlockVs(r.bestOtherNodes()));
        return m;
    }

    private static int sum(List<CapacityStudy.Result> rs, java.util.function.ToIntFunction<CapacityStudy.Result> f) {
        return rs.stream().mapToInt(f).sum();
    }

    /** The figures over every seed, {@code NAME.FIGURE VALUE UNIT}, then {@code study done}. */
    public static void printFigures(List<CapacityStudy.Result> rs, PrintWriter out) {
        out.printf(Locale.ROOT, "study.seeds %d seeds%n", rs.size());
        out.printf(Locale.ROOT, "study.site_nodes %d nodes%n", rs.getFirst().siteNodes());
        out.printf(Locale.ROOT, "study.nameplate_nodes %.1f nodes%n", over(rs, CapacityStudy.Result::staticNodes).mean());
        out.printf(Locale.ROOT, "study.fixed_cap_nodes %.1f nodes%n", over(rs, CapacityStudy.Result::fixedCapNodes).mean());
        out.printf(Locale.ROOT, "study.measured_peak_nodes %.1f nodes%n", over(rs, CapacityStudy.Result::measuredPeakNodes).mean());
        out.printf(Locale.ROOT, "study.headroom_nodes %.1f nodes%n", over(rs, CapacityStudy.Result::headroomNodes).mean());
        out.printf(Locale.ROOT, "study.safe_nodes %.1f nodes%n", over(rs, CapacityStudy.Result::safeNodes).mean());
        for (var e : ratios().entrySet()) {
            Interval i = over(rs, e.getValue());
            out.printf(Locale.ROOT, "study.unlock_vs_%s %.3f x%n", e.getKey(), i.mean());
            out.printf(Locale.ROOT, "study.unlock_vs_%s_ci95_low %.3f x%n", e.getKey(), i.low());
            out.printf(Locale.ROOT, "study.unlock_vs_%s_ci95_high %.3f x%n", e.getKey(), i.high());
        }
        for (Priority c : new Priority[]{Priority.FLEXIBLE, Priority.STANDARD, Priority.CRITICAL}) {
            out.printf(Locale.ROOT, "study.%s_compute_lost_pct %.2f %%%n", c.label(), over(rs,
                    r -> r.atHeadroom() == null ? Double.NaN : r.atHeadroom().normal().lostFraction(c) * 100).mean());
        }
        out.printf(Locale.ROOT, "study.trips %d trips%n", sum(rs, r -> r.atHeadroom() == null ? 0 : r.atHeadroom().trips()));
        out.printf(Locale.ROOT, "study.drills %d drills%n", sum(rs, r -> r.atHeadroom() == null ? 0 : r.atHeadroom().drills().size()));
        out.printf(Locale.ROOT, "study.ups_transfers %d transfers%n",
                sum(rs, r -> r.atHeadroom() == null ? 0 : r.atHeadroom().upsTransfers()));
        out.printf(Locale.ROOT, "study.ups_overload_s %.3f s%n",
                rs.stream().mapToDouble(r -> r.atHeadroom() == null ? 0 : r.atHeadroom().upsOverloadS()).sum());
        out.printf(Locale.ROOT, "study.ups_worst_exposure %.6f fraction%n",
                rs.stream().mapToDouble(r -> r.atHeadroom() == null ? 0 : r.atHeadroom().upsExposure()).max().orElse(0));
        out.printf(Locale.ROOT, "study.nameplate_trips %d trips%n", sum(rs, r -> r.staticCheck() == null ? 0 : r.staticCheck().trips()));
        out.printf(Locale.ROOT, "study.fixed_cap_trips %d trips%n", sum(rs, r -> r.fixedCapCheck() == null ? 0 : r.fixedCapCheck().trips()));
        out.printf(Locale.ROOT, "study.measured_peak_trips %d trips%n",
                sum(rs, r -> r.measuredPeakCheck() == null ? 0 : r.measuredPeakCheck().trips()));
        out.printf(Locale.ROOT, "study.nameplate_ups_transfers %d transfers%n",
                sum(rs, r -> r.staticCheck() == null ? 0 : r.staticCheck().upsTransfers()));
        out.printf(Locale.ROOT, "study.fixed_cap_ups_transfers %d transfers%n",
                sum(rs, r -> r.fixedCapCheck() == null ? 0 : r.fixedCapCheck().upsTransfers()));
        out.printf(Locale.ROOT, "study.measured_peak_ups_transfers %d transfers%n",
                sum(rs, r -> r.measuredPeakCheck() == null ? 0 : r.measuredPeakCheck().upsTransfers()));
        out.printf(Locale.ROOT, "study.uncapped_at_headroom_trips %d trips%n",
                sum(rs, r -> r.uncappedAtHeadroom() == null ? 0 : r.uncappedAtHeadroom().trips()));
        out.printf(Locale.ROOT, "study.uncapped_at_headroom_ups_transfers %d transfers%n",
                sum(rs, r -> r.uncappedAtHeadroom() == null ? 0 : r.uncappedAtHeadroom().upsTransfers()));
        out.printf(Locale.ROOT, "study.uncapped_at_headroom_ups_overload_s %.3f s%n",
                rs.stream().mapToDouble(r -> r.uncappedAtHeadroom() == null ? 0 : r.uncappedAtHeadroom().upsOverloadS()).sum());
        out.printf(Locale.ROOT, "study.monotonicity_violations %d pairs%n", sum(rs, r -> r.monotonicity().size()));
        out.printf(Locale.ROOT, "study.evaluations %d configurations%n", sum(rs, r -> r.searched().size()));
        out.println("study done");
    }

    /** One row per seed, then the means with their intervals, and any non-monotone pair. */
    public static void printTable(List<CapacityStudy.Result> rs, PrintWriter out) {
        CapacityStudy.Result f = rs.getFirst();
        StudyParams p = f.params();
        out.printf(Locale.ROOT, "%nCapacity study of %s over %d seeds (%d to %d); the file's hall has %d nodes. Headroom: zero "
                        + "trips in every drill and compute lost within %.2f %% flexible / %.2f %% standard / %.2f %% critical.%n",
                f.site().name(), rs.size(), f.seed(), rs.getLast().seed(), f.siteNodes(), p.maxFlexibleLossPct(),
                p.maxStandardLossPct(), p.maxCriticalLossPct());
        out.println("   seed  nameplate  fixed_cap  meas_peak  headroom  vs_nameplate  vs_fixed_cap  vs_meas_peak  vs_best  trips  ups  uncapped_trips  uncapped_ups");
        for (CapacityStudy.Result r : rs) {
            out.printf(Locale.ROOT, "  %5d  %9d  %9d  %9d  %8d  %12.3f  %12.3f  %12.3f  %7.3f  %5d  %3d  %14d  %12d%n", r.seed(),
                    r.staticNodes(), r.fixedCapNodes(), r.measuredPeakNodes(), r.headroomNodes(), r.unlockVs(r.staticNodes()),
                    r.unlockVs(r.fixedCapNodes()), r.unlockVs(r.measuredPeakNodes()), r.unlockVs(r.bestOtherNodes()),
                    r.atHeadroom() == null ? 0 : r.atHeadroom().trips(), r.atHeadroom() == null ? 0 : r.atHeadroom().upsTransfers(),
                    r.uncappedAtHeadroom() == null ? 0 : r.uncappedAtHeadroom().trips(),
                    r.uncappedAtHeadroom() == null ? 0 : r.uncappedAtHeadroom().upsTransfers());
        }
        for (var e : ratios().entrySet()) {
            Interval i = over(rs, e.getValue());
            out.printf(Locale.ROOT, "  unlock vs %-13s %.3f x, 95 %% interval [%.3f, %.3f] over %d seeds%n", e.getKey(),
                    i.mean(), i.low(), i.high(), i.n());
        }
        for (CapacityStudy.Result r : rs) {
            for (String m : r.monotonicity()) {
                out.printf(Locale.ROOT, "  Not monotone: %s.%n", m);
            }
        }
    }

    /** Every seed's result and the intervals, as one JSON object. */
    public static String json(List<CapacityStudy.Result> rs) {
        StringBuilder b = new StringBuilder("{\"seeds\":").append(rs.size()).append(",\"ratios\":{");
        boolean first = true;
        for (var e : ratios().entrySet()) {
            Interval i = over(rs, e.getValue());
            b.append(first ? "" : ",").append('"').append(e.getKey()).append("\":{\"mean\":").append(num(i.mean()))
                    .append(",\"ci95Low\":").append(num(i.low())).append(",\"ci95High\":").append(num(i.high())).append('}');
            first = false;
        }
        b.append("},\"results\":[");
        for (int k = 0; k < rs.size(); k++) {
            b.append(k == 0 ? "" : ",").append(CapacityStudy.json(rs.get(k)));
        }
        return b.append("]}").toString();
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
    }
}
