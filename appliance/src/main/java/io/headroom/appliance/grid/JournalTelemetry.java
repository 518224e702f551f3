package io.headroom.appliance.grid;

import io.headroom.appliance.journal.FeedSecond;
import io.headroom.appliance.journal.Journal;
import io.headroom.grid.SiteTelemetry;

import java.time.Instant;
import java.util.OptionalDouble;

/**
 * Energy imported at the utility point, from the journal's per-second feed rollups. A window less than half
 * covered by rollups has no answer (the VEN then reports nothing rather than a guess); gaps within a covered
 * window are filled at the window's mean.
 */
public final class JournalTelemetry implements SiteTelemetry {

    private final Journal journal;

    public JournalTelemetry(Journal journal) {
        this.journal = journal;
    }

    @Override
    public OptionalDouble energyWh(Instant from, Instant to) {
        long a = from.getEpochSecond();
        long b = to.getEpochSecond();
        if (b <= a) {
            return OptionalDouble.empty();
        }
        double sumW = 0;
        java.util.Set<Long> seconds = new java.util.HashSet<>();
        for (FeedSecond s : journal.feedSeconds(null, a, b)) {
            sumW += s.avgW();
            seconds.add(s.epochSecond());
        }
        long span = b - a;
        if (seconds.size() * 2 < span) {
            return OptionalDouble.empty();
        }
        double meanW = sumW / seconds.size();
        return OptionalDouble.of(meanW * span / 3600.0);
    }
}
