package io.headroom.hil.study;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The hall in virtual time, stepped in whole milliseconds. Each node's GPUs (all alike) draw
 * {@code min(demand, enforced cap)} through a first-order response ({@code settleMs}); the same response
 * without the cap, bounded only by the GPUs' default limit, is the uncapped demand that compute lost is
 * measured against. Every node draws its base load plus its GPUs equally from the live feeds of its group; a
 * lost feed's share moves to the survivors the same millisecond. Each feed's breaker ({@link VirtualBreaker})
 * carries that current. The agents' power reading is a boxcar average ({@code telemetryWindowMs}) with a
 * per-board gain error; meters read the mean current over {@code meterWindowMs}, with noise.
 */
public final class VirtualPlant {

    static final int BIN_MS = 10;
    private static final int FEED_RING = 8192; // ms of per-feed current history

    private final Site site;
    private final List<Node> nodes;
    private final int n;
    private final int[] gpus;
    private final double[] maxW;
    private final double[] minW;
    private final double[] defaultW;
    private final double[] baseW;
    private final int[] cls;
    private final int[] group;
    private final double[] capW;
    private final double[] powerW;
    private final double[] uncappedW;
    private final double[] demand;
    private final double[] telemetryGain;
    private final StudyWorkload workload;
    private final double alpha;
    // Boxcar of the GPUs' power per node, in BIN_MS bins.
    private final int bins;
    private final double[][] binRing;
    private final double[] binSum;
    private final double[] binAcc;
    private int binPos;
    // Feeds.
    private final List<Feed> feeds;
    private final int[] feedGroup;
    private final boolean[] live;
    private final VirtualBreaker[] breakers;
    private final VirtualUps[] ups; // null without a UPS in the power path
    private final double[][] feedRing;
    private final double[] feedAmpsPerW;
    private final int[] liveInGroup;
    private final double[] groupW;
    private final SplittableRandom meterNoise;
    private final double meterNoiseSd;
    private long nowMs;
    // Compute accounting per priority class, GPU joules.
    private boolean accounting;
    private final double[] deliveredJ = new double[Priority.values().length];
    private final double[] demandJ = new double[Priority.values().length];
    // Throughput delivered per class, in uncapped-GPU joules: each millisecond's uncapped energy times the fraction of
    // its throughput the GPU keeps at its power (PerformanceCurves).
    private final double[] performanceJ = new double[Priority.values().length];
    private double[] worstOverLimit;
    // Per class, while accounting and recording: 1 W bins of each node's per-GPU power (node-milliseconds) and of
    // its per-GPU uncapped demand (GPU-milliseconds), for the static baselines (measured peak, fixed cap).
    static final int HIST_BINS = 4096;
    private double[][] powerHist;
    private double[][] demandHist;

    /**
     * @param placed the site's nodes with their stable keys, in site order
     */
    public VirtualPlant(Site site, List<ScaledSite.Placed> placed, int racks, StudyParams p, long seed,
                        java.util.function.ToDoubleFunction<Node> initialCapW) {
        this.site = site;
        this.nodes = site.nodes();
        this.n = nodes.size();
        if (placed.size() != n) {
            throw new IllegalArgumentException("placed " + placed.size() + " nodes for a site of " + n);
        }
        gpus = new int[n];
        maxW = new double[n];
        minW = new double[n];
        defaultW = new double[n];
        baseW = new double[n];
        cls = new int[n];
        group = new int[n];
        capW = new double[n];
        powerW = new double[n];
        uncappedW = new double[n];
        demand = new double[n];
        telemetryGain = new double[n];
        Priority[] classes = new Priority[n];
        long[] keys = new long[n];
        int[] rackOf = new int[n];
        for (int i = 0; i < n; i++) {
            Node node = nodes.get(i);
            gpus[i] = node.gpus();
            maxW[i] = node.gpu().maxW();
            minW[i] = node.gpu().minW();
            defaultW[i] = node.gpu().defaultW();
            baseW[i] = node.baseW();
            cls[i] = node.priority().ordinal();
            classes[i] = node.priority();
            keys[i] = placed.get(i).key();
            rackOf[i] = placed.get(i).rack();
            group[i] = groupIndex(site, node.groupId());
            capW[i] = Math.clamp(initialCapW.applyAsDouble(node), minW[i], maxW[i]);
            SplittableRandom b = new SplittableRandom(Seeds.mix(seed, 0xB0A2D, keys[i]));
            double g = b.nextDouble() + b.nextDouble() + b.nextDouble() - 1.5; // ~ N(0, 0.5²), bounded
            telemetryGain[i] = 1 + p.telemetryErrorPct() / 100 * g * 2;
        }
        workload = new StudyWorkload(classes, keys, rackOf, racks, seed);
        alpha = p.settleMs() <= 0 ? 1 : 1 - Math.exp(-1.0 / p.settleMs());
        bins = Math.max(1, p.telemetryWindowMs() / BIN_MS);
        binRing = new double[n][bins];
        binSum = new double[n];
        binAcc = new double[n];
        feeds = site.feeds();
        feedGroup = new int[feeds.size()];
        live = new boolean[feeds.size()];
        breakers = new VirtualBreaker[feeds.size()];
        ups = p.ups().enabled() ? new VirtualUps[feeds.size()] : null;
        feedRing = new double[feeds.size()][FEED_RING];
        feedAmpsPerW = new double[feeds.size()];
        worstOverLimit = new double[feeds.size()];
        for (int f = 0; f < feeds.size(); f++) {
            Feed feed = feeds.get(f);
            feedGroup[f] = groupIndex(site, site.groupOfFeed(feed.id()).id());
            live[f] = true;
            breakers[f] = new VirtualBreaker(feed);
            if (ups != null) {
                ups[f] = new VirtualUps(feed, feed.ups() != null ? UpsModel.of(feed.ups(), feed) : p.ups()); // the site's own
            }
            feedAmpsPerW[f] = 1 / feed.powerAtCurrentW(1);
        }
        liveInGroup = new int[site.groups().size()];
        groupW = new double[site.groups().size()];
        for (int g = 0; g < liveInGroup.length; g++) {
            liveInGroup[g] = site.groups().get(g).feedIds().size();
        }
        meterNoise = new SplittableRandom(Seeds.mix(seed, 0x3E7E2, 0));
        meterNoiseSd = p.meterNoisePct() / 100;
        // Start in a steady state: every GPU already at min(demand, cap), the boxcars full.
        workload.step(0, 0.001, demand);
        for (int i = 0; i < n; i++) {
            double d = demand[i] * maxW[i];
            uncappedW[i] = Math.min(d, defaultW[i]);
            powerW[i] = Math.min(uncappedW[i], capW[i]);
            java.util.Arrays.fill(binRing[i], powerW[i] * BIN_MS);
            binSum[i] = powerW[i] * BIN_MS * bins;
        }
    }

    static int groupIndex(Site site, String groupId) {
        List<RedundancyGroup> gs = site.groups();
        for (int g = 0; g < gs.size(); g++) {
            if (gs.get(g).id().equals(groupId)) {
                return g;
            }
        }
        throw new IllegalArgumentException("no group " + groupId);
    }

    /** Advances one millisecond. */
    public void step() {
        nowMs++;
        double tS = nowMs / 1000.0;
        workload.step(tS, 0.001, demand);
        java.util.Arrays.fill(groupW, 0);
        boolean acc = accounting;
        for (int i = 0; i < n; i++) {
            double d = demand[i] * maxW[i];
            double unc = Math.min(d, defaultW[i]);
            double target = Math.min(unc, capW[i]);
            powerW[i] += alpha * (target - powerW[i]);
            uncappedW[i] += alpha * (unc - uncappedW[i]);
            binAcc[i] += powerW[i];
            groupW[group[i]] += baseW[i] + powerW[i] * gpus[i];
            if (acc) {
                deliveredJ[cls[i]] += powerW[i] * gpus[i] * 0.001;
                demandJ[cls[i]] += uncappedW[i] * gpus[i] * 0.001;
                performanceJ[cls[i]] += uncappedW[i] * gpus[i] * 0.001 * (powerW[i] >= uncappedW[i] ? 1
                        : PerformanceCurves.fraction(cls[i], powerW[i] / uncappedW[i]));
                if (powerHist != null) {
                    powerHist[cls[i]][bin(powerW[i])] += 1;
                    demandHist[cls[i]][bin(uncappedW[i])] += gpus[i];
                }
            }
        }
        if (nowMs % BIN_MS == 0) {
            binPos = (binPos + 1) % bins;
            for (int i = 0; i < n; i++) {
                binSum[i] += binAcc[i] - binRing[i][binPos];
                binRing[i][binPos] = binAcc[i];
                binAcc[i] = 0;
            }
        }
        int slot = (int) (nowMs % FEED_RING);
        for (int f = 0; f < feeds.size(); f++) {
            double amps = 0;
            if (live[f] && !breakers[f].tripped()) {
                int g = feedGroup[f];
                amps = groupW[g] / liveInGroup[g] * feedAmpsPerW[f];
            }
            feedRing[f][slot] = amps;
            breakers[f].step(amps, 0.001);
            if (ups != null) {
                ups[f].step(amps, 0.001);
            }
            if (breakers[f].tripped() && live[f]) {
                open(f); // its load moves to the others from the next millisecond
            }
            if (live[f]) {
                worstOverLimit[f] = Math.max(worstOverLimit[f], amps / feeds.get(f).limitA());
            }
        }
    }

    /** Opens a feed (a loss, or its breaker tripping): its group's load splits over the others. */
    public void loseFeed(int f) {
        open(f);
    }

    private void open(int f) {
        if (live[f]) {
            live[f] = false;
            liveInGroup[feedGroup[f]]--;
        }
    }

    public long nowMs() {
        return nowMs;
    }

    public Site site() {
        return site;
    }

    public int nodeCount() {
        return n;
    }

    /** Sets the per-GPU limit an agent enforces from now (clamped into its GPUs' range, as the agent does). */
    public void enforceCap(int node, double perGpuW) {
        capW[node] = Math.clamp(perGpuW, minW[node], maxW[node]);
    }

    public double enforcedCapW(int node) {
        return capW[node];
    }

    /**
     * Whether the node's GPUs are held down by their cap now: their uncapped demand exceeds it (what NVML reports as
     * the SW power cap clocks event reason).
     */
    public boolean powerThrottled(int node) {
        return Math.min(demand[node] * maxW[node], defaultW[node]) > capW[node] + 0.5;
    }

    /** Whether the node's GPUs are idle now (uncapped demand under 10 % of their maximum). */
    public boolean idle(int node) {
        return demand[node] < 0.1;
    }

    /** A node's GPUs' power now, W (all GPUs). */
    public double gpuPowerW(int node) {
        return powerW[node] * gpus[node];
    }

    /** What the node's agent reads: the boxcar average of its GPUs' power, with the board's gain error, W. */
    public double telemetryW(int node) {
        return binSum[node] / (bins * BIN_MS) * gpus[node] * telemetryGain[node];
    }

    /** Current on feed {@code f} now, A per phase (0 if open). */
    public double feedCurrentA(int f) {
        return feedRing[f][(int) (nowMs % FEED_RING)];
    }

    /** The meter's reading: the mean current over {@code windowMs} ending {@code ageMs} ago, with noise, A. */
    public double meterCurrentA(int f, int windowMs, int ageMs) {
        int w = Math.max(1, Math.min(windowMs, FEED_RING - ageMs - 1));
        double s = 0;
        for (int k = 0; k < w; k++) {
            long t = nowMs - ageMs - k;
            s += t < 0 ? feedRing[f][(int) (nowMs % FEED_RING)] : feedRing[f][(int) (t % FEED_RING)];
        }
        double mean = s / w;
        double noise = meterNoiseSd > 0 ? 1 + meterNoiseSd * gaussian() : 1;
        return mean * noise;
    }

    private double gaussian() {
        double u = 1 - meterNoise.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * meterNoise.nextDouble());
    }

    /** Mean current over the last {@code windowMs}, without noise, A. */
    public double meanCurrentA(int f, int windowMs) {
        int w = Math.min(windowMs, FEED_RING - 1);
        double s = 0;
        for (int k = 0; k < w; k++) {
            long t = nowMs - k;
            s += feedRing[f][(int) (Math.max(0, t) % FEED_RING)];
        }
        return s / w;
    }

    public boolean live(int f) {
        return live[f];
    }

    public VirtualBreaker breaker(int f) {
        return breakers[f];
    }

    /** Feed {@code f}'s UPS module, or null without a UPS in the power path. */
    public VirtualUps ups(int f) {
        return ups == null ? null : ups[f];
    }

    public int feedCount() {
        return feeds.size();
    }

    /** Starts (or stops) counting delivered and uncapped GPU energy per class. */
    public void account(boolean on) {
        accounting = on;
    }

    private static int bin(double w) {
        return Math.clamp(Math.round(w), 0, HIST_BINS - 1);
    }

    /** Records, while accounting, each class's per-GPU power and uncapped demand in 1 W bins (see {@link #powerHistogram}). */
    public void recordHistograms() {
        powerHist = new double[Priority.values().length][HIST_BINS];
        demandHist = new double[Priority.values().length][HIST_BINS];
    }

    /** A class's per-GPU power drawn, node-milliseconds per 1 W bin (null unless {@link #recordHistograms}). */
    public double[] powerHistogram(Priority p) {
        return powerHist == null ? null : powerHist[p.ordinal()].clone();
    }

    /** A class's per-GPU uncapped demand, GPU-milliseconds per 1 W bin (null unless {@link #recordHistograms}). */
    public double[] demandHistogram(Priority p) {
        return demandHist == null ? null : demandHist[p.ordinal()].clone();
    }

    /** Delivered GPU energy of a class so far, J. */
    public double deliveredJ(Priority p) {
        return deliveredJ[p.ordinal()];
    }

    /** Uncapped GPU demand energy of a class so far, J. */
    public double demandJ(Priority p) {
        return demandJ[p.ordinal()];
    }

    /** Throughput delivered by a class over the counted part, in uncapped-GPU joules ({@link PerformanceCurves}). */
    public double performanceJ(Priority c) {
        return performanceJ[c.ordinal()];
    }

    /** The highest current / continuous limit a live feed carried. */
    public double worstOverLimit(int f) {
        return worstOverLimit[f];
    }

    public void resetWorstOverLimit() {
        worstOverLimit = new double[feeds.size()];
    }
}
