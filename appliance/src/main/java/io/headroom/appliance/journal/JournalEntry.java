package io.headroom.appliance.journal;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One thing that happened, as the journal keeps it.
 *
 * @param id      assigned by the journal on commit (0 before)
 * @param kind    what sort of thing: {@code alarm.raised}, {@code alarm.cleared}, {@code decision}, {@code command},
 *                {@code override}, {@code commitment}, {@code event}
 * @param subject what it is about: a feed, group, node or commitment id
 * @param actor   who caused it: {@code appliance} or the authenticated API user
 * @param message in words
 * @param data    details as a JSON object text ({@code {}} if none)
 */
public record JournalEntry(long id, Instant utc, String kind, String subject, String actor, String message,
                           String data) {

    public static JournalEntry of(Instant utc, String kind, String subject, String actor, String message, String data) {
        return new JournalEntry(0, utc, kind, subject, actor, message, data == null ? "{}" : data);
    }

    /** Severities, least first: {@code info}, {@code warning}, {@code critical}. */
    public static final List<String> SEVERITIES = List.of("info", "warning", "critical");

    /** The kinds above {@code info}, with their severity; every other kind is {@code info}. */
    private static final Map<String, String> SEVERITY_OF_KIND = Map.of(
            "protection", "critical",
            "alarm.raised", "warning",
            "waveform", "warning");

    /** This entry's severity ({@link #severityOf}). */
    public String severity() {
        return severityOf(kind);
    }

    /**
     * The severity of a kind: {@code critical} a contingency fired ({@code protection}), {@code warning} an alarm
     * raised or another waveform event (a sag, a swell), {@code info} everything else (decisions, alarms cleared,
     * operator actions, the appliance starting).
     */
    public static String severityOf(String kind) {
        return SEVERITY_OF_KIND.getOrDefault(kind, "info");
    }

    /**
     * The kinds of at least {@code severity} among {@code kinds} (null: every kind), as a filter: null means every
     * kind, an empty list none.
     *
     * @throws IllegalArgumentException for a severity not in {@link #SEVERITIES}
     */
    public static List<String> kindsAtLeast(String severity, List<String> kinds) {
        int min = SEVERITIES.indexOf(severity);
        if (min < 0) {
            throw new IllegalArgumentException("severity must be one of " + String.join(", ", SEVERITIES) + ", got "
                    + severity);
        }
        if (min == 0) {
            return kinds;
        }
        List<String> pool = kinds != null ? kinds : SEVERITY_OF_KIND.keySet().stream().sorted().toList();
        return pool.stream().filter(k -> SEVERITIES.indexOf(severityOf(k)) >= min).toList();
    }
}
