package io.headroom.grid;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommitmentBookTest {

    static final Instant T0 = Instant.parse("2026-11-22T16:00:00Z");

    @Test
    void theLowestActiveLimitBindsAndWindowsAreHalfOpen() {
        CommitmentBook book = new CommitmentBook();
        book.accept(new Commitment.ImportLimit("e1", T0, T0.plusSeconds(3600), 400_000));
        book.accept(new Commitment.ImportLimit("e2", T0.plusSeconds(1800), T0.plusSeconds(2700), 350_000));
        assertThat(book.importLimitAt(T0.minusSeconds(1))).isEmpty();
        assertThat(book.importLimitAt(T0).getAsDouble()).isEqualTo(400_000);
        assertThat(book.importLimitAt(T0.plusSeconds(1800)).getAsDouble()).isEqualTo(350_000);
        assertThat(book.importLimitAt(T0.plusSeconds(2700)).getAsDouble()).isEqualTo(400_000);
        assertThat(book.importLimitAt(T0.plusSeconds(3600))).isEmpty();
    }

    @Test
    void sameIdReplacesAndCancelRemoves() {
        CommitmentBook book = new CommitmentBook();
        book.accept(new Commitment.ImportLimit("e1", T0, T0.plusSeconds(60), 400_000));
        book.accept(new Commitment.ImportLimit("e1", T0, T0.plusSeconds(60), 300_000));
        assertThat(book.all()).hasSize(1);
        assertThat(book.importLimitAt(T0).getAsDouble()).isEqualTo(300_000);
        assertThat(book.cancel("e1")).isTrue();
        assertThat(book.cancel("e1")).isFalse();
        assertThat(book.importLimitAt(T0)).isEmpty();
    }

    @Test
    void badCommitmentsAreRefusedWithTheirId() {
        assertThatThrownBy(() -> new Commitment.ImportLimit("x", T0, T0, 1)).hasMessageContaining("commitment x: end");
        assertThatThrownBy(() -> new Commitment.ImportLimit("y", T0, T0.plusSeconds(1), Double.NaN))
                .hasMessageContaining("commitment y: import limit NaN W");
    }
}
