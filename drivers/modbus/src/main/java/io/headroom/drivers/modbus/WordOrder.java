package io.headroom.drivers.modbus;

import java.util.Locale;

/**
 * Order of the bytes of a value on the wire, named as usual after a 32-bit value whose bytes, most significant first,
 * are A B C D: {@code ABCD} (Modbus' own big-endian order), {@code CDAB} (word swap), {@code BADC} (byte swap in each
 * word) and {@code DCBA} (both). Longer values follow the same two rules (the order of the words, the order of the
 * bytes in a word); a one-register value only follows the second ({@code ABCD} and {@code CDAB} read it as is,
 * {@code BADC} and {@code DCBA} swap its two bytes).
 */
public enum WordOrder {
    /** ABCD: high word first, high byte first: the Modbus convention and most meters (Schneider, Janitza, SunSpec). */
    HIGH_FIRST("ABCD", false, false),
    /** CDAB: low word first ("word swap"): Carlo Gavazzi, many PLCs. */
    LOW_FIRST("CDAB", true, false),
    /** BADC: high word first, bytes of each word swapped. */
    HIGH_FIRST_BYTE_SWAP("BADC", false, true),
    /** DCBA: low word first and bytes swapped: the value little-endian byte by byte. */
    LOW_FIRST_BYTE_SWAP("DCBA", true, true);

    private final String code;
    private final boolean lowWordFirst;
    private final boolean bytesSwapped;

    WordOrder(String code, boolean lowWordFirst, boolean bytesSwapped) {
        this.code = code;
        this.lowWordFirst = lowWordFirst;
        this.bytesSwapped = bytesSwapped;
    }

    /** {@code ABCD}, {@code CDAB}, {@code BADC} or {@code DCBA}. */
    public String code() {
        return code;
    }

    /** Whether the least significant word comes first. */
    public boolean lowWordFirst() {
        return lowWordFirst;
    }

    /** Whether the two bytes of each register are swapped (low byte first). */
    public boolean bytesSwapped() {
        return bytesSwapped;
    }

    /** A register as this order carries it: its bytes swapped or not. */
    int word(int w) {
        return bytesSwapped ? ((w & 0xFF) << 8) | ((w >> 8) & 0xFF) : w & 0xFFFF;
    }

    /**
     * Parses a map's order column: {@code ABCD CDAB BADC DCBA} (any case), the older {@code hi} (ABCD) and {@code lo}
     * (CDAB), and for one-register values {@code AB} (ABCD) and {@code BA} (BADC).
     */
    static WordOrder parse(String text) {
        return switch (text.strip().toUpperCase(Locale.ROOT)) {
            case "ABCD", "HI", "AB" -> HIGH_FIRST;
            case "CDAB", "LO" -> LOW_FIRST;
            case "BADC", "BA" -> HIGH_FIRST_BYTE_SWAP;
            case "DCBA" -> LOW_FIRST_BYTE_SWAP;
            default -> throw new IllegalArgumentException("order must be ABCD, CDAB, BADC or DCBA (or hi, lo), got '"
                    + text.strip() + "'");
        };
    }
}
