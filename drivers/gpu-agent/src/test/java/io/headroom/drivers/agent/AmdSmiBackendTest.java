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

import io.headroom.drivers.gpuprotocol.GpuActivity;
import io.headroom.drivers.gpuprotocol.LeaseState;
import io.headroom.drivers.gpuprotocol.NodeAgent;

/**
 * The FFM bindings against a tiny fake {@code libamd_smi.so} compiled with gcc at test time (one socket, three
 * Instinct GPUs, 300..750 W caps in µW, the real AMD SMI signatures, struct layouts and status codes; GPU 2 idle).
 * Without gcc the test is skipped, unless {@code CI=true}.
 */
class AmdSmiBackendTest {

    private static final String FAKE_AMD_SMI = """
            #include <stdint.h>
            #include <string.h>
            typedef struct { int index; } dev_t_;
            static dev_t_ devs[3] = {{0}, {1}, {2}};
            static int sock = 7;
            static uint64_t caps[3] = {750000000ULL, 750000000ULL, 750000000ULL};
            static int inited = 0;
            int amdsmi_init(uint64_t flags) { if (!(flags & 2)) return 1; inited = 1; return 0; }
            int amdsmi_shut_down(void) { inited = 0; return 0; }
            int amdsmi_status_code_to_string(int status, const char **s) {
                *s = status == 1 ? "AMDSMI_STATUS_INVAL - Invalid parameters" : "AMDSMI_STATUS_UNKNOWN_ERROR"; return 0;
            }
            int amdsmi_get_socket_handles(uint32_t *n, void **h) {
                if (!inited) return 32;
                if (h) h[0] = &sock;
                *n = 1; return 0;
            }
            int amdsmi_get_processor_handles(void *s, uint32_t *n, void **h) {
                if (s != &sock) return 1;
                if (h) { for (int i = 0; i < 3; i++) h[i] = &devs[i]; }
                *n = 3; return 0;
            }
            typedef struct { uint64_t cap, dflt, dpm, min, max, reserved[3]; } cap_t;
            int amdsmi_get_power_cap_info(dev_t_ *d, uint32_t sensor, cap_t *c) {
                if (sensor != 0) return 1;
                memset(c, 0, sizeof *c);
                c->cap = caps[d->index]; c->dflt = 750000000ULL; c->min = 300000000ULL; c->max = 750000000ULL; return 0;
            }
            typedef struct { uint64_t socket_power; uint32_t current_socket_power; uint32_t average_socket_power;
                             uint64_t gfx_v, soc_v, mem_v; uint32_t power_limit; uint64_t reserved[18]; } power_t;
            int amdsmi_get_power_info(dev_t_ *d, power_t *p) {
                uint32_t demand = d->index == 2 ? 40 : 600 + d->index;
                uint32_t cap = (uint32_t) (caps[d->index] / 1000000ULL);
                memset(p, 0, sizeof *p);
                p->current_socket_power = demand < cap ? demand : cap;
                p->average_socket_power = 0xFFFFFFFFu;
                p->socket_power = p->current_socket_power; p->power_limit = cap; return 0;
            }
            int amdsmi_set_power_cap(dev_t_ *d, uint32_t sensor, uint64_t cap) {
                if (sensor != 0 || cap < 300000000ULL || cap > 750000000ULL) return 1;
                caps[d->index] = cap; return 0;
            }
            typedef struct { uint32_t gfx, umc, mm, reserved[13]; } usage_t;
            int amdsmi_get_gpu_activity(dev_t_ *d, usage_t *u) {
                memset(u, 0, sizeof *u); u->gfx = d->index == 2 ? 0 : 95; u->umc = 40; return 0;
            }
            typedef struct { uint32_t clk, min_clk, max_clk; uint8_t locked, deep_sleep; uint32_t reserved[4]; } clk_t;
            int amdsmi_get_clock_info(dev_t_ *d, int type, clk_t *c) {
                memset(c, 0, sizeof *c);
                if (type == 0) { c->clk = 2100; return 0; }
                if (type == 4) { c->clk = 1300; return 0; }
                return 2;
            }
            int amdsmi_get_temp_metric(dev_t_ *d, int type, int metric, int64_t *t) {
                if (type != 1 || metric != 0) return 2;
                *t = 71; return 0;
            }
            """;

    @TempDir
    Path dir;

    private Path fakeAmdSmi() throws Exception {
        Path src = dir.resolve("fake_amd_smi.c");
        Files.writeString(src, FAKE_AMD_SMI, StandardCharsets.UTF_8);
        Path lib = dir.resolve("libamd_smi.so");
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
        assertThatThrownBy(() -> AmdSmiBackend.load(dir.resolve("libamd_smi.so")))
                .isInstanceOf(NvmlException.class)
                .hasMessageStartingWith("cannot load AMD SMI: " + dir.resolve("libamd_smi.so") + " not found")
                .hasMessageContaining("backend = fake");
    }

    @Test
    void readsInventoryPowerAndCapsAndSetsCapsThroughFfm() throws Exception {
        try (AmdSmiBackend amd = AmdSmiBackend.load(fakeAmdSmi())) {
            assertThat(amd.gpuCount()).isEqualTo(3);
            assertThat(amd.minW(1)).isEqualTo(300.0);
            assertThat(amd.maxW(1)).isEqualTo(750.0);
            assertThat(amd.defaultW(1)).isEqualTo(750.0);
            assertThat(amd.limitW(1)).isEqualTo(750.0);
            assertThat(amd.powerW(1)).isEqualTo(601.0);
            amd.setLimitW(1, 450.5);
            assertThat(amd.limitW(1)).isEqualTo(450.5);
            assertThat(amd.powerW(1)).as("held at its cap (whole watts)").isEqualTo(450.0);
            assertThatThrownBy(() -> amd.setLimitW(0, 100))
                    .isInstanceOf(NvmlException.class)
                    .hasMessage("amdsmi_set_power_cap(GPU 0, 100000000 µW) failed: AMD SMI status 1 "
                            + "(AMDSMI_STATUS_INVAL - Invalid parameters)");
        }
    }

    @Test
    void readsActivityAndInfersPowerCapThrottling() throws Exception {
        try (AmdSmiBackend amd = AmdSmiBackend.load(fakeAmdSmi())) {
            GpuActivity a = amd.activity(0);
            assertThat(a.utilPct()).isEqualTo(95);
            assertThat(a.smClockMHz()).isEqualTo(2100);
            assertThat(a.memClockMHz()).isEqualTo(1300);
            assertThat(a.temperatureC()).isEqualTo(71);
            assertThat(a.powerThrottled()).as("600 W under a 750 W cap").isFalse();
            amd.setLimitW(0, 400);
            assertThat(amd.activity(0).powerThrottled()).as("busy at its 400 W cap").isTrue();
            GpuActivity idle = amd.activity(2);
            assertThat(idle.idle()).isTrue();
            assertThat(idle.powerThrottled()).isFalse();
        }
    }

    @Test
    void theAgentRunsOnAmdSmi() throws Exception {
        try (AmdSmiBackend amd = AmdSmiBackend.load(fakeAmdSmi());
             NodeAgent agent = NodeAgent.builder(amd).serve(false).safeCapW(500)
                     .powerPublishInterval(java.time.Duration.ZERO).build().start()) {
            assertThat(agent.leaseState()).isEqualTo(LeaseState.SAFE_CAP);
            assertThat(amd.limitW(0)).isEqualTo(500.0);
            assertThat(agent.inventory().gpu(2).rangeText()).isEqualTo("300..750 W");
            assertThat(agent.powerReportWithActivity().activity()).hasSize(3);
            assertThat(agent.powerReportWithActivity().activity().get(0).powerThrottled()).isTrue();
        }
    }
}
