package io.headroom.hil.campus;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shipped example campus, found from the working directory upwards. */
public final class CampusPaths {

    private CampusPaths() {
    }

    public static Path exampleCampus() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path f = p.resolve("sites/example-campus.yaml");
            if (Files.isRegularFile(f)) {
                return f;
            }
        }
        throw new IllegalStateException("sites/example-campus.yaml not found above " + Path.of("").toAbsolutePath());
    }
}
