package io.headroom.appliance.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.headroom.appliance.control.BandController.Means;
import io.headroom.appliance.control.BandController.Mode;
import io.headroom.appliance.dsp.BandPass;
import io.headroom.appliance.measure.FeedMeasurement;
import io.headroom.appliance.measure.MeasurementQuality;
import io.headroom.appliance.site.BandLimits;
import io.headroom.appliance.site.Site;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The band controller in closed loop with a simple plant (a synchronous training swing, banks whose SoC integrates
 * their power, GPUs that obey floors), ticked at 50 Hz on an injected clock, plus tick-by-tick cases. Seeded cases
 * draw the swing (period 0.5–5 s, ±10–35 %, mean 0.5–3 MW) and the limits.
 */
class BandControllerTest {

    static final double TICK_S = 0.02;

    static BandLimits limits(double swingFraction, double meanW, double rampWPerS) {
        return new BandLimits(List.of(
                new BandLimits.Band(0.1, 2, BandLimits.Measure.PEAK_TO_PEAK, swingFraction * meanW, Double.NaN)),
                new BandLimits.Ramp(rampWPerS, rampWPerS), new BandLimits.Ramp(rampWPerS * 5, rampWPerS * 5));
    }

    static BandController.Settings settings(BandLimits l, Set<Means> means, double bankWh, double bankW, int gpus) {
        return new BandController.Settings(l, 0, means, bankWh, bankW, 0.05, 0.95, 0.5, gpus, 200, 1000, 0.8,
                BandController.Settings.referenceTauFor(l));
    }

    /** One seeded case: a hall of synchronous training. */
    record Case(long seed, double meanW, double swing, double periodS, double limitFraction, double rampWPerS) {
        static Case of(long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            double mean = 0.5e6 + 2.5e6 * r.nextDouble();
            return new Case(seed, mean, 0.10 + 0.25 * r.nextDouble(), 0.5 + 4.5 * r.nextDouble(),
                    0.03 + 0.05 * r.nextDouble(), mean * (0.05 + 0.15 * r.nextDouble()));
        }

        double loadAt(double t) {
            double x = (t / periodS) % 1.0;
            return meanW * (1 + (x < 0.5 ? swing : -swing));
        }

        /** Energy the banks move in half an iteration, Wh. */
        double halfSwingWh() {
            return meanW * swing * periodS / 2 / 3600;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "seed %d: %.2f MW ±%.0f %% every %.2f s, limit %.1f %%",
                    seed, meanW / 1e6, swing * 100, periodS, limitFraction * 100);
        }
    }

    static Stream<Case> cases() {
        return LongStream.rangeClosed(1, 40).mapToObj(Case::of);
    }

    /** What a closed-loop run saw after its warm-up. */
    record Run(double bandPpW, double maxRampWPerS, double socMin, double socMax, int ceilings, int floors,
               double maxBankW) {
    }

    /** Runs the loop for {@code seconds} (the first 40 s are warm-up) and measures the grid side. */
    static Run run(Case c, BandController.Settings s, double seconds) {
        BandController ctl = new BandController(s);
        BandPass band = new BandPass(0.1, 2, 1 / TICK_S);
        double soc = 0.5;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        double socLo = 1;
        double socHi = 0;
        int ceilings = 0;
        int floors = 0;
        double maxBank = 0;
        int n = (int) Math.round(seconds / TICK_S);
        int span = (int) Math.round(1 / TICK_S);
        double[] gridHist = new double[n];
        double maxRamp = 0;
        for (int k = 0; k < n; k++) {
            double t = k * TICK_S;
            double load = c.loadAt(t);
            BandController.Output out = ctl.run(new BandController.Input(Math.round(t * 1e9), load, Double.NaN,
                    soc, false, false));
            double bank = Double.isNaN(out.bankW()) ? 0 : out.bankW();
            soc -= bank * TICK_S / 3600 / s.bankEnergyWh();
            double grid = load - bank;
            gridHist[k] = grid;
            double b = band.step(grid);
            if (t >= 40) {
                lo = Math.min(lo, b);
                hi = Math.max(hi, b);
                socLo = Math.min(socLo, soc);
                socHi = Math.max(socHi, soc);
                maxBank = Math.max(maxBank, Math.abs(bank));
                if (out.ceiling() != null) {
                    ceilings++;
                }
                if (!Double.isNaN(out.gpu().floorW())) {
                    floors++;
                }
                maxRamp = Math.max(maxRamp, Math.abs(grid - gridHist[k - span]));
            }
        }
        return new Run(hi - lo, maxRamp, socLo, socHi, ceilings, floors, maxBank);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void banksLargeEnoughHoldTheBandAndTheRampWithNoFloorAndNoCap(Case c) {
        double bankWh = Math.max(20, 6 * c.halfSwingWh());
        BandController.Settings s = settings(limits(c.limitFraction(), c.meanW(), c.rampWPerS()),
                EnumSet.allOf(Means.class), bankWh, 2 * c.swing() * c.meanW(), 1000);
        Run r = run(c, s, 160);
        assertThat(r.bandPpW()).as("0.1–2 Hz peak-to-peak").isLessThanOrEqualTo(c.limitFraction() * c.meanW());
        assertThat(r.maxRampWPerS()).as("ramp over 1 s").isLessThanOrEqualTo(c.rampWPerS());
        assertThat(r.socMin()).isGreaterThan(0.05);
        assertThat(r.socMax()).isLessThan(0.95);
        // cheapest first: with banks that suffice, no GPU floor and no cap
        assertThat(r.floors()).isZero();
        assertThat(r.ceilings()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void undersizedConvertersCallOnFloorsAndCapsOnlyOnceSaturated(Case c) {
        double converterW = 0.5 * c.swing() * c.meanW(); // half the swing
        BandController.Settings s = settings(limits(c.limitFraction(), c.meanW(), c.rampWPerS()),
                EnumSet.allOf(Means.class), Math.max(20, 6 * c.halfSwingWh()), converterW, 1000);
        BandController ctl = new BandController(s);
        double soc = 0.5;
        double lastChargeLimitedS = Double.NEGATIVE_INFINITY;
        double lastDischargeLimitedS = Double.NEGATIVE_INFINITY;
        int floors = 0;
        for (int k = 0; k < 3000; k++) {
            double t = k * TICK_S;
            double load = c.loadAt(t);
            BandController.Output out = ctl.run(new BandController.Input(Math.round(t * 1e9), load, 0.8 * load, soc,
                    false, false));
            double bank = out.bankW();
            assertThat(Math.abs(bank)).isLessThanOrEqualTo(converterW + 1e-6);
            // the banks could not take what the target asked: at their converter's limit, or full / empty
            if (bank <= -converterW + 1e-6 || bank == 0 && load < out.gridTargetW() && soc >= 0.95) {
                lastChargeLimitedS = t;
            }
            if (bank >= converterW - 1e-6 || bank == 0 && load > out.gridTargetW() && soc <= 0.05) {
                lastDischargeLimitedS = t;
            }
            if (!Double.isNaN(out.gpu().floorW())) {
                floors++;
                assertThat(t - lastChargeLimitedS).as("a floor only within its hold time of the banks' limit")
                        .isLessThanOrEqualTo(2 + TICK_S);
                assertThat(out.gpu().floorW()).isBetween(200.0, 1000.0);
            }
            if (out.ceiling() != null) {
                assertThat(t - lastDischargeLimitedS).as("a cap only within its hold time of the banks' limit")
                        .isLessThanOrEqualTo(2 + TICK_S);
                assertThat(out.ceiling().tier()).isEqualTo(Tier.GRID);
                assertThat(out.ceiling().source()).isEqualTo(BandController.SOURCE);
                assertThat(out.mode()).isEqualTo(Mode.CAPS);
            }
            soc -= bank * TICK_S / 3600 / s.bankEnergyWh();
        }
        assertThat(floors).as("converters of half the swing do need floors").isPositive();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aContingencyAlwaysWins(Case c) {
        // Means that would otherwise floor and cap: no banks, GPU smoothing and caps.
        BandController.Settings s = settings(limits(c.limitFraction(), c.meanW(), c.rampWPerS()),
                EnumSet.of(Means.GPU_SMOOTHING, Means.CAPS), 0, 0, 1000);
        BandController ctl = new BandController(s);
        SplittableRandom r = new SplittableRandom(c.seed());
        boolean sawFloor = false;
        for (int k = 0; k < 1500; k++) {
            double t = k * TICK_S;
            boolean contingency = r.nextDouble() < 0.2;
            BandController.Output out = ctl.run(new BandController.Input(Math.round(t * 1e9), c.loadAt(t),
                    Double.NaN, Double.NaN, contingency, r.nextBoolean()));
            if (contingency) {
                assertThat(out.mode()).isEqualTo(Mode.CONTINGENCY);
                assertThat(out.ceiling()).isNull();
                assertThat(out.limits()).isEmpty();
                assertThat(out.gpu().none()).as("no floor, no ramp limit on the survivors").isTrue();
                assertThat(out.bankW()).isNaN();
                assertThat(out.gridTargetW()).isNaN();
            } else {
                sawFloor |= !Double.isNaN(out.gpu().floorW());
            }
        }
        assertThat(sawFloor).as("the case does call on floors outside contingencies").isTrue();
    }

    @Test
    void inTheArbiterABandCeilingNeverLoosensASafetyLimitAndTheSurvivorsLimitWinsAfterALoss() {
        Site site = TestHalls.hall(4, 150, 1, 1, 1);
        Snapshot s = new Snapshot(1, 0, java.time.Instant.EPOCH, java.util.Map.of(
                "A", new FeedMeasurement("A", 100, 70_000, MeasurementQuality.GOOD, 10),
                "B", new FeedMeasurement("B", 120, 84_000, MeasurementQuality.GOOD, 10),
                "C", new FeedMeasurement("C", 100, 70_000, MeasurementQuality.GOOD, 10),
                "D", new FeedMeasurement("D", 100, 70_000, MeasurementQuality.GOOD, 10)), java.util.Map.of());
        Limit survivors = new Limit.FeedCeiling("B", 60, Tier.SAFETY, "contingency", "feed D lost: B at most 60 A");
        Limit band = new Limit.SiteCeiling(290_000, Tier.GRID, BandController.SOURCE, "band");
        Arbiter.Verdict v = Arbiter.decide(site, site.groups().getFirst(), s, List.of(band, survivors), 294_000,
                294_000, 10_000, false);
        assertThat(v.binding()).isEqualTo(survivors);
        assertThat(v.allowedW()).isCloseTo(294_000 * 60 / 120.0, within(1e-6));
        // and once the contingency is seen, the band controller emits no ceiling at all
        BandController ctl = new BandController(settings(limits(0.01, 294_000, 10_000),
                EnumSet.of(Means.CAPS), 0, 0, 24));
        ctl.run(new BandController.Input(0, 200_000, Double.NaN, Double.NaN, false, false));
        assertThat(ctl.run(new BandController.Input(20_000_000, 294_000, Double.NaN, Double.NaN, false, false))
                .ceiling()).as("a step far above the band: caps").isNotNull();
        assertThat(ctl.run(new BandController.Input(40_000_000, 294_000, Double.NaN, Double.NaN, true, false))
                .limits()).isEmpty();
    }

    @Test
    void afterAContingencyItStartsFromTheLoadAsItIs() {
        BandLimits l = limits(0.05, 1e6, 100_000);
        BandController ctl = new BandController(settings(l, EnumSet.allOf(Means.class), 50, 1e6, 1000));
        ctl.run(new BandController.Input(0, 1e6, Double.NaN, 0.5, false, false));
        ctl.run(new BandController.Input(20_000_000, 1e6, Double.NaN, 0.5, true, false));
        // the survivors carry 400 kW less: not a swing to smooth, the new level
        BandController.Output out = ctl.run(new BandController.Input(40_000_000, 0.6e6, Double.NaN, 0.5, false,
                false));
        assertThat(out.gridTargetW()).isEqualTo(0.6e6);
        assertThat(out.bankW()).isZero();
        assertThat(out.ceiling()).isNull();
    }

    @Test
    void aJobStartRampsTheGridAtTheJobLimitAndTheBanksCarryTheRest() {
        BandLimits l = new BandLimits(List.of(), new BandLimits.Ramp(100_000, 100_000),
                new BandLimits.Ramp(500_000, 500_000));
        BandController ctl = new BandController(settings(l, EnumSet.of(Means.BANKS), 500, 2e6, 0));
        ctl.run(new BandController.Input(0, 0.2e6, Double.NaN, 0.5, false, false));
        double prev = 0.2e6;
        double maxStep = 0;
        for (int k = 1; k <= 400; k++) {
            BandController.Output out = ctl.run(new BandController.Input(k * 20_000_000L, 1.2e6, Double.NaN, 0.5,
                    false, true));
            double step = out.gridTargetW() - prev;
            assertThat(step).isBetween(0.0, 500_000 * 0.8 * 0.02 + 1e-6);
            assertThat(out.bankW()).isEqualTo(1.2e6 - out.gridTargetW(), within(1e-6));
            maxStep = Math.max(maxStep, step);
            prev = out.gridTargetW();
        }
        assertThat(maxStep).as("the job limit binds").isCloseTo(500_000 * 0.8 * 0.02, within(1e-6));
        assertThat(prev).isCloseTo(1.2e6, within(1e3));
        // without the job flag the same step moves at the normal limit
        BandController normal = new BandController(settings(l, EnumSet.of(Means.BANKS), 500, 2e6, 0));
        normal.run(new BandController.Input(0, 0.2e6, Double.NaN, 0.5, false, false));
        prev = 0.2e6;
        for (int k = 1; k <= 100; k++) {
            BandController.Output out = normal.run(new BandController.Input(k * 20_000_000L, 1.2e6, Double.NaN,
                    0.5, false, false));
            assertThat(out.gridTargetW() - prev).isLessThanOrEqualTo(100_000 * 0.8 * 0.02 + 1e-6);
            prev = out.gridTargetW();
        }
    }

    @Test
    void withoutBanksGpuSmoothingHoldsAFloorUnderThePeakAndDividesTheRampsAmongTheGpus() {
        BandLimits l = limits(0.05, 1e6, 100_000);
        BandController ctl = new BandController(settings(l, EnumSet.of(Means.GPU_SMOOTHING), 0, 0, 2000));
        ctl.run(new BandController.Input(0, 1.3e6, 1.2e6, Double.NaN, false, false));
        BandController.Output out = ctl.run(new BandController.Input(20_000_000, 0.7e6, 0.6e6, Double.NaN, false,
                false));
        // the peak decays by at most 80 kW/s × 0.02 s; the floor keeps the load within 20 kW (80 % of half the
        // 50 kW swing) of it: (1.3e6 − 1,600 − 20,000 − 100,000 non-GPU) / 2000 GPUs
        assertThat(out.gpu().inGpu()).isTrue();
        assertThat(out.gpu().floorW()).isCloseTo((1.3e6 - 1_600 - 20_000 - 100_000) / 2000, within(1e-6));
        // ramp rates only around a job event: in normal operation they would slow every compute phase
        assertThat(out.gpu().rampUpWPerS()).isInfinite();
        assertThat(out.gpu().rampDownWPerS()).isInfinite();
        assertThat(out.mode()).isEqualTo(Mode.GPU);
        // a job event: the site's job limits (× the margin) divided among the GPUs, none taken by banks
        BandController.Output job = ctl.run(new BandController.Input(40_000_000, 0.7e6, 0.6e6, Double.NaN, false,
                true));
        assertThat(job.gpu().rampUpWPerS()).isEqualTo(500_000 * 0.8 / 2000);
        assertThat(job.gpu().rampDownWPerS()).isEqualTo(500_000 * 0.8 / 2000);
    }

    @Test
    void gpusWithoutSmoothingGetCapRampsOnly() {
        BandLimits l = limits(0.05, 1e6, 100_000);
        BandController ctl = new BandController(settings(l, EnumSet.of(Means.CAP_RAMPS), 0, 0, 500));
        BandController.Output out = ctl.run(new BandController.Input(0, 1e6, Double.NaN, Double.NaN, false, false));
        assertThat(out.gpu().none()).as("no ramp limit outside a job event").isTrue();
        out = ctl.run(new BandController.Input(20_000_000, 1e6, 300_000, Double.NaN, false, true));
        // the job ramp-up limit (500 kW/s × 0.8) over 500 GPUs, by the caps: no floor, no ramp-down
        assertThat(out.gpu()).isEqualTo(new BandController.GpuCommand(Double.NaN, 800.0, Double.POSITIVE_INFINITY,
                false));
    }

    @Test
    void offWithoutLimitsAndTheReferenceForTheLowestEdge() {
        BandController ctl = new BandController(settings(BandLimits.NONE, EnumSet.allOf(Means.class), 10, 1e5, 10));
        BandController.Output out = ctl.run(new BandController.Input(0, 1e6, Double.NaN, 0.5, false, false));
        assertThat(out.mode()).isEqualTo(Mode.OFF);
        assertThat(out.limits()).isEmpty();
        assertThat(BandController.Settings.referenceTauFor(limits(0.05, 1e6, 1e5)))
                .isCloseTo(Math.sqrt(19) / (2 * Math.PI * 0.1), within(1e-12));
        BandLimits rms = new BandLimits(List.of(new BandLimits.Band(3, 30, BandLimits.Measure.RMS, 10_000,
                Double.NaN)), null, null);
        assertThat(new BandController(settings(rms, Set.of(), 0, 0, 0)).allowedSwingW())
                .isCloseTo(2 * Math.sqrt(2) * 10_000, within(1e-9));
    }
}
