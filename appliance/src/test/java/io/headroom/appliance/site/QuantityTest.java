package io.headroom.appliance.site;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.headroom.appliance.site.Quantity.Kind;
import io.headroom.appliance.site.Quantity.QuantityFormatException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuantityTest {

    @ParameterizedTest(name = "{0} as {1} = {2}")
    @CsvSource(delimiter = '|', textBlock = """
            150 A      | CURRENT   | 150
            150A       | CURRENT   | 150
            1.5 kA     | CURRENT   | 1500
            415 V      | VOLTAGE   | 415
            13.8 kV    | VOLTAGE   | 13800
            700 W      | POWER     | 700
            50 kW      | POWER     | 50000
            1.2 MW     | POWER     | 1200000
            -5 W       | POWER     | -5
            1e3 W      | POWER     | 1000
            .5 kW      | POWER     | 500
            2 kWh      | ENERGY    | 2000
            500 Wh     | ENERGY    | 500
            1 MWh      | ENERGY    | 1000000
            100 ms     | TIME      | 100
            2 s        | TIME      | 2000
            1.5 min    | TIME      | 90000
            1 h        | TIME      | 3600000
            60 Hz      | FREQUENCY | 60
            3 %        | PERCENT   | 0.03
            '  12.5%  '| PERCENT   | 0.125
            """)
    void parsesToBaseUnits(String text, Kind kind, double expected) {
        assertThat(Quantity.parse(text, kind)).isCloseTo(expected, within(1e-9));
    }

    @ParameterizedTest(name = "{0} as {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            150 kW     | CURRENT   | expected a current in A or kA, got "150 kW"
            150        | CURRENT   | needs a unit: 150 A
            0.03       | PERCENT   | needs a unit: 0.03 %
            100        | TIME      | needs a unit: 100 ms or 100 s
            700 w      | POWER     | expected a power in W, kW or MW, got "700 w"
            1 mW       | POWER     | expected a power in W, kW or MW, got "1 mW"
            kW         | POWER     | expected a power in W, kW or MW, got "kW"
            ''         | POWER     | expected a power in W, kW or MW, got ""
            NaN W      | POWER     | expected a power in W, kW or MW, got "NaN W"
            Infinity W | POWER     | expected a power in W, kW or MW, got "Infinity W"
            1,500 W    | POWER     | expected a power in W, kW or MW, got "1,500 W"
            2 kW h     | ENERGY    | expected an energy in Wh, kWh or MWh, got "2 kW h"
            5 sec      | TIME      | expected a time in ms, s, min or h, got "5 sec"
            60 hz      | FREQUENCY | expected a frequency in Hz, got "60 hz"
            1e999 W    | POWER     | out of range: "1e999 W"
            """)
    void rejects(String text, Kind kind, String reason) {
        assertThatThrownBy(() -> Quantity.parse(text, kind))
                .isInstanceOf(QuantityFormatException.class)
                .hasMessage(reason);
    }

    @Test
    void convenienceParsers() {
        assertThat(Quantity.amps("150 A")).isEqualTo(150.0);
        assertThat(Quantity.volts("415 V")).isEqualTo(415.0);
        assertThat(Quantity.watts("1.5 kW")).isEqualTo(1500.0);
        assertThat(Quantity.wattHours("2 kWh")).isEqualTo(2000.0);
        assertThat(Quantity.hertz("50 Hz")).isEqualTo(50.0);
        assertThat(Quantity.fraction("3 %")).isCloseTo(0.03, within(1e-12));
        assertThat(Quantity.millis("2 s")).isEqualTo(2000L);
        assertThat(Quantity.millis("0.4 ms")).isEqualTo(0L);
    }

    @Test
    void describesUnits() {
        assertThat(Kind.CURRENT.describe()).isEqualTo("a current in A or kA");
        assertThat(Kind.TIME.describe()).isEqualTo("a time in ms, s, min or h");
        assertThat(Kind.POWER.units()).containsExactly("W", "kW", "MW");
        assertThat(Quantity.isPlainNumber("0.98")).isTrue();
        assertThat(Quantity.isPlainNumber("0.98 W")).isFalse();
        assertThat(Quantity.isPlainNumber("NaN")).isFalse();
    }
}
