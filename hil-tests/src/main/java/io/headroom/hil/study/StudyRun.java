package io.headroom.hil.study;

import io.headroom.appliance.control.AllocationMode;
import io.headroom.appliance.control.ContingencyPlanner;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of a hall in virtual time, millisecond by millisecond: either normal operation (every feed up, the
 * compute delivered per class counted after the warm-up) or a drill (one feed lost at a given time, the rest
 * of the outage extrapolated for the breakers). With {@code headroom} the real control core regulates
 * ({@link VirtualAppliance}); without it every GPU runs uncapped at its default limit.
 */
public final class StudyRun {

    /** Seconds at the drill's end whose mean current is taken to last for the rest of the outage. */
    static final int TAIL_MS = 5_000;

    /**
     * @param trips          breakers that tripped, or would over the outage's remainder, with why (empty: none)
     * @param worstExposure  the highest fraction of a trip curve's allowed time any breaker used in the run
     * @param projectedExposure the highest exposure a survivor would reach by the outage's end (drills; 0 otherwise)
     * @param deliveredJ     GPU energy delivered per class (ordinal) over the counted part, J
     * @param demandJ        uncapped GPU demand energy per class over the counted part, J
     * @param recoveryMs     drills: from the loss to the last moment a survivor was above its continuous limit, ms
     * @param worstRatio     the highest current / continuous limit a live feed carried in the counted part
     * @param fired          drills: the armed contingency was fired at the agents
     * @param powerHist      per class (ordinal), per-GPU power in 1 W bins over the counted part (node-ms), or null
     * @param demandHist     per class (ordinal), per-GPU uncapped demand in 1 W bins (GPU-ms), or null
     * @param transfers      UPS modules that transferred to bypass, or would over the outage's remainder, with why
     * @param upsExposure    the highest fraction of a UPS overload curve's allowed time used, the outage's
     *                       remainder included (drills)
     * @param upsOverloadS   seconds UPS modules carried more than their rating, all modules together
     * @param performanceJ   per class, throughput delivered over the counted part in uncapped-GPU joules
     *                       ({@link PerformanceCurves}): compute lost as performance, not energy
     */
    public record Result(List<String> trips, double worstExposure, double projectedExposure, double[] deliveredJ,
                         double[] demandJ, double recoveryMs, double worstRatio, boolean fired, double[][] powerHist,
                         double[][] demandHist, List<String> transfers, double upsExposure, double upsOverloadS,
                         double[] performanceJ) {

        /** No breaker tripped and no UPS transferred. */
        public boolean held() {
            return trips.isEmpty() && transfers.isEmpty();
        }

        public boolean tripped() {
            return !trips.isEmpty();
        }

        /** Performance lost by a class: 1 − throughput delivered / uncapped ({@link PerformanceCurves}). */
        public double performanceLostFraction(Priority p) {
            double d = demandJ[p.ordinal()];
            return d <= 0 || performanceJ == null ? 0 : Math.max(0, 1 - performanceJ[p.ordinal()] / d);
        }

        /** Compute lost by a class: 1 − delivered / uncapped demand (0 when the class demanded nothing). */
        public double lostFraction(Priority p) {
            double d = demandJ[p.ordinal()];
            return d <= 0 ? 0 : Math.max(0, 1 - deliveredJ[p.ordinal()] / d);
        }
    }

    private StudyRun() {
    }

    /** Normal operation: warm-up, then {@code normalS} counted. */
    public static Result normal(ScaledSite scaled, int nodes, boolean headroom, StudyParams p, long seed) {
        return normal(scaled, nodes, headroom, p, seed, AllocationMode.CLASS_FAIR);
    }

    /** Normal operation with the appliance's regulation in the given allocation mode. */
    public static Result normal(ScaledSite scaled, int nodes, boolean headroom, StudyParams p, long seed,
                                AllocationMode allocation) {
        return run(scaled, nodes, headroom, null, false, p, seed, null, Double.NaN, allocation);
    }

    /**
     * Normal operation without the appliance, every node's GPUs held at {@code capOf} (their default limit: uncapped);
     * with {@code record} the result carries each class's per-GPU power and demand histograms.
     */
    public static Result fixedNormal(ScaledSite scaled, int nodes, java.util.function.ToDoubleFunction<Node> capOf,
                                     boolean record, StudyParams p, long seed) {
        return run(scaled, nodes, false, capOf, record, p, seed, null, Double.NaN, AllocationMode.CLASS_FAIR);
    }

    /** A drill without the appliance, every node's GPUs held at {@code capOf}. */
    public static Result fixedDrill(ScaledSite scaled, int nodes, java.util.function.ToDoubleFunction<Node> capOf,
                                    StudyParams p, long seed, String feedId, double lossAtS) {
        return run(scaled, nodes, false, capOf, false, p, seed, feedId, lossAtS, AllocationMode.CLASS_FAIR);
    }

    /** A drill: feed {@code feedId} is lost at {@code lossAtS}; the compute counted is from the loss on. */
    public static Result drill(ScaledSite scaled, int nodes, boolean headroom, StudyParams p, long seed,
                               String feedId, double lossAtS) {
        return drill(scaled, nodes, headroom, p, seed, feedId, lossAtS, AllocationMode.CLASS_FAIR);
    }

    /** A drill with the appliance's regulation in the given allocation mode. */
    public static Result drill(ScaledSite scaled, int nodes, boolean headroom, StudyParams p, long seed,
                               String feedId, double lossAtS, AllocationMode allocation) {
        return run(scaled, nodes, headroom, null, false, p, seed, feedId, lossAtS, allocation);
    }

    private static Result run(ScaledSite scaled, int count, boolean headroom,
                              java.util.function.ToDoubleFunction<Node> fixedCap, boolean record, StudyParams p,
                              long seed, String lostFeed, double lossAtS, AllocationMode allocation) {
        Site site = scaled.withNodes(count);
        Map<String, Double> safe = new HashMap<>();
        for (RedundancyGroup g : site.groups()) {
            safe.put(g.id(), ContingencyPlanner.safeCapW(site, g));
        }
        VirtualPlant plant = new VirtualPlant(site, scaled.placedInSiteOrder(count), scaled.rackCount(), p, seed,
                headroom ? (Node n) -> safe.get(n.groupId()) : fixedCap != null ? fixedCap : (Node n) -> n.gpu().defaultW());
        if (record) {
            plant.recordHistograms();
        }
        VirtualAppliance appliance = headroom ? new VirtualAppliance(site, plant, p, allocation) : null;
        boolean drill = lostFeed != null;
        long warmupMs = Math.round(p.warmupS() * 1000);
        long lossMs = drill ? Math.round(lossAtS * 1000) : -1;
        long endMs = drill ? lossMs + Math.round(p.postLossS() * 1000) : warmupMs + Math.round(p.normalS() * 1000);
        long countFromMs = drill ? lossMs : warmupMs;
        int lostIndex = drill ? feedIndex(site, lostFeed) : -1;
        long lastOverMs = -1;
        double worstRatio = 0;
        for (long ms = 1; ms <= endMs; ms++) {
            if (ms == lossMs) {
                plant.loseFeed(lostIndex);
                if (appliance != null) {
                    appliance.feedLost(lostFeed, ms);
                }
            }
            if (ms == countFromMs) {
                plant.account(true);
            }
            if (appliance != null) {
                appliance.advanceTo(ms - 1); // decisions made on what was measured up to the last millisecond
            }
            plant.step();
            if (ms >= countFromMs) {
                for (int f = 0; f < plant.feedCount(); f++) {
                    if (plant.live(f)) {
                        double r = plant.feedCurrentA(f) / site.feeds().get(f).limitA();
                        worstRatio = Math.max(worstRatio, r);
                        if (drill && r > 1 + 1e-9) {
                            lastOverMs = ms;
                        }
                    }
                }
            }
            if (anyTripped(plant)) {
                break;
            }
        }
        List<String> trips = new java.util.ArrayList<>();
        double worst = 0;
        double projected = 0;
        for (int f = 0; f < plant.feedCount(); f++) {
            VirtualBreaker b = plant.breaker(f);
            worst = Math.max(worst, b.worstExposure());
            if (b.tripped()) {
                trips.add(String.format(java.util.Locale.ROOT, "%s after %.3f s", b.why(), b.trippedAtS()));
            } else if (drill && plant.live(f)) {
                double ratio = plant.meanCurrentA(f, TAIL_MS) / b.feed().ratingA();
                double rest = Math.max(0, p.outageS() - p.postLossS());
                double e = b.projectedExposure(ratio, rest);
                projected = Math.max(projected, e);
                if (e >= 1) {
                    trips.add(String.format(java.util.Locale.ROOT,
                            "breaker %s would trip within the %.0f s outage: %.3f × rating sustained after the loss",
                            b.feed().id(), p.outageS(), ratio));
                }
            }
        }
        List<String> transfers = new java.util.ArrayList<>();
        double upsExposure = 0;
        double upsOverloadS = 0;
        for (int f = 0; f < plant.feedCount(); f++) {
            VirtualUps u = plant.ups(f);
            if (u == null) {
                continue;
            }
            upsExposure = Math.max(upsExposure, u.worstExposure());
            upsOverloadS += u.overloadS();
            if (u.transferred()) {
                transfers.add(String.format(java.util.Locale.ROOT, "%s after %.3f s", u.why(), u.transferredAtS()));
            } else if (drill && plant.live(f)) {
                double ratio = plant.meanCurrentA(f, TAIL_MS) / u.ratingA();
                double e = u.projectedExposure(ratio, Math.max(0, p.outageS() - p.postLossS()));
                upsExposure = Math.max(upsExposure, e);
                if (e >= 1) {
                    transfers.add(String.format(java.util.Locale.ROOT,
                            "UPS %s would transfer to bypass within the %.0f s outage: %.3f × its rating sustained after the loss",
                            u.feed().id(), p.outageS(), ratio));
                }
            }
        }
        double[] delivered = new double[Priority.values().length];
        double[] demand = new double[Priority.values().length];
        double[] performance = new double[Priority.values().length];
        for (Priority c : Priority.values()) {
            delivered[c.ordinal()] = plant.deliveredJ(c);
            demand[c.ordinal()] = plant.demandJ(c);
            performance[c.ordinal()] = plant.performanceJ(c);
        }
        double recovery = !drill || lastOverMs < 0 ? 0 : lastOverMs - lossMs;
        double[][] powerHist = null;
        double[][] demandHist = null;
        if (record) {
            powerHist = new double[Priority.values().length][];
            demandHist = new double[Priority.values().length][];
            for (Priority c : Priority.values()) {
                powerHist[c.ordinal()] = plant.powerHistogram(c);
                demandHist[c.ordinal()] = plant.demandHistogram(c);
            }
        }
        return new Result(List.copyOf(trips), worst, projected, delivered, demand, recovery, worstRatio,
                appliance != null && appliance.triggers() > 0, powerHist, demandHist, List.copyOf(transfers),
                upsExposure, upsOverloadS, performance);
    }

    private static boolean anyTripped(VirtualPlant plant) {
        for (int f = 0; f < plant.feedCount(); f++) {
            if (plant.breaker(f).tripped()) {
                return true;
            }
        }
        return false;
    }

    static int feedIndex(Site site, String feedId) {
        for (int f = 0; f < site.feeds().size(); f++) {
            if (site.feeds().get(f).id().equals(feedId)) {
                return f;
            }
        }
        throw new IllegalArgumentException("no feed " + feedId);
    }
}
