package io.headroom.grid.openadr3;

import io.headroom.common.Doubling;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * How long to wait before asking a VTN again after a failure: exponential from {@code first}, doubled at each
 * consecutive failure up to {@code cap}, with "equal jitter" (between half and all of it, so that a fleet of VENs
 * that lost the same VTN does not come back in step), and never earlier than the VTN's {@code Retry-After} (seconds
 * or an HTTP-date; at most {@link #MAX_RETRY_AFTER}, so that a wrong header cannot silence the VEN for days). A
 * success starts over. Pure: the caller passes the instants, the random source is injected.
 */
public final class Backoff {

    /** The longest Retry-After honoured. */
    public static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);

    private final Duration first;
    private final Duration cap;
    private final RandomGenerator random;
    private int failures;

    public Backoff(Duration first, Duration cap, RandomGenerator random) {
        if (first.isNegative() || cap.compareTo(first) < 0) {
            throw new IllegalArgumentException("backoff: first " + first + " must be >= 0 and <= cap " + cap);
        }
        this.first = first;
        this.cap = cap;
        this.random = random;
    }

    public Backoff(Duration first, Duration cap) {
        this(first, cap, new SplittableRandom());
    }

    /** The wait after one more failure; {@code retryAfter} (null: none) is a floor. */
    public Duration failed(Duration retryAfter) {
        long baseNanos = Math.min(first.toNanos(), cap.toNanos());
        for (int i = 0; i < failures && baseNanos < cap.toNanos(); i++) {
            baseNanos = Doubling.next(baseNanos, first.toNanos(), cap.toNanos());
        }
        Duration base = Duration.ofNanos(baseNanos);
        failures++;
        long ms = base.toMillis();
        Duration wait = Duration.ofMillis(ms / 2 + (ms / 2 > 0 ? random.nextLong(ms - ms / 2 + 1) : ms - ms / 2));
        if (retryAfter != null) {
            Duration floor = retryAfter.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : retryAfter;
            if (floor.compareTo(wait) > 0) {
                wait = floor;
            }
        }
        return wait;
    }

    public void succeeded() {
        failures = 0;
    }

    public int failures() {
        return failures;
    }

    /**
     * An HTTP {@code Retry-After} value (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date (IMF-fixdate, also the
     * obsolete RFC 850 and asctime forms are tried as RFC 1123 allows) relative to {@code now}; null when absent or
     * unreadable; never negative.
     */
    public static Duration retryAfter(String header, Instant now) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String h = header.trim();
        if (h.chars().allMatch(Character::isDigit)) {
            try {
                return Duration.ofSeconds(Long.parseLong(h));
            } catch (NumberFormatException | ArithmeticException e) {
                return MAX_RETRY_AFTER;
            }
        }
        for (DateTimeFormatter f : new DateTimeFormatter[] {DateTimeFormatter.RFC_1123_DATE_TIME,
                new java.time.format.DateTimeFormatterBuilder().appendPattern("EEEE, dd-MMM-")
                        .appendValueReduced(java.time.temporal.ChronoField.YEAR, 2, 2, 1970).appendPattern(" HH:mm:ss 'GMT'")
                        .toFormatter(java.util.Locale.US).withZone(java.time.ZoneOffset.UTC),
                DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", java.util.Locale.US).withZone(java.time.ZoneOffset.UTC)}) {
            try {
                Instant at = ZonedDateTime.parse(h, f).toInstant();
                Duration d = Duration.between(now, at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeException e) {
                // next form
            }
        }
        return null;
    }
}
