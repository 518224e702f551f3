package io.headroom.hil.study;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One synchronous training job across many nodes, the workload that swings a hall's power at the point of
 * interconnection: every iteration a compute-heavy phase (GPUs near their compute level) and a communication-heavy
 * phase (all-reduce: GPUs near idle), in lockstep across the job, so the swings add up instead of averaging out; plus
 * the job's start, stop and checkpoint events, where the whole job's power arrives or leaves within a second.
 * Deterministic from a seed; stepped by the caller (virtual or real time). Demand is a fraction of the GPU's
 * maximum power.
 *
 * <p>Parameters and where they come from (what was read is in {@code hil-tests/README.md}, *Synchronous training*):
 * <ul>
 *   <li>iteration period 0.5–5 s, the swing's fundamental at 0.2–2 Hz: Choukse et al., "Power Stabilization for AI
 *       Training Datacenters" (Microsoft, OpenAI, NVIDIA; arXiv:2508.14318, 2025) put the production swings'
 *       spectrum at about 0.2–3 Hz, and name compute-heavy phases near TDP and communication phases near idle;</li>
 *   <li>the compute/communication power ratio and the compute share of an iteration are settings (default 1.86 and
 *       0.5: a hall swinging ±30 % around its mean, the test case);</li>
 *   <li>the transition between phases takes {@code edgeS} (default 30 ms) and each node lags the job's clock by a
 *       collective skew of up to {@code skewS} (default 10 ms): the edges carry the 3–30 Hz content;</li>
 *   <li>job start, stop and checkpoint: the whole job's power arrives or leaves at once (NVIDIA, "How New GB300
 *       NVL72 Features Provide Steady Power for AI", 2025: thousands of GPUs in lockstep, abrupt transitions between
 *       idle and high-power states, at the start and the end of a training run); a checkpoint holds the GPUs near
 *       idle for {@code checkpointS} while the state is written.</li>
 * </ul>
 */
public final class SynchronousTraining {

    /**
     * @param iterationS       iteration period, s (0.5–5)
     * @param computeShare     share of an iteration in the compute phase, (0, 1)
     * @param computeLevel     compute-phase power, fraction of the GPU's maximum
     * @param computeCommRatio compute-phase power / communication-phase power, ≥ 1
     * @param idleLevel        a stopped job's (or a checkpoint's) power, fraction of the GPU's maximum
     * @param edgeS            duration of a phase transition, s
     * @param skewS            the most a node lags the job's clock, s
     * @param checkpointS      how long a checkpoint holds the GPUs near idle, s
     */
    public record Settings(double iterationS, double computeShare, double computeLevel, double computeCommRatio,
                           double idleLevel, double edgeS, double skewS, double checkpointS) {

        public Settings {
            if (!(iterationS >= 0.5 && iterationS <= 5)) {
                throw new IllegalArgumentException("iteration period must be 0.5–5 s, got " + iterationS);
            }
            if (!(computeShare > 0 && computeShare < 1)) {
                throw new IllegalArgumentException("compute share must be in (0, 1), got " + computeShare);
            }
            if (!(computeCommRatio >= 1)) {
                throw new IllegalArgumentException("compute/communication ratio must be ≥ 1, got " + computeCommRatio);
            }
            if (!(computeLevel > 0 && computeLevel <= 1 && idleLevel >= 0 && idleLevel < computeLevel)) {
                throw new IllegalArgumentException("levels must be 0 ≤ idle < compute ≤ 1");
            }
            if (!(edgeS >= 0 && skewS >= 0 && checkpointS > 0)) {
                throw new IllegalArgumentException("edge and skew must be ≥ 0 s, checkpoint > 0 s");
            }
        }

        /** The hall: ±30 % around the mean at 1 Hz (compute 0.9 of TDP for half of each 1 s iteration). */
        public static Settings swing30At1Hz() {
            return new Settings(1.0, 0.5, 0.90, 1.3 / 0.7, 0.12, 0.030, 0.010, 8);
        }

        /** Communication-phase power, fraction of the GPU's maximum. */
        public double commLevel() {
            return computeLevel / computeCommRatio;
        }

        /** The mean power of a running job, fraction of the GPU's maximum. */
        public double meanLevel() {
            return computeShare * computeLevel + (1 - computeShare) * commLevel();
        }
    }

    /** What happens to the job, and when. */
    public enum EventKind { START, STOP, CHECKPOINT }

    public record Event(double atS, EventKind kind) {
    }

    private final Settings s;
    private final List<Event> events;
    private final double[] lagS;
    private final double[] gain;
    private boolean running;
    private double checkpointUntilS = Double.NEGATIVE_INFINITY;
    private double lastEventS = Double.NEGATIVE_INFINITY;
    private int next;

    /**
     * @param nodes   how many nodes the job spans (each node's skew and gain are drawn from the seed)
     * @param running whether the job runs at t = 0
     * @param events  start, stop and checkpoint events, any order
     */
    public SynchronousTraining(Settings s, int nodes, boolean running, List<Event> events, long seed) {
        this.s = s;
        this.running = running;
        List<Event> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparingDouble(Event::atS));
        this.events = List.copyOf(sorted);
        this.lagS = new double[nodes];
        this.gain = new double[nodes];
        for (int i = 0; i < nodes; i++) {
            SplittableRandom r = new SplittableRandom(Seeds.mix(seed, 0x5C, i));
            lagS[i] = s.skewS() * r.nextDouble();
            gain[i] = 0.98 + 0.04 * r.nextDouble(); // silicon differences within a job
        }
    }

    /** A job running throughout, with a checkpoint every {@code checkpointEveryS} (0: none) over {@code durationS}. */
    public static List<Event> checkpoints(double everyS, double durationS) {
        List<Event> out = new ArrayList<>();
        if (everyS > 0) {
            for (double t = everyS; t < durationS; t += everyS) {
                out.add(new Event(t, EventKind.CHECKPOINT));
            }
        }
        return out;
    }

    public Settings settings() {
        return s;
    }

    public int nodes() {
        return lagS.length;
    }

    /** Applies the events due by {@code tS}. Call before {@link #fraction} for each step. */
    public void advance(double tS) {
        while (next < events.size() && events.get(next).atS() <= tS) {
            Event e = events.get(next++);
            lastEventS = e.atS();
            switch (e.kind()) {
                case START -> running = true;
                case STOP -> running = false;
                case CHECKPOINT -> checkpointUntilS = e.atS() + s.checkpointS();
            }
        }
    }

    /** Whether the job is running (between its start and its stop) at the last {@link #advance}. */
    public boolean running() {
        return running;
    }

    /**
     * Whether a start, stop or checkpoint happened within {@code windowS} before {@code tS} or a checkpoint is in
     * progress: the time the site's job start/stop ramp limits apply (a scheduler tells the appliance so).
     */
    public boolean jobTransition(double tS, double windowS) {
        return jobTransition(tS, 0, windowS);
    }

    /**
     * As {@link #jobTransition(double, double)}, and also {@code leadS} before an event: a scheduler announces a
     * job's start, stop or checkpoint ahead, so that ramp limits can be in place when it comes.
     */
    public boolean jobTransition(double tS, double leadS, double windowS) {
        if (tS - lastEventS < windowS || tS < checkpointUntilS + windowS) {
            return true;
        }
        if (checkpointUntilS > tS && checkpointUntilS - tS <= leadS) {
            return true; // a checkpoint's end: the job's power comes back
        }
        return next < events.size() && events.get(next).atS() - tS <= leadS;
    }

    /** Node {@code i}'s demand at {@code tS}, fraction of its GPUs' maximum. */
    public double fraction(int i, double tS) {
        double t = tS - lagS[i];
        if (!running) {
            return s.idleLevel();
        }
        if (t >= checkpointUntilS - s.checkpointS() && t < checkpointUntilS) {
            return s.idleLevel();
        }
        return phaseLevel(t) * gain[i];
    }

    /** The job's power in its iteration at {@code t}, with linear phase edges of {@code edgeS}. */
    double phaseLevel(double t) {
        double period = s.iterationS();
        double x = t - Math.floor(t / period) * period; // 0..period: compute first, then communication
        double compute = s.computeShare() * period;
        double hi = s.computeLevel();
        double lo = s.commLevel();
        double e = s.edgeS();
        if (e <= 0) {
            return x < compute ? hi : lo;
        }
        if (x < e) {
            return lo + (hi - lo) * x / e;
        }
        if (x < compute) {
            return hi;
        }
        if (x < compute + e) {
            return hi - (hi - lo) * (x - compute) / e;
        }
        return lo;
    }
}
