package io.headroom.appliance.journal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The appliance's history in an embedded SQLite database (WAL): journal entries (alarms, decisions, commands,
 * overrides, commitments) and per-second rollups of every feed.
 *
 * <p>One writer thread owns the connection for writes. The regulation loop hands it work with
 * {@link #record} and {@link #rollup}, which never block (a full queue drops the item and counts it: history,
 * never an acknowledged write). Both give the entry its id at once (ids only grow, across restarts too; an entry
 * dropped or lost to a failed batch leaves a gap), so the log line of a journaled event can carry the id it has in
 * the journal ({@link JournalLog}). {@link #append} is for writes someone was promised: its future completes only
 * once the entry is committed with {@code synchronous=FULL}, so an acknowledged entry survives a kill -9 or a
 * power loss. Retention bounds the file: rollups older than {@code rollupRetentionS} and entries beyond
 * {@code maxEntries} (oldest first) are deleted. Reads use their own connections (WAL lets them run beside the
 * writer).
 */
public final class Journal implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Journal.class);
    private static final int QUEUE = 65_536;

    private final Path file;
    private final String url;
    private final Clock clock;
    private final long rollupRetentionS;
    private final long maxEntries;
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUE);
    private final Thread writer;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong committed = new AtomicLong();
    /** The last id given out; the writer inserts entries with the id they were given. */
    private final AtomicLong lastId = new AtomicLong();
    private volatile boolean closing;

    /** An append someone waits for: the writer claims it before writing; one not claimed by its deadline is abandoned. */
    private record Durable(JournalEntry entry, CompletableFuture<Long> done, java.util.concurrent.atomic.AtomicInteger state) {
        static final int QUEUED = 0;
        static final int CLAIMED = 1;
        static final int ABANDONED = 2;

        boolean claim() {
            return state.compareAndSet(QUEUED, CLAIMED);
        }
    }

    /** The loop's name for supervision. */
    public static final String LOOP = "journal-writer";
    /** How long an append may wait for the writer to take it before it fails unrecorded. */
    public static final java.time.Duration APPEND_DEADLINE = java.time.Duration.ofSeconds(5);
    private volatile io.headroom.appliance.supervision.Heartbeat heartbeat =
            io.headroom.appliance.supervision.Heartbeat.unwatched(LOOP);
    private final AtomicLong restarts = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile long appendDeadlineNanos = APPEND_DEADLINE.toNanos();

    private Journal(Path file, Clock clock, long rollupRetentionS, long maxEntries) throws SQLException {
        this.file = file;
        this.url = "jdbc:sqlite:" + file.toAbsolutePath();
        this.clock = clock;
        this.rollupRetentionS = rollupRetentionS;
        this.maxEntries = maxEntries;
        Connection c = DriverManager.getConnection(url);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA synchronous=FULL");
            s.execute("PRAGMA busy_timeout=5000");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS entries (
                      id INTEGER PRIMARY KEY AUTOINCREMENT, utc_ms INTEGER NOT NULL, kind TEXT NOT NULL,
                      subject TEXT NOT NULL, actor TEXT NOT NULL, message TEXT NOT NULL, data TEXT NOT NULL)""");
            s.execute("CREATE INDEX IF NOT EXISTS entries_utc ON entries(utc_ms)");
            s.execute("CREATE INDEX IF NOT EXISTS entries_kind ON entries(kind, utc_ms)");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS feed_seconds (
                      epoch_s INTEGER NOT NULL, feed TEXT NOT NULL, avg_w REAL, max_a REAL, avg_a REAL,
                      limit_a REAL, samples INTEGER NOT NULL, PRIMARY KEY (feed, epoch_s)) WITHOUT ROWID""");
            s.execute("CREATE INDEX IF NOT EXISTS feed_seconds_t ON feed_seconds(epoch_s)");
            // AUTOINCREMENT's own high-water mark survives deletions: never give out an id that existed
            try (ResultSet r = s.executeQuery("SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'entries'), 0),"
                    + " COALESCE((SELECT MAX(id) FROM entries), 0))")) {
                lastId.set(r.next() ? r.getLong(1) : 0);
            }
        }
        this.writer = new Thread(() -> writeLoop(c), "journal");
        this.writer.setUncaughtExceptionHandler((t, e) -> log.error("journal writer thread ended", e));
        this.writer.setDaemon(true);
    }

    /**
     * Opens (creating if needed) the journal at {@code file}.
     *
     * @param rollupRetentionS how long per-second feed rollups are kept
     * @param maxEntries       how many journal entries are kept at most
     */
    public static Journal open(Path file, Clock clock, long rollupRetentionS, long maxEntries) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Journal j = new Journal(file, clock, rollupRetentionS, maxEntries);
            j.writer.start();
            return j;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the journal at " + file + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the journal's folder for " + file, e);
        }
    }

    public Path file() {
        return file;
    }

    /** History items dropped because the writer fell behind (never acknowledged writes). */
    public long dropped() {
        return dropped.get();
    }

    /**
     * Records an entry without waiting (regulation, alarms). Dropped and counted if the writer is far behind.
     *
     * @return the id the entry will have in the journal, or 0 when it was dropped
     */
    public long record(JournalEntry e) {
        String bad = invalid(e);
        if (bad != null) {
            rejected.incrementAndGet();
            throw new IllegalArgumentException(bad);
        }
        long id = lastId.incrementAndGet();
        return offer(withId(e, id)) ? id : 0;
    }

    private static JournalEntry withId(JournalEntry e, long id) {
        return new JournalEntry(id, e.utc(), e.kind(), e.subject(), e.actor(), e.message(), e.data());
    }

    /** Records a feed's second without waiting. */
    public void rollup(FeedSecond s) {
        offer(s);
    }

    /**
     * Appends an entry someone will be told is recorded; completes with its id once committed durably. Never waits
     * forever and never blocks the caller: it fails at once when the entry is invalid, the journal is closing or its
     * queue is full, and with "not recorded" when the writer has not taken it within {@link #APPEND_DEADLINE}
     * (hung or restarting: the writer then skips it) or its write failed. Once taken, it completes when its commit
     * does (the writer's own supervision bounds that).
     */
    public CompletableFuture<Long> append(JournalEntry e) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        String bad = invalid(e);
        if (bad != null) {
            rejected.incrementAndGet();
            done.completeExceptionally(new IllegalArgumentException(bad));
            return done;
        }
        if (closing) {
            done.completeExceptionally(new IllegalStateException("the journal is closing; nothing was recorded"));
            return done;
        }
        Durable d = new Durable(withId(e, lastId.incrementAndGet()), done, new java.util.concurrent.atomic.AtomicInteger());
        if (!queue.offer(d)) {
            done.completeExceptionally(new IllegalStateException("the journal is overloaded; nothing was recorded"));
            return done;
        }
        long deadline = appendDeadlineNanos;
        CompletableFuture.delayedExecutor(deadline, TimeUnit.NANOSECONDS).execute(() -> {
            if (d.state().compareAndSet(Durable.QUEUED, Durable.ABANDONED)) {
                done.completeExceptionally(new IllegalStateException("the journal writer did not take the entry within "
                        + deadline / 1_000_000 + " ms (" + (writer.isAlive() ? "hung or restarting" : "stopped")
                        + "); nothing was recorded"));
            }
        });
        return done;
    }

    /** Why an entry cannot be journaled (the field at fault), or null. */
    static String invalid(JournalEntry e) {
        if (e == null) {
            return "journal entry: missing";
        }
        String field = e.utc() == null ? "utc" : e.kind() == null ? "kind" : e.subject() == null ? "subject"
                : e.actor() == null ? "actor" : e.message() == null ? "message" : e.data() == null ? "data" : null;
        return field == null ? null : "journal entry (kind " + e.kind() + ", subject " + e.subject() + "): " + field
                + " is missing; nothing was recorded";
    }

    /** Entries refused as invalid (a bug of the caller's: each was refused with the field named). */
    public long rejected() {
        return rejected.get();
    }

    /** Times the writer restarted on a fresh connection after a failure that left its loop. */
    public long writerRestarts() {
        return restarts.get();
    }

    /**
     * Watched by {@code supervisor} from now on (loop {@value #LOOP}): the writer beats at every pass (at least every
     * 200 ms while idle).
     */
    public void supervisedBy(io.headroom.appliance.supervision.Supervisor supervisor) {
        supervisedBy(supervisor, java.time.Duration.ofSeconds(5));
    }

    /** The same with another heartbeat deadline (the busy timeout of a locked file is 5 s). */
    public void supervisedBy(io.headroom.appliance.supervision.Supervisor supervisor, java.time.Duration deadline) {
        this.heartbeat = supervisor.watch(LOOP, deadline,
                "journal entries wait and operator writes are refused (nothing acknowledged is lost)");
    }

    /** The writer's heartbeat (its drills are armed there). */
    public io.headroom.appliance.supervision.Heartbeat heartbeat() {
        return heartbeat;
    }

    /** How long an append may wait for the writer from now on ({@link #APPEND_DEADLINE} by default). */
    public Journal appendDeadline(java.time.Duration d) {
        this.appendDeadlineNanos = d.toNanos();
        return this;
    }

    private boolean offer(Object o) {
        if (closing || !queue.offer(o)) {
            dropped.incrementAndGet();
            return false;
        }
        return true;
    }

    /**
     * The writer: batches from the queue, each in one transaction. A batch that fails is rolled back and written again
     * item by item, so only the item at fault is lost (its waiter told why). Anything that leaves the loop (the
     * connection broke, an error) fails the batch in hand, closes the connection and starts again on a new one; the
     * items still queued wait for it. The writer beats at every pass, so a hung one is its supervisor's to see.
     */
    private void writeLoop(Connection first) {
        Connection c = first;
        List<Object> batch = new ArrayList<>(1024);
        long backoffMs = 100;
        while (!(closing && queue.isEmpty())) {
            try {
                if (c == null) {
                    c = DriverManager.getConnection(url);
                    try (Statement st = c.createStatement()) {
                        st.execute("PRAGMA synchronous=FULL");
                        st.execute("PRAGMA busy_timeout=5000");
                    }
                    log.warn("journal writer: restarted on a new connection ({} restart(s))", restarts.incrementAndGet());
                }
                writeBatches(c, batch);
                backoffMs = 100;
            } catch (Throwable t) {
                heartbeat.failed(t);
                fail(batch, t);
                batch.clear();
                try {
                    log.error("journal writer: {}; it restarts on a new connection", t.toString(), t);
                } catch (Throwable ignored) {
                    // logging failed too: the restart count says it
                }
                if (c != null) {
                    try {
                        c.close();
                    } catch (Throwable ignored) {
                        // it is being replaced
                    }
                    c = null;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(backoffMs * 1_000_000L);
                backoffMs = io.headroom.common.Doubling.next(backoffMs, 100, 2_000);
            }
        }
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                log.warn("journal: closing: {}", e.getMessage());
            }
        }
        heartbeat.retire();
    }

    /** Fails the waiters of a batch that was in hand when the writer left its loop. */
    private void fail(List<Object> batch, Throwable t) {
        for (Object o : batch) {
            if (o instanceof Durable d) {
                d.done().completeExceptionally(new IllegalStateException("the journal writer failed (" + t
                        + "); nothing was recorded", t));
            } else {
                dropped.incrementAndGet();
            }
        }
    }

    /** Writes batches until closed and drained; returns then, throws when the connection or the writer fails. */
    private void writeBatches(Connection c, List<Object> batch) throws SQLException, InterruptedException {
        long lastRetention = 0;
        try (PreparedStatement entry = c.prepareStatement(
                "INSERT INTO entries(id, utc_ms, kind, subject, actor, message, data) VALUES (?,?,?,?,?,?,?)");
             PreparedStatement second = c.prepareStatement(
                     "INSERT OR REPLACE INTO feed_seconds VALUES (?,?,?,?,?,?,?)")) {
            while (!(closing && queue.isEmpty())) {
                heartbeat.beat();
                Object first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 1023);
                // Appends their waiters gave up on are not written: they were told nothing was recorded.
                batch.removeIf(o -> o instanceof Durable d && !d.claim());
                if (!batch.isEmpty()) {
                    try {
                        write(c, entry, second, batch);
                        committed.addAndGet(batch.size());
                    } catch (SQLException e) {
                        rollback(c);
                        log.error("journal: a batch of {} items failed ({}); writing them one by one", batch.size(),
                                e.getMessage());
                        for (Object o : batch) {
                            try {
                                write(c, entry, second, List.of(o));
                                committed.incrementAndGet();
                            } catch (SQLException one) {
                                rollback(c);
                                log.error("journal: {} not recorded: {}", describe(o), one.getMessage());
                                if (o instanceof Durable d) {
                                    d.done().completeExceptionally(one);
                                } else {
                                    dropped.incrementAndGet();
                                }
                            }
                        }
                    }
                }
                batch.clear();
                long now = clock.millis();
                if (now - lastRetention > 60_000) {
                    lastRetention = now;
                    retain(c, now);
                }
            }
        }
    }

    /** Writes items in one transaction and tells their waiters once it is committed. */
    private static void write(Connection c, PreparedStatement entry, PreparedStatement second, List<Object> items)
            throws SQLException {
        List<Durable> promised = new ArrayList<>();
        c.setAutoCommit(false);
        try {
            for (Object o : items) {
                switch (o) {
                    case JournalEntry e -> insert(entry, e);
                    case Durable d -> {
                        insert(entry, d.entry());
                        promised.add(d);
                    }
                    case FeedSecond f -> {
                        second.setLong(1, f.epochSecond());
                        second.setString(2, f.feedId());
                        second.setDouble(3, f.avgW());
                        second.setDouble(4, f.maxA());
                        second.setDouble(5, f.avgA());
                        second.setDouble(6, f.limitA());
                        second.setInt(7, f.samples());
                        second.executeUpdate();
                    }
                    default -> throw new SQLException("unknown journal item " + o);
                }
            }
            c.commit();
        } finally {
            c.setAutoCommit(true);
        }
        for (Durable d : promised) {
            d.done().complete(d.entry().id());
        }
    }

    private static void rollback(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is in trouble; the next write says so again
        }
    }

    private static String describe(Object o) {
        return switch (o) {
            case JournalEntry e -> "entry " + e.id() + " (" + e.kind() + ")";
            case Durable d -> "entry " + d.entry().id() + " (" + d.entry().kind() + ")";
            case FeedSecond f -> "feed " + f.feedId() + " second " + f.epochSecond();
            default -> String.valueOf(o);
        };
    }

    private static long insert(PreparedStatement st, JournalEntry e) throws SQLException {
        st.setLong(1, e.id());
        st.setLong(2, e.utc().toEpochMilli());
        st.setString(3, e.kind());
        st.setString(4, e.subject());
        st.setString(5, e.actor());
        st.setString(6, e.message());
        st.setString(7, e.data());
        st.executeUpdate();
        return e.id();
    }

    private void retain(Connection c, long nowMs) {
        try (PreparedStatement a = c.prepareStatement("DELETE FROM feed_seconds WHERE epoch_s < ?");
             PreparedStatement b = c.prepareStatement(
                     "DELETE FROM entries WHERE id <= (SELECT MAX(id) FROM entries) - ?")) {
            a.setLong(1, nowMs / 1000 - rollupRetentionS);
            int x = a.executeUpdate();
            b.setLong(1, maxEntries);
            int y = b.executeUpdate();
            if (x + y > 0) {
                log.debug("journal retention: {} rollups and {} entries removed", x, y);
            }
        } catch (SQLException e) {
            log.warn("journal retention failed: {}", e.getMessage());
        }
    }

    /** Entries between two instants (inclusive from, exclusive to), optionally of one kind, newest last. */
    public List<JournalEntry> entries(Instant from, Instant to, String kind, int limit) {
        String sql = "SELECT id, utc_ms, kind, subject, actor, message, data FROM entries WHERE utc_ms >= ? AND utc_ms < ?"
                + (kind == null ? "" : " AND kind = ?") + " ORDER BY id DESC LIMIT ?";
        try (Connection c = DriverManager.getConnection(url); PreparedStatement st = c.prepareStatement(sql)) {
            int k = 1;
            st.setLong(k++, from.toEpochMilli());
            st.setLong(k++, to.toEpochMilli());
            if (kind != null) {
                st.setString(k++, kind);
            }
            st.setInt(k, limit);
            List<JournalEntry> out = new ArrayList<>();
            try (ResultSet r = st.executeQuery()) {
                while (r.next()) {
                    out.add(new JournalEntry(r.getLong(1), Instant.ofEpochMilli(r.getLong(2)), r.getString(3),
                            r.getString(4), r.getString(5), r.getString(6), r.getString(7)));
                }
            }
            return out.reversed();
        } catch (SQLException e) {
            throw new IllegalStateException("journal query failed: " + e.getMessage(), e);
        }
    }

    /** Per-second rollups of one feed (or all when null) between two UTC seconds, oldest first. */
    public List<FeedSecond> feedSeconds(String feed, long fromS, long toS) {
        String sql = "SELECT epoch_s, feed, avg_w, max_a, avg_a, limit_a, samples FROM feed_seconds WHERE epoch_s >= ? AND epoch_s < ?"
                + (feed == null ? "" : " AND feed = ?") + " ORDER BY epoch_s, feed";
        try (Connection c = DriverManager.getConnection(url); PreparedStatement st = c.prepareStatement(sql)) {
            st.setLong(1, fromS);
            st.setLong(2, toS);
            if (feed != null) {
                st.setString(3, feed);
            }
            List<FeedSecond> out = new ArrayList<>();
            try (ResultSet r = st.executeQuery()) {
                while (r.next()) {
                    out.add(new FeedSecond(r.getLong(1), r.getString(2), r.getDouble(3), r.getDouble(4),
                            r.getDouble(5), r.getDouble(6), r.getInt(7)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("journal query failed: " + e.getMessage(), e);
        }
    }

    /**
     * One page of entries, oldest first, and whether the window holds entries older than its first and newer than
     * its last (null ids: an empty page).
     */
    public record EntryPage(List<JournalEntry> entries, boolean moreOlder, boolean moreNewer) {
    }

    /**
     * A page of at most {@code limit} entries in {@code [from, to)} (of one kind, or all when null): with neither
     * cursor the newest; {@code beforeId}: the newest with a smaller id; {@code afterId}: the oldest with a greater
     * id. Oldest first. Only the page is read into memory.
     */
    public EntryPage entriesPage(Instant from, Instant to, String kind, int limit, Long beforeId, Long afterId) {
        return entriesPage(from, to, kind == null ? null : List.of(kind), limit, beforeId, afterId);
    }

    /** {@link #entriesPage(Instant, Instant, String, int, Long, Long)} of any of {@code kinds} (null: every kind; empty: none). */
    public EntryPage entriesPage(Instant from, Instant to, List<String> kinds, int limit, Long beforeId, Long afterId) {
        String where = " FROM entries WHERE utc_ms >= ? AND utc_ms < ?" + kindClause(kinds);
        String sql = "SELECT id, utc_ms, kind, subject, actor, message, data" + where
                + (beforeId != null ? " AND id < ?" : afterId != null ? " AND id > ?" : "")
                + (afterId != null ? " ORDER BY id ASC" : " ORDER BY id DESC") + " LIMIT ?";
        try (Connection c = DriverManager.getConnection(url); PreparedStatement st = c.prepareStatement(sql)) {
            int k = bindWindow(st, from, to, kinds);
            if (beforeId != null) {
                st.setLong(k++, beforeId);
            } else if (afterId != null) {
                st.setLong(k++, afterId);
            }
            st.setInt(k, limit);
            List<JournalEntry> out = new ArrayList<>();
            try (ResultSet r = st.executeQuery()) {
                while (r.next()) {
                    out.add(new JournalEntry(r.getLong(1), Instant.ofEpochMilli(r.getLong(2)), r.getString(3),
                            r.getString(4), r.getString(5), r.getString(6), r.getString(7)));
                }
            }
            if (afterId == null) {
                out = out.reversed();
            }
            if (out.isEmpty()) {
                return new EntryPage(out, false, false);
            }
            return new EntryPage(out, exists(c, where + " AND id < ?", from, to, kinds, out.getFirst().id()),
                    exists(c, where + " AND id > ?", from, to, kinds, out.getLast().id()));
        } catch (SQLException e) {
            throw new IllegalStateException("journal query failed: " + e.getMessage(), e);
        }
    }

    private static String kindClause(List<String> kinds) {
        if (kinds == null) {
            return "";
        }
        return kinds.isEmpty() ? " AND 0" : " AND kind IN (" + String.join(",", java.util.Collections.nCopies(kinds.size(), "?")) + ")";
    }

    private static int bindWindow(PreparedStatement st, Instant from, Instant to, List<String> kinds) throws SQLException {
        int k = 1;
        st.setLong(k++, from.toEpochMilli());
        st.setLong(k++, to.toEpochMilli());
        if (kinds != null) {
            for (String kind : kinds) {
                st.setString(k++, kind);
            }
        }
        return k;
    }

    private static boolean exists(Connection c, String where, Instant from, Instant to, List<String> kinds, long id)
            throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT EXISTS(SELECT 1" + where + ")")) {
            st.setLong(bindWindow(st, from, to, kinds), id);
            try (ResultSet r = st.executeQuery()) {
                return r.next() && r.getInt(1) == 1;
            }
        }
    }

    /** One page of feed rollups and the cursor of the next page (null: this is the last). */
    public record HistoryPage(List<FeedSecond> rows, String next) {
    }

    /**
     * At most {@code limit} rollups of one feed (or all when null) between two UTC seconds, oldest first, each
     * {@code stepS} seconds aggregated into one (buckets aligned to multiples of the step: mean power and current,
     * highest current and limit, summed samples), after {@code after} (a cursor {@code T:FEED} from an earlier page,
     * or null). Only the page is read into memory.
     */
    public HistoryPage feedSecondsPage(String feed, long fromS, long toS, int stepS, int limit, String after) {
        long afterT = Long.MIN_VALUE;
        String afterFeed = "";
        if (after != null) {
            int colon = after.indexOf(':');
            afterT = Long.parseLong(after.substring(0, colon));
            afterFeed = after.substring(colon + 1);
        }
        // one-second steps are the rows as stored: no grouping, so the time index and the LIMIT stop the read early
        String sql = stepS == 1
                ? "SELECT epoch_s, feed, avg_w, max_a, avg_a, limit_a, samples FROM feed_seconds WHERE (? = 1 AND ? = 1)"
                        + " AND epoch_s >= ? AND epoch_s < ?" + (feed == null ? "" : " AND feed = ?")
                        + (after == null ? "" : " AND epoch_s >= ? AND (epoch_s > ? OR (epoch_s = ? AND feed > ?))")
                        + " ORDER BY epoch_s, feed LIMIT ?"
                : "SELECT t, feed, w, mx, a, lim, n FROM (SELECT (epoch_s / ?) * ? AS t, feed, AVG(avg_w) AS w,"
                        + " MAX(max_a) AS mx, AVG(avg_a) AS a, MAX(limit_a) AS lim, SUM(samples) AS n FROM feed_seconds"
                        + " WHERE epoch_s >= ? AND epoch_s < ?" + (feed == null ? "" : " AND feed = ?")
                        + (after == null ? "" : " AND epoch_s >= ?") + " GROUP BY t, feed)"
                        + (after == null ? "" : " WHERE t > ? OR (t = ? AND feed > ?)") + " ORDER BY t, feed LIMIT ?";
        try (Connection c = DriverManager.getConnection(url); PreparedStatement st = c.prepareStatement(sql)) {
            int k = 1;
            st.setLong(k++, stepS);
            st.setLong(k++, stepS);
            st.setLong(k++, fromS);
            st.setLong(k++, toS);
            if (feed != null) {
                st.setString(k++, feed);
            }
            if (after != null) {
                st.setLong(k++, afterT);
                st.setLong(k++, afterT);
                st.setLong(k++, afterT);
                st.setString(k++, afterFeed);
            }
            st.setInt(k, limit + 1);
            List<FeedSecond> out = new ArrayList<>();
            try (ResultSet r = st.executeQuery()) {
                while (r.next()) {
                    out.add(new FeedSecond(r.getLong(1), r.getString(2), r.getDouble(3), r.getDouble(4),
                            r.getDouble(5), r.getDouble(6), (int) Math.min(Integer.MAX_VALUE, r.getLong(7))));
                }
            }
            if (out.size() <= limit) {
                return new HistoryPage(out, null);
            }
            out.removeLast();
            FeedSecond last = out.getLast();
            return new HistoryPage(out, last.epochSecond() + ":" + last.feedId());
        } catch (SQLException e) {
            throw new IllegalStateException("journal query failed: " + e.getMessage(), e);
        }
    }

    /** The CSV export's header line. */
    public static final String CSV_HEADER = "id,utc,kind,subject,actor,message,data\r\n";

    /**
     * Writes entries as CSV (RFC 4180 quoting): id,utc,kind,subject,actor,message,data. {@code id} is a number,
     * {@code utc} an ISO-8601 instant; every other cell is text and goes through {@link #csvText}, so that a
     * spreadsheet opens none of them as a formula.
     */
    public static void writeCsv(Iterable<JournalEntry> entries, Writer out) throws IOException {
        out.write(CSV_HEADER);
        for (JournalEntry e : entries) {
            out.write(csvRow(e));
        }
    }

    /** One entry as a CSV line, CRLF included. */
    public static String csvRow(JournalEntry e) {
        return e.id() + "," + e.utc() + "," + csvText(e.kind()) + "," + csvText(e.subject()) + "," + csvText(e.actor())
                + "," + csvText(e.message()) + "," + csvText(e.data()) + "\r\n";
    }

    /**
     * A text cell. Text that starts with {@code =}, {@code +}, {@code -}, {@code @}, a tab or a carriage return
     * (OWASP's list for CSV injection) would be evaluated by a spreadsheet as a formula (a journal message or an
     * operator's reason is free text that anyone with a token could have written): it gets a leading apostrophe,
     * which spreadsheets show as text and do not display, and is quoted. Numbers are never written through here
     * (the numeric column, {@code id}, is written as a number), so no negative number is turned into text.
     */
    static String csvText(String s) {
        boolean formula = !s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0;
        String v = formula ? "'" + s : s;
        if (!formula && v.indexOf(',') < 0 && v.indexOf('"') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) {
            return v;
        }
        return '"' + v.replace("\"", "\"\"") + '"';
    }

    /** SQLite's own check of the file: "ok" when sound. */
    public String integrityCheck() {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
             ResultSet r = st.executeQuery("PRAGMA integrity_check")) {
            return r.next() ? r.getString(1) : "no answer";
        } catch (SQLException e) {
            return e.getMessage();
        }
    }

    /** Stops accepting, writes what is queued, closes. */
    @Override
    public void close() {
        closing = true;
        heartbeat.retire();
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
