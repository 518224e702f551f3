package io.headroom.drivers.gpio;

import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInput;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class DebouncedInputTest {

    private static final Duration WINDOW = Duration.ofMillis(20);

    private final ManualClock clock = new ManualClock();
    private Gpio gpio;

    @BeforeEach
    void open() {
        gpio = Gpio.open(GpioProvider.MOCK, clock);
    }

    @AfterEach
    void close() {
        gpio.close();
    }

    private MockDigitalInput mock(int bcm) {
        return gpio.context().registry().get(Gpio.pinId(bcm), MockDigitalInput.class);
    }

    /** Sets the mock level and waits until the driver has seen the raw edge (Pi4J may dispatch on its thread). */
    private void drive(DebouncedInput in, int bcm, DigitalState level) {
        long before = in.rawEdges();
        mock(bcm).mockState(level);
        await().atMost(Duration.ofSeconds(2)).until(() -> in.rawEdges() > before);
    }

    @Test
    void startsFromThePinLevelAndAppliesPolarity() {
        DebouncedInput high = gpio.input(InputSpec.activeHigh("breaker.A", 17, WINDOW));
        DebouncedInput low = gpio.input(InputSpec.activeLow("uv.A", 27, WINDOW));

        assertThat(high.active()).isFalse();          // mock pins start LOW
        assertThat(low.active()).isTrue();            // LOW on an active-low input is active
        assertThat(high.spec().bcm()).isEqualTo(17);
        assertThat(gpio.provider()).isEqualTo(GpioProvider.MOCK);
    }

    @Test
    void glitchShorterThanTheWindowIsRejected() {
        DebouncedInput in = gpio.input(InputSpec.activeHigh("breaker.A", 17, WINDOW));
        List<InputEdge> edges = new CopyOnWriteArrayList<>();
        in.addListener(edges::add);

        drive(in, 17, DigitalState.HIGH);
        clock.advance(Duration.ofMillis(5));
        drive(in, 17, DigitalState.LOW);
        clock.advance(Duration.ofMillis(100));

        assertThat(edges).isEmpty();
        assertThat(in.active()).isFalse();
        assertThat(in.lastEdge()).isNull();
        assertThat(in.rejectedGlitches()).isEqualTo(1);
    }

    @Test
    void longerChangeIsAcceptedWithTheFirstEdgesTime() {
        DebouncedInput in = gpio.input(InputSpec.activeHigh("breaker.A", 17, WINDOW));
        List<InputEdge> edges = new CopyOnWriteArrayList<>();
        in.addListener(edges::add);

        long firstEdge = clock.nanoTime();
        drive(in, 17, DigitalState.HIGH);           // contact closes ...
        clock.advance(Duration.ofMillis(3));
        drive(in, 17, DigitalState.LOW);            // ... bounces ...
        clock.advance(Duration.ofMillis(2));
        drive(in, 17, DigitalState.HIGH);           // ... and settles
        clock.advance(Duration.ofMillis(19));
        assertThat(edges).as("not yet stable for a whole window after the last bounce").isEmpty();

        clock.advance(Duration.ofMillis(1));

        assertThat(edges).containsExactly(new InputEdge("breaker.A", 17, true, firstEdge));
        assertThat(in.active()).isTrue();
        assertThat(in.lastEdge().edgeNanos()).isEqualTo(firstEdge);
    }

    @Test
    void listenersGetBothEdgesOfAnActiveLowInput() {
        DebouncedInput in = gpio.input(InputSpec.activeLow("uv.B", 22, WINDOW));
        List<InputEdge> a = new CopyOnWriteArrayList<>();
        List<InputEdge> b = new CopyOnWriteArrayList<>();
        in.addListener(a::add);
        in.addListener(b::add);

        long t1 = clock.nanoTime();
        drive(in, 22, DigitalState.HIGH);           // released (inactive)
        clock.advance(Duration.ofMillis(50));
        long t2 = clock.nanoTime();
        drive(in, 22, DigitalState.LOW);            // active again
        clock.advance(Duration.ofMillis(50));

        assertThat(a).containsExactly(new InputEdge("uv.B", 22, false, t1), new InputEdge("uv.B", 22, true, t2));
        assertThat(b).isEqualTo(a);
    }

    @Test
    void zeroDebounceReportsEveryChangeAtOnce() {
        DebouncedInput in = gpio.input(InputSpec.activeHigh("breaker.C", 5, Duration.ZERO));
        List<InputEdge> edges = new CopyOnWriteArrayList<>();
        in.addListener(edges::add);

        long t = clock.nanoTime();
        mock(5).mockState(DigitalState.HIGH);

        await().atMost(Duration.ofSeconds(2)).until(() -> edges.size() == 1);
        assertThat(edges.getFirst()).isEqualTo(new InputEdge("breaker.C", 5, true, t));
    }

    @Test
    void aPinCannotBeOpenedTwice() {
        gpio.input(InputSpec.activeHigh("breaker.A", 17, WINDOW));
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> gpio.indicator(OutputSpec.activeHigh("alarm", 17)))
                .isInstanceOf(GpioException.class)
                .hasMessageContaining("BCM 17");
    }
}
