package io.headroom.hil.study;

/**
 * The study's model settings, all in virtual time.
 *
 * @param fastPathMs        from a feed loss to the armed contingency caps enforced at the agents (detection within
 *                          a quarter cycle plus the pre-encoded fan-out), ms; negative: no fast path (no contingency
 *                          is armed or fired: the {@code slow_capping} baseline, regulation alone)
 * @param capLatencyMs      from regulation sending a cap (or arming a table) to the agent enforcing it; the
 *                          acknowledgement with the GPUs' power comes back as long again, ms
 * @param settleMs          first-order time constant of a GPU's power following min(demand, cap), ms
 * @param telemetryWindowMs the agents' power reading is a boxcar average over this window (NVML on Hopper: 1 s), ms
 * @param telemetryErrorPct per-board telemetry gain error, standard deviation, %
 * @param meterWindowMs     a meter's reading is the mean current over this window (IEC 61000-4-30: 10/12 cycles), ms
 * @param meterAgeMs        age of the meter's latest reading when regulation ticks, ms
 * @param meterNoisePct     meter reading noise, standard deviation, %
 * @param warmupS           virtual seconds before anything is counted (agents start at their N-1 safe cap)
 * @param normalS           normal operation counted for compute lost (all feeds up), s
 * @param drills            random loss times per feed per configuration
 * @param lossWindowS       a drill loses its feed at a uniformly random time in [warmup, warmup + this), s
 * @param postLossS         simulated after the loss, s
 * @param outageS           how long the feed stays lost: the drill's last 5 s are extrapolated to it for the
 *                          breakers' thermal exposure (a drill short of the outage must not hide a slow trip), s
 * @param maxFlexibleLossPct the most compute {@code flexible} work may lose for a count to pass, %
 * @param maxStandardLossPct the most {@code standard} work may lose, %
 * @param maxCriticalLossPct the most {@code critical} work may lose, %
 * @param ups               the UPS module behind each feed ({@link UpsModel#typical()} by default); a feed whose site
 *                          file names its own ({@code feeds[].ups}) has that one instead
 */
public record StudyParams(int fastPathMs, int capLatencyMs, double settleMs, int telemetryWindowMs,
                          double telemetryErrorPct, int meterWindowMs, int meterAgeMs, double meterNoisePct,
                          double warmupS, double normalS, int drills, double lossWindowS, double postLossS,
                          double outageS, double maxFlexibleLossPct, double maxStandardLossPct,
                          double maxCriticalLossPct, UpsModel ups) {

    public static StudyParams defaults() {
        return new StudyParams(5, 20, 50, 1000, 1.0, 200, 40, 0.2, 30, 300, 3, 20, 20, 3600, 2.0, 2.0, 0.05, UpsModel.typical());
    }

    public StudyParams withDrills(int n) {
        return new StudyParams(fastPathMs, capLatencyMs, settleMs, telemetryWindowMs, telemetryErrorPct,
                meterWindowMs, meterAgeMs, meterNoisePct, warmupS, normalS, n, lossWindowS, postLossS, outageS,
                maxFlexibleLossPct, maxStandardLossPct, maxCriticalLossPct, ups);
    }

    public StudyParams withFastPathMs(int ms) {
        return new StudyParams(ms, capLatencyMs, settleMs, telemetryWindowMs, telemetryErrorPct,
                meterWindowMs, meterAgeMs, meterNoisePct, warmupS, normalS, drills, lossWindowS, postLossS, outageS,
                maxFlexibleLossPct, maxStandardLossPct, maxCriticalLossPct, ups);
    }

    public StudyParams withNormalS(double s) {
        return new StudyParams(fastPathMs, capLatencyMs, settleMs, telemetryWindowMs, telemetryErrorPct,
                meterWindowMs, meterAgeMs, meterNoisePct, warmupS, s, drills, lossWindowS, postLossS, outageS,
                maxFlexibleLossPct, maxStandardLossPct, maxCriticalLossPct, ups);
    }

    public StudyParams withTimes(double warmup, double normal, double lossWindow, double postLoss) {
        return new StudyParams(fastPathMs, capLatencyMs, settleMs, telemetryWindowMs, telemetryErrorPct,
                meterWindowMs, meterAgeMs, meterNoisePct, warmup, normal, drills, lossWindow, postLoss, outageS,
                maxFlexibleLossPct, maxStandardLossPct, maxCriticalLossPct, ups);
    }

    public StudyParams withLossBudgets(double flexiblePct, double standardPct, double criticalPct) {
        return new StudyParams(fastPathMs, capLatencyMs, settleMs, telemetryWindowMs, telemetryErrorPct,
                meterWindowMs, meterAgeMs, meterNoisePct, warmupS, normalS, drills, lossWindowS, postLossS, outageS,
                flexiblePct, standardPct, criticalPct, ups);
    }

    public StudyParams withTelemetryWindowMs(int ms) {
        return new StudyParams(fastPathMs, capLatencyMs, settleMs, ms, telemetryErrorPct,
                meterWindowMs, meterAgeMs, meterNoisePct, warmupS, normalS, drills, lossWindowS, postLossS, outageS,
                maxFlexibleLossPct, maxStandardLossPct, maxCriticalLossPct, ups);
    }

    public StudyParams withUps(UpsModel model) {
        return new StudyParams(fastPathMs, capLatencyMs, settleMs, telemetryWindowMs, telemetryErrorPct,
                meterWindowMs, meterAgeMs, meterNoisePct, warmupS, normalS, drills, lossWindowS, postLossS, outageS,
                maxFlexibleLossPct, maxStandardLossPct, maxCriticalLossPct, model);
    }

    public StudyParams withCapLatencyMs(int ms) {
        return new StudyParams(fastPathMs, ms, settleMs, telemetryWindowMs, telemetryErrorPct,
                meterWindowMs, meterAgeMs, meterNoisePct, warmupS, normalS, drills, lossWindowS, postLossS, outageS,
                maxFlexibleLossPct, maxStandardLossPct, maxCriticalLossPct, ups);
    }
}
