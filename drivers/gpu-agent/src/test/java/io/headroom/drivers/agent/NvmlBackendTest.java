package io.headroom.drivers.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.headroom.drivers.gpuprotocol.NodeAgent;
import io.headroom.drivers.gpuprotocol.LeaseState;

/**
 * The FFM bindings against a tiny fake {@code libnvidia-ml.so.1} compiled with gcc at test time
 * (two GPUs, 100..700 W, the real NVML signatures and return codes). Without gcc the test is
 * skipped, unless {@code CI=true}.
 */
class NvmlBackendTest {

    private static final String FAKE_NVML = """
            #include <string.h>
            typedef struct { int index; } dev_t_;
            static dev_t_ devs[2] = {{0}, {1}};
            static unsigned int limits[2] = {700000, 700000};
            static int inited = 0;
            int nvmlInit_v2(void) { inited = 1; return 0; }
            int nvmlShutdown(void) { inited = 0; return 0; }
            const char *nvmlErrorString(int rc) {
                switch (rc) { case 1: return "Uninitialized"; case 2: return "Invalid Argument"; default: return "Unknown Error"; }
            }
            int nvmlDeviceGetCount_v2(unsigned int *n) { if (!inited) return 1; *n = 2; return 0; }
            int nvmlDeviceGetHandleByIndex_v2(unsigned int i, dev_t_ **h) { if (i > 1) return 2; *h = &devs[i]; return 0; }
            int nvmlDeviceGetPowerManagementLimitConstraints(dev_t_ *d, unsigned int *lo, unsigned int *hi) {
                *lo = 100000; *hi = 700000; return 0;
            }
            int nvmlDeviceGetPowerManagementDefaultLimit(dev_t_ *d, unsigned int *v) { *v = 600000; return 0; }
            int nvmlDeviceGetPowerUsage(dev_t_ *d, unsigned int *mw) {
                unsigned int demand = 450000 + 1000 * d->index;
                *mw = demand < limits[d->index] ? demand : limits[d->index]; return 0;
            }
            int nvmlDeviceGetEnforcedPowerLimit(dev_t_ *d, unsigned int *mw) { *mw = limits[d->index]; return 0; }
            int nvmlDeviceSetPowerManagementLimit(dev_t_ *d, unsigned int mw) {
                if (mw < 100000 || mw > 700000) return 2;
                limits[d->index] = mw; return 0;
            }
            """;

    @TempDir
    Path dir;

    private Path fakeNvml() throws Exception {
        Path src = dir.resolve("fake_nvml.c");
        Files.writeString(src, FAKE_NVML, StandardCharsets.UTF_8);
        Path lib = dir.resolve("libnvidia-ml.so.1");
        Process p;
        try {
            p = new ProcessBuilder("gcc", "-shared", "-fPIC", "-O1", "-o", lib.toString(), src.toString())
                    .redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            assumeTrue("true".equals(System.getenv("CI")) ? fail("gcc is required in CI: " + e) : false,
                    "gcc not installed: " + e.getMessage());
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("gcc: %s", out).isZero();
        return lib;
    }

    private static boolean fail(String message) {
        throw new AssertionError(message);
    }

    @Test
    void aMissingLibraryFailsWithAClearMessage() {
        assertThatThrownBy(() -> NvmlBackend.load(dir.resolve("libnvidia-ml.so.1")))
                .isInstanceOf(NvmlException.class)
                .hasMessageStartingWith("cannot load NVML: " + dir.resolve("libnvidia-ml.so.1") + " not found")
                .hasMessageContaining("Is the NVIDIA driver installed?")
                .hasMessageContaining("backend = fake");
    }

    @Test
    void readsRangesPowerAndLimitsAndSetsLimitsThroughFfm() throws Exception {
        try (NvmlBackend nvml = NvmlBackend.load(fakeNvml())) {
            assertThat(nvml.gpuCount()).isEqualTo(2);
            assertThat(nvml.minW(1)).isEqualTo(100.0);
            assertThat(nvml.maxW(1)).isEqualTo(700.0);
            assertThat(nvml.defaultW(0)).isEqualTo(600.0);
            assertThat(nvml.powerW(1)).isEqualTo(451.0);
            nvml.setLimitW(1, 300.5);
            assertThat(nvml.limitW(1)).isEqualTo(300.5);
            assertThat(nvml.powerW(1)).isEqualTo(300.5);
            assertThatThrownBy(() -> nvml.setLimitW(0, 50))
                    .isInstanceOf(NvmlException.class)
                    .hasMessage("nvmlDeviceSetPowerManagementLimit(GPU 0, 50000 mW) failed: NVML error 2 (Invalid Argument)");
        }
    }

    @Test
    void theAgentRunsOnNvml() throws Exception {
        try (NvmlBackend nvml = NvmlBackend.load(fakeNvml());
             NodeAgent agent = NodeAgent.builder(nvml).serve(false).safeCapW(350)
                     .powerPublishInterval(java.time.Duration.ZERO).build().start()) {
            assertThat(agent.leaseState()).isEqualTo(LeaseState.SAFE_CAP);
            assertThat(nvml.limitW(0)).isEqualTo(350.0);
            assertThat(nvml.limitW(1)).isEqualTo(350.0);
            assertThat(agent.inventory().gpu(0).rangeText()).isEqualTo("100..700 W");
        }
    }
}
