package io.headroom.drivers.modbus;

import com.ghgande.j2mod.modbus.util.SerialParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The serial parameters of an RTU line; a pseudo-terminal's own case runs over socat in {@link RtuOverPtyIT}. */
class SerialLineTest {

    @Test
    void aSerialPortGetsTheConfiguredFraming(@TempDir Path dir) throws Exception {
        // a port that is not there (a USB adapter unplugged), and a link to something that is not a pty
        Path notPty = Files.createSymbolicLink(dir.resolve("link"), Files.writeString(dir.resolve("file"), ""));
        for (String device : new String[]{"/dev/ttyUSB-headroom-absent", notPty.toString()}) {
            assertThat(SerialLine.isPseudoTerminal(device)).as(device).isFalse();
            SerialParameters p = SerialLine.parameters(new Transport.Rtu(device, 9600, 7, "odd", 2));
            assertThat(p.getPortName()).isEqualTo(device);
            assertThat(p.getBaudRate()).isEqualTo(9600);
            assertThat(p.getDatabits()).isEqualTo(7);
            assertThat(p.getParityString()).isEqualTo("odd");
            assertThat(p.getStopbits()).isEqualTo(2);
            assertThat(p.getEncoding()).isEqualTo("rtu");
            assertThat(p.isEcho()).isFalse();
        }
    }
}
