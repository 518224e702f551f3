package io.headroom.hil;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Priority;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ten minutes of the example hall in virtual time ({@link VirtualTimeHall}: the real Modbus driver, measurement
 * pipeline, regulation, supercap control and journal against the simulated plant; agents and fast path in memory):
 * a full-demand burst with three feed losses (two lost feeds, one shunt trip), each restored. It holds the safety
 * properties, and the same seed gives the same figures, bit for bit.
 */
class VirtualTimeApplianceIT {

    private static final long MINUTES_MS = 10 * 60_000L;
    /** After a feed is lost or restored, the survivors are judged against their limits from this long after. */
    private static final long SETTLE_MS = 2_000;
    /** Regulation has taken the hall in hand by then (caps start at the N-1 safe cap, and rise). */
    private static final long WARM_UP_MS = 10_000;

    static Site site;

    @BeforeAll
    static void load() throws Exception {
        site = SiteLoader.load(Path.of("../sites/example-4feed.yaml"));
    }

    /** What a run ends with: equal records for equal seeds. */
    record Figures(int trips, double worstSettledFraction, long ticks, long capsSent, long contingenciesApplied,
                   double criticalDeliveredJ, double flexibleDeliveredJ, double lowestCriticalCapW, String digest) {
    }

    @Test
    void tenMinutesOfFeedLossesInVirtualTimeStayWithinLimitsAndRepeatExactly(@TempDir Path dir) throws Exception {
        long started = System.nanoTime();
        Figures first = run(7, dir.resolve("first"));
        long firstMs = (System.nanoTime() - started) / 1_000_000;
        Figures second = run(7, dir.resolve("second"));
        System.out.printf("virtual-time hall: 10 min in %d ms of wall time; %s%n", firstMs, first);

        // safety
        assertThat(first.trips()).as("breaker trips").isZero();
        assertThat(first.worstSettledFraction()).as("worst settled load of a live feed / its continuous limit")
                .isGreaterThan(0.5).isLessThanOrEqualTo(1.0);
        assertThat(first.contingenciesApplied()).as("feed losses answered by an armed table").isEqualTo(3);
        double floor = site.nodes().stream().filter(n -> n.priority() == Priority.CRITICAL).mapToDouble(Node::floorW)
                .min().orElseThrow();
        assertThat(first.lowestCriticalCapW()).as("critical nodes never below their floor").isGreaterThanOrEqualTo(floor);
        assertThat(first.ticks()).as("regulation ticks in ten minutes").isEqualTo(MINUTES_MS / site.control().tickMs());
        assertThat(first.criticalDeliveredJ()).isPositive();
        // determinism
        assertThat(second).as("the same seed, the same figures").isEqualTo(first);
    }

    private static Figures run(long seed, Path dataDir) throws Exception {
        java.nio.file.Files.createDirectories(dataDir);
        try (VirtualTimeHall hall = new VirtualTimeHall(site, seed, dataDir)) {
            Plant plant = hall.plant();
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            ByteBuffer bytes = ByteBuffer.allocate(8);
            long[] lastChangeMs = {0};
            double[] worst = {0};
            double[] lowestCritical = {Double.POSITIVE_INFINITY};
            long[] ticks = {0};
            hall.run(MINUTES_MS, ms -> {
                if (ms == 60_000) {
                    plant.forceBurst(540, 1.0); // every GPU wants its maximum from here on
                }
                if (ms % 1000 != 0) {
                    return;
                }
                boolean change = true;
                switch ((int) (ms / 1000)) {
                    case 120 -> plant.setFeedUp("B", false);
                    case 200 -> plant.setFeedUp("B", true);
                    case 300 -> plant.tripBreaker("C");
                    case 380 -> plant.setFeedUp("C", true);
                    case 450 -> plant.setFeedUp("A", false);
                    case 520 -> plant.setFeedUp("A", true);
                    default -> change = false;
                }
                if (change) {
                    lastChangeMs[0] = ms;
                }
            }, (SiteState s) -> {
                ticks[0]++;
                long ms = hall.nowMs();
                boolean settled = ms >= WARM_UP_MS && ms - lastChangeMs[0] >= SETTLE_MS;
                for (Feed f : site.feeds()) {
                    double peak = plant.peakFractionSinceMark(f.id());
                    if (settled && plant.feedUp(f.id())) {
                        worst[0] = Math.max(worst[0], peak);
                    }
                }
                plant.markPeaks();
                Map<String, Double> caps = new TreeMap<>(s.caps());
                for (Node n : site.nodes()) {
                    Double cap = caps.get(n.id());
                    if (n.priority() == Priority.CRITICAL && cap != null) {
                        lowestCritical[0] = Math.min(lowestCritical[0], cap);
                    }
                }
                caps.forEach((id, w) -> digest.update(bytes.clear().putDouble(w).array()));
                new TreeMap<>(s.feeds()).forEach((id, m) -> digest.update(bytes.clear().putDouble(m.currentA()).array()));
                new TreeMap<>(s.bankSetpointsW()).forEach((id, w) -> digest.update(bytes.clear().putDouble(w).array()));
            });
            return new Figures(plant.trips(), worst[0], ticks[0], hall.capsSent(), hall.contingenciesApplied(),
                    plant.deliveredJ(Priority.CRITICAL), plant.deliveredJ(Priority.FLEXIBLE), lowestCritical[0],
                    HexFormat.of().formatHex(digest.digest()));
        }
    }
}
