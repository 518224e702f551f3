package io.headroom.appliance.dsp;

import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.journal.JournalEntry;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The site's disturbance recorders, one per streamed feed whose recorder is enabled, and what is journalled of
 * them: a {@code disturbance.recorded} entry per record written, a {@code disturbance.requested} entry per record
 * asked for on demand ({@link #request}). Feeds are added while the appliance is built, before it serves requests.
 */
public final class Disturbances {

    private final Journal journal;
    private final Clock utc;
    private final Path directory;
    private final Set<String> feeds;
    private final Map<String, DisturbanceRecorder> recorders = new HashMap<>();

    /**
     * @param directory where the records go ({@code DATA/disturbances})
     * @param feeds     the site's feed ids (a request for another one is refused as unknown)
     */
    public Disturbances(Journal journal, Clock utc, Path directory, Set<String> feeds) {
        this.journal = journal;
        this.utc = utc;
        this.directory = directory;
        this.feeds = Set.copyOf(feeds);
    }

    /** Feed {@code feedId}'s recorder: its records are journalled from now on. */
    public DisturbanceRecorder add(String feedId, DisturbanceRecorder recorder) {
        recorder.onRecord(w -> journalRecord(feedId, w));
        synchronized (recorders) {
            recorders.put(feedId, recorder);
        }
        return recorder;
    }

    /** Where disturbance records go. */
    public Path directory() {
        return directory;
    }

    /**
     * Asks the feed's disturbance recorder for a record starting its pre-trigger time before the next sample and
     * ending its post-trigger time after it (journalled as {@code disturbance.recorded} once the post-trigger samples
     * are in). Never blocks; the request itself is journalled as {@code disturbance.requested} by {@code actor}.
     *
     * @param reason free text (kept in the journal; its letters, digits, '-' and '_' also in the file name)
     * @return true when queued; false when a capture is already in progress (its record covers this moment)
     * @throws IllegalArgumentException for an unknown feed
     * @throws IllegalStateException    when the feed has no waveform stream, or its recorder is disabled
     */
    public boolean request(String feedId, String reason, String actor) {
        if (!feeds.contains(feedId)) {
            throw new IllegalArgumentException("unknown feed " + feedId);
        }
        DisturbanceRecorder r;
        synchronized (recorders) {
            r = recorders.get(feedId);
        }
        if (r == null) {
            throw new IllegalStateException("feed " + feedId + " has no waveform stream with a disturbance recorder");
        }
        String tag = reason == null || reason.isBlank() ? "" : "-" + reason.strip();
        boolean accepted = r.trigger(Long.MAX_VALUE, feedId + "-ON_DEMAND" + (tag.length() > 41 ? tag.substring(0, 41) : tag));
        journal.record(JournalEntry.of(utc.instant(), "disturbance.requested", feedId, actor == null ? "appliance" : actor,
                "feed " + feedId + ": disturbance record requested" + (accepted ? "" : " (a capture is in progress; it covers now)"),
                new JsonObject().put("reason", reason).put("accepted", accepted).encode()));
        return accepted;
    }

    /** A journal entry per record written (on the recorder's writer thread; the journal does not block). */
    private void journalRecord(String feedId, DisturbanceRecorder.Written w) {
        long t = w.triggerNanos();
        Instant trig = Instant.ofEpochSecond(Math.floorDiv(t, 1_000_000_000L), Math.floorMod(t, 1_000_000_000L));
        double preS = w.preSamples() / w.sampleRateHz();
        double postS = w.postSamples() / w.sampleRateHz();
        journal.record(JournalEntry.of(utc.instant(), "disturbance.recorded", feedId, "appliance",
                String.format(Locale.ROOT, "feed %s: disturbance record %s (%s; %.3f s before, %.3f s after the trigger)",
                        feedId, w.cfg().getFileName(), w.reason(), preS, postS),
                new JsonObject()
                        .put("cfg", w.cfg().getFileName().toString())
                        .put("dat", w.dat().getFileName().toString())
                        .put("directory", w.cfg().getParent().toString())
                        .put("reason", w.reason())
                        .put("trigger", trig.toString())
                        .put("preS", preS)
                        .put("postS", postS)
                        .put("sampleRateHz", w.sampleRateHz())
                        .encode()));
    }
}
