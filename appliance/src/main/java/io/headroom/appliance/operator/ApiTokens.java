package io.headroom.appliance.operator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The API's bearer tokens: who may read, who may also write. The file (by default {@code DATA/api-tokens}) keeps
 * only SHA-256 digests, one token a line:
 * <pre>
 *   # name      role      digest of the token
 *   alice       operator  sha256:3f0c…
 *   grafana     viewer    sha256:9a1b…
 * </pre>
 * A token is 32 random bytes, hex-encoded, shown once when it is made ({@link #add}). A malformed line fails the
 * load with the file and line named, so a typo never silently locks the operators out or lets anybody in.
 */
public final class ApiTokens {

    /** What a token allows. */
    public enum Role {
        /** Every read: live state, journal, metrics. */
        VIEWER,
        /** Reads and writes: overrides, maintenance, acknowledgements. */
        OPERATOR;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Role parse(String s) {
            for (Role r : values()) {
                if (r.label().equals(s)) {
                    return r;
                }
            }
            throw new IllegalArgumentException("role must be viewer or operator, got '" + s + "'");
        }
    }

    /** An authenticated caller: the token's name (the journal's actor) and role. */
    public record Principal(String name, Role role) {
        public boolean mayWrite() {
            return role == Role.OPERATOR;
        }
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    /** digest hex → principal. */
    private final Map<String, Principal> byDigest;

    private ApiTokens(Map<String, Principal> byDigest) {
        this.byDigest = Map.copyOf(byDigest);
    }

    /** No tokens at all: every write is refused, reads follow the server's setting. */
    public static ApiTokens none() {
        return new ApiTokens(Map.of());
    }

    public int size() {
        return byDigest.size();
    }

    /** Reads a token file; a missing file is no tokens. */
    public static ApiTokens load(Path file) {
        if (!Files.exists(file)) {
            return none();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the API token file " + file + ": " + e.getMessage(), e);
        }
        Map<String, Principal> out = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = file + ":" + (i + 1) + ": ";
            String[] f = line.split("\\s+");
            if (f.length != 3) {
                throw new IllegalArgumentException(where + "expected 'NAME ROLE sha256:HEX', got " + f.length + " field(s)");
            }
            if (!NAME.matcher(f[0]).matches()) {
                throw new IllegalArgumentException(where + "token name '" + f[0]
                        + "' must be 1–64 letters, digits, '.', '_', '@' or '-'");
            }
            Role role;
            try {
                role = Role.parse(f[1]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + e.getMessage(), e);
            }
            if (!DIGEST.matcher(f[2]).matches()) {
                throw new IllegalArgumentException(where + "digest must be sha256: followed by 64 lower-case hex digits");
            }
            if (names.contains(f[0])) {
                throw new IllegalArgumentException(where + "token name '" + f[0] + "' appears twice");
            }
            names.add(f[0]);
            out.put(f[2].substring("sha256:".length()), new Principal(f[0], role));
        }
        return new ApiTokens(out);
    }

    /** Who holds {@code token}, compared by digest in constant time over the table. */
    public Optional<Principal> authenticate(String token) {
        if (token == null || token.isEmpty()) {
            return Optional.empty();
        }
        byte[] d = sha256(token);
        Principal found = null;
        for (Map.Entry<String, Principal> e : byDigest.entrySet()) {
            if (MessageDigest.isEqual(d, HexFormat.of().parseHex(e.getKey()))) {
                found = e.getValue();
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * Makes a new token for {@code name}, appends its digest to {@code file} (created with mode 600) and returns
     * the token itself, which is stored nowhere else.
     */
    public static String add(Path file, String name, Role role) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("token name '" + name + "' must be 1–64 letters, digits, '.', '_', '@' or '-'");
        }
        ApiTokens existing = load(file);
        for (Principal p : existing.byDigest.values()) {
            if (p.name().equals(name)) {
                throw new IllegalArgumentException("a token named '" + name + "' exists already in " + file);
            }
        }
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        String token = HexFormat.of().formatHex(raw);
        String line = String.format(Locale.ROOT, "%-16s %-9s sha256:%s%n", name, role.label(), HexFormat.of().formatHex(sha256(token)));
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            if (!Files.exists(file)) {
                createPrivate(file, "# Headroom API tokens: NAME ROLE sha256:DIGEST (./headroom token add NAME --role ROLE)\n");
            }
            Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the API token file " + file + ": " + e.getMessage(), e);
        }
        return token;
    }

    /** Writes {@code text} to a new file readable by its owner only (where the file system has POSIX modes). */
    public static void createPrivate(Path file, String text) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
