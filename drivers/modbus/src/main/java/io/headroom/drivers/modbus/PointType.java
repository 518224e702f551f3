package io.headroom.drivers.modbus;

/** How a register point's words encode its value (big-endian words, high word first). */
public enum PointType {
    U16(1), S16(1), U32(2), S32(2), F32(2);

    private final int words;

    PointType(int words) {
        this.words = words;
    }

    /** Number of 16-bit registers the value occupies. */
    public int words() {
        return words;
    }
}
