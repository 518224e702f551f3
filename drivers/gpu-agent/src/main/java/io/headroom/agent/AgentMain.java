package io.headroom.agent;

import io.headroom.drivers.gpuprotocol.Dtls;
import io.headroom.drivers.gpuprotocol.GpuBackend;
import io.headroom.drivers.gpuprotocol.NodeAgent;
import io.headroom.drivers.gpuprotocol.SimulatedGpus;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code headroom-agent --config /etc/headroom/agent.properties}: the node agent of one GPU server. */
@Command(name = "headroom-agent", mixinStandardHelpOptions = true,
        description = "Headroom node agent: serves the GPU power-cap protocol (CoAP/DTLS) for this server's GPUs.")
public final class AgentMain implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(AgentMain.class);

    @Option(names = "--config", required = true, description = "configuration file (Java properties)")
    Path config;

    @Option(names = "--check", description = "validate the configuration and the GPU backend, then exit")
    boolean check;

    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile NodeAgent running;

    public static void main(String[] args) {
        System.exit(new CommandLine(new AgentMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        AgentConfig cfg;
        try {
            cfg = AgentConfig.load(config);
        } catch (AgentConfig.ConfigException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        GpuBackend backend;
        try {
            backend = backend(cfg);
        } catch (NvmlException e) {
            System.err.println("headroom-agent: " + e.getMessage());
            return 3;
        }
        if (check) {
            System.out.println("configuration OK; " + backend.gpuCount() + " GPUs (" + cfg.backend() + ")");
            return 0;
        }
        NodeAgent agent = start(cfg, backend);
        running = agent;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stop.countDown();
        }, "agent-shutdown"));
        stop.await();
        return 0;
    }

    /** Starts an agent from a configuration (also used by tests and benches). */
    public static NodeAgent start(AgentConfig cfg, GpuBackend backend) {
        NodeAgent.Builder b = NodeAgent.builder(backend).name("agent").maxLease(Duration.ofMillis(cfg.maxLeaseMs()));
        if (cfg.safeCapsW().size() == 1) {
            b.safeCapW(cfg.safeCapsW().getFirst());
        } else {
            b.safeCapsW(cfg.safeCapsW());
        }
        if (cfg.psk() != null) {
            b.endpoint(Dtls.agentEndpoint(cfg.listen(), cfg.psk(), "agent"));
        } else if (cfg.certificates() != null) {
            b.endpoint(Dtls.agentEndpoint(cfg.listen(), cfg.certificates(), "agent"));
        } else {
            LOG.warn("DTLS is off: anyone on the network can command this server's GPU caps");
            b.bindAddress(cfg.listen());
        }
        if (cfg.triggerListen() != null) {
            b.triggerAddress(cfg.triggerListen());
        }
        return b.start();
    }

    static GpuBackend backend(AgentConfig cfg) {
        if (cfg.backend().equals("fake")) {
            SimulatedGpus gpus = new SimulatedGpus(cfg.fakeGpus(), cfg.fakeMinW(), cfg.fakeMaxW(), cfg.fakeMaxW());
            gpus.setDemandW(cfg.fakeMaxW() * 0.8);
            return gpus;
        }
        return NvmlBackend.load(cfg.nvmlLibrary());
    }

    /** The running agent (null before start). */
    NodeAgent running() {
        return running;
    }

    void stop() {
        stop.countDown();
    }
}
