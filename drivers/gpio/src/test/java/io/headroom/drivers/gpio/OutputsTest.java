package io.headroom.drivers.gpio;

import com.pi4j.io.gpio.digital.DigitalState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OutputsTest {

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

    @Test
    void alarmRelayFollowsOnAndOff() {
        IndicatorOutput relay = gpio.indicator(OutputSpec.activeHigh("alarm", 23));
        assertThat(relay.pinState()).isEqualTo(DigitalState.LOW);
        assertThat(relay.mode()).isEqualTo(IndicatorOutput.Mode.OFF);

        relay.on();
        assertThat(relay.pinState()).isEqualTo(DigitalState.HIGH);
        assertThat(relay.isOn()).isTrue();

        relay.off();
        assertThat(relay.pinState()).isEqualTo(DigitalState.LOW);
        assertThat(relay.isOn()).isFalse();
    }

    @Test
    void activeLowOutputInvertsThePin() {
        IndicatorOutput lamp = gpio.indicator(new OutputSpec("lamp", 24, false));
        assertThat(lamp.pinState()).isEqualTo(DigitalState.HIGH);
        lamp.on();
        assertThat(lamp.pinState()).isEqualTo(DigitalState.LOW);
    }

    @Test
    void lampBlinksAtItsPeriodAndStopsWhenSet() {
        IndicatorOutput lamp = gpio.indicator(OutputSpec.activeHigh("lamp", 24));
        lamp.blink(Duration.ofMillis(1000));
        assertThat(lamp.mode()).isEqualTo(IndicatorOutput.Mode.BLINK);
        assertThat(lamp.pinState()).isEqualTo(DigitalState.HIGH);

        clock.advance(Duration.ofMillis(500));
        assertThat(lamp.pinState()).isEqualTo(DigitalState.LOW);
        clock.advance(Duration.ofMillis(500));
        assertThat(lamp.pinState()).isEqualTo(DigitalState.HIGH);
        clock.advance(Duration.ofMillis(499));
        assertThat(lamp.pinState()).isEqualTo(DigitalState.HIGH);
        clock.advance(Duration.ofMillis(1));
        assertThat(lamp.pinState()).isEqualTo(DigitalState.LOW);

        lamp.on();
        clock.advance(Duration.ofSeconds(5));
        assertThat(lamp.pinState()).isEqualTo(DigitalState.HIGH);
        assertThat(clock.pending()).isZero();
    }

    @Test
    void blinkRejectsANonPositivePeriod() {
        IndicatorOutput lamp = gpio.indicator(OutputSpec.activeHigh("lamp", 24));
        assertThatThrownBy(() -> lamp.blink(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void watchdogTogglesEveryPeriodAndStopsWhenTold() {
        WatchdogKicker wd = gpio.watchdog(4, Duration.ofMillis(100));
        assertThat(wd.running()).isFalse();
        assertThat(wd.kicks()).isZero();

        wd.start();
        DigitalState afterStart = pin(4);
        assertThat(afterStart).isEqualTo(DigitalState.HIGH);
        clock.advance(Duration.ofMillis(100));
        assertThat(pin(4)).isEqualTo(DigitalState.LOW);
        clock.advance(Duration.ofMillis(300));
        assertThat(wd.kicks()).isEqualTo(5);
        assertThat(pin(4)).isEqualTo(DigitalState.HIGH);

        wd.stop();
        DigitalState frozen = pin(4);
        clock.advance(Duration.ofSeconds(10));
        assertThat(wd.running()).isFalse();
        assertThat(wd.kicks()).isEqualTo(5);
        assertThat(pin(4)).isEqualTo(frozen);
    }

    @Test
    void watchdogWorksOnTheSystemClock() {
        try (Gpio real = Gpio.open(GpioProvider.MOCK)) {
            WatchdogKicker wd = real.watchdog(4, Duration.ofMillis(5));
            wd.start();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> wd.kicks() >= 4);
            wd.stop();
            long k = wd.kicks();
            assertThat(wd.running()).isFalse();
            org.awaitility.Awaitility.await().during(Duration.ofMillis(50)).atMost(Duration.ofSeconds(1))
                    .until(() -> wd.kicks() == k);
        }
    }

    private DigitalState pin(int bcm) {
        return gpio.context().registry()
                .get(Gpio.pinId(bcm), com.pi4j.io.gpio.digital.DigitalOutput.class).state();
    }
}
