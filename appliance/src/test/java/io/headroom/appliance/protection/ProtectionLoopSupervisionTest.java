package io.headroom.appliance.protection;

import io.headroom.appliance.dsp.FeedLossEvent;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.appliance.supervision.Supervisor;
import io.headroom.drivers.gpuprotocol.ContingencyTrigger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The protection thread under faults: a failing event never ends it; a hung one is seen by its supervisor. */
class ProtectionLoopSupervisionTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    static FeedLossEvent lost(int feed, String id, long seq) {
        long now = System.nanoTime();
        return new FeedLossEvent(feed, id, FeedLossEvent.Kind.FEED_LOST, now, now, 0, 0b111, seq);
    }

    /** The actuator's contingency hold fails: first with an exception, then with an error, then it works. */
    static final class FailingHold implements io.headroom.appliance.actuation.Actuator {
        @Override
        public void command(io.headroom.appliance.site.Node node, double capPerGpuW) {
        }

        @Override
        public void flush(long nowNanos) {
        }

        @Override
        public java.util.Optional<io.headroom.appliance.measure.NodeTelemetry> telemetry(io.headroom.appliance.site.Node node, long nowNanos) {
            return java.util.Optional.empty();
        }

        @Override
        public void close() {
        }

        final AtomicInteger calls = new AtomicInteger();

        @Override
        public void holdContingency(int feedIndex, long nowNanos, long holdNanos) {
            int n = calls.incrementAndGet();
            if (n == 1) {
                throw new IllegalStateException("injected: the hold failed");
            }
            if (n == 2) {
                throw new StackOverflowError("injected: an error, not an exception");
            }
        }
    }

    @Test
    void anExceptionOrAnErrorInOneEventNeverEndsTheLoop(@TempDir Path dir) throws Exception {
        Site site = SiteLoader.load(Path.of("src/test/resources/sites/minimal-2feed.yaml"));
        FailingHold actuator = new FailingHold();
        try (Journal journal = Journal.open(dir.resolve("j.db"), Clock.systemUTC(), 3600, 1000);
             ContingencyTrigger trigger = ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), 2);
             ProtectionLoop protection = new ProtectionLoop(site, trigger, actuator, journal, Clock.systemUTC()).start()) {
            protection.listenerFor(0).onFeedLossEvent(lost(0, "A", 1));
            await().atMost(WAIT).until(() -> actuator.calls.get() == 1);
            protection.listenerFor(1).onFeedLossEvent(lost(1, "B", 1));
            await("the thread survived the exception").atMost(WAIT).until(() -> actuator.calls.get() == 2);
            protection.listenerFor(0).onFeedLossEvent(lost(0, "A", 2));
            await("and the error").atMost(WAIT).until(() -> protection.lastFired() != null);
            assertThat(protection.lastFired().feedId()).isEqualTo("A");
            assertThat(actuator.calls.get()).isEqualTo(3);
            assertThat(protection.failedEvents()).isEqualTo(2);
        }
    }

    /** The hold blocks until released: the protection thread hangs in it. */
    static final class HangingHold implements io.headroom.appliance.actuation.Actuator {
        @Override
        public void command(io.headroom.appliance.site.Node node, double capPerGpuW) {
        }

        @Override
        public void flush(long nowNanos) {
        }

        @Override
        public java.util.Optional<io.headroom.appliance.measure.NodeTelemetry> telemetry(io.headroom.appliance.site.Node node, long nowNanos) {
            return java.util.Optional.empty();
        }

        @Override
        public void close() {
        }

        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger entered = new AtomicInteger();

        @Override
        public void holdContingency(int feedIndex, long nowNanos, long holdNanos) {
            entered.incrementAndGet();
            try {
                release.await(5, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void aHungFastPathIsStalledForItsSupervisorAndRunningAgainOnceItGoesOn(@TempDir Path dir) throws Exception {
        Site site = SiteLoader.load(Path.of("src/test/resources/sites/minimal-2feed.yaml"));
        HangingHold actuator = new HangingHold();
        Supervisor supervisor = new Supervisor(System::nanoTime);
        try (Journal journal = Journal.open(dir.resolve("j.db"), Clock.systemUTC(), 3600, 1000);
             ContingencyTrigger trigger = ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), 2);
             ProtectionLoop protection = new ProtectionLoop(site, trigger, actuator, journal, Clock.systemUTC())) {
            protection.supervisedBy(supervisor);
            protection.start();
            await().atMost(WAIT).until(() -> supervisor.check().healthy());
            protection.listenerFor(0).onFeedLossEvent(lost(0, "A", 1));
            await().atMost(WAIT).until(() -> actuator.entered.get() == 1);
            await().atMost(WAIT).until(() -> supervisor.check().of(ProtectionLoop.LOOP).state() == Supervisor.State.STALLED);
            Supervisor.Report r = supervisor.check();
            assertThat(r.healthy()).isFalse();
            assertThat(r.reasons()).singleElement().asString().startsWith("loop protection: stalled")
                    .contains("feed losses are not answered");
            actuator.release.countDown();
            await().atMost(WAIT).until(() -> supervisor.check().healthy());
            assertThat(protection.lastFired().feedId()).isEqualTo("A");
        }
        assertThat(supervisor.check().loops()).as("closed in order: retired").isEmpty();
    }
}
