package io.headroom.image.update;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What an update bundle holds, as the signed text {@code manifest}:
 * <pre>
 * headroom-update 1
 * version 0.1.0
 * architecture amd64
 * created 2026-01-01T00:00:00Z
 * file SHA256HEX SIZE packages/headroom-appliance_0.1.0_amd64.deb
 * </pre>
 * File names are restricted to {@code packages/NAME.deb} with a plain Debian file name, so nothing in a bundle
 * can name a path outside the folder it is unpacked into.
 */
public record Manifest(String version, String architecture, Instant created, List<Entry> files) {

    static final String MAGIC = "headroom-update 1";
    static final Pattern NAME = Pattern.compile("packages/[A-Za-z0-9][A-Za-z0-9.+~_-]*\\.deb");
    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9.+~_-]+");

    /** One file: its name in the bundle, SHA-256 and size. */
    public record Entry(String name, String sha256, long size) {
    }

    public Manifest {
        files = List.copyOf(files);
    }

    public byte[] encode() {
        StringBuilder s = new StringBuilder(MAGIC).append('\n')
                .append("version ").append(version).append('\n')
                .append("architecture ").append(architecture).append('\n')
                .append("created ").append(created).append('\n');
        for (Entry e : files) {
            s.append("file ").append(e.sha256()).append(' ').append(e.size()).append(' ').append(e.name()).append('\n');
        }
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses a manifest whose signature has already been checked; every malformed line is an error. */
    static Manifest parse(byte[] bytes) throws BundleException {
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
        if (lines.length < 5 || !lines[0].equals(MAGIC)) {
            throw new BundleException("manifest: not a '" + MAGIC + "' manifest");
        }
        String version = field(lines[1], "version");
        String arch = field(lines[2], "architecture");
        Instant created;
        try {
            created = Instant.parse(field(lines[3], "created"));
        } catch (DateTimeParseException e) {
            throw new BundleException("manifest line 4: 'created' is not an ISO-8601 instant");
        }
        List<Entry> files = new ArrayList<>();
        for (int i = 4; i < lines.length; i++) {
            if (lines[i].isEmpty() && i == lines.length - 1) {
                break;
            }
            String[] f = lines[i].split(" ", -1);
            if (f.length != 4 || !f[0].equals("file") || f[1].length() != 64 || !HexFormat.isHexDigit(f[1].charAt(0))
                    || !NAME.matcher(f[3]).matches()) {
                throw new BundleException("manifest line " + (i + 1) + ": expected 'file SHA256 SIZE packages/NAME.deb', got '"
                        + lines[i] + "'");
            }
            long size;
            try {
                HexFormat.of().parseHex(f[1]);
                size = Long.parseLong(f[2]);
            } catch (IllegalArgumentException e) {
                throw new BundleException("manifest line " + (i + 1) + ": bad hash or size: '" + lines[i] + "'");
            }
            if (size < 0) {
                throw new BundleException("manifest line " + (i + 1) + ": a negative size: '" + lines[i] + "'");
            }
            for (Entry e : files) {
                if (e.name().equals(f[3])) {
                    throw new BundleException("manifest line " + (i + 1) + ": " + f[3] + " is listed twice");
                }
            }
            files.add(new Entry(f[3], f[1], size));
        }
        if (files.isEmpty()) {
            throw new BundleException("manifest: lists no package");
        }
        return new Manifest(version, arch, created, files);
    }

    private static String field(String line, String key) throws BundleException {
        if (!line.startsWith(key + " ") || !WORD.matcher(line.substring(key.length() + 1)).matches()
                && !key.equals("created")) {
            throw new BundleException("manifest: expected '" + key + " VALUE', got '" + line + "'");
        }
        return line.substring(key.length() + 1);
    }
}
