package io.headroom.hil.study;

import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How many GPU nodes a hall can host with zero breaker trips across every single-feed-loss drill:
 * <ol>
 *   <li><b>static N-1</b>: without Headroom, every node uncapped at its GPUs' default limit must fit on the
 *       survivors of the worst single-feed loss ({@link ScaledSite#staticNodes}); the drills are run uncapped at
 *       that count to show it holds;</li>
 *   <li><b>with Headroom</b>: the largest count for which the real control core, in virtual time, passes normal
 *       operation and every drill (each feed × {@code drills} random loss times) with no trip, now or over the
 *       outage's remainder, and keeps the compute lost per class within its budget. Binary search between the
 *       static count and the most nodes whose floors fit on the N-1 survivors; every count sees the same
 *       workload seed and loss times (common random numbers), so counts differ only by the nodes added.</li>
 * </ol>
 */
public final class CapacityStudy {

    /** One count evaluated: normal operation and every drill. */
    public record Evaluation(int nodes, boolean headroom, boolean safe, boolean passed, String why,
                             StudyRun.Result normal, List<StudyRun.Result> drills) {

        public double worstExposure() {
            double w = normal.worstExposure();
            for (StudyRun.Result d : drills) {
                w = Math.max(w, Math.max(d.worstExposure(), d.projectedExposure()));
            }
            return w;
        }

        public int trips() {
            int t = normal.trips().size();
            for (StudyRun.Result d : drills) {
                t += d.trips().size();
            }
            return t;
        }

        /** UPS modules that transferred to bypass (or would over an outage's remainder), normal run and drills. */
        public int upsTransfers() {
            int t = normal.transfers().size();
            for (StudyRun.Result d : drills) {
                t += d.transfers().size();
            }
            return t;
        }

        /** Seconds UPS modules carried more than their rating, normal run and drills together. */
        public double upsOverloadS() {
            return normal.upsOverloadS() + drills.stream().mapToDouble(StudyRun.Result::upsOverloadS).sum();
        }

        /** The highest fraction of a UPS overload curve used, outages' remainders included. */
        public double upsExposure() {
            double w = normal.upsExposure();
            for (StudyRun.Result d : drills) {
                w = Math.max(w, d.upsExposure());
            }
            return w;
        }

        public double maxRecoveryMs() {
            return drills.stream().mapToDouble(StudyRun.Result::recoveryMs).max().orElse(0);
        }

        /** Compute lost by a class over the drills (from each loss to the drill's end), all drills together. */
        public double drillLostFraction(Priority p) {
            double del = 0;
            double dem = 0;
            for (StudyRun.Result d : drills) {
                del += d.deliveredJ()[p.ordinal()];
                dem += d.demandJ()[p.ordinal()];
            }
            return dem <= 0 ? 0 : Math.max(0, 1 - del / dem);
        }
    }

    /** The study's answer. */
    /**
     * @param staticCheck   the static count's drills, uncapped
     * @param headroomAtStatic the static count with Headroom: the compute its control costs where no shortage is
     * @param headroomNodes the largest count with zero trips and every class within its compute budget
     * @param safeNodes     the largest count with zero trips (compute lost reported, not bounded)
     * @param marginalNodes the largest count with zero trips whose compute lost exceeds Headroom's own at the static
     *                      count by at most the budgets (what a shortage of power costs, the control law's cost aside)
     * @param upperBound    the most nodes whose floors fit on the N-1 survivors (where the search stops)
     * @param fixedCapW     {@code fixed_cap}: each class's fixed per-GPU cap (by {@link Priority} ordinal), W
     * @param fixedCapNodes {@code fixed_cap}: the most nodes that fit N-1 with every GPU at its class's fixed cap
     * @param fixedCapCheck {@code fixed_cap}: that count's normal run and drills, caps fixed, no appliance
     * @param peakW         {@code measured_peak}: each class's p99.9 per-GPU draw, uncapped, W
     * @param measuredPeakNodes {@code measured_peak}: the most nodes that fit N-1 at base + GPUs at the p99.9
     * @param measuredPeakCheck {@code measured_peak}: that count's normal run and drills, uncapped
     * @param monotonicity  where the pass/fail of a count was not monotone in the count (empty: it was, among every
     *                      count evaluated, the search's and the probes')
     * @param uncappedAtHeadroom Headroom's count run without the appliance, every GPU at its default limit: what
     *                      that density does to the breakers and UPS modules with no control (null if 0)
     */
    public record Result(Site site, long seed, StudyParams params, int siteNodes, int staticNodes,
                         Evaluation staticCheck, Evaluation headroomAtStatic, int headroomNodes, Evaluation atHeadroom,
                         Evaluation firstFailing, int safeNodes, Evaluation atSafe, Evaluation firstUnsafe,
                         int marginalNodes, Evaluation atMarginal, int upperBound, List<Evaluation> searched,
                         double[] fixedCapW, int fixedCapNodes, Evaluation fixedCapCheck, double[] peakW,
                         int measuredPeakNodes, Evaluation measuredPeakCheck, List<String> monotonicity,
                         Evaluation uncappedAtHeadroom) {

        /** Headroom's count (zero trips, every class within its budget) over a baseline's; NaN when that is 0. */
        public double unlockVs(int baselineNodes) {
            return baselineNodes == 0 ? Double.NaN : (double) headroomNodes / baselineNodes;
        }

        /** The baselines that held (zero trips in their drills), by name, and their counts. */
        public java.util.Map<String, Integer> baselines() {
            java.util.Map<String, Integer> m = new java.util.LinkedHashMap<>();
            m.put("nameplate", staticNodes);
            m.put("fixed_cap", fixedCapNodes);
            m.put("measured_peak", measuredPeakNodes);
            return m;
        }

        /** The most nodes any baseline hosts with zero trips in its own drills. */
        public int bestOtherNodes() {
            int best = 0;
            if (staticCheck == null || staticCheck.safe()) {
                best = Math.max(best, staticNodes);
            }
            if (fixedCapCheck == null || fixedCapCheck.safe()) {
                best = Math.max(best, fixedCapNodes);
            }
            if (measuredPeakCheck == null || measuredPeakCheck.safe()) {
                best = Math.max(best, measuredPeakNodes);
            }
            return best;
        }

        public double marginalUnlockRatio() {
            return staticNodes == 0 ? Double.NaN : (double) marginalNodes / staticNodes;
        }

        public double unlockRatio() {
            return staticNodes == 0 ? Double.NaN : (double) headroomNodes / staticNodes;
        }

        public double safeUnlockRatio() {
            return staticNodes == 0 ? Double.NaN : (double) safeNodes / staticNodes;
        }
    }

    private final ScaledSite scaled;
    private final StudyParams p;
    private final long seed;
    private final List<Evaluation> searched = new ArrayList<>();
    private java.util.function.Consumer<Evaluation> onEvaluated = e -> {
    };
    private int probes;
    private io.headroom.appliance.control.AllocationMode allocation = io.headroom.appliance.control.AllocationMode.CLASS_FAIR;

    public CapacityStudy(Site site, StudyParams p, long seed) {
        this.scaled = new ScaledSite(site);
        this.p = p;
        this.seed = seed;
    }

    /** Called after each configuration is evaluated (progress: {@code ./headroom study} prints a line on stderr). */
    public CapacityStudy onEvaluated(java.util.function.Consumer<Evaluation> listener) {
        this.onEvaluated = listener;
        return this;
    }

    /**
     * Counts evaluated beyond the search to check it was monotone: {@code k} counts just above Headroom's answer
     * (answer + 2, + 3, ...; answer + 1 is the search's own), up to the search's bound. Default 0.
     */
    public CapacityStudy probes(int k) {
        this.probes = Math.max(0, k);
        return this;
    }

    /** The appliance's allocation mode in every evaluation with Headroom (default class-fair). */
    public CapacityStudy allocation(io.headroom.appliance.control.AllocationMode mode) {
        this.allocation = mode;
        return this;
    }

    /** The largest count in [lo, hi] with zero trips and every class within its budget, {@code lo} passing. */
    int largestPassing(int lo, int hi) {
        return largest(lo, hi, Evaluation::passed);
    }

    /** The evaluation of {@code nodes} with Headroom (run once, then remembered). */
    Evaluation evaluated(int nodes) {
        return cached(nodes);
    }

    public ScaledSite scaled() {
        return scaled;
    }

    /** Runs normal operation and every drill at {@code nodes}; passes when no breaker trips (and, with Headroom, the losses are within budget). */
    public Evaluation evaluate(int nodes, boolean headroom) {
        StudyRun.Result normal = StudyRun.normal(scaled, nodes, headroom, p, Seeds.mix(seed, 0x40A1, 0), allocation);
        List<StudyRun.Result> drills = new ArrayList<>();
        String why = normal.held() ? "" : "normal operation: " + firstFailure(normal);
        Site site = scaled.base();
        for (RedundancyGroup g : site.groups()) {
            for (String feed : g.feedIds()) {
                for (int k = 0; k < p.drills() && why.isEmpty(); k++) {
                    long key = (long) StudyRun.feedIndex(site, feed) * 1000 + k;
                    double at = p.warmupS() + p.lossWindowS() * new SplittableRandom(Seeds.mix(seed, 0xD211, key)).nextDouble();
                    StudyRun.Result d = StudyRun.drill(scaled, nodes, headroom, p, Seeds.mix(seed, 0xD212, key), feed, at,
                            allocation);
                    drills.add(d);
                    if (!d.held()) {
                        why = String.format(Locale.ROOT, "drill: feed %s lost at %.3f s: %s", feed, at, firstFailure(d));
                    }
                }
            }
        }
        boolean safe = why.isEmpty();
        if (safe && headroom) {
            why = budgetBreach(normal);
        }
        Evaluation e = new Evaluation(nodes, headroom, safe, why.isEmpty(), why.isEmpty() ? "passed" : why, normal,
                List.copyOf(drills));
        searched.add(e);
        onEvaluated.accept(e);
        return e;
    }

    /**
     * A static baseline's count: normal operation and every drill (the same seeds and loss times as Headroom's)
     * without the appliance, every GPU held at {@code capOf}; passes when no breaker trips. Not in {@code searched}.
     */
    public Evaluation evaluateFixed(int nodes, java.util.function.ToDoubleFunction<io.headroom.appliance.site.Node> capOf) {
        StudyRun.Result normal = StudyRun.fixedNormal(scaled, nodes, capOf, false, p, Seeds.mix(seed, 0x40A1, 0));
        List<StudyRun.Result> drills = new ArrayList<>();
        String why = normal.held() ? "" : "normal operation: " + firstFailure(normal);
        Site site = scaled.base();
        for (RedundancyGroup g : site.groups()) {
            for (String feed : g.feedIds()) {
                for (int k = 0; k < p.drills(); k++) { // every drill, even after a failure: the baselines' counts are reported
                    long key = (long) StudyRun.feedIndex(site, feed) * 1000 + k;
                    double at = p.warmupS() + p.lossWindowS() * new SplittableRandom(Seeds.mix(seed, 0xD211, key)).nextDouble();
                    StudyRun.Result d = StudyRun.fixedDrill(scaled, nodes, capOf, p, Seeds.mix(seed, 0xD212, key), feed, at);
                    drills.add(d);
                    if (!d.held() && why.isEmpty()) {
                        why = String.format(Locale.ROOT, "drill: feed %s lost at %.3f s: %s", feed, at, firstFailure(d));
                    }
                }
            }
        }
        Evaluation e = new Evaluation(nodes, false, why.isEmpty(), why.isEmpty(), why.isEmpty() ? "passed" : why, normal,
                List.copyOf(drills));
        onEvaluated.accept(e);
        return e;
    }

    private static String firstFailure(StudyRun.Result r) {
        return !r.trips().isEmpty() ? r.trips().getFirst() : r.transfers().getFirst();
    }

    private Evaluation cached(int nodes) {
        for (Evaluation e : searched) {
            if (e.headroom() && e.nodes() == nodes) {
                return e;
            }
        }
        return evaluate(nodes, true);
    }

    /** The largest count in [lo, hi] that passes {@code ok}, assuming lo passes (0 passes trivially); binary search. */
    private int largest(int lo, int hi, java.util.function.Predicate<Evaluation> ok) {
        while (lo < hi) {
            int mid = lo + (hi - lo + 1) / 2;
            if (ok.test(cached(mid))) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    private boolean withinBudget(Evaluation e, Evaluation baseline) {
        double[] budget = {p.maxCriticalLossPct(), p.maxStandardLossPct(), p.maxFlexibleLossPct()};
        for (Priority c : Priority.values()) {
            double extra = (e.normal().lostFraction(c) - baseline.normal().lostFraction(c)) * 100;
            if (extra > budget[c.ordinal()] + 1e-9) {
                return false;
            }
        }
        return true;
    }

    private String budgetBreach(StudyRun.Result normal) {
        double[] budget = {p.maxCriticalLossPct(), p.maxStandardLossPct(), p.maxFlexibleLossPct()};
        for (Priority c : Priority.values()) {
            double lost = normal.lostFraction(c) * 100;
            if (lost > budget[c.ordinal()] + 1e-9) {
                return String.format(Locale.ROOT, "%s compute lost %.2f %% > %.2f %% in normal operation",
                        c.label(), lost, budget[c.ordinal()]);
            }
        }
        return "";
    }

    /** The whole study. */
    public Result run() {
        Site site = scaled.base();
        int cap = Math.max(4 * site.nodes().size(), 64);
        int upper = scaled.plannableNodes(cap);
        int stat = scaled.staticNodes(cap);
        Evaluation staticCheck = stat > 0 ? evaluate(stat, false) : null;
        Evaluation atStatic = stat > 0 ? evaluate(stat, true) : null;
        // Zero trips only: from the static count (or from none, if Headroom trips there) up to the floors' bound.
        int safe = atStatic != null && atStatic.safe() ? largest(stat, upper, Evaluation::safe)
                : largest(0, Math.max(0, stat - 1), Evaluation::safe);
        // Zero trips and the compute budgets: at most the safe count.
        int within = atStatic != null && atStatic.passed() ? largest(stat, safe, Evaluation::passed)
                : largest(0, Math.min(safe, Math.max(0, stat - 1)), Evaluation::passed);
        // Zero trips and compute lost beyond Headroom's own at the static count within the budgets: the capacity
        // the hall has before a shortage of power, not the control law, costs compute.
        int marginal = atStatic != null && atStatic.safe() ? largest(stat, safe, e -> e.safe() && withinBudget(e, atStatic)) : within;
        Evaluation best = within == 0 ? null : cached(within);
        Evaluation bestSafe = safe == 0 ? null : cached(safe);
        Evaluation failing = searched.stream().filter(e -> e.headroom() && !e.passed() && e.nodes() > within)
                .min(java.util.Comparator.comparingInt(Evaluation::nodes)).orElse(null);
        Evaluation unsafe = searched.stream().filter(e -> e.headroom() && !e.safe() && e.nodes() > safe)
                .min(java.util.Comparator.comparingInt(Evaluation::nodes)).orElse(null);
        Evaluation atMarginal = marginal == 0 ? null : cached(marginal);
        for (int k = 0, n = within + 2; k < probes && n <= upper; k++, n++) {
            cached(n);
        }
        List<String> monotonicity = new ArrayList<>();
        monotonicity.addAll(inversions("zero trips", Evaluation::safe));
        monotonicity.addAll(inversions("zero trips and budgets", Evaluation::passed));
        // The static baselines, from the site's own hall run uncapped with no control (the normal runs' seed).
        StudyRun.Result measured = StudyRun.fixedNormal(scaled, site.nodes().size(), n -> n.gpu().defaultW(), true, p,
                Seeds.mix(seed, 0x40A1, 0));
        double[] budgets = Baselines.budgets(p);
        double[] peakW = new double[Priority.values().length];
        double[] fixedW = new double[Priority.values().length];
        double[] target = budgets.clone();
        for (Priority c : Priority.values()) {
            peakW[c.ordinal()] = Baselines.quantile(measured.powerHist()[c.ordinal()], Baselines.PEAK_QUANTILE);
        }
        java.util.function.ToDoubleFunction<io.headroom.appliance.site.Node> fixedCap = n -> Baselines.perGpu(fixedW, n);
        // The histogram's estimate ignores the GPUs' settling (a capped burst settles to the cap, not instantly) and
        // was measured on the file's hall, so check the caps on the hall they provision and, where a class loses more
        // than its budget there, aim that much lower.
        for (int it = 0; it < 4; it++) {
            for (Priority c : Priority.values()) {
                fixedW[c.ordinal()] = Baselines.lowestCapWithin(measured.demandHist()[c.ordinal()], Math.max(0, target[c.ordinal()]));
            }
            int count = scaled.nodesFitting(cap, n -> n.baseW() + n.gpus() * fixedCap.applyAsDouble(n));
            if (count == 0) {
                break;
            }
            StudyRun.Result check = StudyRun.fixedNormal(scaled, count, fixedCap, false, p, Seeds.mix(seed, 0x40A1, 0));
            boolean allWithin = true;
            for (Priority c : Priority.values()) {
                double over = check.lostFraction(c) - budgets[c.ordinal()];
                if (over > 1e-9) {
                    target[c.ordinal()] -= over;
                    allWithin = false;
                }
            }
            if (allWithin) {
                break;
            }
        }
        int fixedNodes = scaled.nodesFitting(cap, n -> n.baseW() + n.gpus() * fixedCap.applyAsDouble(n));
        Evaluation fixedCheck = fixedNodes > 0 ? evaluateFixed(fixedNodes, fixedCap) : null;
        int peakNodes = scaled.nodesFitting(cap, n -> n.baseW() + n.gpus() * Baselines.perGpu(peakW, n));
        Evaluation peakCheck = peakNodes > 0 ? evaluateFixed(peakNodes, n -> n.gpu().defaultW()) : null;
        Evaluation uncapped = within > 0 ? evaluateFixed(within, n -> n.gpu().defaultW()) : null;
        return new Result(site, seed, p, site.nodes().size(), stat, staticCheck, atStatic, within, best, failing,
                safe, bestSafe, unsafe, marginal, atMarginal, upper, List.copyOf(searched), fixedW, fixedNodes,
                fixedCheck, peakW, peakNodes, peakCheck, List.copyOf(monotonicity), uncapped);
    }

    /** Pairs of Headroom counts where a smaller count fails {@code ok} and a larger one passes it. */
    private List<String> inversions(String what, java.util.function.Predicate<Evaluation> ok) {
        List<Evaluation> hs = searched.stream().filter(Evaluation::headroom)
                .sorted(java.util.Comparator.comparingInt(Evaluation::nodes)).toList();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < hs.size(); i++) {
            if (ok.test(hs.get(i))) {
                continue;
            }
            for (int j = i + 1; j < hs.size(); j++) {
                if (ok.test(hs.get(j))) {
                    out.add(String.format(Locale.ROOT, "seed %d, %s: %d nodes fail (%s) but %d pass", seed, what,
                            hs.get(i).nodes(), hs.get(i).why(), hs.get(j).nodes()));
                    break;
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------- output

    private static String pct(double fraction) {
        return String.format(Locale.ROOT, "%.2f", fraction * 100);
    }

    /** The figures, {@code NAME.FIGURE VALUE UNIT}, then {@code study done}. */
    public static void printFigures(Result r, PrintWriter out) {
        out.printf(Locale.ROOT, "study.site_nodes %d nodes%n", r.siteNodes());
        out.printf(Locale.ROOT, "study.static_nodes %d nodes%n", r.staticNodes());
        out.printf(Locale.ROOT, "study.headroom_nodes %d nodes%n", r.headroomNodes());
        out.printf(Locale.ROOT, "study.unlock_ratio %.3f x%n", r.unlockRatio());
        losses(out, "", r.atHeadroom());
        out.printf(Locale.ROOT, "study.safe_nodes %d nodes%n", r.safeNodes());
        out.printf(Locale.ROOT, "study.safe_unlock_ratio %.3f x%n", r.safeUnlockRatio());
        losses(out, "safe_", r.atSafe());
        losses(out, "at_static_", r.headroomAtStatic());
        out.printf(Locale.ROOT, "study.marginal_nodes %d nodes%n", r.marginalNodes());
        out.printf(Locale.ROOT, "study.marginal_unlock_ratio %.3f x%n", r.marginalUnlockRatio());
        losses(out, "marginal_", r.atMarginal());
        Evaluation s = r.atSafe();
        if (s != null) {
            out.printf(Locale.ROOT, "study.trips %d trips%n", s.trips());
            out.printf(Locale.ROOT, "study.drills %d drills%n", s.drills().size());
            out.printf(Locale.ROOT, "study.worst_trip_exposure %.6f fraction%n", s.worstExposure());
            out.printf(Locale.ROOT, "study.max_recovery_ms %.0f ms%n", s.maxRecoveryMs());
            out.printf(Locale.ROOT, "study.peak_feed_load_pct %.1f %%%n", peakRatio(s) * 100);
            out.printf(Locale.ROOT, "study.drill_flexible_compute_lost_pct %s %%%n", pct(s.drillLostFraction(Priority.FLEXIBLE)));
            out.printf(Locale.ROOT, "study.drill_critical_compute_lost_pct %s %%%n", pct(s.drillLostFraction(Priority.CRITICAL)));
        }
        if (r.staticCheck() != null) {
            out.printf(Locale.ROOT, "study.static_trips %d trips%n", r.staticCheck().trips());
            out.printf(Locale.ROOT, "study.static_worst_trip_exposure %.6f fraction%n", r.staticCheck().worstExposure());
            out.printf(Locale.ROOT, "study.static_peak_feed_load_pct %.1f %%%n", peakRatio(r.staticCheck()) * 100);
        }
        baselineFigures(r, out);
        out.printf(Locale.ROOT, "study.monotonicity_violations %d pairs%n", r.monotonicity().size());
        out.printf(Locale.ROOT, "study.evaluations %d configurations%n", r.searched().size());
        out.println("study done");
    }

    /** The baselines' counts, their drills, and Headroom's count over each ({@code study.unlock_vs_X}). */
    static void baselineFigures(Result r, PrintWriter out) {
        out.printf(Locale.ROOT, "study.nameplate_nodes %d nodes%n", r.staticNodes());
        out.printf(Locale.ROOT, "study.fixed_cap_nodes %d nodes%n", r.fixedCapNodes());
        out.printf(Locale.ROOT, "study.measured_peak_nodes %d nodes%n", r.measuredPeakNodes());
        for (Priority c : new Priority[]{Priority.FLEXIBLE, Priority.STANDARD, Priority.CRITICAL}) {
            out.printf(Locale.ROOT, "study.fixed_cap_%s_w %.0f W%n", c.label(), r.fixedCapW()[c.ordinal()]);
        }
        for (Priority c : new Priority[]{Priority.FLEXIBLE, Priority.STANDARD, Priority.CRITICAL}) {
            out.printf(Locale.ROOT, "study.measured_peak_%s_w %.0f W%n", c.label(), r.peakW()[c.ordinal()]);
        }
        if (r.fixedCapCheck() != null) {
            out.printf(Locale.ROOT, "study.fixed_cap_trips %d trips%n", r.fixedCapCheck().trips());
            losses(out, "fixed_cap_", r.fixedCapCheck());
        }
        if (r.measuredPeakCheck() != null) {
            out.printf(Locale.ROOT, "study.measured_peak_trips %d trips%n", r.measuredPeakCheck().trips());
            out.printf(Locale.ROOT, "study.measured_peak_worst_trip_exposure %.6f fraction%n", r.measuredPeakCheck().worstExposure());
            out.printf(Locale.ROOT, "study.measured_peak_peak_feed_load_pct %.1f %%%n", peakRatio(r.measuredPeakCheck()) * 100);
        }
        upsFigures(out, "", r.atHeadroom());
        if (r.staticCheck() != null) {
            out.printf(Locale.ROOT, "study.nameplate_ups_transfers %d transfers%n", r.staticCheck().upsTransfers());
        }
        if (r.fixedCapCheck() != null) {
            out.printf(Locale.ROOT, "study.fixed_cap_ups_transfers %d transfers%n", r.fixedCapCheck().upsTransfers());
        }
        if (r.measuredPeakCheck() != null) {
            out.printf(Locale.ROOT, "study.measured_peak_ups_transfers %d transfers%n", r.measuredPeakCheck().upsTransfers());
        }
        if (r.uncappedAtHeadroom() != null) {
            out.printf(Locale.ROOT, "study.uncapped_at_headroom_trips %d trips%n", r.uncappedAtHeadroom().trips());
            upsFigures(out, "uncapped_at_headroom_", r.uncappedAtHeadroom());
        }
        out.printf(Locale.ROOT, "study.unlock_vs_nameplate %.3f x%n", r.unlockVs(r.staticNodes()));
        out.printf(Locale.ROOT, "study.unlock_vs_fixed_cap %.3f x%n", r.unlockVs(r.fixedCapNodes()));
        out.printf(Locale.ROOT, "study.unlock_vs_measured_peak %.3f x%n", r.unlockVs(r.measuredPeakNodes()));
        out.printf(Locale.ROOT, "study.unlock_vs_best_other %.3f x%n", r.unlockVs(r.bestOtherNodes()));
    }

    private static void upsFigures(PrintWriter out, String prefix, Evaluation e) {
        if (e == null) {
            return;
        }
        out.printf(Locale.ROOT, "study.%sups_transfers %d transfers%n", prefix, e.upsTransfers());
        out.printf(Locale.ROOT, "study.%sups_overload_s %.3f s%n", prefix, e.upsOverloadS());
        out.printf(Locale.ROOT, "study.%sups_worst_exposure %.6f fraction%n", prefix, e.upsExposure());
    }

    private static void losses(PrintWriter out, String prefix, Evaluation e) {
        if (e == null) {
            return;
        }
        for (Priority c : new Priority[]{Priority.FLEXIBLE, Priority.STANDARD, Priority.CRITICAL}) {
            out.printf(Locale.ROOT, "study.%s%s_compute_lost_pct %s %%%n", prefix, c.label(), pct(e.normal().lostFraction(c)));
        }
    }

    private static double peakRatio(Evaluation e) {
        double w = e.normal().worstRatio();
        for (StudyRun.Result d : e.drills()) {
            w = Math.max(w, d.worstRatio());
        }
        return w;
    }

    /** A few sentences and the table of counts evaluated, for a person. */
    public static void printSummary(Result r, PrintWriter out) {
        StudyParams p = r.params();
        out.printf(Locale.ROOT, "%nCapacity study of %s (seed %d); the file's hall has %d nodes.%n", r.site().name(),
                r.seed(), r.siteNodes());
        out.printf(Locale.ROOT, "  Static N-1, no Headroom (every GPU uncapped at its default limit fits on the survivors): "
                        + "%d nodes; %d uncapped drills, %d trips, survivors at most %.0f %% of their limit.%n",
                r.staticNodes(), r.staticCheck() == null ? 0 : r.staticCheck().drills().size(),
                r.staticCheck() == null ? 0 : r.staticCheck().trips(),
                r.staticCheck() == null ? 0 : peakRatio(r.staticCheck()) * 100);
        Evaluation h = r.atHeadroom();
        out.printf(Locale.ROOT, "  With Headroom, zero trips and compute lost within %.2f %% flexible / %.2f %% standard / "
                        + "%.2f %% critical: %d nodes (%.2f x static)%s.%n", p.maxFlexibleLossPct(), p.maxStandardLossPct(),
                p.maxCriticalLossPct(), r.headroomNodes(), r.unlockRatio(),
                r.firstFailing() == null ? "" : "; " + r.firstFailing().nodes() + " nodes fail: " + r.firstFailing().why());
        Evaluation s = r.atSafe();
        if (s != null) {
            out.printf(Locale.ROOT, "  With Headroom, zero trips only: %d nodes (%.2f x static)%s; there, %d drills, worst breaker "
                            + "exposure %.3f %% of its curve, survivors back within their limits %.0f ms after a loss at worst.%n",
                    r.safeNodes(), r.safeUnlockRatio(), r.firstUnsafe() == null
                            ? (r.safeNodes() >= r.upperBound() ? " (the search's bound: every floor on the N-1 survivors)" : "")
                            : "; " + r.firstUnsafe().nodes() + " nodes trip: " + r.firstUnsafe().why(),
                    s.drills().size(), s.worstExposure() * 100, s.maxRecoveryMs());
        }
        Evaluation a = r.headroomAtStatic();
        if (a != null) {
            out.printf(Locale.ROOT, "  Headroom at the static count costs flexible %s %%, standard %s %%, critical %s %% of compute "
                            + "where static N-1 costs nothing: the regulator's caps track the draw it sees (1.1 x + 10 W, "
                            + "raised only after the raise hold, by raise steps), so training's iteration-boundary dips pull "
                            + "caps down and the spikes after them are clipped; that loss is the control law's, not the hall's.%n",
                    pct(a.normal().lostFraction(Priority.FLEXIBLE)), pct(a.normal().lostFraction(Priority.STANDARD)),
                    pct(a.normal().lostFraction(Priority.CRITICAL)));
        }
        Evaluation m = r.atMarginal();
        if (m != null && a != null) {
            out.printf(Locale.ROOT, "  Counting only the compute lost beyond that (what a shortage of power costs): %d nodes "
                            + "(%.2f x static) with zero trips, flexible %s %%, standard %s %%, critical %s %%.%n",
                    r.marginalNodes(), r.marginalUnlockRatio(), pct(m.normal().lostFraction(Priority.FLEXIBLE)),
                    pct(m.normal().lostFraction(Priority.STANDARD)), pct(m.normal().lostFraction(Priority.CRITICAL)));
        }
        out.printf(Locale.ROOT, "  Compute lost = 1 - delivered / uncapped GPU energy over %.0f s of normal operation after a %.0f s "
                        + "warm-up; drills (loss to +%.0f s) are not in it (study.drill_*).%n", p.normalS(), p.warmupS(), p.postLossS());
        out.printf(Locale.ROOT, "  Model: fast path %d ms, cap latency %d ms, GPU settling %.0f ms, telemetry %d ms average, "
                        + "meters %d ms, %d drills per feed, outage %.0f s; supercap banks not counted; %s.%n", p.fastPathMs(),
                p.capLatencyMs(), p.settleMs(), p.telemetryWindowMs(), p.meterWindowMs(), p.drills(), p.outageS(),
                p.ups().enabled() ? String.format(Locale.ROOT, "a UPS module behind each feed rated %.2f x its limit "
                        + "(125 %% for %.0f s, 150 %% for %.0f s, bypass after %.0f ms above %.0f %%)", p.ups().sizing(),
                        p.ups().allowedSeconds(1.25), p.ups().allowedSeconds(1.4999), p.ups().instantaneousS() * 1000,
                        p.ups().curve().instantaneousRatio() * 100) : "no UPS in the power path");
        out.printf(Locale.ROOT, "  Baselines (no appliance; provisioned like static N-1 on another per-node figure): fixed_cap "
                        + "(each class's GPUs held at the lowest cap within its compute budget: flexible %.0f W, standard %.0f W, "
                        + "critical %.0f W) %d nodes, %d trips; measured_peak (p99.9 of the uncapped per-GPU draw: flexible "
                        + "%.0f W, standard %.0f W, critical %.0f W) %d nodes, %d trips. Headroom's %d nodes are %.2f x "
                        + "nameplate, %.2f x fixed_cap, %.2f x measured_peak, %.2f x the best baseline that held.%n",
                r.fixedCapW()[Priority.FLEXIBLE.ordinal()], r.fixedCapW()[Priority.STANDARD.ordinal()],
                r.fixedCapW()[Priority.CRITICAL.ordinal()], r.fixedCapNodes(),
                r.fixedCapCheck() == null ? 0 : r.fixedCapCheck().trips(), r.peakW()[Priority.FLEXIBLE.ordinal()],
                r.peakW()[Priority.STANDARD.ordinal()], r.peakW()[Priority.CRITICAL.ordinal()], r.measuredPeakNodes(),
                r.measuredPeakCheck() == null ? 0 : r.measuredPeakCheck().trips(), r.headroomNodes(),
                r.unlockVs(r.staticNodes()), r.unlockVs(r.fixedCapNodes()), r.unlockVs(r.measuredPeakNodes()),
                r.unlockVs(r.bestOtherNodes()));
        for (String v : r.monotonicity()) {
            out.printf(Locale.ROOT, "  Not monotone: %s.%n", v);
        }
        Evaluation u = r.uncappedAtHeadroom();
        if (u != null) {
            out.printf(Locale.ROOT, "  Headroom's %d nodes with no control: %d breaker trips, %d UPS transfers, %.1f s of UPS "
                            + "overload (%s); with Headroom: %d trips, %d UPS transfers, %.1f s of UPS overload.%n", u.nodes(),
                    u.trips(), u.upsTransfers(), u.upsOverloadS(), u.why(), r.atHeadroom().trips(),
                    r.atHeadroom().upsTransfers(), r.atHeadroom().upsOverloadS());
        }
        out.println("  nodes  mode      trips  exposure  flexible  standard  critical  verdict");
        List<Evaluation> sorted = new ArrayList<>(r.searched());
        sorted.sort(java.util.Comparator.comparingInt(Evaluation::nodes).thenComparing(Evaluation::headroom));
        for (Evaluation e : sorted) {
            out.printf(Locale.ROOT, "  %5d  %-8s  %5d  %8.4f  %7s%%  %7s%%  %7s%%  %s%n", e.nodes(),
                    e.headroom() ? "headroom" : "static", e.trips(), e.worstExposure(),
                    pct(e.normal().lostFraction(Priority.FLEXIBLE)), pct(e.normal().lostFraction(Priority.STANDARD)),
                    pct(e.normal().lostFraction(Priority.CRITICAL)), e.why());
        }
    }

    /** The result as one JSON object. */
    public static String json(Result r) {
        StringBuilder b = new StringBuilder(1024);
        StudyParams p = r.params();
        b.append("{\"site\":").append(q(r.site().name())).append(",\"seed\":").append(r.seed())
                .append(",\"siteNodes\":").append(r.siteNodes()).append(",\"staticNodes\":").append(r.staticNodes())
                .append(",\"headroomNodes\":").append(r.headroomNodes())
                .append(",\"unlockRatio\":").append(num(r.unlockRatio()))
                .append(",\"marginalNodes\":").append(r.marginalNodes())
                .append(",\"safeNodes\":").append(r.safeNodes())
                .append(",\"safeUnlockRatio\":").append(num(r.safeUnlockRatio()))
                .append(",\"upperBound\":").append(r.upperBound())
                .append(",\"fixedCapNodes\":").append(r.fixedCapNodes())
                .append(",\"measuredPeakNodes\":").append(r.measuredPeakNodes())
                .append(",\"bestOtherNodes\":").append(r.bestOtherNodes())
                .append(",\"unlockVsNameplate\":").append(num(r.unlockVs(r.staticNodes())))
                .append(",\"unlockVsFixedCap\":").append(num(r.unlockVs(r.fixedCapNodes())))
                .append(",\"unlockVsMeasuredPeak\":").append(num(r.unlockVs(r.measuredPeakNodes())))
                .append(",\"unlockVsBestOther\":").append(num(r.unlockVs(r.bestOtherNodes())));
        b.append(",\"fixedCapW\":{");
        Priority[] cs = Priority.values();
        for (int i = 0; i < cs.length; i++) {
            b.append(i == 0 ? "" : ",").append(q(cs[i].label())).append(':').append(num(r.fixedCapW()[i]));
        }
        b.append("},\"measuredPeakW\":{");
        for (int i = 0; i < cs.length; i++) {
            b.append(i == 0 ? "" : ",").append(q(cs[i].label())).append(':').append(num(r.peakW()[i]));
        }
        b.append("},\"monotonicity\":[");
        for (int i = 0; i < r.monotonicity().size(); i++) {
            b.append(i == 0 ? "" : ",").append(q(r.monotonicity().get(i)));
        }
        b.append(']');
        b.append(",\"params\":{\"fastPathMs\":").append(p.fastPathMs()).append(",\"capLatencyMs\":").append(p.capLatencyMs())
                .append(",\"settleMs\":").append(num(p.settleMs())).append(",\"telemetryWindowMs\":").append(p.telemetryWindowMs())
                .append(",\"meterWindowMs\":").append(p.meterWindowMs()).append(",\"normalS\":").append(num(p.normalS()))
                .append(",\"drillsPerFeed\":").append(p.drills()).append(",\"postLossS\":").append(num(p.postLossS()))
                .append(",\"outageS\":").append(num(p.outageS()))
                .append(",\"maxFlexibleLossPct\":").append(num(p.maxFlexibleLossPct()))
                .append(",\"maxStandardLossPct\":").append(num(p.maxStandardLossPct()))
                .append(",\"maxCriticalLossPct\":").append(num(p.maxCriticalLossPct())).append('}');
        b.append(",\"static\":").append(r.staticCheck() == null ? "null" : evaluation(r.staticCheck()));
        b.append(",\"fixedCap\":").append(r.fixedCapCheck() == null ? "null" : evaluation(r.fixedCapCheck()));
        b.append(",\"measuredPeak\":").append(r.measuredPeakCheck() == null ? "null" : evaluation(r.measuredPeakCheck()));
        b.append(",\"uncappedAtHeadroom\":").append(r.uncappedAtHeadroom() == null ? "null" : evaluation(r.uncappedAtHeadroom()));
        b.append(",\"headroom\":").append(r.atHeadroom() == null ? "null" : evaluation(r.atHeadroom()));
        b.append(",\"safe\":").append(r.atSafe() == null ? "null" : evaluation(r.atSafe()));
        b.append(",\"headroomAtStatic\":").append(r.headroomAtStatic() == null ? "null" : evaluation(r.headroomAtStatic()));
        b.append(",\"firstFailing\":").append(r.firstFailing() == null ? "null" : evaluation(r.firstFailing()));
        b.append(",\"searched\":[");
        for (int i = 0; i < r.searched().size(); i++) {
            Evaluation e = r.searched().get(i);
            b.append(i == 0 ? "" : ",").append("{\"nodes\":").append(e.nodes()).append(",\"headroom\":").append(e.headroom())
                    .append(",\"safe\":").append(e.safe()).append(",\"passed\":").append(e.passed())
                    .append(",\"why\":").append(q(e.why())).append('}');
        }
        return b.append("]}").toString();
    }

    private static String evaluation(Evaluation e) {
        StringBuilder b = new StringBuilder();
        b.append("{\"nodes\":").append(e.nodes()).append(",\"passed\":").append(e.passed())
                .append(",\"why\":").append(q(e.why())).append(",\"trips\":").append(e.trips())
                .append(",\"drills\":").append(e.drills().size())
                .append(",\"worstTripExposure\":").append(num(e.worstExposure()))
                .append(",\"upsTransfers\":").append(e.upsTransfers())
                .append(",\"upsOverloadS\":").append(num(e.upsOverloadS()))
                .append(",\"upsWorstExposure\":").append(num(e.upsExposure()))
                .append(",\"maxRecoveryMs\":").append(num(e.maxRecoveryMs()))
                .append(",\"computeLostPct\":{");
        Priority[] ps = Priority.values();
        for (int i = 0; i < ps.length; i++) {
            b.append(i == 0 ? "" : ",").append(q(ps[i].label())).append(':').append(num(e.normal().lostFraction(ps[i]) * 100));
        }
        b.append("},\"drillComputeLostPct\":{");
        for (int i = 0; i < ps.length; i++) {
            b.append(i == 0 ? "" : ",").append(q(ps[i].label())).append(':').append(num(e.drillLostFraction(ps[i]) * 100));
        }
        b.append("},\"drillResults\":[");
        for (int i = 0; i < e.drills().size(); i++) {
            StudyRun.Result d = e.drills().get(i);
            b.append(i == 0 ? "" : ",").append("{\"trips\":").append(d.trips().size())
                    .append(",\"upsTransfers\":").append(d.transfers().size())
                    .append(",\"upsOverloadS\":").append(num(d.upsOverloadS()))
                    .append(",\"upsWorstExposure\":").append(num(d.upsExposure()))
                    .append(",\"recoveryMs\":").append(num(d.recoveryMs()))
                    .append(",\"peakFeedLoad\":").append(num(d.worstRatio())).append('}');
        }
        return b.append("]}").toString();
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
    }

    private static String q(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
