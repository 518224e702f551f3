package io.headroom.drivers.modbus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

/** A user's register map: byte and word orders, types, scale registers, "not implemented" values, and its errors. */
class UserRegisterMapTest {

    /** Registers from bytes written out as the device sends them, two per register. */
    private static int[] regs(int... bytes) {
        int[] w = new int[bytes.length / 2];
        for (int k = 0; k < w.length; k++) {
            w[k] = (bytes[2 * k] << 8) | bytes[2 * k + 1];
        }
        return w;
    }

    private static double one(String line, int[] words) {
        RegisterMap map = RegisterMap.parse("t", line);
        double[] v = new double[1];
        map.decodeAll(new int[][]{words}, v, new String[1]);
        return v[0];
    }

    // 0x12345678 = 305419896; -2 as int32 = 0xFFFFFFFE; 1.5f = 0x3FC00000
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "u32, ABCD, 0x12, 0x34, 0x56, 0x78, 305419896",
            "u32, CDAB, 0x56, 0x78, 0x12, 0x34, 305419896",
            "u32, BADC, 0x34, 0x12, 0x78, 0x56, 305419896",
            "u32, DCBA, 0x78, 0x56, 0x34, 0x12, 305419896",
            "uint32, cdab, 0x56, 0x78, 0x12, 0x34, 305419896",
            "s32, ABCD, 0xFF, 0xFF, 0xFF, 0xFE, -2",
            "int32, CDAB, 0xFF, 0xFE, 0xFF, 0xFF, -2",
            "s32, BADC, 0xFF, 0xFF, 0xFE, 0xFF, -2",
            "s32, DCBA, 0xFE, 0xFF, 0xFF, 0xFF, -2",
            "f32, ABCD, 0x3F, 0xC0, 0x00, 0x00, 1.5",
            "float32, CDAB, 0x00, 0x00, 0x3F, 0xC0, 1.5",
            "f32, BADC, 0xC0, 0x3F, 0x00, 0x00, 1.5",
            "f32, DCBA, 0x00, 0x00, 0xC0, 0x3F, 1.5",
            "f32, hi, 0x3F, 0xC0, 0x00, 0x00, 1.5",
            "f32, lo, 0x00, 0x00, 0x3F, 0xC0, 1.5",
    })
    void everyOrderOfA32BitValue(String type, String order, int a, int b, int c, int d, double expected) {
        assertThat(one("x,,3,0," + type + "," + order, regs(a, b, c, d))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "u16, ABCD, 0x12, 0x34, 4660",
            "uint16, CDAB, 0x12, 0x34, 4660",
            "u16, AB, 0x12, 0x34, 4660",
            "u16, BADC, 0x34, 0x12, 4660",
            "u16, DCBA, 0x34, 0x12, 4660",
            "u16, BA, 0x34, 0x12, 4660",
            "s16, ABCD, 0xFF, 0xFE, -2",
            "int16, BADC, 0xFE, 0xFF, -2",
    })
    void oneRegisterValuesFollowOnlyTheByteOrder(String type, String order, int a, int b, double expected) {
        assertThat(one("x,,3,0," + type + "," + order, regs(a, b))).isEqualTo(expected);
    }

    @Test
    void sixtyFourBitValuesInEveryOrder() {
        // 0x0102030405060708
        long v = 0x0102030405060708L;
        assertThat(one("x,,3,0,u64,ABCD", regs(1, 2, 3, 4, 5, 6, 7, 8))).isEqualTo((double) v);
        assertThat(one("x,,3,0,u64,CDAB", regs(7, 8, 5, 6, 3, 4, 1, 2))).isEqualTo((double) v);
        assertThat(one("x,,3,0,u64,BADC", regs(2, 1, 4, 3, 6, 5, 8, 7))).isEqualTo((double) v);
        assertThat(one("x,,3,0,u64,DCBA", regs(8, 7, 6, 5, 4, 3, 2, 1))).isEqualTo((double) v);
        long bits = Double.doubleToLongBits(-1234.5);
        int[] w = {(int) (bits >>> 48) & 0xFFFF, (int) (bits >>> 32) & 0xFFFF, (int) (bits >>> 16) & 0xFFFF, (int) bits & 0xFFFF};
        assertThat(one("x,,3,0,f64,ABCD", w)).isEqualTo(-1234.5);
        assertThat(one("x,,3,0,f64,CDAB", new int[]{w[3], w[2], w[1], w[0]})).isEqualTo(-1234.5);
    }

    @Test
    void everyTypeAndOrderRoundTripsThroughEncode() {
        String[] types = {"u16", "s16", "u32", "s32", "f32", "u64", "f64"};
        double[] values = {65000, -1234, 4_000_000_000.0, -2_000_000_000, -3.25, 1e15, 1e-3};
        for (String order : List.of("ABCD", "CDAB", "BADC", "DCBA")) {
            for (int k = 0; k < types.length; k++) {
                RegisterMap map = RegisterMap.parse("t", "x,,3,0," + types[k] + "," + order);
                double[] v = new double[1];
                map.decodeAll(new int[][]{map.encode(0, values[k])}, v, new String[1]);
                assertThat(v[0]).as(types[k] + " " + order).isEqualTo(values[k]);
            }
        }
    }

    @Test
    void aByteSwappedStringReads() {
        RegisterMap map = RegisterMap.parse("t", "name,,3,0,string:3,BADC");
        String[] texts = new String[1];
        map.decodeAll(new int[][]{regs('M', 'E', '2', '4', 0, 0)}, new double[1], texts);
        assertThat(texts[0]).isEqualTo("EM42");
        map.decodeAll(new int[][]{map.encodeText(0, "EM24")}, new double[1], texts);
        assertThat(texts[0]).isEqualTo("EM24");
    }

    @Test
    void aFixedScaleAScaleRegisterAndBoth() {
        RegisterMap map = RegisterMap.parse("t", """
                v,V,3,0,s32,CDAB,0.1
                w,W,3,2,s16,ABCD,sf:W_SF
                W_SF,,3,3,sunssf
                kw,W,3,4,u16,ABCD,sf:W_SF*1000
                """);
        double[] v = new double[4];
        // v = 2301 x 0.1 (low word first); w = 1234 x 10^-1; kw = 5 x 10^-1 x 1000
        assertThat(map.decodeAll(new int[][]{{2301, 0, 1234, (short) -1 & 0xFFFF, 5}}, v, new String[4])).isNull();
        assertThat(v[0]).isCloseTo(230.1, within(1e-9));
        assertThat(v[1]).isCloseTo(123.4, within(1e-9));
        assertThat(v[3]).isCloseTo(500, within(1e-9));
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "s16, ABCD, 0x8000",
            "int16, BADC, 0x0080",
            "u16, ABCD, 0xFFFF",
            "bitfield16, ABCD, 0xFFFF",
            "s32, ABCD, 0x8000 0x0000",
            "s32, CDAB, 0x0000 0x8000",
            "u32, ABCD, 0xFFFF 0xFFFF",
            "bitfield32, DCBA, 0xFFFF 0xFFFF",
            "f32, ABCD, 0x7FC0 0x0000",
            "f32, CDAB, 0x0000 0x7FC0",
            "u64, ABCD, 0xFFFF 0xFFFF 0xFFFF 0xFFFF",
    })
    void sunSpecNotImplementedValuesAreAbsentInEveryOrder(String type, String order, String words) {
        String[] hex = words.split(" ");
        int[] w = new int[hex.length];
        for (int k = 0; k < w.length; k++) {
            w[k] = Integer.parseInt(hex[k].substring(2), 16);
        }
        assertThat(one("x,,3,0," + type + "," + order + ",1,+,r,sunspec", w)).isNaN();
        assertThat(one("@notImplemented,sunspec\nx,,3,0," + type + "," + order, w)).isNaN();
        if (!type.startsWith("f")) {
            // without a marker, the same registers are a value
            assertThat(one("x,,3,0," + type + "," + order, w)).isNotNaN();
            assertThat(one("@notImplemented,sunspec\nx,,3,0," + type + "," + order + ",1,+,r,none", w)).isNotNaN();
        }
    }

    @Test
    void aDeviceSpecificNotImplementedValue() {
        // e.g. a meter that answers 0x7FFFFFFF for a quantity it does not measure
        assertThat(one("x,,3,0,s32,CDAB,0.1,+,r,0x7FFFFFFF", new int[]{0xFFFF, 0x7FFF})).isNaN();
        assertThat(one("x,,3,0,s32,CDAB,0.1,+,r,0x7FFFFFFF", new int[]{0xFFFE, 0x7FFF})).isNotNaN();
        assertThat(one("x,,3,0,s16,ABCD,1,+,r,-1", new int[]{0xFFFF})).isNaN();
        assertThat(one("x,,3,0,u16,ABCD,1,+,r,65535", new int[]{0xFFFF})).isNaN();
        // a scaled point whose scale register is not implemented is absent
        RegisterMap map = RegisterMap.parse("t", "a,A,3,0,s16,ABCD,sf:A_SF\nA_SF,,3,1,sunssf");
        double[] v = new double[2];
        map.decodeAll(new int[][]{{100, 0x8000}}, v, new String[2]);
        assertThat(v[0]).isNaN();
    }

    @Test
    void hexAddressesAndTheFieldsInAnyCase() {
        RegisterMap map = RegisterMap.parse("t", "x,V,4,0x0012,INT32,cdab,0.1");
        assertThat(map.points().getFirst().address()).isEqualTo(0x12);
        assertThat(map.points().getFirst().function()).isEqualTo(4);
        assertThat(map.points().getFirst().order()).isEqualTo(WordOrder.LOW_FIRST);
    }

    /** The one problem of a map, as a string. */
    private static RegisterMapException.Problem problem(String csv) {
        RegisterMapException e = catchThrowableOfType(RegisterMapException.class, () -> RegisterMap.parse("m.csv", csv));
        assertThat(e).as("no error for %s", csv).isNotNull();
        assertThat(e.problems()).hasSize(1);
        return e.problems().getFirst();
    }

    @ParameterizedTest(name = "{2}")
    @CsvSource(delimiter = '|', value = {
            "x,V,3,0,f32,ABDC                | 1  | m.csv:1:13: order: order must be ABCD, CDAB, BADC or DCBA (or hi, lo), got 'ABDC'",
            "x,V,3,0,f33                     | 1  | m.csv:1:9: type: unknown type 'f33' (u16, s16, u32, s32, u64, f32, f64, string:N, bitfield16, bitfield32, sunssf)",
            "x,V,3,0,string:0                | 1  | m.csv:1:9: type: string:N needs N registers, 1..125, got '0'",
            "x,V,5,0,f32                     | 1  | m.csv:1:5: fc: function code must be 3 or 4, got 5",
            "x,V,3,forty,f32                 | 1  | m.csv:1:7: address: address must be a whole number (decimal or 0x hex), got 'forty'",
            "x,V,3,65535,f32                 | 1  | m.csv:1:7: address: address 65535 out of 0..65534 for 2 registers",
            "x,V,3,0,f32,ABCD,ten            | 1  | m.csv:1:18: scale: scale must be a number, sf:POINT or sf:POINT*NUMBER, got 'ten'",
            "x,V,3,0,f32,ABCD,0              | 1  | m.csv:1:18: scale: scale must be a finite non-zero number, got '0'",
            "x,V,3,0,s16,ABCD,sf:            | 1  | m.csv:1:18: scale: sf: must name the scale-factor point, got 'sf:'",
            "x,V,3,0,s16,ABCD,sf:NOPE        | 1  | m.csv:1:18: scale: point x names scale factor NOPE, which is not declared",
            "x,V,3,0,f32,ABCD,1,plus         | 1  | m.csv:1:20: convention: convention must be +, - or pf4q, got 'plus'",
            "x,V,3,0,f32,ABCD,1,+,w          | 1  | m.csv:1:22: access: access must be r or rw, got 'w'",
            "x,V,4,0,u16,ABCD,1,+,rw         | 1  | m.csv:1:22: access: point x: only holding registers (function 3) are writable",
            "x,V,3,0,u16,ABCD,1,+,r,maybe    | 1  | m.csv:1:24: notImplemented: notImplemented must be sunspec, none or a raw value (decimal or 0x hex), got 'maybe'",
            "x,V,3,0,u16,ABCD,1,+,r,0x10000  | 1  | m.csv:1:24: notImplemented: raw value 0x10000 does not fit the point's 16 bits",
            "x,V,3,0                         | 1  | m.csv:1: expected name,unit,fc,address,type[,order,scale,convention,access,notImplemented], got 4 fields",
            "@gap,3,x,2                      | 1  | m.csv:1:8: @gap: ADDRESS must be a whole number (decimal or 0x hex), got 'x'",
            "@check,x,low,1                  | 1  | m.csv:1:10: @check: MIN must be a number, got 'low'",
            "@notImplemented,always          | 1  | m.csv:1:17: @notImplemented: must be sunspec or none, got 'always'",
            "@frobnicate,1                   | 1  | m.csv:1:1: unknown directive @frobnicate (@source, @maxRegisters, @gap, @check, @notImplemented)",
    })
    void eachProblemNamesFileLineColumnAndField(String csv, int ignored, String expected) {
        assertThat(problem(csv.strip())).hasToString(expected.strip());
    }

    @Test
    void problemsAcrossLinesNameTheLineOfThePointAtFault() {
        assertThat(problem("# a meter\nx,V,3,0,f32\n\ny,V,3,1,u16")).hasToString(
                "m.csv:4:7: address: points x and y overlap at register 1");
        assertThat(problem("x,V,3,0,f32\nx,V,3,2,f32")).hasToString("m.csv:2:1: name: point x is declared twice");
        assertThat(problem("a,V,3,0,s16,ABCD,sf:b\nb,,3,1,u16")).hasToString(
                "m.csv:1:18: scale: point a's scale factor b must have type sunssf");
        assertThat(problem("x,V,3,0,u16\n@check,nope,0,1")).hasToString(
                "m.csv:2:8: @check: check names point nope, which is not declared");
        assertThat(problem("@maxRegisters,200\nx,V,3,0,u16")).hasToString(
                "m.csv:1:15: @maxRegisters: maxRegisters must be 1..125, got 200");
        assertThat(problem("@maxRegisters,1\nx,V,3,0,u32")).hasToString(
                "m.csv:2:9: type: point x (2 registers) is longer than maxRegisters 1");
        assertThat(problem("# nothing but comments\n")).hasToString("m.csv: declares no points");
    }

    @Test
    void everyProblemIsReportedInLineOrder() {
        RegisterMapException e = catchThrowableOfType(RegisterMapException.class,
                () -> RegisterMap.parse("m.csv", "a,V,3,0,f33\nb,V,3,2,f32,XY\nc,V,3,4,f32"));
        assertThat(e.problems()).extracting(RegisterMapException.Problem::line).containsExactly(1, 2);
        assertThat(e).hasMessage("m.csv:1:9: type: unknown type 'f33' (u16, s16, u32, s32, u64, f32, f64, string:N, "
                + "bitfield16, bitfield32, sunssf)\nm.csv:2:13: order: order must be ABCD, CDAB, BADC or DCBA (or hi, lo),"
                + " got 'XY'");
    }

    @Test
    void aMapFileLoadsUnderTheNameItIsGiven(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("em.csv");
        Files.writeString(f, "@source,test\nv,V,3,0,s32,CDAB,0.1\nw,W,3,2,s32,ABCD,0.1,+,r,oops\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> RegisterMap.load(f, "maps/em.csv"))
                .isInstanceOf(RegisterMapException.class)
                .hasMessageStartingWith("maps/em.csv:3:26: notImplemented: ");
        Files.writeString(f, "v,V,3,0,s32,CDAB,0.1\n", StandardCharsets.UTF_8);
        assertThat(RegisterMap.load(f, "maps/em.csv").profile()).isEqualTo("maps/em.csv");
        assertThatThrownBy(() -> RegisterMap.load(dir.resolve("missing.csv"), "missing.csv"))
                .isInstanceOf(java.io.IOException.class);
    }
}
