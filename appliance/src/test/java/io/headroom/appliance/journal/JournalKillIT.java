package io.headroom.appliance.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Kill -9 the writer mid-write, over and over: nothing acknowledged is lost, and the file opens clean. */
class JournalKillIT {

    @Test
    void killedMidWriteInALoopNothingAcknowledgedIsMissing(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("journal.db");
        Random r = new Random(99);
        Set<Integer> acked = new HashSet<>();
        int next = 0;
        for (int round = 0; round < 5; round++) {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), JournalCrashChild.class.getName(), file.toString(),
                    String.valueOf(next)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            // logback may print its own status first (two logback-test.xml on a reactor build's class path)
            String first;
            do {
                first = out.readLine();
            } while (first != null && (first.contains("|-") || first.isBlank()));
            assertThat(first).isEqualTo("open");
            int killAfter = 20 + r.nextInt(80);
            int seen = 0;
            String line;
            while (seen < killAfter && (line = out.readLine()) != null) {
                if (line.contains("|-") || line.isBlank()) {
                    continue;
                }
                String[] w = line.split(" ");
                assertThat(w[0]).isEqualTo("ack");
                int n = Integer.parseInt(w[1]);
                acked.add(n);
                next = Math.max(next, n + 1);
                seen++;
            }
            child.destroyForcibly(); // SIGKILL: whatever was in flight is cut off
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            next += 1000; // never reuse numbers from a write that may have been in flight
        }
        assertThat(acked).hasSizeGreaterThan(100);
        try (Journal j = Journal.open(file, Clock.systemUTC(), 3600, 1_000_000)) {
            assertThat(j.integrityCheck()).isEqualTo("ok");
            List<JournalEntry> all = j.entries(Instant.EPOCH, Instant.now().plusSeconds(60), "command", 1_000_000);
            Set<Integer> stored = new HashSet<>();
            for (JournalEntry e : all) {
                stored.add(Integer.parseInt(e.message().substring(2)));
            }
            assertThat(stored).containsAll(acked);
        }
    }
}
