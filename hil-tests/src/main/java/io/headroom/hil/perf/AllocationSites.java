package io.headroom.hil.perf;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The top allocators of a JFR recording's {@code jdk.ObjectAllocationSample} events (each sample weighs the bytes
 * allocated since the thread's previous one), printed as {@code #} lines: by the first Headroom frame on the stack
 * (whose code made the allocation happen, JDK and library frames above it included), by the allocating frame
 * itself, and by thread.
 */
final class AllocationSites {

    private AllocationSites() {
    }

    static void print(Path recording, String variant, PrintWriter out) throws IOException {
        Map<String, Long> byOurs = new HashMap<>();
        Map<String, Long> byTop = new HashMap<>();
        Map<String, Long> byThread = new HashMap<>();
        long total = 0;
        Instant first = null;
        Instant last = null;
        for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
            if (!e.getEventType().getName().equals("jdk.ObjectAllocationSample")) {
                continue;
            }
            long w = e.getLong("weight");
            total += w;
            first = first == null || e.getStartTime().isBefore(first) ? e.getStartTime() : first;
            last = last == null || e.getStartTime().isAfter(last) ? e.getStartTime() : last;
            String cls = e.getClass("objectClass") == null ? "?" : e.getClass("objectClass").getName();
            RecordedStackTrace st = e.getStackTrace();
            List<RecordedFrame> frames = st == null ? List.of() : st.getFrames();
            String top = frames.isEmpty() ? "?" : frame(frames.getFirst());
            String ours = "(no Headroom frame)";
            for (RecordedFrame f : frames) {
                if (f.getMethod() != null && f.getMethod().getType().getName().startsWith("io.headroom.")) {
                    ours = frame(f);
                    break;
                }
            }
            byOurs.merge(ours, w, Long::sum);
            byTop.merge(top + " [" + cls + "]", w, Long::sum);
            RecordedThread t = e.getThread("eventThread");
            byThread.merge(t == null ? "?" : t.getJavaName(), w, Long::sum);
        }
        double seconds = first == null ? 0 : Math.max(1e-3, (last.toEpochMilli() - first.toEpochMilli()) / 1000.0);
        out.printf(Locale.ROOT, "# %s allocation: %.1f MiB sampled in %.0f s (%.2f MiB/s)%n", variant,
                total / 1048576.0, seconds, seconds == 0 ? 0 : total / 1048576.0 / seconds);
        top(out, variant, "by first Headroom frame", byOurs, total, seconds, 20);
        top(out, variant, "by allocating frame [class]", byTop, total, seconds, 15);
        top(out, variant, "by thread", byThread, total, seconds, 12);
        out.flush();
    }

    private static void top(PrintWriter out, String variant, String title, Map<String, Long> m, long total,
                            double seconds, int n) {
        out.printf("# %s allocation %s:%n", variant, title);
        m.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n).forEach(e ->
                out.printf(Locale.ROOT, "#   %5.1f %%  %8.1f KiB/s  %s%n", 100.0 * e.getValue() / Math.max(1, total),
                        seconds == 0 ? 0 : e.getValue() / 1024.0 / seconds, e.getKey()));
    }

    private static String frame(RecordedFrame f) {
        if (f.getMethod() == null) {
            return "?";
        }
        String type = f.getMethod().getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName() + ":" + f.getLineNumber();
    }
}
