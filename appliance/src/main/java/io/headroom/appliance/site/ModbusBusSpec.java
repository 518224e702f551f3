package io.headroom.appliance.site;

/**
 * A Modbus bus declared in the site file ({@code modbusBuses:}): a TCP gateway or an RS-485 line shared by
 * several units, and its pacing. Meters and banks name it with {@code bus:}; a device without one gets its own
 * TCP bus to its {@code modbus:} endpoint with default pacing.
 *
 * @param tcp                 the gateway's endpoint, or null for an RTU line
 * @param rtu                 the serial line, or null for TCP
 * @param interFrameGapMs     silence between transactions
 * @param unitIdChangeDelayMs extra silence when the unit id changes
 * @param timeoutMs           response timeout
 * @param retries             further attempts of a timed-out transaction
 * @param maxBackoffMs        longest wait between probes of a failing device
 */
public record ModbusBusSpec(String id, Endpoint tcp, SerialLine rtu, long interFrameGapMs, long unitIdChangeDelayMs,
                            long timeoutMs, int retries, long maxBackoffMs) {
}
