package io.headroom.grid;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommitmentKindsTest {

    static final Instant T0 = Instant.parse("2026-11-22T16:00:00Z");

    @Test
    void exportLimitsPricesAndLevelsAreReadAtAnInstant() {
        CommitmentBook book = new CommitmentBook();
        book.accept(new Commitment.ExportLimit("x1", T0, T0.plusSeconds(60), 1000, "e"));
        book.accept(new Commitment.ExportLimit("x2", T0, T0.plusSeconds(30), 500, "e"));
        book.accept(new Commitment.Price("p1", T0, T0.plusSeconds(3600), 0.2, "USD", "e"));
        book.accept(new Commitment.Price("p2", T0.plusSeconds(10), T0.plusSeconds(20), 0.9, "USD", "f"));
        book.accept(new Commitment.SimpleLevel("s1", T0, T0.plusSeconds(60), 1, "e"));
        book.accept(new Commitment.SimpleLevel("s2", T0, T0.plusSeconds(60), 3, "f"));
        assertThat(book.exportLimitAt(T0.plusSeconds(1)).getAsDouble()).isEqualTo(500);
        assertThat(book.exportLimitAt(T0.plusSeconds(40)).getAsDouble()).isEqualTo(1000);
        assertThat(book.priceAt(T0.plusSeconds(15)).orElseThrow().perKwh()).isEqualTo(0.9);
        assertThat(book.priceAt(T0.plusSeconds(25)).orElseThrow().perKwh()).isEqualTo(0.2);
        assertThat(book.simpleLevelAt(T0).getAsInt()).isEqualTo(3);
        assertThat(book.importLimitAt(T0)).isEmpty();
    }

    @Test
    void anOriginIsReplacedAndCancelledAsAWhole() {
        CommitmentBook book = new CommitmentBook();
        book.accept(new Commitment.ImportLimit("a/0", T0, T0.plusSeconds(60), 400, "a"));
        book.accept(new Commitment.ImportLimit("a/1", T0.plusSeconds(60), T0.plusSeconds(120), 300, "a"));
        book.accept(new Commitment.ImportLimit("b/0", T0, T0.plusSeconds(60), 350, "b"));
        book.replaceOrigin("a", List.of(new Commitment.ImportLimit("a/0", T0, T0.plusSeconds(60), 450, "a")));
        assertThat(book.all()).extracting(Commitment::id).containsExactlyInAnyOrder("a/0", "b/0");
        assertThat(book.importLimitAt(T0).getAsDouble()).isEqualTo(350);
        assertThat(book.cancelOrigin("b")).isEqualTo(1);
        assertThat(book.importLimitAt(T0).getAsDouble()).isEqualTo(450);
        assertThat(book.cancelOrigin("nobody")).isZero();
    }

    @Test
    void badKindsAreRefused() {
        assertThatThrownBy(() -> new Commitment.SimpleLevel("s", T0, T0.plusSeconds(1), 4, "e")).hasMessageContaining("simple level 4");
        assertThatThrownBy(() -> new Commitment.Price("p", T0, T0.plusSeconds(1), Double.NaN, "USD", "e")).hasMessageContaining("not finite");
        assertThatThrownBy(() -> new Commitment.ExportLimit("x", T0, T0.plusSeconds(1), -1, "e")).hasMessageContaining("export limit -1.0");
    }

    @Test
    void theLowestImportTheSiteCanHoldCountsFlexibilitySupercapsAndTheFloor() {
        var f = new FlexibilityOracle.Flexibility(500_000, 150_000, 300_000, 36_000_000);
        // 36 MJ over one hour = 10 kW
        assertThat(f.lowestImportW(java.time.Duration.ofHours(1))).isEqualTo(340_000);
        var g = new FlexibilityOracle.Flexibility(500_000, 400_000, 300_000, 0);
        assertThat(g.lowestImportW(java.time.Duration.ofHours(1))).isEqualTo(300_000);
    }
}
