package io.headroom.drivers.modbus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class RegisterMapTest {

    @Test
    void genericProfileIsOneContiguousBlockOfFloats() {
        RegisterMap map = RegisterMap.load("generic-3phase");
        assertThat(map.firstAddress()).isZero();
        assertThat(map.length()).isEqualTo(24);
        assertThat(map.points()).extracting(RegisterPoint::name)
                .contains("current-L1", "current-L2", "current-L3", "power-total", "frequency");
    }

    @ParameterizedTest
    @CsvSource({"U16,0,65535", "S16,-32768,32767", "U32,0,4294967295", "S32,-2147483648,2147483647", "F32,-1e6,1e6"})
    void everyTypeRoundTripsItsRange(PointType type, double lo, double hi) {
        RegisterMap map = RegisterMap.parse("t", "x,W,10," + type + ",1\ny,W,14,u16,0.1");
        int[] words = new int[map.length()];
        java.util.Random r = new java.util.Random(42);
        for (int k = 0; k < 1000; k++) {
            double v = type == PointType.F32 ? lo + r.nextDouble() * (hi - lo) : Math.floor(lo + r.nextDouble() * (hi - lo));
            map.encode(0, v, words);
            assertThat(map.decode(0, words)).isCloseTo(v, within(Math.abs(v) * 1e-6 + 1e-9));
        }
        map.encode(1, 230.4, words);
        assertThat(map.decode(1, words)).isCloseTo(230.4, within(1e-9));
    }

    @Test
    void aBadProfileNamesTheLine() {
        assertThatThrownBy(() -> RegisterMap.parse("bad", "# c\nx,W,0,f32,1\ny,W,2,f99,1"))
                .hasMessageContaining("bad:3:").hasMessageContaining("F99");
        assertThatThrownBy(() -> RegisterMap.parse("bad", "x,W,0,f32"))
                .hasMessageContaining("bad:1: expected 5 fields");
        assertThatThrownBy(() -> RegisterMap.load("nope")).hasMessageContaining("unknown meter profile 'nope'");
    }
}
