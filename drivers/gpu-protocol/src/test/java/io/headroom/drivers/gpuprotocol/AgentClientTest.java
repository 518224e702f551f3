package io.headroom.drivers.gpuprotocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;

import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client against real agents over UDP on 127.0.0.1. */
class AgentClientTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final long SESSION = 0xA11CEL;

    private final SimulatedGpus gpus = new SimulatedGpus(4, 200, 700, 700);
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private NodeAgent agent;
    private AgentClient client;

    @BeforeEach
    void setUp() {
        gpus.setDemandW(500);
        agent = track(NodeAgent.builder(gpus).name("udp-agent")
                .bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .powerPublishInterval(Duration.ZERO)
                .safeCapW(250)
                .start());
        client = track(AgentClient.builder().timeout(Duration.ofSeconds(2)).build());
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        closeables.add(c);
        return c;
    }

    private InetSocketAddress agentAddress() {
        return new InetSocketAddress("127.0.0.1", agent.port());
    }

    private static <T> T join(CompletableFuture<T> f) {
        assertThat(f).succeedsWithin(WAIT);
        return f.join();
    }

    private static Throwable failure(CompletableFuture<?> f) {
        assertThat(f).failsWithin(WAIT);
        try {
            f.get();
            throw new AssertionError("future succeeded");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void readsInventoryPowerAndHealth() {
        Inventory inv = join(client.inventory(agentAddress()));
        assertThat(inv).isEqualTo(Inventory.of(gpus));
        assertThat(inv.gpuCount()).isEqualTo(4);

        PowerReport p = join(client.power(agentAddress()));
        assertThat(p.state()).isEqualTo(LeaseState.SAFE_CAP);
        assertThat(p.gpus()).containsOnly(new GpuPower(250, 250));
        assertThat(p.totalW()).isEqualTo(1000);

        Health h = join(client.health(agentAddress()));
        assertThat(h.state()).isEqualTo(LeaseState.SAFE_CAP);
        assertThat(h.secondsSinceLastCommand()).isEqualTo(Health.NEVER);
        assertThat(h.safeCapsW()).containsOnly(250.0);
    }

    @Test
    void setCapsAppliesAndAcknowledges() {
        CapAck ack = join(client.setCaps(agentAddress(), new CapCommand(SESSION, 1, 10_000,
                List.of(300.0, 400.0, 450.0, 700.0))));

        assertThat(ack.sequence()).isEqualTo(1);
        assertThat(ack.appliedLimitsW()).containsExactly(300.0, 400.0, 450.0, 700.0);
        assertThat(ack.totalPowerW()).isEqualTo(300 + 400 + 450 + 500);
        assertThat(ack.leaseRemainingMs()).isEqualTo(10_000);
        assertThat(gpus.limitsW()).containsExactly(300.0, 400.0, 450.0, 700.0);
        PowerReport p = join(client.power(agentAddress()));
        assertThat(p.state()).isEqualTo(LeaseState.CAPPED);
        assertThat(p.gpus().get(0)).isEqualTo(new GpuPower(300, 300));
    }

    @Test
    void outOfRangeCapComesBackAsBadRequestWithTheRange() {
        Throwable t = failure(client.setCaps(agentAddress(), new CapCommand(SESSION, 1, 10_000,
                List.of(300.0, 300.0, 300.0, 900.0))));

        assertThat(t).isInstanceOf(AgentResponseException.class);
        AgentResponseException e = (AgentResponseException) t;
        assertThat(e.code()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(e.codeText()).isEqualTo("4.00");
        assertThat(e.diagnostic()).isEqualTo("cap 900 W for GPU 3 outside 200..700 W");
        assertThat(e.resource()).isEqualTo("cap");
        assertThat(e.agent()).isEqualTo(agentAddress());
        assertThat(e).hasMessageContaining("4.00").hasMessageContaining("cap 900 W for GPU 3 outside 200..700 W");
        assertThat(gpus.limitsW()).containsOnly(250.0);
        assertThat(join(client.health(agentAddress())).lastRejectedReason())
                .isEqualTo("cap 900 W for GPU 3 outside 200..700 W");
    }

    @Test
    void staleSequenceComesBackAsConflictAndANewSessionReacquires() {
        join(client.setCaps(agentAddress(), CapCommand.uniform(SESSION, 42, 10_000, 4, 300)));

        Throwable t = failure(client.setCaps(agentAddress(), CapCommand.uniform(SESSION, 41, 10_000, 4, 400)));
        assertThat(t).isInstanceOfSatisfying(AgentResponseException.class, e -> {
            assertThat(e.code()).isEqualTo(ResponseCode.CONFLICT);
            assertThat(e.codeText()).isEqualTo("4.09");
            assertThat(e.diagnostic()).isEqualTo("stale sequence 41 ≤ 42");
        });
        assertThat(gpus.limitsW()).containsOnly(300.0);

        // The appliance restarted: a new session starting again at sequence 0.
        CapAck ack = join(client.setCaps(agentAddress(), CapCommand.uniform(SESSION + 1, 0, 10_000, 4, 400)));
        assertThat(ack.session()).isEqualTo(SESSION + 1);
        assertThat(gpus.limitsW()).containsOnly(400.0);
    }

    @Test
    void silentAgentTimesOutWithinTheConfiguredTimeout() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             AgentClient quick = AgentClient.builder().timeout(Duration.ofMillis(300)).build()) {
            InetSocketAddress nowhere = new InetSocketAddress("127.0.0.1", silent.getLocalPort());
            CompletableFuture<Health> f = quick.health(nowhere);
            assertThat(f).as("returned without blocking").isNotDone();

            Throwable t = failure(f);

            assertThat(t).isInstanceOfSatisfying(AgentTimeoutException.class, e -> {
                assertThat(e.timeout()).isEqualTo(Duration.ofMillis(300));
                assertThat(e.agent()).isEqualTo(nowhere);
                assertThat(e.resource()).isEqualTo("health");
            });
        }
    }

    @Test
    void closeFailsPendingRequestsAndLaterOnes() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            AgentClient c = AgentClient.builder().timeout(Duration.ofSeconds(30)).build();
            CompletableFuture<Inventory> pending = c.inventory(new InetSocketAddress("127.0.0.1", silent.getLocalPort()));

            c.close();

            assertThat(failure(pending)).isInstanceOf(AgentTransportException.class).hasMessageContaining("client closed");
            assertThat(failure(c.power(agentAddress()))).isInstanceOf(AgentTransportException.class)
                    .hasMessageContaining("client closed");
        }
    }

    @Test
    void observersOfPowerAreNotifiedWhenCapsChange() {
        List<PowerReport> reports = new CopyOnWriteArrayList<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        AgentClient.PowerObservation obs = client.observePower(agentAddress(), reports::add, errors::add);

        await().atMost(WAIT).until(() -> !reports.isEmpty());
        assertThat(reports.getFirst().state()).isEqualTo(LeaseState.SAFE_CAP);

        join(client.setCaps(agentAddress(), CapCommand.uniform(SESSION, 1, 10_000, 4, 320)));

        await().atMost(WAIT).untilAsserted(() -> assertThat(reports).anySatisfy(r -> {
            assertThat(r.state()).isEqualTo(LeaseState.CAPPED);
            assertThat(r.gpus()).containsOnly(new GpuPower(320, 320));
        }));

        gpus.setDemandW(100);
        agent.publishPower();
        await().atMost(WAIT).untilAsserted(() -> assertThat(reports.getLast().totalW()).isEqualTo(400));
        assertThat(errors).isEmpty();
        obs.close();
        assertThat(obs.isCanceled()).isTrue();
    }

    @Test
    void agentAnswersJsonWhenAskedAndRefusesUnknownFormats() throws Exception {
        CoapClient raw = new CoapClient("coap://127.0.0.1:" + agent.port() + "/gpus");
        CoapEndpoint rawEndpoint = CoapEndpoint.builder().setConfiguration(GpuProtocol.configuration()).build();
        raw.setEndpoint(rawEndpoint);
        try {
            CoapResponse json = raw.get(GpuProtocol.FORMAT_JSON);
            assertThat(json.getCode()).isEqualTo(ResponseCode.CONTENT);
            assertThat(json.getOptions().getContentFormat()).isEqualTo(GpuProtocol.FORMAT_JSON);
            assertThat(json.getResponseText()).isEqualTo(agent.inventory().toJson());

            CoapResponse text = raw.get(GpuProtocol.FORMAT_TEXT);
            assertThat(text.getOptions().getContentFormat()).isEqualTo(GpuProtocol.FORMAT_TEXT);
            assertThat(text.getResponseText()).startsWith("{\"version\":1,\"type\":\"inventory\"");

            CoapResponse binary = raw.get();
            assertThat(binary.getOptions().getContentFormat()).isEqualTo(GpuProtocol.FORMAT_BINARY);
            assertThat(Inventory.decode(binary.getPayload())).isEqualTo(agent.inventory());

            CoapResponse cbor = raw.get(60);
            assertThat(cbor.getCode()).isEqualTo(ResponseCode.NOT_ACCEPTABLE);

            raw.setURI("coap://127.0.0.1:" + agent.port() + "/cap");
            CoapResponse wrongFormat = raw.post("{}", GpuProtocol.FORMAT_JSON);
            assertThat(wrongFormat.getCode()).isEqualTo(ResponseCode.UNSUPPORTED_CONTENT_FORMAT);

            Request get = Request.newGet();
            get.setURI("coap://127.0.0.1:" + agent.port() + "/cap");
            assertThat(raw.advanced(get).getCode()).isEqualTo(ResponseCode.METHOD_NOT_ALLOWED);

            raw.setURI("coap://127.0.0.1:" + agent.port() + "/" + "nonexistent");
            assertThat(raw.get().getCode()).as("unknown resource").isEqualTo(ResponseCode.NOT_FOUND);
        } finally {
            raw.shutdown();
            rawEndpoint.destroy();
        }
        assertThat(gpus.limitsW()).containsOnly(250.0);
    }

    @Test
    void manyAgentsShareExecutorsWithOneClientSocket() {
        CoapExecutors shared = track(CoapExecutors.create("bench", 2));
        List<NodeAgent> agents = new ArrayList<>();
        List<SimulatedGpus> backends = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            SimulatedGpus b = new SimulatedGpus(8, 200, 700, 700);
            backends.add(b);
            agents.add(track(NodeAgent.builder(b).name("bench-" + i)
                    .bindAddress(new InetSocketAddress("127.0.0.1", 0))
                    .sharedExecutors(shared)
                    .safeCapW(300)
                    .start()));
        }
        AgentClient sharedClient = track(AgentClient.builder().sharedExecutors(shared).build());

        List<CompletableFuture<CapAck>> acks = new ArrayList<>();
        for (int i = 0; i < agents.size(); i++) {
            acks.add(sharedClient.setCaps(new InetSocketAddress("127.0.0.1", agents.get(i).port()),
                    CapCommand.uniform(SESSION, 1, 10_000, 8, 400 + i)));
        }
        for (int i = 0; i < acks.size(); i++) {
            assertThat(join(acks.get(i)).appliedLimitsW()).containsOnly(400.0 + i);
            assertThat(backends.get(i).limitsW()).containsOnly(400.0 + i);
        }

        agents.getFirst().close();
        assertThat(shared.isShutdown()).as("agents do not shut down shared executors").isFalse();
        assertThat(join(sharedClient.inventory(new InetSocketAddress("127.0.0.1", agents.get(1).port()))).gpuCount())
                .isEqualTo(8);

        sharedClient.close();
        assertThat(shared.isShutdown()).as("clients do not shut down shared executors").isFalse();
        try (AgentClient another = AgentClient.builder().sharedExecutors(shared).build()) {
            assertThat(join(another.health(new InetSocketAddress("127.0.0.1", agents.get(2).port()))).state())
                    .isEqualTo(LeaseState.CAPPED);
        }
    }

    @Test
    void noCaliforniumPropertiesFileIsWritten() {
        join(client.inventory(agentAddress()));
        assertThat(new File("Californium3.properties")).doesNotExist();
    }

    @Test
    void bindingAnAgentToABusyPortFails() {
        NodeAgent second = NodeAgent.builder(new SimulatedGpus(1, 100, 200, 200))
                .bindAddress(new InetSocketAddress("127.0.0.1", agent.port()))
                .build();
        assertThatThrownBy(second::start).isInstanceOf(IllegalStateException.class);
        second.close();
    }
}
