package io.headroom.drivers.modbus;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** External test peers (Debian packages): a missing one skips the test locally and fails it in CI. */
final class Peers {
    private Peers() {
    }

    static void require(boolean present, String what) {
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError(what + " is required in CI");
        }
        Assumptions.assumeTrue(present, what + " not installed");
    }

    static Path pymodbus() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        boolean present = Files.isExecutable(python)
                && new ProcessBuilder(python.toString(), "-c", "import pymodbus").start().waitFor() == 0;
        require(present, "python3-pymodbus (apt-get install python3-pymodbus)");
        return python;
    }

    /** pymodbus with what its serial server imports: pyserial and pyserial-asyncio (both only Recommends). */
    static Path pymodbusSerial() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        boolean present = Files.isExecutable(python) && new ProcessBuilder(python.toString(), "-c",
                "import pymodbus, serial, serial_asyncio").start().waitFor() == 0;
        require(present, "python3-pymodbus, python3-serial and python3-serial-asyncio (apt-get install "
                + "python3-pymodbus python3-serial python3-serial-asyncio)");
        return python;
    }

    static Path tool(String name, String pkg) {
        Path p = Path.of("/usr/bin/" + name);
        require(Files.isExecutable(p), name + " (apt-get install " + pkg + ")");
        return p;
    }
}
