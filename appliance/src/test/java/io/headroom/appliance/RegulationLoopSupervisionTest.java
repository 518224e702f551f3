package io.headroom.appliance;

import io.headroom.appliance.actuation.Actuator;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.measure.MeasurementPipeline;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.appliance.supervision.Supervisor;
import io.headroom.grid.CommitmentBook;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The regulation schedule under faults: nothing a tick throws ends it; a hung tick is seen by its supervisor. */
class RegulationLoopSupervisionTest {

    static final Duration WAIT = Duration.ofSeconds(15);

    /** An actuator whose flush does what the test says at each call (1, 2, …). */
    record Faulty(AtomicInteger flushes, IntConsumer atFlush) implements Actuator {
        Faulty(IntConsumer atFlush) {
            this(new AtomicInteger(), atFlush);
        }

        @Override
        public void command(Node node, double capPerGpuW) {
        }

        @Override
        public void flush(long nowNanos) {
            atFlush.accept(flushes.incrementAndGet());
        }

        @Override
        public Optional<NodeTelemetry> telemetry(Node node, long nowNanos) {
            return Optional.empty();
        }

        @Override
        public void close() {
        }
    }

    static Site site() throws Exception {
        return SiteLoader.load(Path.of("src/test/resources/sites/minimal-2feed.yaml"));
    }

    @Test
    void anErrorInATickNeverEndsTheSchedule(@TempDir Path dir) throws Exception {
        Site site = site();
        Faulty actuator = new Faulty(n -> {
            switch (n) {
                case 1, 2 -> throw new StackOverflowError("injected: an error in tick " + n);
                case 3 -> throw new IllegalStateException("injected: an exception in tick 3");
                default -> {
                }
            }
        });
        try (Journal journal = Journal.open(dir.resolve("j.db"), Clock.systemUTC(), 3600, 1000);
             MeasurementPipeline never = new MeasurementPipeline(site, Clock.systemUTC());
             RegulationLoop loop = new RegulationLoop(site, never, actuator, new CommitmentBook(), journal,
                     Clock.systemUTC(), System::nanoTime)) {
            loop.start();
            await("ticks after the errors").atMost(WAIT).until(() -> loop.state() != null && loop.state().tick() >= 6);
            assertThat(loop.failedTicks()).isEqualTo(3);
        }
    }

    @Test
    void aHungTickIsStalledForItsSupervisorAndRunningOnceItGoesOn(@TempDir Path dir) throws Exception {
        Site site = site();
        CountDownLatch release = new CountDownLatch(1);
        Faulty actuator = new Faulty(n -> {
            if (n == 5) {
                try {
                    release.await(5, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        Supervisor supervisor = new Supervisor(System::nanoTime);
        try (Journal journal = Journal.open(dir.resolve("j.db"), Clock.systemUTC(), 3600, 1000);
             MeasurementPipeline never = new MeasurementPipeline(site, Clock.systemUTC());
             RegulationLoop loop = new RegulationLoop(site, never, actuator, new CommitmentBook(), journal,
                     Clock.systemUTC(), System::nanoTime, RegulationLoop.Wiring.none().supervisedBy(supervisor))) {
            loop.start();
            await().atMost(WAIT).until(() -> actuator.flushes().get() == 5);
            await().atMost(WAIT).until(() -> supervisor.check().of(RegulationLoop.LOOP).state() == Supervisor.State.STALLED);
            assertThat(supervisor.check().reasons()).singleElement().asString().startsWith("loop regulation: stalled")
                    .contains("leases");
            long stuckAt = loop.state().tick();
            release.countDown();
            await().atMost(WAIT).until(() -> supervisor.check().healthy() && loop.state().tick() > stuckAt);
        }
    }

    @Test
    void aTickThatFailsEveryTimeIsAStalledLoopNotAHealthyOne(@TempDir Path dir) throws Exception {
        Site site = site();
        Faulty actuator = new Faulty(n -> {
            throw new IllegalStateException("injected: every tick fails");
        });
        Supervisor supervisor = new Supervisor(System::nanoTime);
        try (Journal journal = Journal.open(dir.resolve("j.db"), Clock.systemUTC(), 3600, 1000);
             MeasurementPipeline never = new MeasurementPipeline(site, Clock.systemUTC());
             RegulationLoop loop = new RegulationLoop(site, never, actuator, new CommitmentBook(), journal,
                     Clock.systemUTC(), System::nanoTime, RegulationLoop.Wiring.none().supervisedBy(supervisor))) {
            loop.start();
            await().atMost(WAIT).until(() -> supervisor.check().of(RegulationLoop.LOOP).state() == Supervisor.State.STALLED);
            assertThat(supervisor.check().reasons()).singleElement().asString()
                    .contains("last failure: IllegalStateException: injected: every tick fails");
            assertThat(loop.failedTicks()).isGreaterThan(5);
        }
    }
}
