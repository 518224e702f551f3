package io.headroom.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class CommonTest {

    @Test
    void doublingStartsAtTheFirstWaitDoublesAndStopsAtTheCap() {
        assertThat(Doubling.next(0, 100, 2_000)).isEqualTo(100);
        assertThat(Doubling.next(100, 100, 2_000)).isEqualTo(200);
        assertThat(Doubling.next(1_500, 100, 2_000)).isEqualTo(2_000);
        assertThat(Doubling.next(2_000, 100, 2_000)).isEqualTo(2_000);
        assertThat(Doubling.next(Long.MAX_VALUE / 2 + 1, 1, Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
        assertThat(Doubling.next(0, 5_000, 2_000)).as("the first wait is the first, even above the cap").isEqualTo(5_000);
    }

    @Test
    void daemonThreadsAreDaemonsWithTheirNames() throws Exception {
        Thread a = DaemonThreads.named("x").newThread(() -> { });
        assertThat(a.isDaemon()).isTrue();
        assertThat(a.getName()).isEqualTo("x");
        var f = DaemonThreads.numbered("w-");
        assertThat(f.newThread(() -> { }).getName()).isEqualTo("w-1");
        assertThat(f.newThread(() -> { }).getName()).isEqualTo("w-2");
        ScheduledExecutorService s = DaemonThreads.scheduler("tick");
        try {
            Thread t = s.submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
            assertThat(t.getName()).isEqualTo("tick");
            assertThat(t.isDaemon()).isTrue();
        } finally {
            s.shutdownNow();
        }
    }
}
