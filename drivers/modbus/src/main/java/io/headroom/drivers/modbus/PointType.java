package io.headroom.drivers.modbus;

import java.util.Locale;

/**
 * How a register point's words encode its value. The point's {@link WordOrder} says the order of the words of
 * multi-word types and of the bytes in each word (big-endian, the Modbus rule, unless it says otherwise). {@code STRING} takes its length from the profile
 * ({@code string:N}, N registers, two ASCII characters each, NUL-padded). {@code SUNSSF} is a SunSpec scale
 * factor: a signed 16-bit power of ten that other points name as their scale.
 */
public enum PointType {
    U16(1), S16(1), U32(2), S32(2), U64(4), F32(2), F64(4), STRING(0), BITFIELD16(1), BITFIELD32(2), SUNSSF(1);

    private final int words;

    PointType(int words) {
        this.words = words;
    }

    /** Number of 16-bit registers the value occupies; 0 for {@link #STRING}, whose length is declared per point. */
    public int words() {
        return words;
    }

    /** Parses a profile's type column: {@code u16 s16 u32 s32 u64 f32 f64 bitfield16 bitfield32 sunssf} or {@code string:N}. */
    static PointType parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.startsWith("string:")) {
            return STRING;
        }
        return switch (t) {
            case "u16", "uint16", "enum16" -> U16;
            case "s16", "int16" -> S16;
            case "u32", "uint32", "acc32" -> U32;
            case "s32", "int32" -> S32;
            case "u64", "uint64", "acc64" -> U64;
            case "f32", "float32" -> F32;
            case "f64", "float64" -> F64;
            case "bitfield16", "bitfield" -> BITFIELD16;
            case "bitfield32" -> BITFIELD32;
            case "sunssf" -> SUNSSF;
            default -> throw new IllegalArgumentException("unknown type '" + text.strip()
                    + "' (u16, s16, u32, s32, u64, f32, f64, string:N, bitfield16, bitfield32, sunssf)");
        };
    }
}
