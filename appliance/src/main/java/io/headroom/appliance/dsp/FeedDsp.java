package io.headroom.appliance.dsp;

import io.headroom.drivers.waveform.SampleBlock;

import java.lang.invoke.VarHandle;

/**
 * The per-feed waveform pipeline for 3 voltages (phase to neutral) and 3 currents, in one pass over the
 * samples, at any rate from 4.8 kS/s to 1 MS/s and a nominal 50 or 60 Hz:
 *
 * <ul>
 *   <li><b>feed-loss detection</b> on every sample: the instantaneous 3-phase magnitude
 *       √((va²+vb²+vc²)/3), constant for a balanced set, against {@link DetectionSettings#lossFraction()} for
 *       {@link DetectionSettings#lossPersistenceS()}; restore likewise;</li>
 *   <li><b>single-phase loss</b> on every sample: a phase within ±{@link DetectionSettings#phaseLossFraction()} of
 *       the nominal peak for {@link DetectionSettings#singlePhasePersistenceCycles()} is a lost feed when the site
 *       says {@link DetectionSettings.SinglePhase#CONTINGENCY} (the default);</li>
 *   <li><b>back-fed decay</b> per 0.8 ms window: the voltages against themselves one nominal cycle before
 *       ({@code decayWindow}): a steady fall with the waveform's shape kept is a source gone, within a quarter
 *       cycle, long before a threshold would see it;</li>
 *   <li><b>phase rotation</b> on every sample: Σ(va[k−1]·vb[k] − va[k]·vb[k−1]), published per cycle;</li>
 *   <li><b>half cycles</b> delimited by the zero crossings of L1 (with hysteresis; closed by time after 1.25
 *       nominal half periods without one): per phase Σv², Σi², Σv·i and the cross-phase Σ(v<sub>b</sub>−v<sub>c</sub>)·i
 *       for reactive power;</li>
 *   <li>at each half-cycle close: <b>Urms(1/2)</b> (IEC 61000-4-30: one cycle from a zero crossing, refreshed
 *       every half cycle), Irms, P, Q, S, PF per phase and 3-phase, <b>frequency</b> from the interpolated
 *       positive-going crossings, <b>dP/dt</b>, and the slower detectors: phase loss, sags (dips) and a
 *       backstop feed loss if all three Urms(1/2) fall below the phase-loss threshold.</li>
 * </ul>
 *
 * The per-sample path allocates nothing and boxes nothing; events (rare) are records handed to the
 * {@link FeedLossListener} on the calling thread. The latest measurement is published under a sequence lock:
 * {@link #latest()} may be called from any thread. One thread calls {@code process}.
 */
public final class FeedDsp {

    /**
     * Told each 3-phase active power as a half cycle closes (the site's power series), on the detection
     * thread. Must not block nor allocate.
     */
    @FunctionalInterface
    public interface HalfCycleListener {
        HalfCycleListener NONE = (feedIndex, p3W, endNanos) -> {
        };

        /** {@code p3W} over the last cycle, refreshed at the half-cycle close at source time {@code endNanos}. */
        void onHalfCycle(int feedIndex, double p3W, long endNanos);
    }

    private static final double INV_SQRT3 = 1 / Math.sqrt(3);

    private final int feedIndex;
    private final String feedId;
    private final double nominalHz;
    private final double unRms;
    private final DetectionSettings settings;
    private final FeedLossListener listener;
    private HalfCycleListener halfCycleListener = HalfCycleListener.NONE;
    private final int[] channels; // va vb vc ia ib ic in a SampleBlock

    // rate-dependent
    private double rate;
    private int lossPersist;
    private int restorePersist;
    private int maxHalf;
    private int minHalf;
    private double hyst;
    private final double lossM2;
    private final double restoreM2;

    // position
    private long blockStartIndex;   // absolute index of sample 0 of the current block
    private long blockT0;
    private long nextIndex;         // absolute index of the next sample

    // current half cycle
    private double sVa, sVb, sVc, sIa, sIb, sIc, sPa, sPb, sPc, sQa, sQb, sQc;
    private int halfN;
    // phase rotation: Σ (va[k-1]·vb[k] − va[k]·vb[k-1]) over the current and the previous half cycle
    private double sRot;
    private double prevRot;
    private double prevB;
    private double rotNorm;         // 2 sin(ω/fs): the mean above is −2·Ua·Ub·sin(ω/fs)·sin(φ)
    private long halfStartNanos;
    // previous half cycle
    private final double[] prevSums = new double[12];
    private final double[] last = new double[6]; // the last sample of the previous block
    private double halfStartPos;     // fractional absolute sample position where the current half began
    private double prevHalfLen;
    private boolean partial;
    private int prevHalfN;
    private long prevHalfStartNanos;

    // zero crossings of L1
    private boolean armedUp;
    private boolean armedDown;
    private double prevA;
    private double lastUpPos = Double.NaN;
    private double frequency = Double.NaN;

    // single-phase detector: per phase, samples in a row within ±phaseLoss of the nominal peak
    private int runA, runB, runC;
    private int singlePersist;      // 0: disabled (SinglePhase.ALARM)
    private final double phaseBand;

    // decay detector: the voltages against those one nominal cycle before, per window of DECAY_WINDOW_S
    private double[] cycA = new double[0], cycB = new double[0], cycC = new double[0];
    private int cycLen;             // samples in one nominal cycle
    private int cycPos;
    private int cycFill;            // samples since resync, up to cycLen
    private int decayWin;           // samples per window
    private int decayN;             // samples in the current window
    private double decayNum, decayDen, decayEn;
    private final double[] decayHist = new double[4]; // the last window ratios, [0] the newest
    private final double[] decayShape = new double[4]; // their correlations with the cycle before
    private int decayHistN;
    private double decayStep, decayMaxStep;

    // fast detector
    private int below;
    private int above;
    private boolean lost;

    // slow detectors
    private int phaseReported;
    private boolean inSag;
    private double sagMin;
    private long sagStartNanos;
    private long events;

    // published measurement (sequence lock)
    private volatile long pubSeq;
    private long pubTimestamp;
    private long pubHalfCycles;
    private boolean pubLost;
    private final double[] pub = new double[3 * 6 + 7];
    private double lastP3 = Double.NaN;
    private long lastP3Nanos;
    private long halfCycles;

    /**
     * @param feedIndex  index reported in events
     * @param channels   indexes of va, vb, vc, ia, ib, ic in the {@link SampleBlock}s given to
     *                   {@link #process(SampleBlock)} (may be null if only the array form is used)
     * @param nominalHz  50 or 60
     * @param unRms      nominal phase-to-neutral RMS voltage, V
     */
    public FeedDsp(int feedIndex, String feedId, int[] channels, double nominalHz, double unRms, double sampleRateHz,
                   DetectionSettings settings, FeedLossListener listener) {
        if (nominalHz < 40 || nominalHz > 70) {
            throw new IllegalArgumentException("nominal frequency must be 40..70 Hz, was " + nominalHz);
        }
        if (!(unRms > 0)) {
            throw new IllegalArgumentException("nominal voltage must be > 0");
        }
        if (channels != null && channels.length != 6) {
            throw new IllegalArgumentException("6 channels: va vb vc ia ib ic");
        }
        this.feedIndex = feedIndex;
        this.feedId = feedId;
        this.channels = channels == null ? null : channels.clone();
        this.nominalHz = nominalHz;
        this.unRms = unRms;
        this.settings = settings;
        this.listener = listener;
        this.lossM2 = 3 * sq(settings.lossFraction() * unRms);
        this.restoreM2 = 3 * sq(settings.restoreFraction() * unRms);
        this.phaseBand = settings.phaseLossFraction() * unRms * Math.sqrt(2);
        configure(sampleRateHz);
    }

    private static double sq(double x) {
        return x * x;
    }

    private void configure(double sampleRateHz) {
        if (!(sampleRateHz >= 1000 && sampleRateHz <= 10e6)) {
            throw new IllegalArgumentException("sample rate must be 1 kS/s..10 MS/s, was " + sampleRateHz);
        }
        rate = sampleRateHz;
        lossPersist = Math.max(1, (int) Math.round(settings.lossPersistenceS() * rate));
        restorePersist = Math.max(1, (int) Math.round(settings.restorePersistenceS() * rate));
        maxHalf = (int) Math.round(1.25 * rate / (2 * nominalHz));
        minHalf = (int) Math.round(0.3 * rate / (2 * nominalHz));
        hyst = settings.zeroCrossHysteresis() * unRms * Math.sqrt(2);
        rotNorm = 2 * Math.sin(2 * Math.PI * nominalHz / rate);
        cycLen = Math.max(2, (int) Math.round(rate / nominalHz));
        if (cycA.length < cycLen) { // at construction and on a faster stream only
            cycA = new double[cycLen];
            cycB = new double[cycLen];
            cycC = new double[cycLen];
        }
        decayWin = Math.max(2, (int) Math.round(DECAY_WINDOW_S * rate));
        decayStep = DECAY_MIN_PER_S * decayWin / rate;
        decayMaxStep = DECAY_MAX_PER_S * decayWin / rate;
        singlePersist = settings.singlePhase() == DetectionSettings.SinglePhase.CONTINGENCY
                ? (int) Math.ceil(settings.singlePhasePersistenceCycles() * rate / nominalHz) : 0;
        resync();
    }

    private void resync() {
        sVa = sVb = sVc = sIa = sIb = sIc = sPa = sPb = sPc = sQa = sQb = sQc = 0;
        sRot = prevRot = 0;
        halfN = 0;
        prevHalfN = 0;
        partial = true;
        armedUp = armedDown = false;
        lastUpPos = Double.NaN;
        below = 0;
        above = 0;
        runA = runB = runC = 0;
        cycFill = 0;
        decayN = 0;
        decayNum = decayDen = decayEn = 0;
        decayHistN = 0;
    }

    public String feedId() {
        return feedId;
    }

    /** Who is told each half cycle's P3 (the site power series); set before the first {@code process}. */
    public void onHalfCycle(HalfCycleListener l) {
        this.halfCycleListener = l == null ? HalfCycleListener.NONE : l;
    }

    public int feedIndex() {
        return feedIndex;
    }

    /** True while the fast detector holds the feed lost. Detection thread only. */
    public boolean lost() {
        return lost;
    }

    /** Processes a block using the channel indexes given at construction. */
    public void process(SampleBlock b) {
        double[][] ch = b.channelsArray();
        process(ch[channels[0]], ch[channels[1]], ch[channels[2]], ch[channels[3]], ch[channels[4]], ch[channels[5]],
                b.length(), b.firstSampleNanos(), b.sampleRateHz(), b.samplesLostBefore());
    }

    /**
     * Processes samples {@code [0, n)} of the six channels; {@code firstSampleNanos} is the time of sample 0;
     * {@code samplesLostBefore} &gt; 0 says the stream has a gap just before (the windows restart).
     */
    public void process(double[] va, double[] vb, double[] vc, double[] ia, double[] ib, double[] ic, int n,
                        long firstSampleNanos, double sampleRateHz, long samplesLostBefore) {
        if (sampleRateHz != rate) {
            configure(sampleRateHz);
        } else if (samplesLostBefore != 0) {
            resync();
        }
        if (samplesLostBefore > 0) {
            nextIndex += samplesLostBefore;
        }
        blockStartIndex = nextIndex;
        blockT0 = firstSampleNanos;
        if (halfN == 0) {
            halfStartNanos = firstSampleNanos;
            halfStartPos = blockStartIndex;
        }
        double a2s = sVa, b2s = sVb, c2s = sVc, x2s = sIa, y2s = sIb, z2s = sIc;
        double pa = sPa, pb = sPb, pc = sPc, qa = sQa, qb = sQb, qc = sQc;
        int hn = halfN;
        boolean up = armedUp;
        boolean down = armedDown;
        double prev = prevA;
        double prevVb = prevB;
        double rot = sRot;
        int bel = below;
        int abv = above;
        int ra = runA, rb = runB, rc = runC;
        final double band = phaseBand;
        final int sp = singlePersist;
        final double lm2 = lossM2;
        final double rm2 = restoreM2;
        final double h = hyst;
        final int lp = lossPersist;
        final int mh = maxHalf;
        final int minH = minHalf;
        for (int k = 0; k < n; k++) {
            double a = va[k];
            double b = vb[k];
            double c = vc[k];
            boolean close = false;
            boolean rising = false;
            if (a >= 0) {
                if (up) {
                    close = true;
                    rising = true;
                    up = false;
                } else if (a > h) {
                    down = true;
                }
            } else {
                if (down) {
                    close = true;
                    down = false;
                } else if (a < -h) {
                    up = true;
                }
            }
            if ((close && hn >= minH) || hn >= mh) {
                sVa = a2s; sVb = b2s; sVc = c2s; sIa = x2s; sIb = y2s; sIc = z2s;
                sPa = pa; sPb = pb; sPc = pc; sQa = qa; sQb = qb; sQc = qc;
                sRot = rot;
                halfN = hn;
                // where L1 crossed zero between sample k-1 and k (a timeout closes exactly at k)
                double f = close && prev != a ? prev / (prev - a) : 1.0;
                if (rising && close) {
                    upCrossing(blockStartIndex + k - 1 + f);
                }
                closeHalf(va, vb, vc, ia, ib, ic, k, f);
                a2s = sVa; b2s = sVb; c2s = sVc; x2s = sIa; y2s = sIb; z2s = sIc;
                pa = sPa; pb = sPb; pc = sPc; qa = sQa; qb = sQb; qc = sQc;
                rot = 0;
                hn = 0;
            }
            double x = ia[k];
            double y = ib[k];
            double z = ic[k];
            double a2 = a * a;
            double b2 = b * b;
            double c2 = c * c;
            a2s += a2;
            b2s += b2;
            c2s += c2;
            x2s += x * x;
            y2s += y * y;
            z2s += z * z;
            pa += a * x;
            pb += b * y;
            pc += c * z;
            qa += (b - c) * x;
            qb += (c - a) * y;
            qc += (a - b) * z;
            rot += prev * b - a * prevVb;
            hn++;
            prev = a;
            prevVb = b;
            ra = a < band && a > -band ? ra + 1 : 0;
            rb = b < band && b > -band ? rb + 1 : 0;
            rc = c < band && c > -band ? rc + 1 : 0;
            if (sp > 0 && !lost && (ra >= sp || rb >= sp || rc >= sp)) {
                fireSinglePhase(k, ra, rb, rc, a2 + b2 + c2);
                bel = 0;
                abv = 0;
            }
            if (cycFill == cycLen) {
                int j = cycPos;
                double oa = cycA[j], ob = cycB[j], oc = cycC[j];
                decayNum += a * oa + b * ob + c * oc;
                decayDen += oa * oa + ob * ob + oc * oc;
                decayEn += a2 + b2 + c2;
                if (++decayN == decayWin) {
                    decayWindow(k);
                }
            } else {
                cycFill++;
            }
            cycA[cycPos] = a;
            cycB[cycPos] = b;
            cycC[cycPos] = c;
            if (++cycPos == cycLen) {
                cycPos = 0;
            }
            double m2 = a2 + b2 + c2;
            if (m2 < lm2) {
                abv = 0;
                if (++bel == lp && !lost) {
                    fireLoss(k, m2);
                }
            } else {
                bel = 0;
                if (lost) {
                    if (m2 > rm2) {
                        if (++abv == restorePersist) {
                            fireRestore(k, m2);
                        }
                    } else {
                        abv = 0;
                    }
                }
            }
        }
        sVa = a2s; sVb = b2s; sVc = c2s; sIa = x2s; sIb = y2s; sIc = z2s;
        sPa = pa; sPb = pb; sPc = pc; sQa = qa; sQb = qb; sQc = qc;
        halfN = hn;
        sRot = rot;
        prevB = prevVb;
        armedUp = up;
        armedDown = down;
        prevA = prev;
        below = bel;
        above = abv;
        runA = ra;
        runB = rb;
        runC = rc;
        nextIndex = blockStartIndex + n;
        if (n > 0) {
            last[0] = va[n - 1]; last[1] = vb[n - 1]; last[2] = vc[n - 1];
            last[3] = ia[n - 1]; last[4] = ib[n - 1]; last[5] = ic[n - 1];
        }
    }

    private long nanosOf(long absIndex) {
        return blockT0 + (long) Math.rint((absIndex - blockStartIndex) * 1e9 / rate);
    }

    private void upCrossing(double pos) {
        if (!Double.isNaN(lastUpPos)) {
            double f = rate / (pos - lastUpPos);
            if (f > 40 && f < 70) {
                frequency = f;
            }
        }
        lastUpPos = pos;
    }

    private void fireLoss(int k, double m2) {
        lost = true;
        long at = blockStartIndex + k;
        long first = at - lossPersist + 1;
        if (inSag) {
            inSag = false; // the loss supersedes the dip
        }
        emit(FeedLossEvent.Kind.FEED_LOST, nanosOf(first), nanosOf(at), Math.sqrt(m2 / 3) / unRms, 7);
    }

    /**
     * Closes a decay window. Over the window, the three voltages are compared with themselves one nominal cycle
     * T before: the amplitude ratio r = Σ v·v(−T) / Σ v(−T)² (1 on a healthy feed, harmonics included, since
     * they were there a cycle before too; x at once after a step to x) and the shape Σ v·v(−T) / √(Σ v² · Σ v(−T)²)
     * (1 while the waveform only scales; cos Δ after a phase jump Δ; lower when one phase goes and the others
     * stay). A source gone while motors and PSUs back-feed the bus leaves the waveform's shape and scales it down
     * continuously: four windows in a row whose r fell by {@link #DECAY_MIN_PER_S} to {@link #DECAY_MAX_PER_S}
     * each, the last three of unchanged shape ({@link #DECAY_SHAPE}), to below {@link #DECAY_LEVEL}, fire
     * {@code FEED_LOST}. A dip is a step: it falls within one window or two, never three in a row, then r is
     * flat; a phase jump changes the shape.
     */
    private void decayWindow(int k) {
        double r = decayDen > 0 ? decayNum / decayDen : 1;
        double en = decayDen * decayEn;
        double shape = en > 0 ? decayNum / Math.sqrt(en) : 0;
        decayN = 0;
        decayNum = 0;
        decayDen = 0;
        decayEn = 0;
        double[] h = decayHist;
        h[3] = h[2];
        h[2] = h[1];
        h[1] = h[0];
        h[0] = r;
        double[] c = decayShape;
        c[3] = c[2];
        c[2] = c[1];
        c[1] = c[0];
        c[0] = shape;
        if (decayHistN < 4) {
            decayHistN++;
            return;
        }
        if (lost || r > DECAY_LEVEL) {
            return;
        }
        for (int i = 0; i < 3; i++) {
            double d = h[i + 1] - h[i];
            if (d < decayStep || d > decayMaxStep || c[i] < DECAY_SHAPE) {
                return;
            }
        }
        lost = true;
        below = 0;
        above = 0;
        inSag = false;
        long at = blockStartIndex + k;
        emit(FeedLossEvent.Kind.FEED_LOST, nanosOf(at - 3L * decayWin + 1), nanosOf(at), r, 7);
    }

    /** The decay detector's window, s (4 samples at 4.8 kS/s). */
    static final double DECAY_WINDOW_S = 0.0008;
    /** The least fall of the cycle-to-cycle ratio per second that counts as a decay (2 % per ms). */
    static final double DECAY_MIN_PER_S = 20;
    /** The most (40 % per ms). */
    static final double DECAY_MAX_PER_S = 400;
    /** The least shape correlation with the cycle before (a phase jump of 8° or more is below). */
    static final double DECAY_SHAPE = 0.99;
    /** The ratio must be below this when the decay is called. */
    static final double DECAY_LEVEL = 0.95;

    /** One or two phases near zero for the single-phase persistence while the 3-phase magnitude did not fall. */
    private void fireSinglePhase(int k, int ra, int rb, int rc, double m2) {
        lost = true;
        int sp = singlePersist;
        int mask = (ra >= sp ? 1 : 0) | (rb >= sp ? 2 : 0) | (rc >= sp ? 4 : 0);
        long at = blockStartIndex + k;
        long first = at - Math.max(ra >= sp ? ra : 0, Math.max(rb >= sp ? rb : 0, rc >= sp ? rc : 0)) + 1;
        inSag = false;
        emit(FeedLossEvent.Kind.FEED_LOST, nanosOf(first), nanosOf(at), Math.sqrt(m2 / 3) / unRms, mask);
    }

    private void fireRestore(int k, double m2) {
        lost = false;
        long at = blockStartIndex + k;
        emit(FeedLossEvent.Kind.FEED_RESTORED, nanosOf(at - restorePersist + 1), nanosOf(at),
                Math.sqrt(m2 / 3) / unRms, 7);
    }

    private void emit(FeedLossEvent.Kind kind, long first, long at, double residual, int mask) {
        listener.onFeedLossEvent(new FeedLossEvent(feedIndex, feedId, kind, first, at, residual, mask, ++events));
    }

    /**
     * Closes the half cycle at the crossing between sample {@code k-1} and {@code k}, a fraction {@code f} of
     * a sample after {@code k-1}. Sample {@code k-1} stands for the interval [k-1, k): its part after the crossing,
     * {@code 1-f}, is moved to the next half, and the means divide by the fractional length, so that a cycle that
     * is not a whole number of samples is measured without a window error.
     */
    private void closeHalf(double[] va, double[] vb, double[] vc, double[] ia, double[] ib, double[] ic, int k,
                           double f) {
        long end = nanosOf(blockStartIndex + k);
        double w = 1 - f;
        double a = 0, b = 0, c = 0, x = 0, y = 0, z = 0;
        if (w > 0) {
            if (k > 0) {
                a = va[k - 1]; b = vb[k - 1]; c = vc[k - 1]; x = ia[k - 1]; y = ib[k - 1]; z = ic[k - 1];
            } else {
                a = last[0]; b = last[1]; c = last[2]; x = last[3]; y = last[4]; z = last[5];
            }
        }
        double ta = w * a * a, tb = w * b * b, tc = w * c * c, tx = w * x * x, ty = w * y * y, tz = w * z * z;
        double tpa = w * a * x, tpb = w * b * y, tpc = w * c * z;
        double tqa = w * (b - c) * x, tqb = w * (c - a) * y, tqc = w * (a - b) * z;
        sVa -= ta; sVb -= tb; sVc -= tc; sIa -= tx; sIb -= ty; sIc -= tz;
        sPa -= tpa; sPb -= tpb; sPc -= tpc; sQa -= tqa; sQb -= tqb; sQc -= tqc;
        double pos = blockStartIndex + k - w;
        double len = halfN == 0 ? 0 : pos - halfStartPos;
        if (prevHalfN > 0 && halfN > 0 && prevHalfLen + len > 0) {
            double[] ps = prevSums;
            double inv = 1.0 / (prevHalfLen + len);
            double ua = Math.sqrt((ps[0] + sVa) * inv);
            double ub = Math.sqrt((ps[1] + sVb) * inv);
            double uc = Math.sqrt((ps[2] + sVc) * inv);
            double xa = Math.sqrt((ps[3] + sIa) * inv);
            double xb = Math.sqrt((ps[4] + sIb) * inv);
            double xc = Math.sqrt((ps[5] + sIc) * inv);
            double pa = (ps[6] + sPa) * inv;
            double pb = (ps[7] + sPb) * inv;
            double pc = (ps[8] + sPc) * inv;
            double qa = (ps[9] + sQa) * inv * INV_SQRT3;
            double qb = (ps[10] + sQb) * inv * INV_SQRT3;
            double qc = (ps[11] + sQc) * inv * INV_SQRT3;
            double sa = ua * xa;
            double sb = ub * xb;
            double sc = uc * xc;
            double p3 = pa + pb + pc;
            double s3 = sa + sb + sc;
            double dPdt = Double.isNaN(lastP3) || end == lastP3Nanos ? 0 : (p3 - lastP3) * 1e9 / (end - lastP3Nanos);
            lastP3 = p3;
            lastP3Nanos = end;
            halfCycles++;
            long s = pubSeq;
            pubSeq = s + 1;
            VarHandle.storeStoreFence();
            double[] o = pub;
            o[0] = ua; o[1] = ub; o[2] = uc;
            o[3] = xa; o[4] = xb; o[5] = xc;
            o[6] = pa; o[7] = pb; o[8] = pc;
            o[9] = qa; o[10] = qb; o[11] = qc;
            o[12] = sa; o[13] = sb; o[14] = sc;
            o[15] = pf(pa, sa); o[16] = pf(pb, sb); o[17] = pf(pc, sc);
            o[18] = p3; o[19] = qa + qb + qc; o[20] = s3; o[21] = pf(p3, s3);
            o[22] = dPdt; o[23] = frequency;
            double uab = ua * ub * rotNorm * (prevHalfLen + len);
            o[24] = uab > 0 ? (prevRot + sRot) / uab : Double.NaN;
            pubTimestamp = end;
            pubHalfCycles = halfCycles;
            pubLost = lost;
            pubSeq = s + 2;
            halfCycleListener.onHalfCycle(feedIndex, p3, end);
            slowDetectors(ua, ub, uc, end);
        }
        prevSums[0] = sVa; prevSums[1] = sVb; prevSums[2] = sVc;
        prevSums[3] = sIa; prevSums[4] = sIb; prevSums[5] = sIc;
        prevSums[6] = sPa; prevSums[7] = sPb; prevSums[8] = sPc;
        prevSums[9] = sQa; prevSums[10] = sQb; prevSums[11] = sQc;
        prevRot = sRot;
        sRot = 0;
        prevHalfN = partial ? 0 : halfN; // the half cut by a gap or the start is not a half cycle
        partial = false;
        prevHalfLen = len;
        prevHalfStartNanos = halfStartNanos;
        halfStartNanos = end;
        halfStartPos = pos;
        sVa = ta; sVb = tb; sVc = tc; sIa = tx; sIb = ty; sIc = tz;
        sPa = tpa; sPb = tpb; sPc = tpc; sQa = tqa; sQb = tqb; sQc = tqc;
        halfN = 0;
    }

    private static double pf(double p, double s) {
        return s > 1e-9 ? p / s : Double.NaN;
    }

    private void slowDetectors(double ua, double ub, double uc, long end) {
        double lim = settings.phaseLossFraction() * unRms;
        int mask = (ua < lim ? 1 : 0) | (ub < lim ? 2 : 0) | (uc < lim ? 4 : 0);
        double min = Math.min(ua, Math.min(ub, uc)) / unRms;
        if (!lost && mask == 7) { // backstop: the fast detector did not see it (slow decay, heavy noise)
            lost = true;
            above = 0;
            inSag = false;
            emit(FeedLossEvent.Kind.FEED_LOST, prevHalfStartNanos, end, min, 7);
            return;
        }
        if (lost) {
            return;
        }
        if (mask != 0 && mask != phaseReported) {
            phaseReported = mask;
            emit(FeedLossEvent.Kind.PHASE_LOST, prevHalfStartNanos, end, min, mask);
        } else if (mask == 0 && phaseReported != 0) {
            phaseReported = 0;
            emit(FeedLossEvent.Kind.PHASE_RESTORED, prevHalfStartNanos, end, min, 0);
        }
        if (!inSag && min <= settings.sagFraction()) {
            inSag = true;
            sagMin = min;
            sagStartNanos = halfStartNanos;
            emit(FeedLossEvent.Kind.SAG_START, sagStartNanos, end, min, belowMask(ua, ub, uc));
        } else if (inSag) {
            sagMin = Math.min(sagMin, min);
            if (min > settings.sagFraction() + settings.sagHysteresis()) {
                inSag = false;
                emit(FeedLossEvent.Kind.SAG_END, sagStartNanos, end, sagMin, 0);
            }
        }
    }

    private int belowMask(double ua, double ub, double uc) {
        double lim = settings.sagFraction() * unRms;
        return (ua <= lim ? 1 : 0) | (ub <= lim ? 2 : 0) | (uc <= lim ? 4 : 0);
    }

    /** The latest measurement, or null before the first full cycle. Any thread. */
    public FeedWaveformMeasurement latest() {
        double[] v = new double[pub.length];
        long ts;
        long hc;
        boolean l;
        while (true) {
            long s1 = pubSeq;
            if ((s1 & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            System.arraycopy(pub, 0, v, 0, v.length);
            ts = pubTimestamp;
            hc = pubHalfCycles;
            l = pubLost;
            VarHandle.loadLoadFence();
            if (pubSeq == s1) {
                if (s1 == 0) {
                    return null;
                }
                break;
            }
        }
        return new FeedWaveformMeasurement(feedId, ts, hc, v[23],
                new double[]{v[0], v[1], v[2]}, new double[]{v[3], v[4], v[5]}, new double[]{v[6], v[7], v[8]},
                new double[]{v[9], v[10], v[11]}, new double[]{v[12], v[13], v[14]},
                new double[]{v[15], v[16], v[17]}, v[18], v[19], v[20], v[21], v[22], l, v[24]);
    }

    /** Frequency from the last cycle, Hz (NaN before two crossings). Detection thread only. */
    public double frequencyHz() {
        return frequency;
    }

    /** 3-phase active power of the last cycle, W. Detection thread only. */
    public double lastP3() {
        return lastP3;
    }

    /** Source time of the last half-cycle close. Detection thread only. */
    public long lastHalfCycleNanos() {
        return lastP3Nanos;
    }

    public long halfCycles() {
        return halfCycles;
    }
}
