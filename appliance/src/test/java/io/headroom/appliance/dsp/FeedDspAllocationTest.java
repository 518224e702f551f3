package io.headroom.appliance.dsp;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-sample path allocates nothing: many blocks through {@link FeedDsp#process} after warm-up. */
class FeedDspAllocationTest {

    @Test
    void processAllocatesNothingPerSampleOrPerHalfCycle() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertThat(mx.isThreadAllocatedMemorySupported()).isTrue();
        mx.setThreadAllocatedMemoryEnabled(true);
        double rate = 100_000;
        Waves w = new Waves(rate, 60, 230, 80, 25, 1.0, 10).noise(7, 0.01); // 60 cycles, 1e5 samples
        double[] sink = new double[1];
        FeedDsp dsp = new FeedDsp(0, "A", null, 60, 230, rate, DetectionSettings.defaults(), e -> { });
        dsp.onHalfCycle((i, p3, end) -> sink[0] += p3); // the site-series hook is on the measured path too
        int block = 1000;
        double[][] buf = new double[6][block];
        long t = 0;
        int off = 0;
        for (int k = 0; k < 2_000; k++) { // warm-up: JIT-compile the loop and the half-cycle close
            off = step(dsp, w, buf, block, off, t);
            t += 10_000_000L;
        }
        long halfBefore = dsp.halfCycles();
        long tid = Thread.currentThread().threadId();
        long before = mx.getThreadAllocatedBytes(tid);
        for (int k = 0; k < 5_000; k++) { // 5 M samples per channel (50 s), 6,000 half cycles
            off = step(dsp, w, buf, block, off, t);
            t += 10_000_000L;
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertThat(dsp.halfCycles() - halfBefore).isGreaterThan(5_900);
        assertThat(sink[0]).isPositive();
        assertThat(allocated).as("bytes allocated for 5,000 blocks of 1,000 samples").isLessThan(1024);
    }

    private static int step(FeedDsp dsp, Waves w, double[][] buf, int block, int off, long t) {
        for (int c = 0; c < 6; c++) {
            System.arraycopy(w.ch[c], off, buf[c], 0, block);
        }
        dsp.process(buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], block, t, w.rate, 0);
        return (off + block) % w.n;
    }
}
