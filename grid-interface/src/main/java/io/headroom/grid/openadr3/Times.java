package io.headroom.grid.openadr3;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * OpenADR 3 times, read tolerantly and written strictly (RFC 3339 in UTC, {@code 2026-11-22T16:00:00Z}).
 *
 * <ul>
 *   <li>date-times with any offset or {@code Z}; a date-time without offset is taken as UTC; a bare date as
 *       its midnight UTC; {@code 0001-01-01} / {@code 0000-01-01} (with or without a time) mean "now";</li>
 *   <li>durations: ISO 8601 with years, months, weeks, days and a time part (fractional seconds allowed);
 *       calendar parts are added in UTC; {@code P9999Y} means "until further notice" ({@link #FOREVER}).</li>
 * </ul>
 */
public final class Times {

    /** The end of "P9999Y": far enough to be never, near enough to do arithmetic on. */
    public static final Instant FOREVER = Instant.parse("9999-01-01T00:00:00Z");

    private Times() {
    }

    public static String format(Instant t) {
        return t.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    /** Whether the date-time is the spec's "now" marker. */
    public static boolean isNow(String s) {
        String t = s.trim();
        return t.startsWith("0001-01-01") || t.startsWith("0000-01-01");
    }

    public static Instant parseDateTime(String s, Instant now) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("empty date-time");
        }
        String t = s.trim();
        if (isNow(t)) {
            return now;
        }
        try {
            return OffsetDateTime.parse(t.replace(' ', 'T')).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(t.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                try {
                    return LocalDate.parse(t).atStartOfDay().toInstant(ZoneOffset.UTC);
                } catch (DateTimeParseException e3) {
                    throw new IllegalArgumentException("not an RFC 3339 date-time: '" + s + "'");
                }
            }
        }
    }

    /** The instant {@code duration} after {@code start}; {@link #FOREVER} for P9999Y or anything beyond it. */
    public static Instant plus(Instant start, String duration) {
        if (duration == null || duration.isBlank()) {
            throw new IllegalArgumentException("empty duration");
        }
        String d = duration.trim().toUpperCase(java.util.Locale.ROOT);
        boolean negative = d.startsWith("-");
        if (negative) {
            d = d.substring(1);
        }
        if (!d.startsWith("P") || d.length() < 3 && !d.equals("P0D")) {
            throw new IllegalArgumentException("not an ISO 8601 duration: '" + duration + "'");
        }
        int tIdx = d.indexOf('T');
        String datePart = tIdx < 0 ? d : d.substring(0, tIdx);
        String timePart = tIdx < 0 ? "" : d.substring(tIdx);
        try {
            Period p = datePart.equals("P") ? Period.ZERO : Period.parse(datePart);
            if (p.getYears() >= 9999 && !negative) {
                return FOREVER;
            }
            Duration t = timePart.isEmpty() ? Duration.ZERO : Duration.parse("P" + timePart);
            if (negative) {
                p = p.negated();
                t = t.negated();
            }
            Instant end = start.atOffset(ZoneOffset.UTC).plus(p).toInstant().plus(t);
            return end.isAfter(FOREVER) ? FOREVER : end;
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException("not an ISO 8601 duration: '" + duration + "'");
        }
    }

    /** ISO 8601 duration as written: {@code PT15M}, {@code PT1H}, {@code PT0.5S}. */
    public static String formatDuration(Duration d) {
        return d.toString();
    }
}
