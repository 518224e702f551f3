package io.headroom.hil.study;

import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Priority;

/**
 * The static baselines' per-class figures, from one uncapped run of the site's own hall without the appliance
 * (the same seed as the study's normal runs): what a careful operator would measure and provision on.
 * <ul>
 *   <li>{@code measured_peak}: every node provisioned at its base load plus its GPUs at the 99.9th percentile of
 *       its class's per-GPU draw over the counted window (per node-millisecond), no control;</li>
 *   <li>{@code fixed_cap}: every GPU of a class held at one fixed cap, the lowest that keeps the class's compute
 *       lost within the study's budget for it (lost(c) = Σ max(0, demand − c) / Σ demand over the same window's
 *       uncapped demand), no appliance. One cap per class rather than one for the hall: the stronger baseline.</li>
 * </ul>
 * Both are then provisioned like nameplate N-1 ({@link ScaledSite#nodesFitting}): the survivors of every group's
 * worst single-feed loss carry every node at that figure at their continuous limit.
 */
public final class Baselines {

    /** The quantile {@code measured_peak} provisions on. */
    public static final double PEAK_QUANTILE = 0.999;

    private Baselines() {
    }

    /** The {@code q} quantile of a 1 W-bin histogram, W (0 when empty). */
    static double quantile(double[] hist, double q) {
        double total = 0;
        for (double h : hist) {
            total += h;
        }
        if (total <= 0) {
            return 0;
        }
        double want = q * total;
        double acc = 0;
        for (int b = 0; b < hist.length; b++) {
            acc += hist[b];
            if (acc >= want - 1e-9) {
                return b;
            }
        }
        return hist.length - 1;
    }

    /** Compute lost under a per-GPU cap of {@code capW}, from a histogram of uncapped per-GPU demand. */
    static double lostUnder(double[] demandHist, double capW) {
        double dem = 0;
        double cut = 0;
        for (int b = 0; b < demandHist.length; b++) {
            dem += demandHist[b] * b;
            cut += demandHist[b] * Math.max(0, b - capW);
        }
        return dem <= 0 ? 0 : cut / dem;
    }

    /** The lowest whole-watt cap whose compute lost is within {@code budgetFraction} (0 when the class is empty). */
    static double lowestCapWithin(double[] demandHist, double budgetFraction) {
        int lo = 0;
        int hi = demandHist.length - 1; // lost 0
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (lostUnder(demandHist, mid) <= budgetFraction + 1e-12) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** A node's per-GPU figure of a class, clamped into its GPUs' range up to their default limit. */
    static double perGpu(double[] perClassW, Node n) {
        return Math.clamp(perClassW[n.priority().ordinal()], n.gpu().minW(), n.gpu().defaultW());
    }

    static double[] budgets(StudyParams p) {
        double[] b = new double[Priority.values().length];
        b[Priority.CRITICAL.ordinal()] = p.maxCriticalLossPct() / 100;
        b[Priority.STANDARD.ordinal()] = p.maxStandardLossPct() / 100;
        b[Priority.FLEXIBLE.ordinal()] = p.maxFlexibleLossPct() / 100;
        return b;
    }
}
