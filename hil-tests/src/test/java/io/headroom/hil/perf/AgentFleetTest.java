package io.headroom.hil.perf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.headroom.common.SystemTime;
import io.headroom.drivers.gpuprotocol.AgentClient;
import io.headroom.drivers.gpuprotocol.ContingencyAck;
import io.headroom.drivers.gpuprotocol.ContingencyTrigger;
import io.headroom.drivers.gpuprotocol.Dtls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Agent hosts as processes: real {@code NodeAgent}s in child JVMs on their own loopback addresses, armed over DTLS
 * from this JVM, fired by the appliance's trigger (multicast, retries by unicast), and stopped with no process left.
 */
class AgentFleetTest {

    private static final Duration START = Duration.ofSeconds(90);

    @Test
    void agentsInOtherProcessesAreArmedOverDtlsFiredAndStoppedWithNothingLeft() throws Exception {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        int groupPort = FeedlossToCaps.freeUdpPort();
        List<ProcessHandle> hosts;
        ExecutorService handshakes = Executors.newFixedThreadPool(1);
        try (AgentFleet fleet = AgentFleet.start(6, 2, 2, secret, true, groupPort, START);
             ContingencyTrigger trigger = ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), 6, 1,
                     ContingencyTrigger.DEFAULT_IN_FLIGHT, SystemTime.NANOS, 2)) {
            hosts = fleet.handles();
            assertThat(hosts).hasSize(2).allSatisfy(h -> assertThat(h.isAlive()).isTrue());
            assertThat(hosts.get(0).pid()).isNotEqualTo(ProcessHandle.current().pid());
            // each process on its own loopback addresses
            assertThat(fleet.trigger[0].getAddress().getHostAddress()).startsWith("127.0.20.");
            assertThat(fleet.trigger[5].getAddress().getHostAddress()).startsWith("127.0.21.");
            Map<InetSocketAddress, Dtls.Psk> psks = new HashMap<>();
            for (int i = 0; i < 6; i++) {
                psks.put(fleet.coap[i], AgentHost.psk(secret, i));
            }
            trigger.multicast(new InetSocketAddress(InetAddress.getByName(AgentHost.GROUP_ADDRESS), groupPort),
                    FeedlossToCaps.loopback());
            int[] ids = {0, 1, 2};
            try (AgentClient client = AgentClient.builder().timeout(Duration.ofSeconds(20))
                    .endpoint(Dtls.clientEndpoint(new InetSocketAddress("127.0.0.1", 0), psks, null, handshakes))
                    .build()) {
                for (int i = 0; i < 6; i++) {
                    ContingencyAck a = client.arm(fleet.coap[i], AgentHost.table(secret, i, 1, ids.length, groupPort))
                            .get(30, TimeUnit.SECONDS);
                    assertThat(a.agentId()).isEqualTo(i);
                    assertThat(a.armed()).isEqualTo(3);
                    trigger.armed(i, fleet.trigger[i], 1, AgentHost.triggerKey(secret, i, 1), ids, 0);
                }
            }
            trigger.armedGroup(0, AgentHost.session(secret), 1, AgentHost.groupKey(secret, 1), ids);
            for (int id : ids) {
                ContingencyTrigger.Report r = trigger.awaitReport(trigger.fire(id, TimeUnit.SECONDS.toNanos(5),
                        TimeUnit.MILLISECONDS.toNanos(20)), Duration.ofSeconds(10));
                assertThat(r.groupDatagramsSent()).isEqualTo(1);
                assertThat(r.applied()).as("fire of %d: %s", id, r.silent()).isEqualTo(6);
            }
            // with every datagram lost each way half the time, the retries still reach every agent
            fleet.loss(0.5, 7);
            fleet.armInHosts(2, ids.length);
            for (int i = 0; i < 6; i++) {
                trigger.armed(i, fleet.trigger[i], 2, AgentHost.triggerKey(secret, i, 2), ids, 0);
            }
            trigger.armedGroup(0, AgentHost.session(secret), 2, AgentHost.groupKey(secret, 2), ids);
            ContingencyTrigger.Report lossy = trigger.awaitReport(trigger.fire(1, TimeUnit.SECONDS.toNanos(5),
                    TimeUnit.MILLISECONDS.toNanos(5)), Duration.ofSeconds(10));
            assertThat(lossy.applied()).isEqualTo(6);
            assertThat(lossy.datagramsSent()).as("retries were needed").isGreaterThan(1);
        } finally {
            handshakes.shutdownNow();
        }
        assertThat(hosts).allSatisfy(h -> assertThat(h.isAlive()).as("host %d after close", h.pid()).isFalse());
    }

    @Test
    void aHostThatFailsToStartFailsTheStartAndLeavesNoProcess() throws Exception {
        byte[] secret = new byte[32];
        // no trigger socket: host 0 (one agent) dies on start, host 1 (no agent) is up and must be stopped
        assertThatThrownBy(() -> AgentFleet.start(1, 2, 0, secret, false, 1, START))
                .isInstanceOf(IOException.class).hasMessageContaining("agent host");
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                        .filter(h -> h.info().commandLine().orElse("").contains(AgentHost.class.getName())))
                        .isEmpty());
    }
}
