package io.headroom.hil;

import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.drivers.gpuprotocol.GpuActivity;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The bench plant's GPUs say what NVML would: a GPU wanting more than its limit is power-cap throttled. */
class PlantNodeActivityTest {

    @Test
    void aGpuWhoseDemandExceedsItsCapThrottlesAndReportsIt() throws Exception {
        Node node = SiteLoader.load(Path.of("../sites/example-4feed.yaml")).nodes().getFirst();
        PlantNode p = new PlantNode(node, 0);
        p.setDemandPerGpu(650);
        p.advance(0.1);
        GpuActivity free = p.activity(0);
        assertThat(free.powerThrottled()).as("uncapped at its default limit").isFalse();
        assertThat(free.utilPct()).isBetween(90, 100);
        p.setLimitW(0, 400);
        p.advance(0.1);
        GpuActivity capped = p.activity(0);
        assertThat(capped.powerThrottled()).isTrue();
        assertThat(capped.smClockMHz()).isLessThan(free.smClockMHz());
        assertThat(p.activity(1).powerThrottled()).as("GPU 1 still at its default limit").isFalse();
        p.setDemandPerGpu(20);
        p.advance(0.1);
        assertThat(p.activity(0).idle()).isTrue();
        assertThat(p.activity(0).powerThrottled()).isFalse();
    }
}
