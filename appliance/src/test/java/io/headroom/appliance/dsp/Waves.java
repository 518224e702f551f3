package io.headroom.appliance.dsp;

import java.util.Random;

/** Synthetic 3-phase waveforms of known answer for the DSP tests. */
final class Waves {

    final double rate;
    final double hz;
    final double vRms;
    final double iRms;
    final double phiRad;  // current lags voltage by phi
    final double[][] ch;  // va vb vc ia ib ic
    final int n;

    /** Balanced set, {@code seconds} long, starting at voltage angle {@code startDeg} of L1. */
    Waves(double rate, double hz, double vRms, double iRms, double phiDeg, double seconds, double startDeg) {
        this.rate = rate;
        this.hz = hz;
        this.vRms = vRms;
        this.iRms = iRms;
        this.phiRad = Math.toRadians(phiDeg);
        this.n = (int) Math.round(seconds * rate);
        this.ch = new double[6][n];
        double w = 2 * Math.PI * hz / rate;
        double th0 = Math.toRadians(startDeg);
        for (int k = 0; k < n; k++) {
            for (int p = 0; p < 3; p++) {
                double th = th0 + w * k - p * 2 * Math.PI / 3;
                ch[p][k] = vRms * Math.sqrt(2) * Math.sin(th);
                ch[3 + p][k] = iRms * Math.sqrt(2) * Math.sin(th - phiRad);
            }
        }
    }

    /** Multiplies every voltage (and current) by {@code factor} from sample {@code from} to {@code to}. */
    Waves scale(int from, int to, double factor, boolean phaseMask1, boolean phaseMask2, boolean phaseMask3) {
        boolean[] m = {phaseMask1, phaseMask2, phaseMask3};
        for (int p = 0; p < 3; p++) {
            if (!m[p]) {
                continue;
            }
            for (int k = from; k < Math.min(to, n); k++) {
                ch[p][k] *= factor;
                ch[3 + p][k] *= factor;
            }
        }
        return this;
    }

    Waves collapse(int from) {
        return scale(from, n, 0, true, true, true);
    }

    Waves noise(long seed, double sigmaFractionOfRms) {
        Random r = new Random(seed);
        for (int p = 0; p < 6; p++) {
            double s = sigmaFractionOfRms * (p < 3 ? vRms : iRms);
            for (int k = 0; k < n; k++) {
                ch[p][k] += s * r.nextGaussian();
            }
        }
        return this;
    }

    /** Feeds the waves to {@code dsp} in blocks of {@code block} samples, timestamps from {@code t0}. */
    void feed(FeedDsp dsp, int block, long t0) {
        double[][] buf = new double[6][block];
        for (int off = 0; off < n; off += block) {
            int m = Math.min(block, n - off);
            for (int c = 0; c < 6; c++) {
                System.arraycopy(ch[c], off, buf[c], 0, m);
            }
            dsp.process(buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], m, t0 + nanos(off), rate, 0);
        }
    }

    long nanos(long index) {
        return (long) Math.rint(index * 1e9 / rate);
    }
}
