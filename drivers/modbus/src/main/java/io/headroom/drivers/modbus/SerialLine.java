package io.headroom.drivers.modbus;

import com.ghgande.j2mod.modbus.Modbus;
import com.ghgande.j2mod.modbus.util.SerialParameters;

import java.io.IOException;
import java.nio.file.Path;

/** j2mod serial parameters for an RTU line (the bus's master and {@link MeterSlave}'s server share them). */
final class SerialLine {
    private SerialLine() {
    }

    /**
     * The parameters j2mod opens {@code rtu}'s port with. The port name is passed as configured (jSerialComm
     * resolves a symbolic link such as {@code /dev/serial/by-id/...} itself); only the framing of a pseudo-terminal
     * is adjusted, see {@link #isPseudoTerminal}.
     */
    static SerialParameters parameters(Transport.Rtu rtu) {
        SerialParameters p = new SerialParameters();
        p.setPortName(rtu.device());
        p.setBaudRate(rtu.baud());
        p.setStopbits(rtu.stopBits());
        if (isPseudoTerminal(rtu.device())) {
            // A pseudo-terminal has no wire and no framing: the kernel's pty driver silently clears PARENB and forces
            // CS8 in every termios it is given, and glibc's tcsetattr reads the settings back and fails with EINVAL
            // when the parity bit did not stick (whenever nothing else changed with it). jSerialComm then refuses to
            // open the port ("Port ... cannot be opened"): a fresh pty opened once, every reopen of the bus after a
            // timeout failed. The bytes a pty carries are the same whatever parity is asked for, so ask for what it
            // does (8 bits, no parity); the bus still paces the line with the configured framing (3.5 characters of
            // Transport.Rtu#charNanos).
            p.setDatabits(8);
            p.setParity("none");
        } else {
            p.setDatabits(rtu.dataBits());
            p.setParity(rtu.parity());
        }
        p.setEncoding(Modbus.SERIAL_ENCODING_RTU);
        p.setEcho(false);
        return p;
    }

    /**
     * Whether {@code device} is (a link to) a Unix 98 pseudo-terminal, {@code /dev/pts/N}: what socat, ser2net-style
     * bridges and RFC 2217 clients give a program in place of a serial port.
     */
    static boolean isPseudoTerminal(String device) {
        try {
            return Path.of(device).toRealPath().startsWith("/dev/pts/");
        } catch (IOException | RuntimeException e) {
            return false; // not there (yet): opening it will say so
        }
    }
}
