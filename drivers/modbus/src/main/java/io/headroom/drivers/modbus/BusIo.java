package io.headroom.drivers.modbus;

/**
 * Paced transactions on a bus, available only on its scheduler thread (inside a {@link ModbusBus#submit} job or
 * a scan). Each call waits for the inter-frame gap (and the unit-id change delay), then runs one transaction with
 * the bus's timeout and retries.
 */
public interface BusIo {

    /** Reads {@code count} registers with function code 3 or 4. */
    int[] read(int unitId, int function, int address, int count) throws ModbusDeviceException;

    /** Writes registers with function code 16. */
    void write(int unitId, int address, int[] words) throws ModbusDeviceException;
}
