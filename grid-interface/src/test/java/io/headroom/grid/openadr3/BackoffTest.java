package io.headroom.grid.openadr3;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Exponential backoff with jitter and a cap, Retry-After as a floor: pure arithmetic, seeded randomness. */
class BackoffTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 1_000})
    void waitsDoubleWithinTheirJitterBandUpToTheCapAndStartOverAfterASuccess(long seed) {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5), new SplittableRandom(seed));
        long base = 1000;
        for (int i = 0; i < 15; i++) {
            Duration w = b.failed(null);
            long cap = Math.min(base, 300_000);
            assertThat(w.toMillis()).as("failure %d", i + 1).isBetween(cap / 2, cap);
            base *= 2;
        }
        b.succeeded();
        assertThat(b.failed(null).toMillis()).isBetween(500L, 1000L);
    }

    @Test
    void retryAfterIsAFloorInSecondsOrAsAnHttpDate() {
        Instant now = Instant.parse("2015-10-21T07:26:00Z");
        assertThat(Backoff.retryAfter("120", now)).isEqualTo(Duration.ofSeconds(120));
        assertThat(Backoff.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now)).isEqualTo(Duration.ofMinutes(2));
        assertThat(Backoff.retryAfter("Wednesday, 21-Oct-15 07:28:00 GMT", now)).isEqualTo(Duration.ofMinutes(2));
        assertThat(Backoff.retryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now)).isEqualTo(Duration.ZERO);
        assertThat(Backoff.retryAfter("soon", now)).isNull();
        assertThat(Backoff.retryAfter(null, now)).isNull();
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5), new SplittableRandom(7));
        assertThat(b.failed(Duration.ofSeconds(120))).isEqualTo(Duration.ofSeconds(120));
        assertThat(b.failed(Duration.ofDays(3))).as("a wrong header cannot silence the VEN for days").isEqualTo(Backoff.MAX_RETRY_AFTER);
    }
}
