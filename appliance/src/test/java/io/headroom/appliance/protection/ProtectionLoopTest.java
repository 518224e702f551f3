package io.headroom.appliance.protection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.headroom.appliance.dsp.FeedLossEvent;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.appliance.testing.NoActuator;
import io.headroom.drivers.gpuprotocol.ContingencyTable;
import io.headroom.drivers.gpuprotocol.ContingencyTrigger;
import io.headroom.drivers.gpuprotocol.NodeAgent;
import io.headroom.drivers.gpuprotocol.SimulatedGpus;
import io.headroom.drivers.gpuprotocol.TriggerKey;
import io.headroom.drivers.gpuprotocol.TriggerListener;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The protection loop against a real fan-out socket, agents on loopback and a real journal. */
class ProtectionLoopTest {

    @TempDir
    Path dir;

    /** One {@link FastPathListener#onFired} call, and when it came. */
    private record Fired(int feedIndex, long originNanos, long sentNanos, long lastAckNanos, int targets, int answered,
                         long reportedNanos) {
    }

    @Test
    void aSecondFeedLossIsFiredWithoutWaitingForTheFirstFanOutsAcknowledgements() throws Exception {
        Site site = SiteLoader.parse("t.yaml", Files.readString(Path.of("src/test/resources/sites/minimal-2feed.yaml")));
        SecureRandom random = new SecureRandom();
        SimulatedGpus gpus = new SimulatedGpus(8, 200, 700, 700);
        try (Journal journal = Journal.open(dir.resolve("j.db"), Clock.systemUTC(), 3600, 1000);
             ContingencyTrigger trigger = ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), 2);
             DatagramSocket deadHost = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             TriggerListener listener = TriggerListener.open(new InetSocketAddress("127.0.0.1", 0), "n2");
             NodeAgent n2 = NodeAgent.builder(gpus).name("n2").serve(false).triggerListener(listener)
                     .powerPublishInterval(Duration.ZERO).build().start();
             ProtectionLoop protection = new ProtectionLoop(site, trigger, new NoActuator(), journal, Clock.systemUTC())) {
            // n1 (slot 0) is armed for feed A's loss (contingency 0) but its host died: nothing answers
            trigger.armed(0, (InetSocketAddress) deadHost.getLocalSocketAddress(), 1, TriggerKey.random(random), new int[]{0});
            // n2 (slot 1) is armed for feed B's loss (contingency 1) and answers
            TriggerKey key = TriggerKey.random(random);
            n2.armInProcess(new ContingencyTable(7, 1, 1, key, 10_000,
                    List.of(new ContingencyTable.Contingency(1, Collections.nCopies(8, 300.0))), null));
            trigger.armed(1, listener.address(), 1, key, new int[]{1});
            List<Fired> fired = new CopyOnWriteArrayList<>();
            protection.onFired((f, origin, sent, lastAck, targets, answered) ->
                    fired.add(new Fired(f, origin, sent, lastAck, targets, answered, System.nanoTime())));
            protection.start();

            long lostA = System.nanoTime();
            protection.listenerFor(0).onFeedLossEvent(new FeedLossEvent(0, "A", FeedLossEvent.Kind.FEED_LOST,
                    lostA - 1_000_000L, lostA, 0.01, 0b111, 1));
            // feed A's trigger reaches the dead host: its wave is out. Feed B is lost right after.
            deadHost.setSoTimeout(10_000);
            deadHost.receive(new DatagramPacket(new byte[64], 64));
            long lostB = System.nanoTime();
            protection.listenerFor(1).onFeedLossEvent(new FeedLossEvent(1, "B", FeedLossEvent.Kind.FEED_LOST,
                    lostB - 1_000_000L, lostB, 0.01, 0b111, 1));

            await().atMost(Duration.ofSeconds(10)).until(() -> fired.size() == 2);
            Fired a = fired.stream().filter(x -> x.feedIndex() == 0).findFirst().orElseThrow();
            Fired b = fired.stream().filter(x -> x.feedIndex() == 1).findFirst().orElseThrow();
            assertThat(a.targets()).isEqualTo(1);
            assertThat(a.answered()).as("the dead host never answers").isZero();
            assertThat(b.targets()).isEqualTo(1);
            assertThat(b.answered()).isEqualTo(1);
            assertThat(gpus.limitsW()).containsOnly(300.0);
            // Feed A's fan-out can only end at its deadline (its agent is silent) and is reported after it ended; feed
            // B's trigger must not wait for that: it is out before feed A's fan-out gave up.
            assertThat(b.sentNanos()).as("feed B's trigger sent %.1f ms after its hand-over, feed A's fan-out reported "
                            + "%.1f ms after feed B's hand-over", (b.sentNanos() - lostB) / 1e6, (a.reportedNanos() - lostB) / 1e6)
                    .isLessThan(a.reportedNanos());
            assertThat(b.sentNanos()).isGreaterThanOrEqualTo(lostB);
            // both are journaled, and the last fan-out is kept for the API
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(journal.entries(Instant.EPOCH,
                    Instant.now().plusSeconds(1), "protection", 10)).extracting(e -> e.subject())
                    .containsExactlyInAnyOrder("A", "B"));
            assertThat(protection.lastFired()).isNotNull();
        }
    }
}
