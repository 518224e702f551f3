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

import io.headroom.drivers.gpuprotocol.AgentClient;
import io.headroom.drivers.gpuprotocol.CapAck;
import io.headroom.drivers.gpuprotocol.CapCommand;
import io.headroom.drivers.gpuprotocol.GpuActivity;
import io.headroom.drivers.gpuprotocol.GpuSmoothing;
import io.headroom.drivers.gpuprotocol.SmoothingStatus;
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
            /* power smoothing (Blackwell): one preset profile per GPU, a floor and ramp rates, on or off */
            typedef struct { unsigned int version; unsigned int state; } ps_state_t;
            typedef struct { unsigned int version; unsigned int profileId; unsigned int paramId; double value; } ps_profile_t;
            static double ps_params[2][8];
            static int ps_on[2] = {0, 0};
            static int ps_active[2] = {-1, -1};
            int nvmlDevicePowerSmoothingSetState(dev_t_ *d, ps_state_t *s) {
                if (s->version != (8u | 1u << 24) || s->state > 1) return 2;
                ps_on[d->index] = s->state; return 0;
            }
            int nvmlDevicePowerSmoothingUpdatePresetProfileParam(dev_t_ *d, ps_profile_t *p) {
                if (p->version != (24u | 1u << 24) || p->profileId > 4 || p->paramId > 7) return 2;
                if (p->paramId == 4 && (p->value < 100 || p->value > 700)) return 2; /* floor within the range, W */
                ps_params[d->index][p->paramId] = p->value; return 0;
            }
            int nvmlDevicePowerSmoothingActivatePresetProfile(dev_t_ *d, ps_profile_t *p) {
                if (p->version != (24u | 1u << 24) || p->profileId > 4) return 2;
                ps_active[d->index] = (int) p->profileId; return 0;
            }
            int nvmlDeviceGetPowerUsage(dev_t_ *d, unsigned int *mw) {
                unsigned int demand = 450000 + 1000 * d->index;
                if (ps_on[d->index] && ps_active[d->index] >= 0) { /* the floor holds power up (below the limit) */
                    unsigned int floor = (unsigned int) (ps_params[d->index][4] * 1000);
                    if (demand < floor) demand = floor;
                }
                *mw = demand < limits[d->index] ? demand : limits[d->index]; return 0;
            }
            double fake_ps_param(int gpu, int param) { return ps_params[gpu][param]; }
            int nvmlDeviceGetEnforcedPowerLimit(dev_t_ *d, unsigned int *mw) { *mw = limits[d->index]; return 0; }
            int nvmlDeviceSetPowerManagementLimit(dev_t_ *d, unsigned int mw) {
                if (mw < 100000 || mw > 700000) return 2;
                limits[d->index] = mw; return 0;
            }
            typedef struct { unsigned int gpu; unsigned int memory; } util_t;
            int nvmlDeviceGetUtilizationRates(dev_t_ *d, util_t *u) { u->gpu = d->index ? 3 : 98; u->memory = 40; return 0; }
            int nvmlDeviceGetClockInfo(dev_t_ *d, int type, unsigned int *mhz) {
                if (type == 1) { *mhz = limits[d->index] < 450000 ? 1200 : 1980; return 0; }
                if (type == 2) { *mhz = 2619; return 0; }
                return 2;
            }
            int nvmlDeviceGetTemperature(dev_t_ *d, int sensor, unsigned int *c) {
                if (sensor != 0) return 2;
                if (d->index == 1) return 3; /* NOT_SUPPORTED */
                *c = 67; return 0;
            }
            /* The wanted draw is 450 W (GPU 0) and 451 W (GPU 1): a limit below it holds the clocks (SW power cap). */
            int nvmlDeviceGetCurrentClocksEventReasons(dev_t_ *d, unsigned long long *r) {
                unsigned int demand = 450000 + 1000 * d->index;
                *r = (demand > limits[d->index] ? 0x4ULL : 0ULL) | (d->index ? 0x1ULL : 0ULL); return 0;
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
    void readsActivityAndPowerCapThrottlingThroughFfm() throws Exception {
        try (NvmlBackend nvml = NvmlBackend.load(fakeNvml())) {
            GpuActivity a = nvml.activity(0);
            assertThat(a.utilPct()).isEqualTo(98);
            assertThat(a.smActivityPct()).isEqualTo(GpuActivity.UNKNOWN_PCT);
            assertThat(a.smClockMHz()).isEqualTo(1980);
            assertThat(a.memClockMHz()).isEqualTo(2619);
            assertThat(a.temperatureC()).isEqualTo(67);
            assertThat(a.powerThrottled()).as("uncapped at 700 W").isFalse();
            nvml.setLimitW(0, 300);
            GpuActivity capped = nvml.activity(0);
            assertThat(capped.powerThrottled()).as("450 W wanted under a 300 W limit").isTrue();
            assertThat(capped.smClockMHz()).isEqualTo(1200);
            GpuActivity idle = nvml.activity(1);
            assertThat(idle.idle()).isTrue();
            assertThat(idle.temperatureC()).as("NOT_SUPPORTED leaves it unknown").isEqualTo(GpuActivity.UNKNOWN_TEMPERATURE);
        }
    }

    @Test
    void powerSmoothingSetsTheFloorAndRampRatesThroughFfmAndSwitchesOff() throws Throwable {
        try (NvmlBackend nvml = NvmlBackend.load(fakeNvml())) {
            assertThat(nvml.powerSmoothingAvailable()).isTrue();
            assertThat(nvml.powerW(0)).isEqualTo(450.0);
            Path lib = dir.resolve("libnvidia-ml.so.1");
            nvml.applyPowerSmoothing(0, true, 0, 600, 2000, 150);
            assertThat(nvml.powerW(0)).as("the floor holds the GPU up").isEqualTo(600.0);
            try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
                java.lang.invoke.MethodHandle param = java.lang.foreign.Linker.nativeLinker().downcallHandle(
                        java.lang.foreign.SymbolLookup.libraryLookup(lib, a).find("fake_ps_param").orElseThrow(),
                        java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_DOUBLE,
                                java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.JAVA_INT));
                assertThat((double) param.invokeExact(0, NvmlBackend.PARAM_RAMP_UP_RATE)).isEqualTo(2000.0);
                assertThat((double) param.invokeExact(0, NvmlBackend.PARAM_RAMP_DOWN_RATE)).isEqualTo(150.0);
                assertThat((double) param.invokeExact(0, NvmlBackend.PARAM_SECONDARY_POWER_FLOOR)).isEqualTo(600.0);
            }
            assertThat(nvml.powerW(1)).as("the other GPU untouched").isEqualTo(451.0);
            nvml.setLimitW(0, 500);
            assertThat(nvml.powerW(0)).as("a cap still wins over the floor").isEqualTo(500.0);
            nvml.applyPowerSmoothing(0, false, 0, Double.NaN, Double.NaN, Double.NaN);
            assertThat(nvml.powerW(0)).as("off: the demand again").isEqualTo(450.0);
            assertThatThrownBy(() -> nvml.applyPowerSmoothing(1, true, 0, 50, 2000, 150))
                    .isInstanceOf(NvmlException.class)
                    .hasMessageContaining("nvmlDevicePowerSmoothingUpdatePresetProfileParam(GPU 1, param 4)")
                    .hasMessageContaining("Invalid Argument");
        }
    }

    @Test
    void nvmlReasonsMapToTheProtocolsBits() {
        assertThat(NvmlBackend.throttleBits(0x4)).isEqualTo(GpuActivity.THROTTLE_POWER_CAP);
        assertThat(NvmlBackend.throttleBits(0x80)).isEqualTo(GpuActivity.THROTTLE_POWER_BRAKE);
        assertThat(NvmlBackend.throttleBits(0x20 | 0x40)).isEqualTo(GpuActivity.THROTTLE_THERMAL);
        assertThat(NvmlBackend.throttleBits(0x1 | 0x8)).isEqualTo(GpuActivity.THROTTLE_IDLE | GpuActivity.THROTTLE_HW_SLOWDOWN);
        assertThat(NvmlBackend.throttleBits(0x2 | 0x10 | 0x100)).isEqualTo(GpuActivity.THROTTLE_CLOCK_SETTING);
        assertThat(NvmlBackend.throttleBits(0x400)).isEqualTo(GpuActivity.THROTTLE_OTHER);
        assertThat(NvmlBackend.throttleBits(0)).isZero();
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
            assertThat(agent.powerReportWithActivity().activity()).hasSize(2)
                    .allSatisfy(a -> assertThat(a.powerThrottled()).as("450 W wanted under 350 W").isTrue());
        }
    }

    @Test
    void theAgentAppliesACommandsSmoothingThroughNvmlAndAcksWhatItCould() throws Exception {
        try (NvmlBackend nvml = NvmlBackend.load(fakeNvml());
             NodeAgent agent = NodeAgent.builder(nvml).bindAddress(new java.net.InetSocketAddress("127.0.0.1", 0))
                     .safeCapW(350).automaticLeaseCheck(false).powerPublishInterval(java.time.Duration.ZERO).build()
                     .start();
             AgentClient client = AgentClient.builder().timeout(java.time.Duration.ofSeconds(5)).build()) {
            assertThat(nvml.supportsSmoothing(0)).isTrue();
            java.net.InetSocketAddress at = new java.net.InetSocketAddress("127.0.0.1", agent.port());
            // GPU 1's floor of 50 W is below what the (fake) driver takes: refused, its cap applies all the same.
            java.util.List<GpuSmoothing> smoothing = java.util.List.of(GpuSmoothing.on(600, 2000, 150),
                    GpuSmoothing.on(50, 2000, 150));
            CapAck offer = client.setCaps(at, CapCommand.uniform(1, 1, 10_000, 2, 700).withSmoothing(smoothing))
                    .get(5, TimeUnit.SECONDS);
            assertThat(offer.smoothing()).containsOnly(SmoothingStatus.NONE);
            CapAck ack = client.setCaps(at, CapCommand.uniform(1, 2, 10_000, 2, 700).withSmoothing(smoothing))
                    .get(5, TimeUnit.SECONDS);
            assertThat(ack.smoothing()).containsExactly(SmoothingStatus.APPLIED, SmoothingStatus.FAILED);
            assertThat(ack.appliedLimitsW()).containsExactly(700.0, 700.0);
            assertThat(nvml.powerW(0)).as("held up to the floor").isEqualTo(600.0);
            assertThat(nvml.powerW(1)).isEqualTo(451.0);
            client.setCaps(at, CapCommand.uniform(1, 3, 10_000, 2, 700)).get(5, TimeUnit.SECONDS);
            assertThat(nvml.powerW(0)).as("a command without smoothing turns it off").isEqualTo(450.0);
        }
    }
}
