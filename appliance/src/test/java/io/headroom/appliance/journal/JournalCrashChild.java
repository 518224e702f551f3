package io.headroom.appliance.journal;

import java.nio.file.Path;
import java.time.Clock;

/** Run in a child JVM by {@link JournalKillIT}: appends entries and prints "ack N" once each is committed. */
public final class JournalCrashChild {

    private JournalCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int from = Integer.parseInt(args[1]);
        Journal j = Journal.open(file, Clock.systemUTC(), 3600, 1_000_000);
        System.out.println("open");
        System.out.flush();
        for (int i = from; ; i++) {
            // History the loop records without waiting, interleaved with acknowledged writes.
            j.rollup(new FeedSecond(i, "A", 1000.0 * i, 10, 9, 150, 10));
            long id = j.append(JournalEntry.of(java.time.Instant.now(), "command", "node-" + (i % 7), "test",
                    "n=" + i, "{\"n\":" + i + "}")).get();
            System.out.println("ack " + i + " " + id);
            System.out.flush();
        }
    }
}
