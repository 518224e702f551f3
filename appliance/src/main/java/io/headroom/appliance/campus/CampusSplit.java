package io.headroom.appliance.campus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits a campus's import budget into per-appliance budgets, once per coordinator round. Pure: no I/O, no clock
 * (the round's length comes in {@link Limits#roundS()}).
 *
 * <p>The rules, in order:
 * <ol>
 *   <li>The budget is the lowest of the point of interconnection's import limit and the DR commitment in force.</li>
 *   <li>An appliance that has not published this round ({@link Slot#report()} null) is given its static share, and
 *       what it may still be running on — the larger of its static share and any budget issued to it that may still
 *       be in force ({@link Slot#outstandingW()}) — is set aside.</li>
 *   <li>What is left goes to the appliances that published, max-min fair in three passes: their critical load, then
 *       their load less the flexible part, then their whole demand; what is left after that is spread in
 *       proportion to their static shares over those that are N-1 ready (all of them when none is), so a lineup can
 *       take a burst without waiting a round.</li>
 *   <li>A budget may fall at once, but a rise is only granted out of room that exists even if every appliance that
 *       has not yet seen its new budget keeps running on the highest one still in force: the sum over appliances of
 *       the larger of the new and the outstanding budget stays within the campus budget.</li>
 *   <li>The sum of the budgets rises by at most the ramp limit times the round (rises scaled down alike).</li>
 * </ol>
 * Hence: the budgets never sum above the campus budget (unless the silent appliances' static shares alone do),
 * no budget is negative, a silent appliance is never given more than its static share, and the result does not
 * depend on the order of the slots.
 */
public final class CampusSplit {

    private CampusSplit() {
    }

    /**
     * The campus's limits for one round.
     *
     * @param importLimitW the point of interconnection's import limit, W
     * @param commitmentW  the DR commitment in force (an import limit), W; NaN or infinite: none
     * @param rampWps      the most the budgets' sum may rise per second; 0 or less: no ramp limit
     * @param roundS       the round's length, s
     */
    public record Limits(double importLimitW, double commitmentW, double rampWps, double roundS) {
        public double capW() {
            return Double.isFinite(commitmentW) ? Math.min(importLimitW, Math.max(0, commitmentW)) : importLimitW;
        }
    }

    /**
     * What an appliance publishes each round (W, Wh).
     *
     * @param demandW    what its GPUs and base load would draw uncapped (its regulation's demand estimate)
     * @param criticalW  the part of it that is critical
     * @param flexibleW  the part of it that is flexible (capped first)
     * @param n1Ready    its N-1 plans are armed (a lineup that is not gets no spare headroom)
     * @param bankEnergyWh the energy in its supercap banks
     */
    public record Report(double demandW, double criticalW, double flexibleW, boolean n1Ready, double bankEnergyWh) {
    }

    /**
     * One appliance in a round.
     *
     * @param report       this round's report, or null when it has not published
     * @param outstandingW the highest budget issued to it that may still be in force (0: none)
     * @param previousW    the budget issued last round (NaN: none; its static share is taken)
     */
    public record Slot(String id, double staticShareW, Report report, double outstandingW, double previousW) {
    }

    /** The budgets (W, by id, in slot order), the campus budget they share and what bound it. */
    public record Result(Map<String, Double> budgetsW, double capW, String binding) {
        public double sumW() {
            return budgetsW.values().stream().mapToDouble(Double::doubleValue).sum();
        }
    }

    public static Result split(Limits limits, List<Slot> slots) {
        double cap = Math.max(0, limits.capW());
        String binding = Double.isFinite(limits.commitmentW()) && limits.commitmentW() < limits.importLimitW()
                ? "commitment" : "import-limit";
        int n = slots.size();
        double[] b = new double[n];
        double setAside = 0;
        List<Integer> live = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Slot s = slots.get(i);
            if (s.report() == null) {
                b[i] = Math.max(0, s.staticShareW());
                setAside += Math.max(b[i], Math.max(0, s.outstandingW()));
            } else {
                live.add(i);
            }
        }
        double available = Math.max(0, cap - setAside);
        int m = live.size();
        double[] target = new double[m];
        double[] critical = new double[m];
        double[] firm = new double[m];
        double[] demand = new double[m];
        for (int k = 0; k < m; k++) {
            Report r = slots.get(live.get(k)).report();
            demand[k] = nonNegative(r.demandW());
            critical[k] = Math.min(demand[k], nonNegative(r.criticalW()));
            firm[k] = Math.max(critical[k], Math.min(demand[k], demand[k] - nonNegative(r.flexibleW())));
        }
        double left = available;
        for (double[] level : new double[][] {critical, firm, demand}) {
            left = fill(target, level, left);
        }
        if (left > 0 && m > 0) {
            spreadSpare(slots, live, target, left);
        }
        // Falls at once; rises only out of room that holds whatever the outstanding budgets do.
        double outstanding = 0;
        double rises = 0;
        double[] rise = new double[m];
        for (int k = 0; k < m; k++) {
            Slot s = slots.get(live.get(k));
            double o = Math.max(0, s.outstandingW());
            outstanding += o;
            rise[k] = Math.max(0, target[k] - o);
            rises += rise[k];
        }
        double room = Math.max(0, available - outstanding);
        double riseScale = rises > room ? room / rises : 1;
        for (int k = 0; k < m; k++) {
            Slot s = slots.get(live.get(k));
            double o = Math.max(0, s.outstandingW());
            b[live.get(k)] = rise[k] > 0 ? o + rise[k] * riseScale : target[k];
        }
        // The ramp: the budgets' sum rises at most rampWps × round over last round's (rises scaled down alike).
        if (limits.rampWps() > 0 && limits.roundS() > 0) {
            double prevSum = 0;
            double sum = 0;
            double up = 0;
            for (int i = 0; i < n; i++) {
                double prev = previous(slots.get(i));
                prevSum += prev;
                sum += b[i];
                if (slots.get(i).report() != null) {
                    up += Math.max(0, b[i] - prev); // a silent appliance's static share is not held back
                }
            }
            double excess = sum - (prevSum + limits.rampWps() * limits.roundS());
            if (excess > 0 && up > 0) {
                double keep = Math.max(0, 1 - excess / up);
                for (int i = 0; i < n; i++) {
                    double prev = previous(slots.get(i));
                    if (b[i] > prev && slots.get(i).report() != null) {
                        b[i] = prev + (b[i] - prev) * keep;
                    }
                }
                binding = "ramp";
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            out.put(slots.get(i).id(), Math.max(0, b[i]));
        }
        return new Result(out, cap, binding);
    }

    private static double previous(Slot s) {
        return Double.isNaN(s.previousW()) ? Math.max(0, s.staticShareW()) : Math.max(0, s.previousW());
    }

    private static double nonNegative(double w) {
        return Double.isFinite(w) && w > 0 ? w : 0;
    }

    /**
     * Raises {@code alloc} towards {@code level}, max-min fair, with at most {@code amount}; returns what is left.
     * Water filling: everyone below the water rises to it, the water set so that the rises use the amount.
     */
    static double fill(double[] alloc, double[] level, double amount) {
        int m = alloc.length;
        double want = 0;
        for (int k = 0; k < m; k++) {
            want += Math.max(0, level[k] - alloc[k]);
        }
        if (want <= amount) {
            for (int k = 0; k < m; k++) {
                alloc[k] = Math.max(alloc[k], level[k]);
            }
            return amount - want;
        }
        // Each one's gap to its level; the water w gives min(gap, w) to each: find w with Σ min(gap, w) = amount.
        double[] gaps = new double[m];
        for (int k = 0; k < m; k++) {
            gaps[k] = Math.max(0, level[k] - alloc[k]);
        }
        double[] sorted = gaps.clone();
        java.util.Arrays.sort(sorted);
        double rest = amount;
        double water = 0;
        int remaining = m;
        for (int j = 0; j < m; j++) {
            double step = sorted[j] - water;
            if (step * remaining >= rest) {
                water += rest / remaining;
                rest = 0;
                break;
            }
            rest -= step * remaining;
            water = sorted[j];
            remaining--;
        }
        for (int k = 0; k < m; k++) {
            alloc[k] += Math.min(gaps[k], water);
        }
        return 0;
    }

    private static void spreadSpare(List<Slot> slots, List<Integer> live, double[] target, double spare) {
        int m = live.size();
        double weights = 0;
        boolean anyReady = false;
        for (int k = 0; k < m; k++) {
            anyReady |= slots.get(live.get(k)).report().n1Ready();
        }
        double[] w = new double[m];
        for (int k = 0; k < m; k++) {
            Slot s = slots.get(live.get(k));
            if (!anyReady || s.report().n1Ready()) {
                w[k] = Math.max(0, s.staticShareW());
                weights += w[k];
            }
        }
        if (weights <= 0) {
            for (int k = 0; k < m; k++) {
                w[k] = !anyReady || slots.get(live.get(k)).report().n1Ready() ? 1 : 0;
                weights += w[k];
            }
        }
        for (int k = 0; k < m; k++) {
            target[k] += spare * w[k] / weights;
        }
    }
}
