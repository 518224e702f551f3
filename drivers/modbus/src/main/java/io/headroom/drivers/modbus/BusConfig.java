package io.headroom.drivers.modbus;

import java.time.Duration;

/**
 * One Modbus bus and its pacing: everything on it is driven by a single scheduler thread, so a shared RS-485
 * line (or a TCP gateway in front of one) never sees two requests at once.
 *
 * @param interFrameGap      silence between the end of one transaction and the next request (for RTU at least
 *                           3.5 characters; many gateways need several ms)
 * @param unitIdChangeDelay  extra silence when the next request goes to another unit id (slow gateways, devices
 *                           that need time to release the line)
 * @param timeout            how long to wait for a response
 * @param retries            further attempts of a transaction that timed out or came back garbled (an exception
 *                           response is an answer, not retried)
 * @param maxBackoff         the longest a failing device waits between probes
 */
public record BusConfig(String id, Transport transport, Duration interFrameGap, Duration unitIdChangeDelay,
                        Duration timeout, int retries, Duration maxBackoff) {

    public BusConfig {
        if (interFrameGap.isNegative() || unitIdChangeDelay.isNegative()) {
            throw new IllegalArgumentException("bus " + id + ": gaps must not be negative");
        }
        if (timeout.toMillis() < 1) {
            throw new IllegalArgumentException("bus " + id + ": timeout must be at least 1 ms, got " + timeout);
        }
        if (retries < 0 || retries > 10) {
            throw new IllegalArgumentException("bus " + id + ": retries must be 0..10, got " + retries);
        }
    }

    /** A TCP bus with the defaults: no gap, 200 ms timeout, 1 retry, backoff up to 5 s. */
    public static BusConfig tcp(String id, String host, int port) {
        return new BusConfig(id, new Transport.Tcp(host, port), Duration.ZERO, Duration.ZERO, Duration.ofMillis(200),
                1, Duration.ofSeconds(5));
    }

    public BusConfig withTimeout(Duration t) {
        return new BusConfig(id, transport, interFrameGap, unitIdChangeDelay, t, retries, maxBackoff);
    }

    public BusConfig withPacing(Duration gap, Duration unitChange) {
        return new BusConfig(id, transport, gap, unitChange, timeout, retries, maxBackoff);
    }

    public BusConfig withRetries(int r, Duration backoff) {
        return new BusConfig(id, transport, interFrameGap, unitIdChangeDelay, timeout, r, backoff);
    }
}
