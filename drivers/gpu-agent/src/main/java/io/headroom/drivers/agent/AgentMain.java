package io.headroom.drivers.agent;

import io.headroom.common.SdNotify;
import io.headroom.common.cli.ExitCodes;
import io.headroom.common.cli.OptionSuggester;
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

/**
 * {@code headroom-agent --config /etc/headroom/agent.properties}: the node agent of one GPU server. Its exit codes are
 * the project's ({@link ExitCodes}): 0 stopped in order or {@code --check} passed, 2 usage or an invalid configuration
 * (an unknown option gets the nearest real one, {@link OptionSuggester}), 4 could not run (the GPU backend does not
 * load: no NVML, no driver).
 */
@Command(name = "headroom-agent", mixinStandardHelpOptions = true,
        description = "Headroom node agent: serves the GPU power-cap protocol (CoAP/DTLS) for this server's GPUs.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped in order; --check: configuration and GPU backend OK",
                "2:usage or invalid input: unknown option, bad value, invalid configuration file",
                "4:could not run: the GPU backend does not load (NVML, driver)"})
public final class AgentMain implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(AgentMain.class);

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "configuration file (Java properties)")
    Path config;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--check", description = "validate the configuration and the GPU backend, then exit")
    boolean check;

    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile NodeAgent running;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The agent's command line with the project's did-you-mean for unknown options and its exit codes. */
    static CommandLine commandLine() {
        return OptionSuggester.install(new CommandLine(new AgentMain()));
    }

    @Override
    public Integer call() throws Exception {
        AgentConfig cfg;
        try {
            cfg = AgentConfig.load(config);
        } catch (AgentConfig.ConfigException e) {
            spec.commandLine().getErr().println(e.getMessage());
            spec.commandLine().getErr().flush();
            return ExitCodes.USAGE;
        }
        GpuBackend backend;
        try {
            backend = backend(cfg);
        } catch (NvmlException e) {
            spec.commandLine().getErr().println("headroom-agent: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return ExitCodes.COULD_NOT_RUN;
        }
        if (check) {
            spec.commandLine().getOut().println("configuration OK; " + backend.gpuCount() + " GPUs (" + cfg.backend() + ")");
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
        NodeAgent agent = start(cfg, backend);
        running = agent;
        SdNotify systemd = SdNotify.fromEnvironment();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            notifyQuietly(systemd, "STOPPING=1\nSTATUS=stopping: applying the safe cap");
            agent.close(); // an orderly stop leaves every GPU at its safe cap
            stop.countDown();
        }, "agent-shutdown"));
        notifyQuietly(systemd, "READY=1\nSTATUS=serving " + agent.inventory().gpuCount() + " GPUs");
        AgentWatchdog watchdog = AgentWatchdog.fromEnvironment(systemd, agent::supervision);
        if (watchdog != null) {
            LOG.info("systemd watchdog: kicked every {} ms while the trigger loop and the lease timer are alive",
                    watchdog.period().toMillis());
            Thread.ofPlatform().name("agent-watchdog").daemon().start(() -> kick(watchdog));
        }
        stop.await();
        return ExitCodes.OK;
    }

    /** Checks the agent's loops every watchdog period until the process ends; a failed check is logged, never fatal. */
    private void kick(AgentWatchdog watchdog) {
        while (stop.getCount() > 0) {
            try {
                watchdog.check();
            } catch (RuntimeException e) {
                LOG.warn("systemd watchdog: {}", e.getMessage());
            }
            try {
                if (stop.await(watchdog.period().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void notifyQuietly(SdNotify systemd, String state) {
        try {
            systemd.send(state);
        } catch (RuntimeException e) {
            LOG.warn("sd_notify: {}", e.getMessage());
        }
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
        if (cfg.backend().equals("amd")) {
            return AmdSmiBackend.load(cfg.nvmlLibrary());
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
