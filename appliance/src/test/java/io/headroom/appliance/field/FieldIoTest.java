package io.headroom.appliance.field;

import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInput;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalOutput;
import io.headroom.appliance.SiteState;
import io.headroom.appliance.actuation.Actuator;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.protection.ProtectionLoop;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.drivers.gpio.Gpio;
import io.headroom.drivers.gpio.GpioProvider;
import io.headroom.drivers.gpio.IndicatorOutput;
import io.headroom.drivers.gpuprotocol.ContingencyTrigger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The GPIO header on Pi4J's mock platform: contacts into protection, outputs and watchdog following the state. */
class FieldIoTest {

    static final String GPIO = """
            gpio:
              inputs:
                - {id: brk-A, pin: 17, kind: breaker-aux, feed: A, debounce: 10 ms}
              outputs:
                - {id: alarm, pin: 22, kind: alarm-relay}
                - {id: lamp, pin: 23, kind: status-lamp}
              watchdog: {pin: 24, period: 50 ms}
            """;

    static SiteState state(long tick, List<String> alarms) {
        return new SiteState(tick, Instant.now(), 100, Map.of(), Map.of(), Map.of(), List.of(), alarms, Map.of(), Map.of(), Map.of());
    }

    @Test
    void anOpenedBreakerIsALostFeedAndTheOutputsAndWatchdogFollowTheAppliance(@TempDir Path dir) throws Exception {
        String text = Files.readString(Path.of("src/test/resources/sites/minimal-2feed.yaml")) + GPIO;
        Site site = SiteLoader.parse("gpio.yaml", text);
        Actuator none = new io.headroom.appliance.testing.NoActuator();
        AtomicReference<SiteState> state = new AtomicReference<>(state(1, List.of("feed B: meter stale")));
        try (Journal journal = Journal.open(dir.resolve("j.db"), Clock.systemUTC(), 3600, 1000);
             ContingencyTrigger trigger = ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), site.nodes().size());
             ProtectionLoop protection = new ProtectionLoop(site, trigger, none, journal, Clock.systemUTC()).start();
             FieldIo io = FieldIo.open(site, GpioProvider.MOCK, protection, state::get, journal, Clock.systemUTC())) {
            Gpio gpio = io.gpio();
            MockDigitalInput breaker = gpio.context().registry().get(Gpio.pinId(17), MockDigitalInput.class);

            // An alarm is raised: the relay is energised; regulation ticks: the lamp is on, the watchdog kicked.
            await().atMost(Duration.ofSeconds(5)).until(() -> io.alarmRelays().getFirst().isOn());
            state.set(state(2, List.of()));
            await().atMost(Duration.ofSeconds(5)).until(() -> !io.alarmRelays().getFirst().isOn()
                    && io.statusLamps().getFirst().isOn() && io.watchdog().kicks() > 3);
            MockDigitalOutput relayPin = gpio.context().registry().get(Gpio.pinId(22), MockDigitalOutput.class);
            assertThat(relayPin.state()).isEqualTo(DigitalState.LOW);

            // The breaker closes, then opens: the opening is feed A lost, handed to the protection loop.
            breaker.mockState(DigitalState.HIGH);
            await().atMost(Duration.ofSeconds(5)).until(() -> io.inputs().getFirst().active());
            assertThat(protection.lastFired()).isNull();
            breaker.mockState(DigitalState.LOW);
            await().atMost(Duration.ofSeconds(5)).until(() -> protection.lastFired() != null);
            assertThat(protection.lastFired().feedId()).isEqualTo("A");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(journal.entries(Instant.EPOCH, Instant.now().plusSeconds(1), "gpio", 10))
                            .extracting(e -> e.message()).anyMatch(m -> m.contains("breaker opened")));

            // Regulation stalls: no more kicks (the board resets the appliance), the lamp blinks, the relay alarms.
            long t = state.get().tick();
            state.set(state(t, List.of()));
            await().atMost(Duration.ofSeconds(10)).until(() -> !io.watchdog().running());
            assertThat(io.statusLamps().getFirst().mode()).isEqualTo(IndicatorOutput.Mode.BLINK);
            assertThat(io.alarmRelays().getFirst().isOn()).isTrue();
        }
    }

    @Test
    void theStartSummaryReadsEachInputOnceAsItIsAtStart(@TempDir Path dir) throws Exception {
        // A mock pin starts low: an active-low contact reads closed, an active-high one open, a relay released.
        String text = Files.readString(Path.of("src/test/resources/sites/minimal-2feed.yaml")) + """
                gpio:
                  inputs:
                    - {id: brk-A, pin: 17, kind: breaker-aux, feed: A, activeLow: true, pull: up}
                    - {id: brk-B, pin: 18, kind: breaker-aux, feed: B}
                    - {id: uv, pin: 27, kind: undervoltage}
                """;
        Site site = SiteLoader.parse("gpio.yaml", text);
        Actuator none = new io.headroom.appliance.testing.NoActuator();
        try (Journal journal = Journal.open(dir.resolve("j.db"), Clock.systemUTC(), 3600, 1000);
             ContingencyTrigger trigger = ContingencyTrigger.open(new InetSocketAddress("127.0.0.1", 0), site.nodes().size());
             ProtectionLoop protection = new ProtectionLoop(site, trigger, none, journal, Clock.systemUTC()).start();
             FieldIo io = FieldIo.open(site, GpioProvider.MOCK, protection, () -> state(1, List.of()), journal,
                     Clock.systemUTC())) {
            assertThat(io.inputStates()).containsExactly("A breaker closed", "B breaker open",
                    site.name() + " undervoltage relay released");
            // read, not reported: no edge, nothing journaled, no contingency fired
            assertThat(io.inputs()).allMatch(i -> i.lastEdge() == null);
            assertThat(journal.entries(Instant.EPOCH, Instant.now().plusSeconds(1), "gpio", 10)).isEmpty();
            assertThat(protection.lastFired()).isNull();

            // B's breaker closes after start: a change, reported (and the summary reads the state now)
            gpio(io, 18).mockState(DigitalState.HIGH);
            await().atMost(Duration.ofSeconds(5)).until(() -> io.inputs().get(1).active());
            assertThat(io.inputStates()).contains("B breaker closed");
        }
    }

    static MockDigitalInput gpio(FieldIo io, int bcm) {
        return io.gpio().context().registry().get(Gpio.pinId(bcm), MockDigitalInput.class);
    }
}
