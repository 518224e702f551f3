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

    static Path tool(String name, String pkg) {
        Path p = Path.of("/usr/bin/" + name);
        require(Files.isExecutable(p), name + " (apt-get install " + pkg + ")");
        return p;
    }
}
