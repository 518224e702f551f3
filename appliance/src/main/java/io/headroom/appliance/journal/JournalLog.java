package io.headroom.appliance.journal;

import org.slf4j.spi.LoggingEventBuilder;

/**
 * The same ids in the logs as in the journal: a journaled event's log line carries the entry's id as the
 * key-value pair {@value #KEY} (text format: {@code journalId=12} after the message; JSON: in {@code kvpList}).
 * <pre>
 *   long id = journal.record(entry);
 *   JournalLog.with(log.atWarn(), id).log("alarm raised: {}", alarm);
 * </pre>
 */
public final class JournalLog {

    public static final String KEY = "journalId";

    private JournalLog() {
    }

    /** {@code b} with the journal id, or as it is when the entry was dropped ({@code id} 0). */
    public static LoggingEventBuilder with(LoggingEventBuilder b, long journalId) {
        return journalId > 0 ? b.addKeyValue(KEY, journalId) : b;
    }
}
