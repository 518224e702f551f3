package io.headroom.hil;

import io.headroom.appliance.site.Priority;

import java.util.Random;

/**
 * A bursty GPU load profile per node, seeded and deterministic for a given seed: a slowly wandering
 * utilisation (mean-reverting random walk around a class-dependent level) with occasional bursts to full
 * power, plus a site-wide burst that a scenario or test can force. Values are fractions of a GPU's maximum.
 */
public final class Workload {

    private final Random random;
    private final double[] level;
    private final double[] burstLeftS;
    private final double[] mean;
    private volatile double forcedUntilS = -1;
    private volatile double forcedFraction;

    public Workload(Priority[] classes, long seed) {
        this.random = new Random(seed);
        this.level = new double[classes.length];
        this.burstLeftS = new double[classes.length];
        this.mean = new double[classes.length];
        for (int i = 0; i < classes.length; i++) {
            mean[i] = switch (classes[i]) {
                case CRITICAL -> 0.70;  // inference: bursty, below TDP on average
                case STANDARD -> 0.80;
                case FLEXIBLE -> 0.90;  // training: near TDP
            };
            level[i] = mean[i];
        }
    }

    /** Forces every node to {@code fraction} of its maximum for {@code seconds} from {@code nowS}. */
    public void forceBurst(double nowS, double seconds, double fraction) {
        this.forcedFraction = fraction;
        this.forcedUntilS = nowS + seconds;
    }

    /** The forced burst's fraction at {@code nowS}, or NaN when none is in force. */
    public double forcedAt(double nowS) {
        return nowS < forcedUntilS ? forcedFraction : Double.NaN;
    }

    /** Advances by {@code dtS} and returns node {@code i}'s demand as a fraction of its GPUs' maximum. */
    public double next(int i, double nowS, double dtS) {
        if (nowS < forcedUntilS) {
            return forcedFraction;
        }
        level[i] += 0.5 * (mean[i] - level[i]) * dtS + 0.05 * Math.sqrt(dtS) * random.nextGaussian();
        level[i] = Math.clamp(level[i], 0.2, 1.0);
        if (burstLeftS[i] > 0) {
            burstLeftS[i] -= dtS;
            return 1.0;
        }
        if (random.nextDouble() < 0.02 * dtS) { // about one 2–5 s burst per node per 50 s
            burstLeftS[i] = 2 + 3 * random.nextDouble();
        }
        return level[i];
    }
}
