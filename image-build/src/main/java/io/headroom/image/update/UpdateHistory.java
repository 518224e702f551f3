package io.headroom.image.update;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The update history: one JSON line per install attempt, appended and synced before {@code headroom-update} says
 * anything happened ({@code /var/lib/headroom/update-history.jsonl} by default, on the data partition, beside the
 * appliance's journal). Each line: {@code utc}, {@code outcome} ({@code installed}, {@code forced-downgrade},
 * {@code refused}, {@code dpkg-failed}), {@code bundle}, {@code version}, {@code installed} (the version before),
 * {@code by}, {@code reason}, {@code detail}.
 */
public final class UpdateHistory {

    private UpdateHistory() {
    }

    /** One install attempt. {@code reason} and {@code detail} may be null. */
    public record Line(Instant utc, String outcome, String bundle, String version, String installedBefore, String by,
                       String reason, String detail) {
        String json() {
            return "{\"utc\":" + q(utc.toString()) + ",\"outcome\":" + q(outcome) + ",\"bundle\":" + q(bundle)
                    + ",\"version\":" + q(version) + ",\"installed\":" + q(installedBefore) + ",\"by\":" + q(by)
                    + ",\"reason\":" + q(reason) + ",\"detail\":" + q(detail) + "}\n";
        }
    }

    /** Appends {@code line} and forces it to disk. */
    public static void append(Path file, Line line) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        try (var ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(line.json().getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
    }

    /** Who runs this: the user behind sudo, else the login name, else the JVM's user. */
    public static String whoRuns() {
        for (String v : new String[]{System.getenv("SUDO_USER"), System.getenv("LOGNAME")}) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return System.getProperty("user.name", "unknown");
    }

    static String q(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
