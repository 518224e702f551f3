package io.headroom.hil;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.headroom.drivers.gpuprotocol.AgentClient;
import io.headroom.drivers.gpuprotocol.CapCommand;
import io.headroom.drivers.gpuprotocol.GpuBackend;
import io.headroom.drivers.gpuprotocol.LeaseState;
import io.headroom.drivers.gpuprotocol.NodeAgent;
import io.headroom.drivers.gpuprotocol.SimulatedGpus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * A killed appliance process leaves every agent at its safe cap within one lease, and a restarted one
 * re-acquires them without a moment in which any GPU runs above its safe cap uncommanded. The agents live in
 * this JVM; the appliance is a child JVM ({@link ChildAppliance}) that is killed with {@code destroyForcibly()}.
 */
class ApplianceKillIT {

    private static final int LEASE_MS = 1000;
    private static final double SAFE_W = 250;
    private static final double CAP_W = 600;

    private final List<NodeAgent> agents = new ArrayList<>();
    private final List<RecordingGpus> gpus = new ArrayList<>();
    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void tearDown() {
        children.forEach(Process::destroyForcibly);
        agents.forEach(NodeAgent::close);
    }

    /** Simulated GPUs that remember every limit they were ever given. */
    static final class RecordingGpus implements GpuBackend {
        final SimulatedGpus gpus = new SimulatedGpus(2, 200, 700, 700);
        final ConcurrentLinkedQueue<Double> history = new ConcurrentLinkedQueue<>();

        public int gpuCount() { return gpus.gpuCount(); }
        public double minW(int g) { return gpus.minW(g); }
        public double maxW(int g) { return gpus.maxW(g); }
        public double defaultW(int g) { return gpus.defaultW(g); }
        public double powerW(int g) { return gpus.powerW(g); }
        public double limitW(int g) { return gpus.limitW(g); }
        public void setLimitW(int g, double w) {
            history.add(w);
            gpus.setLimitW(g, w);
        }
    }

    private Process appliance(long session) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-Djava.net.preferIPv4Stack=true",
                "-cp", System.getProperty("java.class.path"),
                ChildAppliance.class.getName(), Long.toString(session)));
        for (NodeAgent a : agents) {
            cmd.add(Integer.toString(a.port()));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        children.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Void> capped = CompletableFuture.runAsync(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.equals("capped")) {
                        return;
                    }
                }
                throw new IllegalStateException("the child appliance exited before capping");
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        });
        capped.get(60, TimeUnit.SECONDS);
        return p;
    }

    @Test
    void aKilledApplianceLeavesEveryAgentAtItsSafeCapWithinOneLeaseAndARestartReacquires() throws Exception {
        for (int i = 0; i < 3; i++) {
            RecordingGpus g = new RecordingGpus();
            gpus.add(g);
            agents.add(NodeAgent.builder(g).name("kill-agent-" + i).bindAddress(new InetSocketAddress("127.0.0.1", 0))
                    .powerPublishInterval(Duration.ZERO).safeCapW(SAFE_W).start());
        }
        SecureRandom random = new SecureRandom();
        long first = random.nextLong();
        Process appliance = appliance(first);
        for (NodeAgent a : agents) {
            assertThat(a.leaseState()).isEqualTo(LeaseState.CAPPED);
            assertThat(a.health().session()).isEqualTo(first);
            assertThat(a.powerReport().gpus()).allSatisfy(p -> assertThat(p.limitW()).isEqualTo(CAP_W));
        }

        appliance.destroyForcibly();
        assertThat(appliance.waitFor(10, TimeUnit.SECONDS)).isTrue();

        // one lease, plus the agent's lease-check period (lease/10) and scheduling slack on a loaded machine
        await().atMost(Duration.ofMillis(LEASE_MS * 3L)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
            for (NodeAgent a : agents) {
                assertThat(a.leaseState()).isEqualTo(LeaseState.SAFE_CAP);
                assertThat(a.powerReport().gpus()).allSatisfy(p -> assertThat(p.limitW()).isEqualTo(SAFE_W));
            }
        });
        for (NodeAgent a : agents) {
            assertThat(a.health().session()).as("the session window survives the lapse").isEqualTo(first);
            assertThat(a.health().lastRejectedReason()).isEmpty();
        }

        long second = random.nextLong();
        appliance(second);
        for (NodeAgent a : agents) {
            assertThat(a.leaseState()).isEqualTo(LeaseState.CAPPED);
            assertThat(a.health().session()).as("re-acquired by the new session").isEqualTo(second);
        }
        for (RecordingGpus g : gpus) {
            assertThat(g.history).as("every limit ever set: the safe cap or a commanded cap, never uncapped")
                    .isNotEmpty().allSatisfy(w -> assertThat(w).isIn(SAFE_W, CAP_W));
        }
    }

    /** The appliance stand-in: caps every agent on the command line and renews the leases until killed. */
    public static final class ChildAppliance {
        public static void main(String[] args) throws Exception {
            long session = Long.parseLong(args[0]);
            List<InetSocketAddress> agents = new ArrayList<>();
            for (int i = 1; i < args.length; i++) {
                agents.add(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[i])));
            }
            try (AgentClient client = AgentClient.builder().build()) {
                long seq = 0;
                boolean announced = false;
                while (true) {
                    seq++;
                    List<CompletableFuture<?>> acks = new ArrayList<>();
                    for (InetSocketAddress a : agents) {
                        acks.add(client.setCaps(a, CapCommand.uniform(session, seq, LEASE_MS, 2, CAP_W)));
                    }
                    try {
                        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(2, TimeUnit.SECONDS);
                        if (!announced) {
                            System.out.println("capped");
                            System.out.flush();
                            announced = true;
                        }
                    } catch (Exception e) {
                        System.out.println("renewal failed: " + e);
                    }
                    Thread.sleep(LEASE_MS / 4); // the stand-in's renewal period, not test synchronisation
                }
            }
        }
    }
}
