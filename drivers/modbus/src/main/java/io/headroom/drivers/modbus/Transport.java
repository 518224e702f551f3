package io.headroom.drivers.modbus;

/** How a bus reaches its devices. */
public sealed interface Transport permits Transport.Tcp, Transport.Rtu, Transport.RtuOverTcp {

    /** Modbus TCP to one endpoint (a meter, or a gateway to an RS-485 line: then the unit id picks the device). */
    record Tcp(String host, int port) implements Transport {
        @Override
        public String toString() {
            return "tcp://" + host + ":" + port;
        }
    }

    /**
     * Modbus RTU on a serial port through j2mod (jSerialComm).
     *
     * @param device   the port, e.g. {@code /dev/ttyUSB0}
     * @param parity   {@code none}, {@code even} or {@code odd}
     */
    record Rtu(String device, int baud, int dataBits, String parity, int stopBits) implements Transport {
        public Rtu {
            if (!parity.equals("none") && !parity.equals("even") && !parity.equals("odd")) {
                throw new IllegalArgumentException("parity must be none, even or odd, got " + parity);
            }
            if (baud <= 0 || (dataBits != 7 && dataBits != 8) || (stopBits != 1 && stopBits != 2)) {
                throw new IllegalArgumentException("bad serial settings " + baud + " " + dataBits + " " + stopBits);
            }
        }

        /** Duration of one character on the line, nanoseconds (start + data + parity + stop bits). */
        public long charNanos() {
            int bits = 1 + dataBits + (parity.equals("none") ? 0 : 1) + stopBits;
            return bits * 1_000_000_000L / baud;
        }

        @Override
        public String toString() {
            return "rtu://" + device + "@" + baud + "/" + dataBits + parity.charAt(0) + stopBits;
        }
    }

    /**
     * RTU frames (unit, PDU, CRC; no MBAP header) over a TCP socket: a transparent serial-to-Ethernet converter in
     * front of an RS-485 line.
     */
    record RtuOverTcp(String host, int port) implements Transport {
        @Override
        public String toString() {
            return "rtu+tcp://" + host + ":" + port;
        }
    }
}
