package io.headroom.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class WatchdogTest {

    @TempDir
    Path dir;

    @Test
    void kicksOnlyWhileTheTickAdvances() throws Throwable {
        String name = dir.resolve("notify").toString();
        AtomicLong tick = new AtomicLong(-1);
        try (NotifySocket systemd = new NotifySocket(name)) {
            Watchdog w = new Watchdog(SdNotify.to(name), tick::get, Duration.ofSeconds(10));
            assertThat(w.period()).isEqualTo(Duration.ofSeconds(5));

            assertThat(w.check()).as("not healthy yet").isFalse();
            assertThat(systemd.poll()).startsWith("STATUS=health endpoint not answering");

            tick.set(7);
            assertThat(w.check()).isTrue();
            assertThat(systemd.poll()).startsWith("WATCHDOG=1\n");

            assertThat(w.check()).as("stalled at 7").isFalse();
            assertThat(systemd.poll()).contains("stalled at tick 7");
            assertThat(w.check()).isFalse();
            assertThat(systemd.poll()).as("the stall is reported once").isNull();

            tick.set(8);
            assertThat(w.check()).isTrue();
            assertThat(systemd.poll()).startsWith("WATCHDOG=1\n");

            tick.set(-1);
            assertThat(w.check()).as("a dead API is no kick").isFalse();
        }
    }

    @Test
    void readsTheEnvironmentLikeSdWatchdogEnabled() {
        assertThat(Watchdog.timeout(null, null, 42)).isNull();
        assertThat(Watchdog.timeout("20000000", null, 42)).isEqualTo(Duration.ofSeconds(20));
        assertThat(Watchdog.timeout("20000000", "42", 42)).isEqualTo(Duration.ofSeconds(20));
        assertThat(Watchdog.timeout("20000000", "43", 42)).as("another process's watchdog").isNull();
        assertThat(Watchdog.timeout("0", null, 42)).isNull();
    }

    @Test
    void parsesTheTickOfTheHealthEndpoint() {
        assertThat(ApplianceService.parseTick("{\"status\":\"ok\",\"site\":\"x\",\"tick\":1234}")).isEqualTo(1234);
        assertThat(ApplianceService.parseTick("{\"status\":\"starting\"}")).isEqualTo(-1);
    }
}
