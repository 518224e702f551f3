package io.headroom.appliance.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Operator durations: {@code 90s}, {@code 10m}, {@code 1h}, {@code 2h30m}, {@code 1d}, {@code 500ms} — whole
 * numbers, each followed by its unit, largest unit first, each unit at most once.
 */
public final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d+)(ms|d|h|m|s)");
    private static final String[] ORDER = {"d", "h", "m", "s", "ms"};
    static final String HINT = "use whole numbers with d, h, m, s or ms, largest first, e.g. 90s, 10m, 1h, 2h30m";

    private Durations() {
    }

    /** Parses an operator duration; {@link IllegalArgumentException} says what is wrong and how to write one. */
    public static Duration parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        if (t.isEmpty()) {
            throw new IllegalArgumentException("empty duration: " + HINT);
        }
        Matcher m = PART.matcher(t);
        Duration d = Duration.ZERO;
        int at = 0;
        int lastUnit = -1;
        while (at < t.length()) {
            if (!m.find(at) || m.start() != at) {
                String why = t.chars().allMatch(Character::isDigit) ? " (a number needs its unit)" : "";
                throw new IllegalArgumentException("invalid duration '" + text + "'" + why + ": " + HINT);
            }
            int unit = java.util.Arrays.asList(ORDER).indexOf(m.group(2));
            if (unit <= lastUnit) {
                throw new IllegalArgumentException("invalid duration '" + text + "' (units must come largest first, each once): " + HINT);
            }
            lastUnit = unit;
            long n;
            try {
                n = Long.parseLong(m.group(1));
                d = d.plus(switch (m.group(2)) {
                    case "d" -> Duration.ofDays(n);
                    case "h" -> Duration.ofHours(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "s" -> Duration.ofSeconds(n);
                    default -> Duration.ofMillis(n);
                });
            } catch (NumberFormatException | ArithmeticException e) {
                throw new IllegalArgumentException("duration '" + text + "' is too long");
            }
            at = m.end();
        }
        if (d.isZero()) {
            throw new IllegalArgumentException("duration '" + text + "' is zero: it must be longer than that");
        }
        return d;
    }

    /** {@code 5 s}, {@code 300 ms}, {@code 10m}, {@code 2h30m}: for messages. */
    public static String format(Duration d) {
        if (d.toMillis() < 1000 || d.toMillisPart() != 0) {
            return d.toMillis() + " ms";
        }
        long s = d.toSeconds();
        if (s < 60) {
            return s + " s";
        }
        StringBuilder b = new StringBuilder();
        long days = s / 86_400;
        long h = s % 86_400 / 3600;
        long m = s % 3600 / 60;
        long sec = s % 60;
        if (days > 0) {
            b.append(days).append('d');
        }
        if (h > 0) {
            b.append(h).append('h');
        }
        if (m > 0) {
            b.append(m).append('m');
        }
        if (sec > 0) {
            b.append(sec).append('s');
        }
        return b.toString();
    }

    /** picocli converter: a bad duration is a usage error (exit 2) with the reason. */
    public static final class Converter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
