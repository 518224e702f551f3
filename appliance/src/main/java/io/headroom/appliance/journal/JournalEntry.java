package io.headroom.appliance.journal;

import java.time.Instant;

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
}
