package io.headroom.grid.openadr2b;

import io.headroom.grid.CommitmentBook;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Polite retries of the 2.0b VEN, in virtual time (its tick run by hand once per virtual second); the bench counts. */
class Ven2bRetryIT {

    @TempDir
    Path dir;

    @Test
    void aVtnThatRefusesRegistrationIsAskedWithBackoffAndItsRetryAfterIsHonoured() throws Exception {
        try (Ven2bFixture f = new Ven2bFixture(dir)) {
            f.vtn.refuseRequests(Integer.MAX_VALUE, 503, null);
            Ven2b ven = new Ven2b(f.config("ven-r").retryBackoff(Duration.ofSeconds(1)).build(), new CommitmentBook(), f.oracle, f.telemetry, f.clock);
            f.vens.add(ven);
            for (int i = 0; i < 270; i++) {
                f.clock.advance(Duration.ofSeconds(1));
                ven.tickNow();
            }
            assertThat(f.vtn.requestTimes().size()).as("requests in 270 virtual seconds (one a second before)").isBetween(9, 10);
            assertThat(ven.status().registered()).isFalse();

            // the VTN says when to come back; the VEN does not come earlier, then registers
            f.vtn.refuseRequests(1, 503, "600");
            f.clock.advance(Duration.ofMinutes(10));
            ven.tickNow();
            int before = f.vtn.requestTimes().size();
            Instant refusedAt = f.vtn.requestTimes().getLast();
            for (int i = 0; i < 700; i++) {
                f.clock.advance(Duration.ofSeconds(1));
                ven.tickNow();
                if (ven.status().registered()) {
                    break;
                }
            }
            List<Instant> after = f.vtn.requestTimes().subList(before, f.vtn.requestTimes().size());
            assertThat(after).isNotEmpty();
            assertThat(Duration.between(refusedAt, after.getFirst())).isGreaterThanOrEqualTo(Duration.ofSeconds(600));
            assertThat(ven.status().registered()).isTrue();
        }
    }
}
