package io.headroom.drivers.gpuprotocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SimulatedGpusTest {

    @Test
    void reportedPowerIsDemandLimitedByTheEnforcedLimit() {
        SimulatedGpus gpus = new SimulatedGpus(2, 200, 700, 650);
        assertThat(gpus.limitW(0)).isEqualTo(650);
        assertThat(gpus.powerW(0)).isZero();

        gpus.setDemandW(0, 680);
        gpus.setDemandW(1, 300);
        assertThat(gpus.powerW(0)).isEqualTo(650);
        assertThat(gpus.powerW(1)).isEqualTo(300);

        gpus.setLimitW(0, 400);
        gpus.setLimitW(1, 250);
        assertThat(gpus.powerW(0)).isEqualTo(400);
        assertThat(gpus.powerW(1)).isEqualTo(250);
        assertThat(gpus.limitWrites()).isEqualTo(2);
    }

    @Test
    void refusesLimitsOutsideTheRangeLikeNvml() {
        SimulatedGpus gpus = new SimulatedGpus(1, 200, 700, 700);
        assertThatThrownBy(() -> gpus.setLimitW(0, 199.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("limit 199.5 W for GPU 0 outside 200..700 W");
        assertThatThrownBy(() -> gpus.setLimitW(0, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> gpus.setLimitW(1, 300)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> gpus.setDemandW(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(gpus.limitWrites()).isZero();
        assertThat(gpus.limitW(0)).isEqualTo(700);
    }

    @Test
    void uniformDemandAppliesToEveryGpu() {
        SimulatedGpus gpus = new SimulatedGpus(3, 100, 400, 400);
        gpus.setDemandW(350);
        assertThat(gpus.demandW(2)).isEqualTo(350);
        assertThat(Inventory.of(gpus).gpus()).containsOnly(new GpuLimits(100, 400, 400)).hasSize(3);
    }
}
