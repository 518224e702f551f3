package io.headroom.grid.openadr3;

import io.headroom.grid.openadr3.model.Event;
import io.headroom.grid.openadr3.model.ReportDescriptor;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * When the reports an event asks for fall due (User Guide 7.5), as pure arithmetic over the event's intervals.
 *
 * <p>Descriptors with the same timing (startInterval, numIntervals, frequency, repeat, historical, aggregate) are
 * answered together, one report carrying all their payload types. For such a group, with n intervals:
 * <ul>
 *   <li>the reported intervals are [s, s + num): s = startInterval (-1: 0), num = numIntervals (-1: to the end);</li>
 *   <li>they are cut in chunks of {@code frequency} intervals (-1 or 0: one chunk of all); at most {@code repeat}
 *       chunks are reported (-1: all);</li>
 *   <li>each chunk's report is due at the end of its last interval (historical). Forecasts (historical=false) are
 *       not produced: the plan lists them in {@link Plan#unsupported()}.</li>
 * </ul>
 * An interval that never ends (P9999Y) is never reported.
 */
public final class ReportPlanner {

    private ReportPlanner() {
    }

    public record Due(String key, String eventId, int group, int seq, Instant due, List<ResolvedInterval> intervals,
                      List<ReportDescriptor> descriptors, boolean aggregate) {
    }

    public record Plan(List<Due> due, List<String> unsupported) {
    }

    private record Timing(int start, int num, int frequency, int repeat, boolean historical, boolean aggregate) {
    }

    public static String key(String eventId, int group, int seq) {
        return "headroom:" + eventId + ":r" + group + ":" + seq;
    }

    public static Plan plan(Event e, List<ResolvedInterval> intervals) {
        List<Due> due = new ArrayList<>();
        List<String> unsupported = new ArrayList<>();
        if (e.reportDescriptors() == null || e.reportDescriptors().isEmpty()) {
            return new Plan(due, unsupported);
        }
        Map<Timing, List<ReportDescriptor>> groups = new LinkedHashMap<>();
        for (ReportDescriptor d : e.reportDescriptors()) {
            if (d == null || d.payloadType() == null) {
                unsupported.add("a report descriptor without payloadType");
                continue;
            }
            Timing t = new Timing(d.startIntervalOrDefault(), d.numIntervalsOrDefault(), d.frequencyOrDefault(),
                    d.repeatOrDefault(), d.historicalOrDefault(), Objects.requireNonNullElse(d.aggregate(), false));
            groups.computeIfAbsent(t, k -> new ArrayList<>()).add(d);
        }
        int g = 0;
        for (Map.Entry<Timing, List<ReportDescriptor>> en : groups.entrySet()) {
            Timing t = en.getKey();
            int group = g++;
            if (!t.historical()) {
                en.getValue().forEach(d -> unsupported.add(d.payloadType() + " forecast (historical=false)"));
                continue;
            }
            int n = intervals.size();
            int s = t.start() < 0 ? 0 : t.start();
            if (s >= n) {
                en.getValue().forEach(d -> unsupported.add(d.payloadType() + " startInterval " + t.start() + " beyond the event's " + n + " intervals"));
                continue;
            }
            int num = t.num() < 0 ? n - s : Math.min(t.num(), n - s);
            int f = t.frequency() <= 0 ? num : t.frequency();
            int maxChunks = t.repeat() < 0 ? Integer.MAX_VALUE : Math.max(1, t.repeat());
            int seq = 0;
            for (int from = s; from < s + num && seq < maxChunks; from += f) {
                List<ResolvedInterval> chunk = intervals.subList(from, Math.min(from + f, s + num));
                Instant end = chunk.getLast().end();
                if (end.equals(Times.FOREVER)) {
                    break;
                }
                due.add(new Due(key(e.id(), group, seq), e.id(), group, seq, end, List.copyOf(chunk), List.copyOf(en.getValue()),
                        t.aggregate()));
                seq++;
            }
        }
        return new Plan(due, unsupported);
    }
}
