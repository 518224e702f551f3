package io.headroom.appliance;

import io.headroom.appliance.actuation.Actuator;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.measure.MeasurementPipeline;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.testsupport.Sites;
import io.headroom.grid.CommitmentBook;
import io.headroom.testsupport.TestClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Regulation hands the band controller's GPU floors and ramp limits to an actuator that carries them, every tick and
 * before the tick's cap commands; while the band controller stands aside (here: no feed measured, a contingency for
 * it) that is "off", so no floor holds load up. An actuator that does not carry them is never asked.
 */
class RegulationLoopGpuSmoothingTest {

    /** Records what regulation asks of it. */
    static final class Recording implements Actuator {
        final boolean carries;
        final List<String> calls = new ArrayList<>();

        Recording(boolean carries) {
            this.carries = carries;
        }

        @Override
        public boolean carriesGpuSmoothing() {
            return carries;
        }

        @Override
        public void gpuSmoothing(double floorW, double rampUpWPerS, double rampDownWPerS) {
            calls.add("smoothing " + floorW + " " + rampUpWPerS + " " + rampDownWPerS);
        }

        @Override
        public void command(Node node, double capPerGpuW) {
            if (calls.isEmpty() || !calls.getLast().equals("command")) {
                calls.add("command");
            }
        }

        @Override
        public void flush(long nowNanos) {
            calls.add("flush");
        }

        @Override
        public Optional<NodeTelemetry> telemetry(Node node, long nowNanos) {
            return Optional.empty();
        }

        @Override
        public void close() {
        }
    }

    private static List<String> run(Recording actuator, Path dir) throws Exception {
        Site site = SiteLoader.load(Sites.dir().resolve("example-4feed-bands.yaml"));
        TestClock clock = new TestClock(TestClock.EPOCH);
        try (Journal journal = Journal.open(dir.resolve("j.db"), clock, 3600, 1000);
             MeasurementPipeline never = new MeasurementPipeline(site, clock);
             RegulationLoop loop = new RegulationLoop(site, never, actuator, new CommitmentBook(), journal, clock,
                     clock, RegulationLoop.Wiring.none())) {
            for (int tick = 0; tick < 3; tick++) {
                clock.advance(Duration.ofMillis(100));
                loop.tick();
            }
        }
        return actuator.calls;
    }

    @Test
    void aCarryingActuatorIsToldEachTickBeforeTheCommandsAndOffWhileTheBandControllerStandsAside(@TempDir Path dir)
            throws Exception {
        List<String> calls = run(new Recording(true), dir);
        String off = "smoothing NaN Infinity Infinity";
        assertThat(calls).containsExactly(off, "command", "flush", off, "command", "flush", off, "command", "flush");
    }

    @Test
    void anActuatorThatDoesNotCarryThemIsNeverAsked(@TempDir Path dir) throws Exception {
        assertThat(run(new Recording(false), dir)).containsExactly("command", "flush", "command", "flush", "command",
                "flush");
    }
}
