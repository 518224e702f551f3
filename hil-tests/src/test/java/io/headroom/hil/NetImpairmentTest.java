package io.headroom.hil;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The bench's network relay: an echo "agent" on 127.0.0.2 behind it, an "appliance" socket on 127.0.0.1. */
class NetImpairmentTest {

    private NetImpairment net;
    private DatagramChannel agent;
    private DatagramChannel appliance;
    private Thread echo;
    private int port;

    @BeforeEach
    void setUp() throws IOException {
        net = new NetImpairment(7);
        port = net.link("n1", 0);
        agent = DatagramChannel.open().bind(NetImpairment.agentAddress(port));
        echo = Thread.ofPlatform().daemon().start(() -> {
            ByteBuffer b = ByteBuffer.allocate(2048);
            try {
                while (true) {
                    b.clear();
                    SocketAddress from = agent.receive(b);
                    b.flip();
                    agent.send(b, from);
                }
            } catch (IOException e) {
                // closed: the test is over
            }
        });
        appliance = DatagramChannel.open().bind(new InetSocketAddress(NetImpairment.FRONT_HOST, 0));
        appliance.configureBlocking(false);
    }

    @AfterEach
    void tearDown() throws Exception {
        appliance.close();
        agent.close();
        echo.join(2000);
        net.close();
    }

    private void send(int i) throws IOException {
        appliance.send(ByteBuffer.allocate(4).putInt(0, i), new InetSocketAddress(NetImpairment.FRONT_HOST, port));
    }

    /** Answers received so far (non-blocking), their payloads in arrival order. */
    private void drain(List<Integer> into) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16);
        while (appliance.receive(b) != null) {
            into.add(b.getInt(0));
            b.clear();
        }
    }

    @Test
    void aCleanLinkRelaysBothWaysToTheAgentsAddress() throws Exception {
        List<Integer> got = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            send(i);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            drain(got);
            return got.size() == 50;
        });
        assertThat(got).containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, 50).boxed().toList());
        assertThat(net.dropped()).isZero();
        assertThat(net.relayed()).isEqualTo(100);
    }

    @Test
    void aLinkThatLosesEverythingDeliversNothingEitherWay() throws Exception {
        net.impair(null, new NetImpairment.Impairment(1, 0, 0));
        for (int i = 0; i < 20; i++) {
            send(i);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> net.dropped() == 20);
        net.impair(null, NetImpairment.Impairment.NONE);
        send(99); // clean again: the marker comes back, and nothing sent before it
        List<Integer> got = new java.util.ArrayList<>();
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            drain(got);
            return got.contains(99);
        });
        assertThat(got).containsExactly(99);
    }

    @Test
    void eachDatagramIsLostWithTheGivenProbabilityElseHeldForTheDelayGiveOrTakeTheJitter() {
        NetImpairment.Impairment imp = new NetImpairment.Impairment(0.2, 0.020, 0.010);
        java.util.Random r = new java.util.Random(11);
        int lost = 0;
        long min = Long.MAX_VALUE;
        long max = 0;
        double sum = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            long hold = imp.fate(r);
            if (hold < 0) {
                lost++;
                continue;
            }
            min = Math.min(min, hold);
            max = Math.max(max, hold);
            sum += hold;
        }
        assertThat(lost / (double) n).isCloseTo(0.2, org.assertj.core.api.Assertions.within(0.015));
        assertThat(min).isGreaterThanOrEqualTo(10_000_000L);
        assertThat(max).isLessThanOrEqualTo(30_000_000L);
        assertThat(sum / (n - lost) / 1e6).isCloseTo(20, org.assertj.core.api.Assertions.within(0.5));
        assertThat(new NetImpairment.Impairment(0, 0.005, 0.010).fate(new java.util.Random(1)))
                .as("a jitter wider than the delay never makes it negative").isGreaterThanOrEqualTo(0);
    }

    @Test
    void aDelayHoldsEveryDatagramAndOnlyTheImpairedNodesLinks() throws Exception {
        net.impair(List.of("other"), new NetImpairment.Impairment(1, 0, 0)); // another node's link only
        List<Integer> got = new java.util.ArrayList<>();
        send(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            drain(got);
            return got.size() == 1;
        });
        net.impair(List.of("n1"), new NetImpairment.Impairment(0, 0.15, 0));
        long t0 = System.nanoTime();
        send(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            drain(got);
            return got.size() == 2;
        });
        // an injected delay, not a speed: 150 ms each way, so the echo is back no sooner than 300 ms
        assertThat((System.nanoTime() - t0) / 1e6).isGreaterThanOrEqualTo(290);
        net.impair(null, NetImpairment.Impairment.NONE);
        assertThat(net.dropped()).isZero();
    }

    @Test
    void impairmentsOutsideTheirRangeAreRefused() {
        assertThatThrownBy(() -> new NetImpairment.Impairment(1.5, 0, 0)).hasMessage("loss 1.5 outside 0..1");
        assertThatThrownBy(() -> new NetImpairment.Impairment(0, -0.01, 0)).hasMessage("delay -0.01 s outside 0..10 s");
    }
}
