package io.headroom.drivers.modbus;

/**
 * One declared value in a device's register map.
 *
 * @param name        the datum's name, e.g. {@code current-L1}
 * @param unit        engineering unit after scaling ("" for dimensionless)
 * @param function    the read function code: 3 (holding registers) or 4 (input registers)
 * @param address     zero-based register address on the wire (the PDU address; vendor documents often
 *                    number registers from 1 or 30001/40001, the profile says how it converted)
 * @param type        encoding of the raw words
 * @param words       number of registers the point occupies
 * @param order       word and byte order (ABCD, CDAB, BADC, DCBA)
 * @param scale       engineering value = raw × scale (× 10^sf when {@code scaleFactor} names a point)
 * @param scaleFactor name of the SunSpec scale-factor point of this point, or null
 * @param convention  sign or encoding convention of the device, turned into Headroom's
 * @param writable    whether the point may be written (function code 16)
 * @param notImplemented the raw value by which the device says "not implemented" (the point then reads NaN)
 */
public record RegisterPoint(String name, String unit, int function, int address, PointType type, int words,
                            WordOrder order, double scale, String scaleFactor, Convention convention,
                            boolean writable, NotImplemented notImplemented) {

    /**
     * A point whose "not implemented" marker is SunSpec's when it has a scale-factor point or is one (the SunSpec
     * rule), and none otherwise.
     */
    public RegisterPoint(String name, String unit, int function, int address, PointType type, int words,
                         WordOrder order, double scale, String scaleFactor, Convention convention, boolean writable) {
        this(name, unit, function, address, type, words, order, scale, scaleFactor, convention, writable,
                scaleFactor != null || type == PointType.SUNSSF ? NotImplemented.SUNSPEC : NotImplemented.NONE);
    }

    public RegisterPoint {
        if (notImplemented == null) {
            notImplemented = NotImplemented.NONE;
        }
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a point needs a name");
        }
        if (function != 3 && function != 4) {
            throw new IllegalArgumentException("point " + name + ": function code must be 3 or 4, got " + function);
        }
        if (address < 0 || address + words > 65536) {
            throw new IllegalArgumentException("point " + name + ": address " + address + " out of 0..65535");
        }
        if (words <= 0) {
            throw new IllegalArgumentException("point " + name + ": needs at least one register");
        }
        if (writable && function != 3) {
            throw new IllegalArgumentException("point " + name + ": only holding registers (function 3) are writable");
        }
    }

    /** A plain read-only holding-register point, high word first. */
    public static RegisterPoint of(String name, String unit, int address, PointType type, double scale) {
        return new RegisterPoint(name, unit, 3, address, type, type.words(), WordOrder.HIGH_FIRST, scale, null,
                Convention.AS_IS, false);
    }

    /** One past the last register of this point. */
    public int end() {
        return address + words;
    }

    /** The same point at another address (SunSpec models are declared relative to their start). */
    public RegisterPoint at(int newAddress, String newName) {
        return new RegisterPoint(newName, unit, function, newAddress, type, words, order, scale, scaleFactor, convention,
                writable, notImplemented);
    }

    /** The same point with its scale factor renamed (when a SunSpec model's points are renamed). */
    RegisterPoint withScaleFactor(String sf) {
        return new RegisterPoint(name, unit, function, address, type, words, order, scale, sf, convention, writable,
                notImplemented);
    }
}
