package io.headroom.hil.study;

import io.headroom.appliance.control.AllocationMode;
import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.Site;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * Class-fair against demand-aware allocation ({@link AllocationMode}) on one seed's study: the flexible class's
 * compute lost in normal operation at the class-fair study's count (the same workload, seed and drills, only the
 * allocation differs), the trips of that count's drills with demand-aware allocation, and the count demand-aware
 * allocation reaches itself (zero trips, every class within its budget) over the nameplate count.
 *
 * @param classFairNodes       the class-fair study's count ({@code study.headroom_nodes})
 * @param classFairLost        flexible compute lost there, class-fair (fraction)
 * @param demandAwareLost      flexible compute lost there, demand-aware (fraction)
 * @param classFairTrips       trips in that count's normal run and drills, class-fair
 * @param demandAwareTrips     the same, demand-aware
 * @param demandAwareNodes     the largest count with zero trips and every class within its budget, demand-aware
 * @param staticNodes          the nameplate N-1 count
 * @param classFairLostByClass   every class's compute lost at the class-fair count, class-fair (by ordinal)
 * @param demandAwareLostByClass the same, demand-aware
 */
public record AllocationComparison(int classFairNodes, double classFairLost, double demandAwareLost, int classFairTrips,
                                   int demandAwareTrips, int demandAwareNodes, int staticNodes,
                                   double[] classFairLostByClass, double[] demandAwareLostByClass) {

    /** Runs the demand-aware side of {@code classFair} (a study of {@code site} with its seed and parameters). */
    public static AllocationComparison of(Site site, CapacityStudy.Result classFair) {
        int n = classFair.headroomNodes();
        CapacityStudy.Evaluation cf = classFair.atHeadroom();
        if (n == 0 || cf == null) {
            double[] none = {Double.NaN, Double.NaN, Double.NaN};
            return new AllocationComparison(0, Double.NaN, Double.NaN, 0, 0, 0, classFair.staticNodes(), none, none);
        }
        CapacityStudy da = new CapacityStudy(site, classFair.params(), classFair.seed())
                .allocation(AllocationMode.DEMAND_AWARE);
        CapacityStudy.Evaluation at = da.evaluated(n);
        int nodes = at.passed() ? da.largestPassing(n, classFair.upperBound()) : da.largestPassing(0, n - 1);
        double[] cfBy = new double[Priority.values().length];
        double[] daBy = new double[Priority.values().length];
        for (Priority c : Priority.values()) {
            cfBy[c.ordinal()] = cf.normal().lostFraction(c);
            daBy[c.ordinal()] = at.normal().lostFraction(c);
        }
        return new AllocationComparison(n, cf.normal().lostFraction(Priority.FLEXIBLE),
                at.normal().lostFraction(Priority.FLEXIBLE), cf.trips(), at.trips(), nodes, classFair.staticNodes(),
                cfBy, daBy);
    }

    /** {@link #of} for each seed's result, on {@code threads} threads; in the results' order. */
    public static List<AllocationComparison> ofAll(Site site, List<CapacityStudy.Result> results, int threads,
                                                   java.util.function.Consumer<CapacityStudy.Result> done) {
        List<java.util.concurrent.Callable<AllocationComparison>> tasks = new java.util.ArrayList<>();
        for (CapacityStudy.Result r : results) {
            tasks.add(() -> {
                AllocationComparison c = of(site, r);
                done.accept(r);
                return c;
            });
        }
        return StudySeries.inParallel(tasks, threads, "study-allocation");
    }

    public double unlockRatioDemandAware() {
        return staticNodes == 0 ? Double.NaN : (double) demandAwareNodes / staticNodes;
    }

    public double unlockRatioClassFair() {
        return staticNodes == 0 ? Double.NaN : (double) classFairNodes / staticNodes;
    }

    /** The figures: one seed's values, or several seeds' means (with their range). */
    public static void print(List<AllocationComparison> cs, PrintWriter out) {
        figure(out, "study.compute_lost_pct.class_fair", cs, c -> c.classFairLost * 100, "%");
        figure(out, "study.compute_lost_pct.demand_aware", cs, c -> c.demandAwareLost * 100, "%");
        for (Priority p : new Priority[]{Priority.STANDARD, Priority.CRITICAL}) {
            figure(out, "study.compute_lost_pct." + p.label() + ".class_fair", cs,
                    c -> c.classFairLostByClass[p.ordinal()] * 100, "%");
            figure(out, "study.compute_lost_pct." + p.label() + ".demand_aware", cs,
                    c -> c.demandAwareLostByClass[p.ordinal()] * 100, "%");
        }
        figure(out, "study.trips.class_fair", cs, c -> c.classFairTrips, "trips");
        figure(out, "study.trips.demand_aware", cs, c -> c.demandAwareTrips, "trips");
        figure(out, "study.headroom_nodes.demand_aware", cs, c -> c.demandAwareNodes, "nodes");
        figure(out, "study.unlock_ratio.class_fair", cs, AllocationComparison::unlockRatioClassFair, "x");
        figure(out, "study.unlock_ratio.demand_aware", cs, AllocationComparison::unlockRatioDemandAware, "x");
    }

    private static void figure(PrintWriter out, String name, List<AllocationComparison> cs,
                               java.util.function.ToDoubleFunction<AllocationComparison> f, String unit) {
        double sum = 0;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (AllocationComparison c : cs) {
            double v = f.applyAsDouble(c);
            sum += v;
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        double mean = sum / cs.size();
        if (cs.size() == 1) {
            out.printf(Locale.ROOT, "%s %.3f %s%n", name, mean, unit);
        } else {
            out.printf(Locale.ROOT, "%s %.3f %s (mean of %d seeds, %.3f..%.3f)%n", name, mean, unit, cs.size(), lo, hi);
        }
    }
}
