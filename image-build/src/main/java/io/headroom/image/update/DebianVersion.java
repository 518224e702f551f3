package io.headroom.image.update;

import java.util.regex.Pattern;

/**
 * Debian package versions ({@code [epoch:]upstream[-revision]}) ordered as dpkg orders them, so that "older than
 * what is installed" means what {@code dpkg --compare-versions} says: {@code 0.9.0 < 0.10.0},
 * {@code 1.0~rc1 < 1.0 < 1.0+b1 < 1.0a}, {@code 1:0.1 > 2.0}.
 */
public record DebianVersion(long epoch, String upstream, String revision) implements Comparable<DebianVersion> {

    private static final Pattern UPSTREAM = Pattern.compile("[0-9][A-Za-z0-9.+~:-]*");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9.+~]+");

    /**
     * Parses a version; a malformed one is refused with what is wrong.
     *
     * @throws IllegalArgumentException naming the version and the rule it breaks
     */
    public static DebianVersion parse(String v) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("an empty version");
        }
        String s = v.strip();
        long epoch = 0;
        int colon = s.indexOf(':');
        if (colon >= 0) {
            try {
                epoch = Long.parseLong(s.substring(0, colon));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("version '" + v + "': the epoch before ':' is not a number");
            }
            if (epoch < 0) {
                throw new IllegalArgumentException("version '" + v + "': a negative epoch");
            }
            s = s.substring(colon + 1);
        }
        int dash = s.lastIndexOf('-');
        String upstream = dash < 0 ? s : s.substring(0, dash);
        String revision = dash < 0 ? "" : s.substring(dash + 1);
        if (!UPSTREAM.matcher(upstream).matches()) {
            throw new IllegalArgumentException("version '" + v + "': the upstream part must start with a digit and hold only"
                    + " letters, digits and . + ~ - :");
        }
        if (dash >= 0 && !REVISION.matcher(revision).matches()) {
            throw new IllegalArgumentException("version '" + v + "': the revision after the last '-' must hold only letters,"
                    + " digits and . + ~");
        }
        return new DebianVersion(epoch, upstream, revision);
    }

    @Override
    public int compareTo(DebianVersion o) {
        int c = Long.compare(epoch, o.epoch);
        if (c != 0) {
            return c;
        }
        c = compareParts(upstream, o.upstream);
        return c != 0 ? c : compareParts(revision, o.revision);
    }

    /** dpkg's {@code verrevcmp}: alternating non-digit runs (by {@link #order}) and digit runs (by value). */
    static int compareParts(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() || j < b.length()) {
            int firstDiff = 0;
            while ((i < a.length() && !Character.isDigit(a.charAt(i))) || (j < b.length() && !Character.isDigit(b.charAt(j)))) {
                int ac = i < a.length() ? order(a.charAt(i)) : 0;
                int bc = j < b.length() ? order(b.charAt(j)) : 0;
                if (ac != bc) {
                    return Integer.compare(ac, bc);
                }
                i++;
                j++;
            }
            while (i < a.length() && a.charAt(i) == '0') {
                i++;
            }
            while (j < b.length() && b.charAt(j) == '0') {
                j++;
            }
            while (i < a.length() && Character.isDigit(a.charAt(i)) && j < b.length() && Character.isDigit(b.charAt(j))) {
                if (firstDiff == 0) {
                    firstDiff = a.charAt(i) - b.charAt(j);
                }
                i++;
                j++;
            }
            if (i < a.length() && Character.isDigit(a.charAt(i))) {
                return 1;
            }
            if (j < b.length() && Character.isDigit(b.charAt(j))) {
                return -1;
            }
            if (firstDiff != 0) {
                return Integer.signum(firstDiff);
            }
        }
        return 0;
    }

    /** A character's weight: '~' before the end of a part, letters before every other character. */
    private static int order(char c) {
        if (Character.isDigit(c)) {
            return 0;
        }
        if (Character.isLetter(c)) {
            return c;
        }
        if (c == '~') {
            return -1;
        }
        return c + 256;
    }

    @Override
    public String toString() {
        return (epoch == 0 ? "" : epoch + ":") + upstream + (revision.isEmpty() ? "" : "-" + revision);
    }
}
