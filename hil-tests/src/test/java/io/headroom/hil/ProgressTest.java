package io.headroom.hil;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Progress lines on stderr: what was noted with the time so far, ticks while it runs, the total at the end. */
class ProgressTest {

    @Test
    void notesTicksAndTheEndCarryTheElapsedTime() {
        StringWriter err = new StringWriter();
        AtomicLong nanos = new AtomicLong(1_000_000_000L);
        try (Progress p = Progress.manual(new PrintWriter(err), "study", nanos::get)) {
            nanos.addAndGet(3_000_000_000L);
            p.note("128 nodes with Headroom: passed");
            nanos.addAndGet(9_000_000_000L);
            p.tick();
        }
        assertThat(err.toString().lines()).containsExactly("study: [3 s] 128 nodes with Headroom: passed",
                "study: still running, 12 s", "study: done in 12 s");
    }
}
