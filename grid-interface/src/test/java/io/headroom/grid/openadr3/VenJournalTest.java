package io.headroom.grid.openadr3;

import io.headroom.grid.Commitment;
import io.headroom.grid.OptDecision;
import io.headroom.grid.journal.VenJournal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class VenJournalTest {

    @TempDir
    Path dir;

    @Test
    void decisionsCommitmentsAndTheOutboxSurviveAReopenInWalMode() throws Exception {
        Path file = dir.resolve("j.db");
        Instant t = Instant.parse("2026-11-22T16:00:00Z");
        var c = new Commitment.ImportLimit("e1/0/IMPORT_CAPACITY_LIMIT", t, t.plusSeconds(60), 400_000, "e1");
        var p = new Commitment.Price("e1/0/PRICE", t, t.plusSeconds(60), 0.2, "USD", "e1");
        try (VenJournal j = new VenJournal(file)) {
            j.recordDecision("{}", new OptDecision("e1", "v1", OptDecision.Kind.OPT_IN, "fine", List.of(c, p), t), "opt", "{\"a\":1}");
            assertThat(j.enqueue("r1", "e1", t.plusSeconds(60), "{\"b\":2}")).isTrue();
            assertThat(j.enqueue("r1", "e1", t.plusSeconds(60), "{\"b\":3}")).isFalse();
            j.markSent(j.pending().getFirst().seq(), t);
        }
        try (VenJournal j = new VenJournal(file)) {
            assertThat(j.commitments()).containsExactlyInAnyOrder(c, p);
            assertThat(j.decision("e1", "v1")).hasValueSatisfying(d -> assertThat(d.reason()).isEqualTo("fine"));
            assertThat(j.pending()).extracting(VenJournal.OutboxEntry::key).containsExactly("r1");
            assertThat(j.cancelEvent("e1")).isTrue();
            assertThat(j.cancelEvent("e1")).isFalse();
            assertThat(j.cancelEvent("unknown")).isFalse();
            assertThat(j.commitments()).isEmpty();
            assertThat(j.putBaselineOnce("e1", 5)).isEqualTo(5);
            assertThat(j.putBaselineOnce("e1", 6)).isEqualTo(5);
        }
        try (var conn = DriverManager.getConnection("jdbc:sqlite:" + file); var s = conn.createStatement();
             var r = s.executeQuery("PRAGMA journal_mode")) {
            r.next();
            assertThat(r.getString(1)).isEqualToIgnoringCase("wal");
        }
    }
}
