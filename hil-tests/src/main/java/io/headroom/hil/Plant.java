package io.headroom.hil;

import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Meter;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.RedundancyGroup;
import io.headroom.appliance.site.Site;
import io.headroom.common.DaemonThreads;
import io.headroom.drivers.modbus.MeterSlave;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The simulated hall, run in real time: node power follows a bursty workload bounded by each node's caps;
 * every node draws equally from the live feeds of its redundancy group; each feed's meter is a real Modbus TCP
 * server that the appliance polls. Feeds can be lost and restored. Records, per feed, the highest load seen
 * since a mark, so tests can assert "within the limit after settling".
 */
public final class Plant implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Plant.class);
    static final String[] POINTS = {"voltage-L1", "voltage-L2", "voltage-L3", "current-L1", "current-L2", "current-L3",
            "power-L1", "power-L2", "power-L3", "power-total", "power-factor", "frequency"};

    private final Site site;
    private final List<PlantNode> nodes = new ArrayList<>();
    private final Map<String, PlantNode> nodesById = new HashMap<>();
    private final Workload workload;
    private final Map<String, MeterSlave> meters = new HashMap<>();
    private final List<PlantBank> banks = new ArrayList<>();
    private final Map<String, Double> bankW = new HashMap<>();
    private final Map<String, Boolean> feedUp = new HashMap<>();
    private final Map<String, double[]> feedState = new HashMap<>(); // [powerW, currentA, peakFractionSinceMark]
    private final Random noise;
    private final ScheduledExecutorService thread;
    private final long stepMs;
    private volatile WaveformStreamer waveforms;
    private final boolean[] waveUp;
    private final double[] waveAmps;
    private long started;
    private final java.util.function.LongSupplier nanoTime;
    private volatile double nowS;
    private final Map<String, PlantBreaker> breakers = new HashMap<>();
    /** Per priority class (ordinal): uncapped GPU demand and delivered GPU energy since start, J. */
    private final double[] demandJ = new double[io.headroom.appliance.site.Priority.values().length];
    private final double[] deliveredJ = new double[io.headroom.appliance.site.Priority.values().length];
    private final Map<String, Double> meterFactor = new HashMap<>();
    /** Feeds whose meter keeps serving the values it had (a gateway answering from its cache for a dead meter). */
    private final java.util.Set<String> meterFrozen = new java.util.HashSet<>();
    private volatile StepListener stepListener;
    private volatile io.headroom.hil.study.StudyWorkload calibrated;
    private double[] calibratedDemand;
    private volatile io.headroom.hil.study.SynchronousTraining synchronous;
    private int[] synchronousIndex;

    /** Told at the end of every plant step, on the plant's thread: must be quick and must not block. */
    @FunctionalInterface
    public interface StepListener {
        void stepped(Plant plant, double nowS, double dtS);
    }

    /**
     * @param meterPorts per meter id, the TCP port its Modbus server listens on (127.0.0.1)
     */
    public Plant(Site site, Map<String, Integer> meterPorts, long seed, long stepMs) throws Exception {
        this(site, meterPorts, Map.of(), seed, stepMs);
    }

    /**
     * @param bankPorts per supercap bank id, the TCP port its converter's Modbus server listens on (127.0.0.1);
     *                  banks without a port are not simulated
     */
    public Plant(Site site, Map<String, Integer> meterPorts, Map<String, Integer> bankPorts, long seed, long stepMs)
            throws Exception {
        this(site, meterPorts, bankPorts, seed, stepMs, System::nanoTime);
    }

    /**
     * @param nanoTime the plant's clock, ns: real time ({@code System::nanoTime}) when it steps itself
     *                 ({@link #start}), virtual time when a test steps it ({@link #startStepped}, {@link #step(double)})
     */
    public Plant(Site site, Map<String, Integer> meterPorts, Map<String, Integer> bankPorts, long seed, long stepMs,
                 java.util.function.LongSupplier nanoTime) throws Exception {
        this.nanoTime = nanoTime;
        this.site = site;
        this.stepMs = stepMs;
        this.noise = new Random(seed ^ 0x5eed);
        for (Node n : site.nodes()) {
            PlantNode p = new PlantNode(n, 0.05);
            nodes.add(p);
            nodesById.put(n.id(), p);
        }
        this.workload = new Workload(site.nodes().stream().map(Node::priority).toArray(io.headroom.appliance.site.Priority[]::new), seed);
        for (Meter m : site.meters()) {
            meters.put(m.id(), new MeterSlave("127.0.0.1", meterPorts.get(m.id()), m.unitId(), m.map()));
        }
        for (Feed f : site.feeds()) {
            feedUp.put(f.id(), true);
            feedState.put(f.id(), new double[3]);
            breakers.put(f.id(), new PlantBreaker(f));
        }
        for (var b : site.supercaps()) {
            Integer port = bankPorts.get(b.id());
            if (port != null) {
                banks.add(new PlantBank(b, port));
            }
        }
        this.waveUp = new boolean[site.feeds().size()];
        this.waveAmps = new double[site.feeds().size()];
        this.thread = DaemonThreads.scheduler("plant");
    }

    public Site site() {
        return site;
    }

    public List<PlantNode> nodes() {
        return nodes;
    }

    public PlantNode node(String id) {
        return nodesById.get(id);
    }

    /**
     * The CT/PT front-end at {@code sampleRateHz}: where each feed's stream comes from (one UDP socket per feed on
     * 127.0.0.1, bound now and kept for the plant's life, so that the appliance can be told whom to hear, and keep
     * hearing them across its restarts). It sends nothing until {@link #streamWaveforms} says where to.
     */
    public synchronized Map<String, java.net.InetSocketAddress> waveformSources(double sampleRateHz) {
        WaveformStreamer w = this.waveforms;
        if (w == null || w.rateHz() != sampleRateHz) {
            this.waveforms = new WaveformStreamer(site, sampleRateHz);
            if (w != null) {
                w.close();
            }
        }
        return this.waveforms.sources();
    }

    /**
     * Fault drill: {@code count} forged frames on feed {@code feedId}'s waveform stream, every sample 0 (what a
     * feed loss looks like), from another host or with the front-end's own address (see {@link WaveformStreamer.Forgery}).
     */
    void forgeWaveformFrames(String feedId, WaveformStreamer.Forgery kind, int count) throws java.io.IOException {
        WaveformStreamer w = waveforms;
        int f = site.feeds().indexOf(site.feed(feedId).orElseThrow(() -> new IllegalArgumentException("no feed " + feedId)));
        if (w == null) {
            throw new IllegalStateException("no waveform streams");
        }
        w.forge(f, kind, count);
    }

    /**
     * The CT/PT front-end as merging units: every feed's stream published from now on as the Sampled Values stream
     * {@code streams} names (on its interface, {@code lo}), at its profile's rate; the appliance opens the streams
     * itself (the site's {@code waveforms.streams}), across its restarts too.
     *
     * @throws java.io.IOException when the raw socket cannot be opened (no CAP_NET_RAW)
     */
    public synchronized void publishSv(java.util.List<io.headroom.appliance.site.WaveformStream.Sv> streams)
            throws java.io.IOException {
        WaveformStreamer old = this.waveforms;
        this.waveforms = WaveformStreamer.sv(site, streams);
        if (old != null) {
            old.close();
        }
        this.waveforms.publish();
    }

    /** Streams every feed's waveforms to these addresses from now on (the appliance's waveform inputs). */
    public synchronized void streamWaveforms(Map<String, java.net.InetSocketAddress> targets, double sampleRateHz) {
        waveformSources(sampleRateHz);
        waveforms.retarget(targets);
    }

    public void start() {
        started = nanoTime.getAsLong();
        step(0);
        thread.scheduleAtFixedRate(() -> {
            try {
                step(stepMs / 1000.0);
            } catch (RuntimeException e) {
                log.error("plant step failed", e);
            }
        }, stepMs, stepMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts the plant without its thread: a test steps it ({@link #step(double)}) as its virtual clock moves; the
     * plant's time is that clock's, from now.
     */
    public void startStepped() {
        started = nanoTime.getAsLong();
        step(0);
    }

    /** Seconds since start. */
    public double nowS() {
        return nowS;
    }

    /** Returns once plant time has reached {@code s}: a drill's timetable, not a wait for an outcome. */
    public void sleepUntil(double s) throws InterruptedException {
        while (nowS < s) {
            Thread.sleep(Math.clamp((long) Math.ceil((s - nowS) * 1000), 1, 50));
        }
    }

    /** Every node to {@code fraction} of its GPUs' maximum for {@code seconds}. */
    public void forceBurst(double seconds, double fraction) {
        workload.forceBurst(nowS, seconds, fraction);
    }

    public synchronized void setFeedUp(String feedId, boolean up) {
        if (!feedUp.containsKey(feedId)) {
            throw new IllegalArgumentException("no feed " + feedId);
        }
        boolean was = feedUp.put(feedId, up);
        if (up) {
            breakers.get(feedId).close(); // a restored feed comes back through a closed breaker
        }
        // DEBUG: whoever changed it says so (a scenario's step), and the appliance logs what it did about it
        log.debug("feed {} {}", feedId, up ? "restored" : "lost");
        if (was != up) {
            feedChanged(feedId, up);
        }
    }

    /** Whether feed {@code id} carries load now (not lost, breaker closed). */
    public synchronized boolean feedUp(String id) {
        return feedUp.get(id);
    }

    /** Feed {@code id}'s breaker (read it under the plant's lock: {@code synchronized (plant)}). */
    public PlantBreaker breaker(String id) {
        return breakers.get(id);
    }

    /** Breaker trips since start, all feeds. */
    public synchronized int trips() {
        return breakers.values().stream().mapToInt(PlantBreaker::trips).sum();
    }

    /** Uncapped GPU demand energy of a priority class since start, J (what the work would have drawn). */
    public synchronized double demandJ(io.headroom.appliance.site.Priority p) {
        return demandJ[p.ordinal()];
    }

    /** GPU energy a priority class drew since start, J. */
    public synchronized double deliveredJ(io.headroom.appliance.site.Priority p) {
        return deliveredJ[p.ordinal()];
    }

    /** A failed meter answers every read with a Modbus exception; a lying one reports {@code factor} × the truth. */
    public synchronized void meterFault(String feedId, boolean failed) {
        Feed f = site.feed(feedId).orElseThrow(() -> new IllegalArgumentException("no feed " + feedId));
        meters.get(f.meterId()).unit(site.meter(f.meterId()).orElseThrow().unitId()).failing(failed);
        log.info("meter of feed {} {}", feedId, failed ? "failed" : "back");
    }

    /**
     * Feed {@code id}'s meter keeps answering with the values it had when frozen (true), or follows the plant again
     * (false): stale telemetry that looks fresh, as a Modbus gateway serves from its cache when the meter behind it
     * died.
     */
    public synchronized void meterFreeze(String feedId, boolean frozen) {
        if (!feedUp.containsKey(feedId)) {
            throw new IllegalArgumentException("no feed " + feedId);
        }
        if (frozen) {
            meterFrozen.add(feedId);
        } else {
            meterFrozen.remove(feedId);
        }
        log.info("meter of feed {} {}", feedId, frozen ? "frozen at its last values" : "follows the plant again");
    }

    /**
     * Feed {@code id}'s breaker opens now, as a shunt trip or a protection relay would open it (not an overload
     * along its curve: {@link #trips()} does not count it); the feed is lost until {@link #setFeedUp} recloses it.
     */
    public synchronized void tripBreaker(String feedId) {
        if (!feedUp.containsKey(feedId)) {
            throw new IllegalArgumentException("no feed " + feedId);
        }
        breakers.get(feedId).openByCommand();
        boolean was = feedUp.put(feedId, false);
        log.warn("feed {}: breaker opened (shunt trip)", feedId);
        if (was) {
            feedChanged(feedId, false);
        }
    }

    /** Feed {@code id}'s meter reports {@code factor} times the true current and power from now on (1: honest). */
    public synchronized void meterLies(String feedId, double factor) {
        if (!feedUp.containsKey(feedId)) {
            throw new IllegalArgumentException("no feed " + feedId);
        }
        meterFactor.put(feedId, factor);
        log.info("meter of feed {} reports {} × the truth", feedId, factor);
    }

    /**
     * From the next step on, the GPUs follow the calibrated workload models of the capacity study
     * ({@link io.headroom.hil.study.StudyWorkload}: synchronized training per rack with iteration-boundary dips
     * to 20/50/75 % of TDP and +37.5 % spikes, inference with bursts and slow ~12 % swings, batch work, job
     * start and stop ramps) instead of the default bursty one. Forced bursts still apply.
     */
    public synchronized void useCalibratedWorkload(long seed) {
        int n = site.nodes().size();
        io.headroom.appliance.site.Priority[] classes = new io.headroom.appliance.site.Priority[n];
        long[] keys = new long[n];
        int[] rackOf = new int[n];
        Map<String, Integer> rackIndex = new HashMap<>();
        Map<String, Integer> inRack = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Node node = site.nodes().get(i);
            classes[i] = node.priority();
            int r = rackIndex.computeIfAbsent(node.rackId(), k -> rackIndex.size());
            int k = inRack.merge(node.rackId(), 1, Integer::sum) - 1;
            rackOf[i] = r;
            keys[i] = ((long) r << 20) + k;
        }
        calibratedDemand = new double[n];
        calibrated = new io.headroom.hil.study.StudyWorkload(classes, keys, rackOf, Math.max(1, rackIndex.size()), seed);
        log.info("plant: calibrated workload models (seed {})", seed);
    }

    /**
     * From the next step on, every {@code flexible} node runs one synchronous training job ({@link
     * io.headroom.hil.study.SynchronousTraining}: compute and communication phases in lockstep across the job, start,
     * stop and checkpoint events at the given plant times); the other nodes keep their workload. Forced bursts still
     * apply.
     */
    public synchronized void useSynchronousTraining(io.headroom.hil.study.SynchronousTraining.Settings settings,
                                                    java.util.List<io.headroom.hil.study.SynchronousTraining.Event> events,
                                                    long seed) {
        int n = site.nodes().size();
        int[] index = new int[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            index[i] = site.nodes().get(i).priority() == io.headroom.appliance.site.Priority.FLEXIBLE ? k++ : -1;
        }
        synchronousIndex = index;
        synchronous = new io.headroom.hil.study.SynchronousTraining(settings, k, true, events, seed);
        log.info("plant: synchronous training on {} flexible nodes, {} s iterations, compute/communication {} (seed {})",
                k, settings.iterationS(), Math.round(settings.computeCommRatio() * 100) / 100.0, seed);
    }

    /** Whether the synchronous training job is within {@code windowS} of a start, stop or checkpoint now. */
    public synchronized boolean jobTransition(double windowS) {
        io.headroom.hil.study.SynchronousTraining sync = synchronous;
        return sync != null && sync.jobTransition(nowS, windowS);
    }

    /** Told when a feed goes down (lost, or its breaker tripped) or comes back: {@code (feedId, up)}. */
    @FunctionalInterface
    public interface FeedListener {
        void feedChanged(String feedId, boolean up);
    }

    private volatile FeedListener feedListener;

    /** Who is told of feed changes (the bench's breaker contacts); null for none. Called under the plant's lock. */
    public void onFeedChange(FeedListener l) {
        this.feedListener = l;
    }

    private void feedChanged(String feedId, boolean up) {
        FeedListener l = feedListener;
        if (l != null) {
            try {
                l.feedChanged(feedId, up);
            } catch (RuntimeException e) {
                log.warn("feed listener failed: {}", e.toString());
            }
        }
    }

    /**
     * Every node's cap-response model ({@link PlantNode#capResponse}): enforcement delay, settling time, and a
     * per-board telemetry error drawn uniformly in ±{@code telemetryError} (seeded, fixed per node).
     */
    public synchronized void capResponse(double delayS, double settlingS, double telemetryError, long seed) {
        Random r = new Random(seed ^ 0x7E1E);
        for (PlantNode n : nodes) {
            n.capResponse(delayS, settlingS, telemetryError * (2 * r.nextDouble() - 1));
        }
        log.info("plant: caps enforced {} ms after they are set, settling {} ms, telemetry error ±{} %",
                Math.round(delayS * 1000), Math.round(settlingS * 1000), Math.round(telemetryError * 1000) / 10.0);
    }

    /** Who is told each step (the scenario runner); null for none. */
    public void onStep(StepListener l) {
        this.stepListener = l;
    }

    /** The simulated banks. */
    public List<PlantBank> banks() {
        return banks;
    }

    /** Feed {@code id}'s current per phase now, A. */
    public synchronized double feedCurrentA(String id) {
        return feedState.get(id)[1];
    }

    public synchronized double feedPowerW(String id) {
        return feedState.get(id)[0];
    }

    /** The highest load (current / continuous limit) of feed {@code id} since the last {@link #markPeaks()}. */
    public synchronized double peakFractionSinceMark(String id) {
        return feedState.get(id)[2];
    }

    /** Starts a new window for {@link #peakFractionSinceMark}. */
    public synchronized void markPeaks() {
        for (double[] s : feedState.values()) {
            s[2] = 0;
        }
    }

    /** One step of {@code dtS} seconds, ending at the clock's now (the plant's thread calls it, or a test). */
    public synchronized void step(double dtS) {
        nowS = (nanoTime.getAsLong() - started) / 1e9;
        io.headroom.hil.study.StudyWorkload cal = calibrated;
        double forced = workload.forcedAt(nowS);
        if (cal != null && dtS > 0) {
            cal.step(nowS, dtS, calibratedDemand);
        }
        io.headroom.hil.study.SynchronousTraining sync = synchronous;
        if (sync != null) {
            sync.advance(nowS);
        }
        for (int i = 0; i < nodes.size(); i++) {
            PlantNode n = nodes.get(i);
            double fraction = cal == null ? workload.next(i, nowS, dtS)
                    : Double.isNaN(forced) ? calibratedDemand[i] : forced;
            if (sync != null && synchronousIndex[i] >= 0 && Double.isNaN(forced)) {
                fraction = sync.fraction(synchronousIndex[i], nowS);
            }
            double demandPerGpu = fraction * n.node().gpu().maxW();
            n.setDemandPerGpu(demandPerGpu);
            n.advance(dtS);
            int c = n.node().priority().ordinal();
            demandJ[c] += Math.min(demandPerGpu, n.node().gpu().maxW()) * n.gpuCount() * dtS;
            deliveredJ[c] += n.gpuPowerW() * dtS;
        }
        bankW.clear();
        for (PlantBank b : banks) {
            bankW.merge(b.bank().feedId(), b.step(dtS), Double::sum);
        }
        for (RedundancyGroup g : site.groups()) {
            double groupW = 0;
            for (Node n : site.nodesOf(g)) {
                groupW += nodesById.get(n.id()).totalW();
            }
            long live = g.feedIds().stream().filter(feedUp::get).count();
            for (String fid : g.feedIds()) {
                Feed f = site.feed(fid).orElseThrow();
                // The feed's banks deliver part of its share: the meter (grid side) sees the rest.
                double p = feedUp.get(fid) && live > 0 ? groupW / live - bankW.getOrDefault(fid, 0.0) : 0;
                publish(f, p);
            }
        }
        for (Feed f : site.feeds()) {
            if (breakers.get(f.id()).step(feedState.get(f.id())[1], dtS, nowS)) {
                feedUp.put(f.id(), false);
                feedChanged(f.id(), false);
                log.warn("feed {}: BREAKER TRIPPED at {} A ({} × rating)", f.id(),
                        String.format(java.util.Locale.ROOT, "%.1f", feedState.get(f.id())[1]),
                        String.format(java.util.Locale.ROOT, "%.2f", feedState.get(f.id())[1] / f.ratingA()));
            }
        }
        WaveformStreamer w = waveforms;
        if (w != null && dtS > 0) {
            for (int f = 0; f < waveUp.length; f++) {
                String id = site.feeds().get(f).id();
                waveUp[f] = feedUp.get(id);
                waveAmps[f] = feedState.get(id)[1];
            }
            w.emit(dtS, waveUp, waveAmps);
        }
        StepListener l = stepListener;
        if (l != null) {
            l.stepped(this, nowS, dtS);
        }
    }

    private void publish(Feed f, double powerW) {
        double vLn = f.phases() == 3 ? f.voltageV() / Math.sqrt(3) : f.voltageV();
        double pf = f.powerFactor();
        double[] phaseW = new double[3];
        double[] phaseA = new double[3];
        double maxA = 0;
        for (int k = 0; k < 3; k++) {
            double imbalance = 1 + 0.004 * (k - 1) + 0.001 * noise.nextGaussian();
            phaseW[k] = powerW / 3 * imbalance;
            phaseA[k] = phaseW[k] / (vLn * pf);
            maxA = Math.max(maxA, phaseA[k]);
        }
        double[] s = feedState.get(f.id());
        s[0] = powerW;
        s[1] = maxA;
        s[2] = Math.max(s[2], maxA / f.limitA());
        if (meterFrozen.contains(f.id())) {
            return; // the meter keeps serving what it last had
        }
        MeterSlave meter = meters.get(f.meterId());
        double v = feedUp.get(f.id()) ? vLn : 0; // a lost feed reads no voltage
        double k = meterFactor.getOrDefault(f.id(), 1.0); // a lying meter scales what it reports
        meter.set(POINTS, new double[]{v, v, v, k * phaseA[0], k * phaseA[1], k * phaseA[2], k * phaseW[0],
                k * phaseW[1], k * phaseW[2], k * powerW, pf, site.frequencyHz()});
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        meters.values().forEach(MeterSlave::close);
        banks.forEach(PlantBank::close);
        if (waveforms != null) {
            waveforms.close();
        }
    }
}
