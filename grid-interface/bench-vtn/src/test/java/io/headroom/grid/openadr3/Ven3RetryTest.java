package io.headroom.grid.openadr3;

import io.headroom.grid.CommitmentBook;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Polite retries, in virtual time: the VEN's tick is run by hand once per virtual second (as its own loop would) and
 * the bench VTN counts what reaches it. Issue #24: a token endpoint that refused the VEN got 276 requests in 4.5 minutes.
 */
class Ven3RetryTest {

    @TempDir
    Path dir;
    Ven3Fixture f;

    @BeforeEach
    void up() throws Exception {
        f = new Ven3Fixture(dir);
    }

    @AfterEach
    void down() throws Exception {
        f.close();
    }

    /** Ticks once per virtual second for {@code seconds}. */
    private void run(Ven3 ven, int seconds) throws Exception {
        for (int i = 0; i < seconds; i++) {
            f.clock.advance(Duration.ofSeconds(1));
            ven.tickNow();
        }
    }

    @Test
    void aTokenEndpointThatKeepsRefusingIsAskedWithExponentialBackoffNotEverySecond() throws Exception {
        f.program("p");
        f.vtn.refuseTokens(Integer.MAX_VALUE, 503, null);
        try (Ven3 ven = new Ven3(f.config("ven-r").retryBackoff(Duration.ofSeconds(1)).build(), new CommitmentBook(), f.oracle,
                f.telemetry, f.clock, null)) {
            run(ven, 270);
            List<Instant> asked = f.vtn.tokenRequests();
            // waits of 1, 2, 4, ... 256 s, each jittered into its upper half: 9 or 10 requests in 270 s (not 270)
            assertThat(asked.size()).isBetween(9, 10);
            for (int i = 2; i < asked.size(); i++) {
                assertThat(Duration.between(asked.get(i - 1), asked.get(i))).as("gap %d", i)
                        .isGreaterThanOrEqualTo(Duration.between(asked.get(i - 2), asked.get(i - 1)).dividedBy(2).plusMillis(1));
            }
            assertThat(ven.status().venId()).isNull();
        }
    }

    @Test
    void retryAfterIsHonouredAndTheVenRegistersOnceTheVtnAnswers() throws Exception {
        f.program("p");
        f.vtn.refuseTokens(2, 503, "120");
        try (Ven3 ven = new Ven3(f.config("ven-ra").retryBackoff(Duration.ofSeconds(1)).build(), new CommitmentBook(), f.oracle,
                f.telemetry, f.clock, null)) {
            run(ven, 300);
            List<Instant> asked = f.vtn.tokenRequests();
            assertThat(asked).hasSize(3);
            assertThat(Duration.between(asked.get(0), asked.get(1))).isGreaterThanOrEqualTo(Duration.ofSeconds(120));
            assertThat(Duration.between(asked.get(1), asked.get(2))).isGreaterThanOrEqualTo(Duration.ofSeconds(120));
            assertThat(ven.status().venId()).isNotNull();
            assertThat(ven.status().resourceId()).isNotNull();
        }
    }
}
