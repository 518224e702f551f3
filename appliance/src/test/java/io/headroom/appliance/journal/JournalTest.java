package io.headroom.appliance.journal;

import io.headroom.testsupport.TestClock;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class JournalTest {

    static final Instant T0 = Instant.parse("2026-11-22T12:00:00Z");

    @Test
    void appendedEntriesAreCommittedBeforeTheirFutureCompletesAndQueryable(@TempDir Path dir) throws Exception {
        try (Journal j = Journal.open(dir.resolve("j.db"), Clock.fixed(T0, ZoneOffset.UTC), 3600, 1000)) {
            long a = j.append(JournalEntry.of(T0, "override", "r1-n1", "alice", "cap 400 W for 10 min: maintenance", "{\"capW\":400}")).get();
            long b = j.append(JournalEntry.of(T0.plusSeconds(1), "alarm.raised", "A", "appliance", "meter stale", null)).get();
            assertThat(b).isGreaterThan(a);
            List<JournalEntry> all = j.entries(T0, T0.plusSeconds(10), null, 100);
            assertThat(all).extracting(JournalEntry::kind).containsExactly("override", "alarm.raised");
            assertThat(all.getFirst().actor()).isEqualTo("alice");
            assertThat(all.getFirst().data()).isEqualTo("{\"capW\":400}");
            assertThat(all.get(1).data()).isEqualTo("{}");
            assertThat(j.entries(T0, T0.plusSeconds(10), "override", 100)).hasSize(1);
            assertThat(j.entries(T0.plusSeconds(1), T0.plusSeconds(10), null, 100)).hasSize(1);
        }
    }

    @Test
    void recordsAndRollupsAreWrittenWithoutWaitingAndSurviveReopening(@TempDir Path dir) {
        Path f = dir.resolve("j.db");
        try (Journal j = Journal.open(f, Clock.fixed(T0, ZoneOffset.UTC), 10_000_000_000L, 1000)) {
            for (int s = 0; s < 100; s++) {
                j.rollup(new FeedSecond(T0.getEpochSecond() + s, "A", 90_000 + s, 130, 128, 150, 10));
                j.record(JournalEntry.of(T0.plusSeconds(s), "decision", "hall-1", "appliance", "feed A binds", null));
            }
        }
        try (Journal j = Journal.open(f, Clock.fixed(T0, ZoneOffset.UTC), 10_000_000_000L, 1000)) {
            List<FeedSecond> a = j.feedSeconds("A", T0.getEpochSecond(), T0.getEpochSecond() + 100);
            assertThat(a).hasSize(100);
            assertThat(a.getLast().avgW()).isEqualTo(90_099);
            assertThat(j.entries(T0, T0.plusSeconds(100), "decision", 1000)).hasSize(100);
            assertThat(j.dropped()).isZero();
        }
    }

    @Test
    void retentionBoundsTheFile(@TempDir Path dir) throws Exception {
        TestClock clock = new TestClock(T0.plusSeconds(7200));
        try (Journal j = Journal.open(dir.resolve("j.db"), clock, 3600, 50)) {
            for (int s = 0; s < 200; s++) {
                j.rollup(new FeedSecond(T0.getEpochSecond() + s * 60, "A", 1, 1, 1, 150, 1)); // over 200 minutes
                j.append(JournalEntry.of(T0, "event", "x", "appliance", "e" + s, null)).get();
            }
            // Retention runs on the writer thread after a batch, at most once a minute.
            clock.advance(java.time.Duration.ofSeconds(61));
            j.append(JournalEntry.of(T0, "event", "x", "appliance", "last", null)).get();
            long cutoff = clock.instant().getEpochSecond() - 3600;
            await().untilAsserted(() -> {
                assertThat(j.feedSeconds("A", 0, Long.MAX_VALUE)).isNotEmpty().allMatch(s -> s.epochSecond() >= cutoff);
                // At most maxEntries, plus whatever arrived since retention last ran (here: possibly "last").
                assertThat(j.entries(Instant.EPOCH, T0.plusSeconds(1), null, 1000)).hasSizeBetween(50, 51)
                        .extracting(JournalEntry::message).doesNotContain("e0", "e149").contains("e199", "last");
            });
        }
    }

    @Test
    void csvQuotesWhatNeedsQuoting() throws Exception {
        StringWriter w = new StringWriter();
        Journal.writeCsv(List.of(new JournalEntry(7, T0, "command", "r1-n1", "bob", "cap 300 W, \"urgent\"", "{\"a\":1,\"b\":2}")), w);
        assertThat(w.toString()).isEqualTo("id,utc,kind,subject,actor,message,data\r\n"
                + "7,2026-11-22T12:00:00Z,command,r1-n1,bob,\"cap 300 W, \"\"urgent\"\"\",\"{\"\"a\"\":1,\"\"b\"\":2}\"\r\n");
    }

    /**
     * OWASP CSV injection: a text cell that starts with =, +, -, @, a tab or a carriage return is read as a formula
     * by spreadsheets. Every text column is neutralised (a leading apostrophe, quoted); the numeric id stays a number.
     */
    @Test
    void csvTextCellsThatASpreadsheetWouldRunAsFormulasAreNeutralised() throws Exception {
        StringWriter w = new StringWriter();
        Journal.writeCsv(List.of(
                new JournalEntry(8, T0, "=cmd|' /C calc'!A0", "+A1", "@SUM(1+1)", "-2+3", "{\"capW\":-5}"),
                new JournalEntry(9, T0, "operator.override", "r1-n1", "\tmallory", "\r=1+1", "=HYPERLINK(\"http://x\",\"y\")"),
                new JournalEntry(10, T0, "decision", "hall-1", "appliance", "cap -25 W per GPU", "{}")), w);
        String[] lines = w.toString().split("\r\n", -1);
        assertThat(lines[1]).isEqualTo("8,2026-11-22T12:00:00Z,\"'=cmd|' /C calc'!A0\",\"'+A1\",\"'@SUM(1+1)\",\"'-2+3\","
                + "\"{\"\"capW\"\":-5}\"");
        assertThat(lines[2]).isEqualTo("9,2026-11-22T12:00:00Z,operator.override,r1-n1,\"'\tmallory\",\"'\r=1+1\","
                + "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
        assertThat(lines[3]).as("text that only contains a minus, and the numeric id, as they are")
                .isEqualTo("10,2026-11-22T12:00:00Z,decision,hall-1,appliance,cap -25 W per GPU,{}");
        // every cell of every row, read back as a spreadsheet would (RFC 4180), starts with no formula character
        for (int k = 1; k <= 3; k++) {
            for (String cell : cells(lines[k])) {
                assertThat(cell).as("row %d", k).doesNotStartWith("=").doesNotStartWith("+").doesNotStartWith("@")
                        .doesNotStartWith("\t").doesNotStartWith("\r");
                if (cell.startsWith("-")) {
                    assertThat(cell).as("a leading minus only on a number").matches("-[0-9.]+");
                }
            }
        }
    }

    /** The cells of one RFC 4180 line. */
    static List<String> cells(String line) {
        List<String> out = new java.util.ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        out.add(cell.toString());
        return out;
    }
}
