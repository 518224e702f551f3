package io.headroom.drivers.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.headroom.common.cli.ExitCodes;
import io.headroom.drivers.gpuprotocol.AgentClient;
import io.headroom.drivers.gpuprotocol.CapCommand;
import io.headroom.drivers.gpuprotocol.Dtls;
import io.headroom.drivers.gpuprotocol.Inventory;
import io.headroom.drivers.gpuprotocol.NodeAgent;
import picocli.CommandLine;

/** The agent program: its configuration file and start-up with the fake backend. */
class AgentMainTest {

    @TempDir
    Path dir;

    private Path config(String text) throws Exception {
        Path p = dir.resolve("agent.properties");
        Files.writeString(p, text);
        return p;
    }

    @Test
    void everyConfigurationProblemIsReportedAtOnceWithFileAndKey() throws Exception {
        Path file = config("""
                listen = 127.0.0.1:99999
                safe-cap-w = 300,abc
                backend = cuda
                dtls = psk
                colour = blue
                """);
        assertThatThrownBy(() -> AgentConfig.load(file))
                .isInstanceOf(AgentConfig.ConfigException.class)
                .satisfies(e -> assertThat(((AgentConfig.ConfigException) e).problems()).containsExactlyInAnyOrder(
                        file + ": unknown key 'colour' (known: amd-smi-library, backend, dtls, fake-gpus, fake-range-w, key-store,"
                                + " key-store-password-file, listen, max-lease-ms, nvml-library, psk-identity,"
                                + " psk-key-file, safe-cap-w, trigger-listen, trusted-certificates)",
                        file + ": listen: port must be 0..65535, got '99999'",
                        file + ": safe-cap-w: expected a positive number of W, got 'abc'",
                        file + ": backend: expected one of nvml, amd, fake, got 'cuda'",
                        file + ": psk-identity: required with dtls = psk",
                        file + ": psk-key-file: required"));
    }

    @Test
    void checkModeExitsTwoOnABadFile() throws Exception {
        Path file = config("backend = fake\n");
        Run r = run("--config", file.toString(), "--check");
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE).isEqualTo(2);
        assertThat(r.err()).contains(file + ": psk-key-file: required");
    }

    /** A run of the agent's command line as {@code main} builds it, with what it printed. */
    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cl = AgentMain.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void anUnknownOptionGetsTheNearestRealOneAndExitsTwo() throws Exception {
        Path file = config("backend = fake\ndtls = off\nsafe-cap-w = 300\n");
        Run r = run("--config", file.toString(), "--chekc");
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("Unknown option: '--chekc'", "Did you mean --check?", "Usage: headroom-agent --help");
        Run r2 = run("--confg", file.toString());
        assertThat(r2.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r2.err()).contains("Did you mean --config?");
    }

    @Test
    void aBadOrMissingValueExitsTwo() throws Exception {
        Path file = config("backend = fake\ndtls = off\nsafe-cap-w = 300\n");
        Run bool = run("--config", file.toString(), "--check=maybe");
        assertThat(bool.code()).as(bool.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(bool.err()).contains("maybe");
        Run missing = run("--check");
        assertThat(missing.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(missing.err()).contains("--config");
        Run badValue = run("--config", config("backend = fake\ndtls = off\nsafe-cap-w = 300\nmax-lease-ms = soon\n").toString(), "--check");
        assertThat(badValue.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(badValue.err()).contains("max-lease-ms");
    }

    @Test
    void aGoodFileChecksOkAndABackendThatDoesNotLoadCouldNotRun() throws Exception {
        Run ok = run("--config", config("backend = fake\ndtls = off\nsafe-cap-w = 300\nfake-gpus = 4\n").toString(), "--check");
        assertThat(ok.code()).as(ok.err()).isEqualTo(ExitCodes.OK);
        assertThat(ok.out()).contains("configuration OK; 4 GPUs (fake)");
        Path noLibrary = dir.resolve("absent/libnvidia-ml.so.1");
        Run nvml = run("--config", config("backend = nvml\ndtls = off\nsafe-cap-w = 300\nnvml-library = " + noLibrary + "\n").toString(),
                "--check");
        assertThat(nvml.code()).as(nvml.err()).isEqualTo(ExitCodes.COULD_NOT_RUN).isEqualTo(4);
        assertThat(nvml.err()).contains("headroom-agent: ", "NVML");
    }

    @Test
    void aFakeBackendAgentWithPskServesTheAppliance() throws Exception {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path keyFile = dir.resolve("agent.psk");
        Files.writeString(keyFile, HexFormat.of().formatHex(key) + "\n");
        Path file = config("""
                listen = 127.0.0.1:0
                trigger-listen = 127.0.0.1:0
                safe-cap-w = 333
                backend = fake
                fake-gpus = 4
                fake-range-w = 150..650
                dtls = psk
                psk-identity = agent-n7
                psk-key-file = %s
                """.formatted(keyFile));
        AgentConfig cfg = AgentConfig.load(file);
        assertThat(cfg.psk().toString()).doesNotContain(HexFormat.of().formatHex(key));
        try (NodeAgent agent = AgentMain.start(cfg, AgentMain.backend(cfg));
             AgentClient client = AgentClient.builder().endpoint(Dtls.clientEndpoint(
                     new InetSocketAddress("127.0.0.1", 0), Map.of(agent.address(), new Dtls.Psk("agent-n7", key)),
                     null, null)).build()) {
            Inventory inv = client.inventory(agent.address()).get();
            assertThat(inv.gpuCount()).isEqualTo(4);
            assertThat(inv.gpu(0).rangeText()).isEqualTo("150..650 W");
            assertThat(agent.powerReport().gpus()).allSatisfy(g -> assertThat(g.limitW()).isEqualTo(333.0));
            assertThat(client.setCaps(agent.address(), CapCommand.uniform(1, 1, 2000, 4, 700)))
                    .failsWithin(Duration.ofSeconds(5))
                    .withThrowableThat().withMessageContaining("cap 700 W for GPU 0 outside 150..650 W");
            assertThat(agent.triggerAddress().getPort()).isPositive();
        }
    }
}
