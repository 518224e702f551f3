package io.headroom.hil.perf;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The stop-the-world pauses of a JVM, read from its unified log written with
 * {@code -Xlog:gc*,safepoint:file=F:timenanos,level,tags} ({@link #logOption}): every decorated line starts with
 * {@code [NNNns]}, the value of {@link System#nanoTime()} when it was logged, so that pauses can be matched with
 * the moments another process (the benchmark) recorded.
 *
 * <ul>
 *   <li>a <b>GC pause</b> is what the collector reports as one: the {@code [gc]} line of Serial, Parallel, G1
 *   and Shenandoah ({@code GC(3) Pause Young (Allocation Failure) 18M->4M(61M) 8.874ms}) and the
 *   {@code [gc,phases]} line of ZGC ({@code GC(0) y: Pause Mark Start 0.014ms}); the collector's own time,
 *   without the time it took the threads to reach the safepoint; and ZGC's {@code Allocation Stall (thread)
 *   3.577ms}, a thread that waited for the collector to free memory (one thread stopped, not all);</li>
 *   <li>a <b>safepoint</b> is every {@code [safepoint]} line ({@code Safepoint "G1CollectForAllocation", …,
 *   Reaching safepoint: N ns, At safepoint: N ns, …, Total: N ns}): every operation that stopped all Java
 *   threads (the GC's and the VM's own), its {@code Total} from the request to the threads running again; what a
 *   thread waiting for a feed loss actually loses.</li>
 * </ul>
 * A line whose timestamp is cut off (the log is still being written) is skipped.
 */
public final class JvmPauses {

    /** The {@code -Xlog} option that writes what {@link #read} understands into {@code file}. */
    public static String logOption(Path file) {
        return "-Xlog:gc*,safepoint:file=" + file + ":timenanos,level,tags";
    }

    /**
     * One pause.
     *
     * @param endNanos {@link System#nanoTime()} when it was logged (its end)
     * @param ms       how long it lasted
     * @param what     the collector's pause name or the safepoint operation
     * @param gc       a GC pause (else a safepoint)
     */
    public record Pause(long endNanos, double ms, String what, boolean gc) {
        /** When it began, {@link System#nanoTime()}. */
        public long startNanos() {
            return endNanos - Math.round(ms * 1e6);
        }
    }

    /**
     * What a log holds.
     *
     * @param pauses       the GC pauses and the safepoints, in log order
     * @param heapAfterMib per GC that reports it ({@code 18M->4M(61M)}), the heap in use after it, MiB (old garbage a young GC leaves counts)
     */
    public record Log(List<Pause> pauses, double[] heapAfterMib) {
        public Log {
            pauses = List.copyOf(pauses);
        }

        /** The pauses whose interval overlaps {@code [fromNanos, toNanos]}. */
        public Log between(long fromNanos, long toNanos) {
            return new Log(pauses.stream().filter(p -> p.endNanos() >= fromNanos && p.startNanos() <= toNanos).toList(),
                    heapAfterMib);
        }

        public Stats gcPauses() {
            return Stats.of(pauses.stream().filter(Pause::gc).mapToDouble(Pause::ms).toArray());
        }

        public Stats safepoints() {
            return Stats.of(pauses.stream().filter(p -> !p.gc()).mapToDouble(Pause::ms).toArray());
        }

        /** The longest safepoint, or the longest GC pause where that is longer (a log without safepoint lines). */
        public Pause longest() {
            Pause best = null;
            for (Pause p : pauses) {
                if (best == null || p.ms() > best.ms()) {
                    best = p;
                }
            }
            return best;
        }
    }

    /** Count, p50, p99 and max of some durations, ms (NaN when empty). */
    public record Stats(int count, double p50, double p99, double max, double totalMs) {
        static Stats of(double[] ms) {
            double[] s = ms.clone();
            Arrays.sort(s);
            double total = 0;
            for (double v : s) {
                total += v;
            }
            return new Stats(s.length, FeedlossToCaps.percentile(s, 0.5), FeedlossToCaps.percentile(s, 0.99),
                    s.length == 0 ? Double.NaN : s[s.length - 1], total);
        }
    }

    private static final Pattern LINE = Pattern.compile("^\\[(\\d+)ns]\\[\\w+\\s*]\\[([a-z,]+)\\s*] (.*)$");
    private static final Pattern GC_PAUSE = Pattern.compile("^GC\\(\\d+\\) (?:[YyO]: )?(Pause .*?) (\\d+(?:\\.\\d+)?)ms$");
    private static final Pattern STALL = Pattern.compile("^(Allocation Stall \\(.*\\)) (\\d+(?:\\.\\d+)?)ms$");
    private static final Pattern HEAP = Pattern.compile("(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");
    private static final Pattern SAFEPOINT = Pattern.compile("^Safepoint \"([^\"]+)\".*Total: (\\d+) ns");

    private JvmPauses() {
    }

    public static Log read(Path file) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(r.lines().toList());
        }
    }

    public static Log parse(List<String> lines) {
        List<Pause> pauses = new ArrayList<>();
        List<Double> live = new ArrayList<>();
        for (String line : lines) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            long at = Long.parseLong(m.group(1));
            String tags = m.group(2);
            String msg = m.group(3).strip();
            if (tags.equals("safepoint")) {
                Matcher s = SAFEPOINT.matcher(msg);
                if (s.find()) {
                    pauses.add(new Pause(at, Long.parseLong(s.group(2)) / 1e6, s.group(1), false));
                }
            } else if (tags.equals("gc") || tags.equals("gc,phases")) {
                Matcher g = GC_PAUSE.matcher(msg);
                Matcher stall = STALL.matcher(msg);
                if (stall.matches()) {
                    pauses.add(new Pause(at, Double.parseDouble(stall.group(2)), stall.group(1), true));
                } else if (g.matches()) {
                    String what = g.group(1);
                    Matcher h = HEAP.matcher(what);
                    if (h.find()) {
                        live.add(mib(h.group(3), h.group(4)));
                        what = what.substring(0, h.start()).strip();
                    }
                    pauses.add(new Pause(at, Double.parseDouble(g.group(2)), what, true));
                }
            }
        }
        return new Log(pauses, live.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static double mib(String value, String unit) {
        double v = Double.parseDouble(value);
        return switch (unit) {
            case "K" -> v / 1024;
            case "G" -> v * 1024;
            default -> v;
        };
    }
}
