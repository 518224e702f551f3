package io.headroom.drivers.modbus;

/**
 * A transaction with a device failed: the message says which bus, unit, function, registers and why
 * (exception code and its meaning, timeout, short or garbled response).
 */
public final class ModbusDeviceException extends Exception {

    /** The Modbus exception code if the device answered with one, otherwise 0. */
    private final int exceptionCode;

    public ModbusDeviceException(String message, int exceptionCode, Throwable cause) {
        super(message, cause);
        this.exceptionCode = exceptionCode;
    }

    public int exceptionCode() {
        return exceptionCode;
    }

    /** Whether the device answered (with an exception response) rather than stayed silent or garbled. */
    public boolean answered() {
        return exceptionCode != 0;
    }

    static String meaning(int code) {
        return switch (code) {
            case 1 -> "illegal function";
            case 2 -> "illegal data address";
            case 3 -> "illegal data value";
            case 4 -> "server device failure";
            case 5 -> "acknowledge";
            case 6 -> "server device busy";
            case 10 -> "gateway path unavailable";
            case 11 -> "gateway target device failed to respond";
            default -> "unknown exception code";
        };
    }
}
