package io.headroom.hil.study;

import io.headroom.appliance.site.Priority;

import java.util.SplittableRandom;

/**
 * What every node's GPUs would draw uncapped, stepped in virtual time, deterministic from a seed. Demand is a
 * fraction of the GPU's maximum power; the GPU's own default limit and the caps bound it in {@link VirtualPlant}.
 *
 * <ul>
 *   <li>{@code flexible}: synchronized training, one job per rack (every flexible node of a rack in lockstep):
 *       a compute level of {@value #TRAIN_LEVEL_LO}–{@value #TRAIN_LEVEL_HI} of TDP, an iteration of
 *       1.5–4 s ending in a dip (0.15–0.4 s) to 20, 50 or 75 % of TDP, after which a quarter of the iterations
 *       spike to +37.5 % of the compute level for 0.5–2 s; jobs stop (2 s ramp down to idle) after about
 *       10 min and start again (10 s ramp up) after about 30 s.</li>
 *   <li>{@code critical}: inference per node: a slow mean-reverting level around 60 % of TDP (σ 6 %, 40 s time
 *       constant: the ~12 % swings in 40 s of published traces) with request bursts (+20–35 % for 1–4 s,
 *       about one a minute).</li>
 *   <li>{@code standard}: batch work per node: around 80 % of TDP (σ 5 %, 20 s) with 2–5 s bursts to full power
 *       about every 50 s (the bench's {@code Workload}).</li>
 * </ul>
 *
 * Every node's and job's random stream is derived from the seed and the node's (rack, index in rack) key, not
 * from its position in a list, so a hall with one more node keeps every other node's demand unchanged (common
 * random numbers across the capacity search).
 */
public final class StudyWorkload {

    static final double TRAIN_LEVEL_LO = 0.70;
    static final double TRAIN_LEVEL_HI = 0.78;
    static final double SPIKE = 1.375;
    static final double[] DIP_DEPTHS = {0.20, 0.50, 0.75};
    static final double IDLE = 0.12;
    /** Slow processes (levels, burst arrivals) advance on this period. */
    static final double SLOW_STEP_S = 0.010;

    private final Priority[] classes;
    private final int[] job;
    private final double[] nodeGain;
    private final double[] nodeLagS;
    private final SplittableRandom[] nodeRandom;
    private final double[] level;
    private final double[] burstUntilS;
    private final double[] burstAdd;
    private final Job[] jobs;
    private double nextSlowS;

    /**
     * @param classes   each node's priority class
     * @param nodeKeys  each node's stable identity (rack index × 2^20 + index in the rack)
     * @param rackOf    each node's rack index: a rack's flexible nodes share one training job
     * @param racks     how many racks
     */
    public StudyWorkload(Priority[] classes, long[] nodeKeys, int[] rackOf, int racks, long seed) {
        int n = classes.length;
        this.classes = classes.clone();
        this.job = rackOf.clone();
        this.nodeGain = new double[n];
        this.nodeLagS = new double[n];
        this.nodeRandom = new SplittableRandom[n];
        this.level = new double[n];
        this.burstUntilS = new double[n];
        this.burstAdd = new double[n];
        this.jobs = new Job[racks];
        for (int r = 0; r < racks; r++) {
            jobs[r] = new Job(new SplittableRandom(Seeds.mix(seed, 0x10B, r)));
        }
        for (int i = 0; i < n; i++) {
            SplittableRandom rnd = new SplittableRandom(Seeds.mix(seed, 0x40DE, nodeKeys[i]));
            nodeRandom[i] = rnd;
            nodeGain[i] = 0.97 + 0.06 * rnd.nextDouble();   // silicon and model differences within a job
            nodeLagS[i] = 0.020 * rnd.nextDouble();          // collective skew within a synchronized job
            level[i] = mean(classes[i]) + sd(classes[i]) * gaussian(rnd);
        }
    }

    static double mean(Priority p) {
        return switch (p) {
            case CRITICAL -> 0.60;
            case STANDARD -> 0.80;
            case FLEXIBLE -> 0;
        };
    }

    static double sd(Priority p) {
        return switch (p) {
            case CRITICAL -> 0.06;
            case STANDARD -> 0.05;
            case FLEXIBLE -> 0;
        };
    }

    static double tau(Priority p) {
        return p == Priority.CRITICAL ? 40 : 20;
    }

    /**
     * Advances to {@code tS} (steps of {@code dtS}) and writes each node's uncapped demand, as a fraction of its
     * GPUs' maximum, into {@code out}.
     */
    public void step(double tS, double dtS, double[] out) {
        for (Job j : jobs) {
            j.advance(tS);
        }
        boolean slow = tS >= nextSlowS;
        if (slow) {
            nextSlowS += SLOW_STEP_S;
        }
        for (int i = 0; i < classes.length; i++) {
            Priority c = classes[i];
            if (c == Priority.FLEXIBLE) {
                out[i] = jobs[job[i]].fractionAt(tS - nodeLagS[i]) * nodeGain[i];
                continue;
            }
            if (slow) {
                SplittableRandom rnd = nodeRandom[i];
                double t = tau(c);
                // Ornstein-Uhlenbeck with stationary deviation sd(c) and time constant tau(c).
                level[i] += (mean(c) - level[i]) * SLOW_STEP_S / t
                        + sd(c) * Math.sqrt(2 * SLOW_STEP_S / t) * gaussian(rnd);
                level[i] = Math.clamp(level[i], 0.25, 1.0);
                if (tS >= burstUntilS[i]) {
                    burstAdd[i] = 0;
                    double rate = c == Priority.CRITICAL ? 1.0 / 60 : 1.0 / 50;
                    if (rnd.nextDouble() < rate * SLOW_STEP_S) {
                        if (c == Priority.CRITICAL) {
                            burstUntilS[i] = tS + 1 + 3 * rnd.nextDouble();
                            burstAdd[i] = 0.20 + 0.15 * rnd.nextDouble();
                        } else {
                            burstUntilS[i] = tS + 2 + 3 * rnd.nextDouble();
                            burstAdd[i] = 1.0; // to full power
                        }
                    }
                }
            }
            out[i] = Math.min(1.0, level[i] + burstAdd[i]);
        }
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller, one value (SplittableRandom has no nextGaussian of its own before Java 17's RandomGenerator).
        double u = 1 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /** One synchronized training job: its iterations, dips, spikes, stops and restarts, as a timeline. */
    static final class Job {
        static final double RAMP_UP_S = 10;
        static final double RAMP_DOWN_S = 2;
        private final SplittableRandom rnd;
        private final double level;
        private final double period;
        // The current iteration: [start, spikeEnd) spike (right after the previous boundary), then compute until
        // dipStart, then the boundary dip until end.
        private double iterStart;
        private double spikeEnd;
        private double dipStart;
        private double iterEnd;
        private double dipDepth;
        // The job's life: running until stopAt (then a ramp down), idle until restartAt, ramping up after startedAt.
        private double startedAt;
        private double stopAt;
        private double restartAt = Double.NaN;

        Job(SplittableRandom rnd) {
            this.rnd = rnd;
            this.level = TRAIN_LEVEL_LO + (TRAIN_LEVEL_HI - TRAIN_LEVEL_LO) * rnd.nextDouble();
            this.period = 1.5 + 2.5 * rnd.nextDouble();
            this.startedAt = -RAMP_UP_S - 1; // already running at t = 0
            this.stopAt = exp(600);
            newIteration(-period * rnd.nextDouble());
        }

        private double exp(double mean) {
            return -mean * Math.log(1 - rnd.nextDouble());
        }

        private void newIteration(double start) {
            iterStart = start;
            iterEnd = start + period;
            double dip = 0.15 + 0.25 * rnd.nextDouble();
            dipStart = iterEnd - dip;
            dipDepth = DIP_DEPTHS[rnd.nextInt(DIP_DEPTHS.length)];
            spikeEnd = rnd.nextDouble() < 0.25 ? start + 0.5 + 1.5 * rnd.nextDouble() : start;
        }

        void advance(double t) {
            if (!Double.isNaN(restartAt)) {
                if (t >= restartAt) {
                    startedAt = restartAt;
                    stopAt = restartAt + exp(600);
                    restartAt = Double.NaN;
                    newIteration(startedAt);
                }
                return;
            }
            if (t >= stopAt + RAMP_DOWN_S) {
                restartAt = t + exp(30);
                return;
            }
            while (t >= iterEnd) {
                newIteration(iterEnd);
            }
        }

        /** The job's demand at {@code t} (a node's collective skew makes its t slightly behind the job's clock). */
        double fractionAt(double t) {
            if (!Double.isNaN(restartAt)) {
                return IDLE;
            }
            double f;
            if (t < iterStart || t >= spikeEnd && t < dipStart) {
                f = level; // compute (a lagging node still in the previous iteration's compute phase)
            } else if (t < spikeEnd) {
                f = level * SPIKE;
            } else {
                f = dipDepth; // the boundary dip is an absolute fraction of TDP
            }
            if (t >= stopAt) {
                double k = Math.min(1, (t - stopAt) / RAMP_DOWN_S);
                f += (IDLE - f) * k;
            } else if (t - startedAt < RAMP_UP_S) {
                double k = Math.max(0, (t - startedAt) / RAMP_UP_S);
                f = IDLE + (f - IDLE) * k;
            }
            return f;
        }
    }
}
