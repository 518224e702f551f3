package io.headroom.appliance.journal;

import io.headroom.appliance.supervision.Drill;
import io.headroom.appliance.supervision.Supervisor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The journal's writer under faults: bad input, a writer that fails, a writer that hangs. */
class JournalWriterFaultsTest {

    static final Instant T0 = Instant.parse("2026-11-22T12:00:00Z");
    static final Duration WAIT = Duration.ofSeconds(20);

    static JournalEntry entry(String message) {
        return JournalEntry.of(Instant.now(), "operator.override", "r1-n1", "alice", message, null);
    }

    @Test
    void anEntryMissingAFieldIsRefusedNamingItAndTheWriterGoesOn(@TempDir Path dir) throws Exception {
        try (Journal j = Journal.open(dir.resolve("j.db"), Clock.systemUTC(), 3600, 1000)) {
            // Once, an entry without a time reached the writer and its NullPointerException ended the writer's
            // thread: every later append waited for ever.
            assertThatThrownBy(() -> j.record(new JournalEntry(0, null, "alarm.raised", "A", "appliance", "x", "{}")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("utc is missing");
            CompletableFuture<Long> noKind = j.append(new JournalEntry(0, Instant.now(), null, "A", "bob", "x", "{}"));
            assertThatThrownBy(noKind::join).hasCauseInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("kind is missing");
            long id = j.append(entry("after the bad ones")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(j.entries(Instant.EPOCH, Instant.now().plusSeconds(1), null, 10)).extracting(JournalEntry::id)
                    .containsExactly(id);
            assertThat(j.rejected()).isEqualTo(2);
        }
    }

    @Test
    void aWriterThatFailsFailsOnlyTheBatchInHandRestartsAndWritesWhatWasQueued(@TempDir Path dir) throws Exception {
        try (Journal j = Journal.open(dir.resolve("j.db"), Clock.systemUTC(), 3600, 1000)) {
            long first = j.append(entry("before")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            j.heartbeat().drill(new Drill.Fail("the connection broke"));
            await().atMost(WAIT).until(() -> j.writerRestarts() == 1);
            long after = j.append(entry("after the restart")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            for (int k = 0; k < 50; k++) {
                j.record(JournalEntry.of(Instant.now(), "decision", "hall-1", "appliance", "binds " + k, null));
            }
            long last = j.append(entry("last")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(j.entries(Instant.EPOCH, Instant.now().plusSeconds(1), null, 100)).extracting(JournalEntry::id)
                    .contains(first, after, last).hasSize(53);
            assertThat(j.dropped()).isZero();
        }
    }

    @Test
    void aHungWriterFailsWaitingAppendsAtTheirDeadlineUnrecordedAndIsStalledForItsSupervisor(@TempDir Path dir)
            throws Exception {
        Supervisor supervisor = new Supervisor(System::nanoTime);
        try (Journal j = Journal.open(dir.resolve("j.db"), Clock.systemUTC(), 3600, 1000)
                .appendDeadline(Duration.ofMillis(300))) {
            j.supervisedBy(supervisor, Duration.ofMillis(600));
            Drill.Hang hang = new Drill.Hang(Duration.ofMinutes(5));
            j.heartbeat().drill(hang);
            await().atMost(WAIT).until(() -> supervisor.check().of(Journal.LOOP).state() == Supervisor.State.STALLED);
            CompletableFuture<Long> waiting = j.append(entry("while hung"));
            assertThatThrownBy(() -> waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("did not take the entry within 300 ms (hung or restarting); nothing was recorded");
            assertThat(supervisor.check().reasons()).singleElement().asString().startsWith("loop journal-writer: stalled")
                    .contains("operator writes are refused");
            hang.release();
            long id = j.append(entry("after")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> supervisor.check().healthy());
            assertThat(j.entries(Instant.EPOCH, Instant.now().plusSeconds(1), null, 10))
                    .as("what its waiter was told is not recorded is not recorded").extracting(JournalEntry::message)
                    .containsExactly("after");
            assertThat(id).isPositive();
        }
    }
}
