package io.headroom.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's site files ({@code sites/}), found from a module's working directory upwards. */
public final class Sites {

    private Sites() {
    }

    /** The repository's {@code sites/} folder. */
    public static Path dir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("sites/example-4feed.yaml"))) {
                return p.resolve("sites");
            }
        }
        throw new IllegalStateException("sites/example-4feed.yaml not found above " + Path.of("").toAbsolutePath());
    }

    /** {@code sites/example-4feed.yaml}: the shipped example hall (4 feeds, 64 nodes). */
    public static Path example4Feed() {
        return dir().resolve("example-4feed.yaml");
    }
}
