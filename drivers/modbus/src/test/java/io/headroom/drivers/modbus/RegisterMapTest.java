package io.headroom.drivers.modbus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class RegisterMapTest {

    @Test
    void genericProfileIsOneContiguousBlockOfFloats() {
        RegisterMap map = RegisterMap.load("generic-3phase");
        assertThat(map.blocks()).containsExactly(new RegisterMap.Block(3, 0, 24));
        assertThat(map.points()).extracting(RegisterPoint::name)
                .contains("current-L1", "current-L2", "current-L3", "power-total", "frequency");
    }

    @ParameterizedTest
    @ValueSource(strings = {"generic-3phase", "schneider-pm5300", "janitza-umg96rm", "eastron-sdm630", "supercap-generic"})
    void everyShippedProfileLoadsWithItsSourceAndReadsInOneBlock(String profile) {
        RegisterMap map = RegisterMap.load(profile);
        assertThat(map.source()).isNotBlank();
        assertThat(map.blocks()).hasSize(1);
        assertThat(map.blocks().getFirst().count()).isLessThanOrEqualTo(map.maxRegisters());
        if (!profile.startsWith("supercap")) {
            assertThat(map.indexOf("current-L1")).isNotNegative();
            assertThat(map.indexOf("power-total")).isNotNegative();
            assertThat(map.indexOf("frequency")).isNotNegative();
        }
    }

    @Test
    void vendorMapsSitWhereTheirDocumentsSay() {
        RegisterMap pm = RegisterMap.load("schneider-pm5300");
        assertThat(pm.blocks()).containsExactly(new RegisterMap.Block(3, 2999, 112)); // registers 3000..3111
        RegisterMap sdm = RegisterMap.load("eastron-sdm630");
        assertThat(sdm.blocks()).containsExactly(new RegisterMap.Block(4, 0, 76));      // input registers 30001..
        RegisterMap umg = RegisterMap.load("janitza-umg96rm");
        assertThat(umg.blocks()).containsExactly(new RegisterMap.Block(3, 19000, 62));
    }

    @Test
    void undeclaredHolesSplitBlocksAndDeclaredGapsJoinThem() {
        String points = "a,V,3,0,u16\nb,V,3,10,u16\nc,V,4,0,u16\n";
        assertThat(RegisterMap.parse("t", points).blocks()).containsExactly(
                new RegisterMap.Block(3, 0, 1), new RegisterMap.Block(3, 10, 1), new RegisterMap.Block(4, 0, 1));
        assertThat(RegisterMap.parse("t", "@gap,3,1,9\n" + points).blocks()).containsExactly(
                new RegisterMap.Block(3, 0, 11), new RegisterMap.Block(4, 0, 1));
        // a gap of the other function code does not count
        assertThat(RegisterMap.parse("t", "@gap,4,1,9\n" + points).blocks()).hasSize(3);
    }

    @Test
    void blocksNeverExceedMaxRegisters() {
        StringBuilder csv = new StringBuilder("@maxRegisters,10\n");
        for (int i = 0; i < 20; i++) {
            csv.append("p").append(i).append(",W,3,").append(2 * i).append(",f32\n");
        }
        RegisterMap map = RegisterMap.parse("t", csv.toString());
        assertThat(map.blocks()).extracting(RegisterMap.Block::count).containsExactly(10, 10, 10, 10);
        assertThat(map.registersPerScan()).isEqualTo(40);
    }

    @ParameterizedTest
    @CsvSource({"u16,hi,0,65535", "s16,hi,-32768,32767", "u32,hi,0,4294967295", "s32,lo,-2147483648,2147483647",
            "u32,lo,0,4294967295", "f32,hi,-1e6,1e6", "f32,lo,-1e6,1e6", "f64,hi,-1e12,1e12", "f64,lo,-1e12,1e12",
            "u64,hi,0,1e15", "bitfield16,hi,0,65535", "bitfield32,lo,0,4294967295"})
    void everyTypeAndWordOrderRoundTripsItsRange(String type, String order, double lo, double hi) {
        RegisterMap map = RegisterMap.parse("t", "x,W,3,10," + type + "," + order + ",1\ny,W,3,14,u16,hi,0.1");
        Random r = new Random(42);
        boolean integral = !type.startsWith("f");
        for (int k = 0; k < 1000; k++) {
            double v = lo + r.nextDouble() * (hi - lo);
            v = integral ? Math.floor(v) : v;
            double back = roundTrip(map, 0, v);
            assertThat(back).isCloseTo(v, within(Math.abs(v) * 1e-6 + 1e-9));
        }
        assertThat(roundTrip(map, 1, 230.4)).isCloseTo(230.4, within(1e-9));
    }

    private static double roundTrip(RegisterMap map, int i, double v) {
        int[] words = map.encode(i, v);
        return RegisterMap.decode(map.points().get(i), words, 0, 0, false);
    }

    @Test
    void wordOrderIsHonoured() {
        RegisterMap map = RegisterMap.parse("t", "hi,W,3,0,u32,hi\nlo,W,3,2,u32,lo");
        assertThat(map.encode(0, 0x12345678L)).containsExactly(0x1234, 0x5678);
        assertThat(map.encode(1, 0x12345678L)).containsExactly(0x5678, 0x1234);
    }

    @Test
    void sunSpecScaleFactorsAndNotImplementedValues() {
        RegisterMap map = RegisterMap.parse("t", "A,A,3,0,s16,hi,sf:A_SF\nPF,,3,1,s16,hi,sf:PF_SF*0.01\n"
                + "A_SF,,3,2,sunssf\nPF_SF,,3,3,sunssf\nB,A,3,4,u16,hi,sf:A_SF");
        double[] values = new double[5];
        String[] texts = new String[5];
        // A = 1234 × 10^-1, PF = -9850 × 10^-2 % → -0.985, B not implemented (0xFFFF)
        assertThat(map.decodeAll(new int[][]{{1234, (short) -9850 & 0xFFFF, (short) -1 & 0xFFFF, (short) -2 & 0xFFFF, 0xFFFF}},
                values, texts)).isNull();
        assertThat(values[0]).isCloseTo(123.4, within(1e-9));
        assertThat(values[1]).isCloseTo(-0.985, within(1e-9));
        assertThat(values[4]).isNaN();
        // a scale factor that is itself "not implemented" makes its points NaN
        map.decodeAll(new int[][]{{1234, 1, 0x8000, 0, 7}}, values, texts);
        assertThat(values[0]).isNaN();
        assertThat(values[4]).isNaN();
    }

    @Test
    void conventionsTurnDeviceSignsIntoHeadrooms() {
        RegisterMap map = RegisterMap.parse("t", "p,W,3,0,f32,hi,1000,-\npf,,3,2,f32,hi,1,pf4q");
        assertThat(RegisterMap.decode(map.points().get(0), new int[]{Float.floatToIntBits(2.5f) >>> 16,
                Float.floatToIntBits(2.5f) & 0xFFFF}, 0, 0, false)).isEqualTo(-2500.0);
        // PM5000 "4Q FP PF": 1.2 means 0.8 (leading), -1.1 means -0.9, 0.95 stays 0.95
        for (double[] c : new double[][]{{1.2, 0.8}, {-1.1, -0.9}, {0.95, 0.95}, {-0.7, -0.7}}) {
            int bits = Float.floatToIntBits((float) c[0]);
            assertThat(RegisterMap.decode(map.points().get(1), new int[]{bits >>> 16, bits & 0xFFFF}, 0, 0, false))
                    .isCloseTo(c[1], within(1e-6));
        }
    }

    @Test
    void stringsAndChecks() {
        RegisterMap map = RegisterMap.parse("t", "@check,v,0,300\nname,,3,0,string:4\nv,V,3,4,u16");
        int[] block = new int[5];
        System.arraycopy(map.encodeText(0, "UMG96"), 0, block, 0, 4);
        block[4] = 230;
        double[] values = new double[2];
        String[] texts = new String[2];
        assertThat(map.decodeAll(new int[][]{block}, values, texts)).isNull();
        assertThat(texts[0]).isEqualTo("UMG96");
        block[4] = 400;
        assertThat(map.decodeAll(new int[][]{block}, values, texts)).contains("v = 400.0 outside 0.0..300.0");
    }

    @Test
    void aBadProfileNamesTheLineAndWhatIsWrong() {
        assertThatThrownBy(() -> RegisterMap.parse("bad", "# c\nx,W,3,0,f32\ny,W,3,2,f99"))
                .hasMessageContaining("bad:3:").hasMessageContaining("unknown type 'f99'");
        assertThatThrownBy(() -> RegisterMap.parse("bad", "x,W,0,f32"))
                .hasMessageContaining("bad:1: expected name,unit,fc,address,type");
        assertThatThrownBy(() -> RegisterMap.parse("bad", "x,W,5,0,f32"))
                .hasMessageContaining("bad:1:").hasMessageContaining("function code must be 3 or 4, got 5");
        assertThatThrownBy(() -> RegisterMap.parse("bad", "x,W,3,0,f32\ny,W,3,1,u16"))
                .hasMessageContaining("points x and y overlap at register 1");
        assertThatThrownBy(() -> RegisterMap.parse("bad", "x,W,3,0,s16,hi,sf:NOPE"))
                .hasMessageContaining("names scale factor NOPE, which is not declared");
        assertThatThrownBy(() -> RegisterMap.parse("bad", "x,W,4,0,u16,hi,1,+,rw"))
                .hasMessageContaining("only holding registers (function 3) are writable");
        assertThatThrownBy(() -> RegisterMap.parse("bad", "@check,nope,0,1\nx,W,3,0,u16"))
                .hasMessageContaining("check names point nope");
        assertThatThrownBy(() -> RegisterMap.load("nope")).hasMessageContaining("unknown meter profile 'nope'");
    }
}
