package io.headroom.drivers.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.headroom.drivers.gpuprotocol.Health;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** The agent's systemd watchdog is kicked only while its trigger loop and lease timer are alive. */
class AgentWatchdogTest {

    private static final Health.Supervision ALIVE = new Health.Supervision(Health.LoopState.ALIVE, 12, 0,
            Health.LoopState.ALIVE, 300);

    @Test
    void kicksOnlyWhileEveryLoopIsAlive() {
        List<String> sent = new ArrayList<>();
        AtomicReference<Health.Supervision> loops = new AtomicReference<>(ALIVE);
        AgentWatchdog w = new AgentWatchdog(m -> sent.add(m), loops::get, Duration.ofSeconds(10));
        assertThat(w.period()).isEqualTo(Duration.ofSeconds(5));

        assertThat(w.check()).isTrue();
        assertThat(sent).containsExactly("WATCHDOG=1");

        // the trigger loop is stuck in the driver: no kick, and systemd's status says why (once)
        loops.set(new Health.Supervision(Health.LoopState.STALLED, 4_000, 0, Health.LoopState.ALIVE, 200));
        assertThat(w.check()).isFalse();
        assertThat(w.check()).isFalse();
        assertThat(sent).hasSize(2);
        assertThat(sent.get(1)).isEqualTo("STATUS=watchdog not kicked: trigger loop STALLED (last beat 4000 ms ago), "
                + "lease timer ALIVE (last run 200 ms ago)");

        // its thread died, or the lease timer stopped: no kick either
        loops.set(new Health.Supervision(Health.LoopState.STOPPED, 9_000, 3, Health.LoopState.ALIVE, 200));
        assertThat(w.check()).isFalse();
        loops.set(new Health.Supervision(Health.LoopState.NONE, -1, 0, Health.LoopState.STALLED, 5_000));
        assertThat(w.check()).isFalse();
        assertThat(sent).hasSize(2);

        // an agent without a trigger socket is healthy with its lease timer alone
        loops.set(new Health.Supervision(Health.LoopState.NONE, -1, 0, Health.LoopState.ALIVE, 100));
        assertThat(w.check()).isTrue();
        assertThat(sent.subList(2, sent.size())).containsExactly("STATUS=serving; trigger loop and lease timer alive again",
                "WATCHDOG=1");
    }

    @Test
    void theWatchdogVariablesAreReadAsSystemdWritesThem() {
        assertThat(AgentWatchdog.timeout("10000000", null, 42)).isEqualTo(Duration.ofSeconds(10));
        assertThat(AgentWatchdog.timeout("10000000", "42", 42)).isEqualTo(Duration.ofSeconds(10));
        assertThat(AgentWatchdog.timeout("10000000", "7", 42)).as("another process's watchdog").isNull();
        assertThat(AgentWatchdog.timeout(null, null, 42)).isNull();
        assertThat(AgentWatchdog.timeout("0", null, 42)).isNull();
        assertThat(AgentWatchdog.timeout("garbage", null, 42)).isNull();
    }
}
