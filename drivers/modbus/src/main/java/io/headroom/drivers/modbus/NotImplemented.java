package io.headroom.drivers.modbus;

/**
 * The raw value by which a device says that it does not implement a point (it answers the register, but the
 * value means "none"). Such a point reads as absent (NaN), never as a value. Floating-point points are absent when
 * they are NaN whatever this says (SunSpec's 0x7FC00000 is a NaN).
 *
 * @param kind {@link Kind#NONE}: every raw value is a value; {@link Kind#SUNSPEC}: SunSpec's marker for the point's
 *             type (0x8000 for int16 and sunssf, 0xFFFF for uint16, enum16 and bitfield16, 0x80000000 for int32,
 *             0xFFFFFFFF for uint32 and bitfield32, 0xFFFFFFFFFFFFFFFF for uint64); {@link Kind#VALUE}: {@code raw}
 * @param raw  for {@link Kind#VALUE}, the registers' bits as an unsigned number of the point's width
 */
public record NotImplemented(Kind kind, long raw) {

    public enum Kind { NONE, SUNSPEC, VALUE }

    public static final NotImplemented NONE = new NotImplemented(Kind.NONE, 0);
    public static final NotImplemented SUNSPEC = new NotImplemented(Kind.SUNSPEC, 0);

    /** A device-specific marker, e.g. 0x7FFFFFFF. */
    public static NotImplemented value(long raw) {
        return new NotImplemented(Kind.VALUE, raw);
    }

    /** Whether {@code bits} (the point's registers joined in its order, unsigned) mark it "not implemented". */
    boolean matches(PointType type, long bits) {
        return switch (kind) {
            case NONE -> false;
            case VALUE -> bits == raw;
            case SUNSPEC -> switch (type) {
                case S16, SUNSSF -> bits == 0x8000L;
                case U16, BITFIELD16 -> bits == 0xFFFFL;
                case S32 -> bits == 0x8000_0000L;
                case U32, BITFIELD32 -> bits == 0xFFFF_FFFFL;
                case U64 -> bits == -1L;
                case F32, F64, STRING -> false; // NaN, and an empty string, already read as absent
            };
        };
    }

    /** As written in a map: {@code none}, {@code sunspec} or the raw value in hex. */
    @Override
    public String toString() {
        return switch (kind) {
            case NONE -> "none";
            case SUNSPEC -> "sunspec";
            case VALUE -> "0x" + Long.toHexString(raw).toUpperCase(java.util.Locale.ROOT);
        };
    }
}
