package io.headroom.grid.journal;

import io.headroom.grid.Commitment;
import io.headroom.grid.OptDecision;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What a VEN must not lose, in SQLite (WAL, synchronous=FULL): the events it accepted, its opt decisions, the
 * commitments in force, the baselines it computed, and an outbox of reports in the order they became due.
 * Every write is committed before the VEN acknowledges anything to the VTN; after a crash a new VEN on the same
 * file resumes with the same commitments and sends what the outbox still holds, in order.
 *
 * <p>One connection, serialised by this object's monitor; calls are short and never made from an event loop.
 */
public final class VenJournal implements AutoCloseable {

    /** A report waiting to be sent (or sent, for inspection). {@code attempts > 0} means its fate is unknown. */
    public record OutboxEntry(long seq, String key, String eventId, Instant due, String body, int attempts, boolean sent) {
    }

    private final Connection db;

    public VenJournal(Path file) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS events(event_id TEXT PRIMARY KEY, version TEXT NOT NULL, body TEXT NOT NULL, cancelled INTEGER NOT NULL DEFAULT 0)");
                s.execute("CREATE TABLE IF NOT EXISTS decisions(event_id TEXT NOT NULL, version TEXT NOT NULL, kind TEXT NOT NULL, reason TEXT NOT NULL, decided_ms INTEGER NOT NULL, commitments TEXT NOT NULL, PRIMARY KEY(event_id, version))");
                s.execute("CREATE TABLE IF NOT EXISTS commitments(id TEXT PRIMARY KEY, origin TEXT NOT NULL, body TEXT NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS baselines(event_id TEXT PRIMARY KEY, watts REAL NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS outbox(seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, event_id TEXT NOT NULL, due_ms INTEGER NOT NULL, body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, sent_ms INTEGER)");
            }
            db.setAutoCommit(false);
            db.commit();
        } catch (SQLException | java.io.IOException e) {
            throw new JournalException("cannot open journal " + file + ": " + e.getMessage(), e);
        }
    }

    public static final class JournalException extends RuntimeException {
        public JournalException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @FunctionalInterface
    private interface Tx<T> {
        T run() throws SQLException;
    }

    private synchronized <T> T tx(Tx<T> work) {
        try {
            T t = work.run();
            db.commit();
            return t;
        } catch (SQLException e) {
            try {
                db.rollback();
            } catch (SQLException ignored) {
                // the original failure is what matters
            }
            throw new JournalException("journal: " + e.getMessage(), e);
        }
    }

    public Optional<String> meta(String key) {
        return tx(() -> {
            try (PreparedStatement p = db.prepareStatement("SELECT v FROM meta WHERE k=?")) {
                p.setString(1, key);
                try (ResultSet r = p.executeQuery()) {
                    return r.next() ? Optional.of(r.getString(1)) : Optional.<String>empty();
                }
            }
        });
    }

    public void putMeta(String key, String value) {
        tx(() -> {
            try (PreparedStatement p = db.prepareStatement("INSERT INTO meta(k, v) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET v=excluded.v")) {
                p.setString(1, key);
                p.setString(2, value);
                p.executeUpdate();
            }
            return null;
        });
    }

    /** Every meta entry whose key starts with {@code prefix}, by key. */
    public Map<String, String> metaByPrefix(String prefix) {
        return tx(() -> {
            Map<String, String> out = new LinkedHashMap<>();
            try (PreparedStatement p = db.prepareStatement("SELECT k, v FROM meta WHERE substr(k, 1, ?)=? ORDER BY k")) {
                p.setInt(1, prefix.length());
                p.setString(2, prefix);
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        out.put(r.getString(1), r.getString(2));
                    }
                }
            }
            return out;
        });
    }

    public void deleteMeta(String key) {
        tx(() -> {
            try (PreparedStatement p = db.prepareStatement("DELETE FROM meta WHERE k=?")) {
                p.setString(1, key);
                p.executeUpdate();
            }
            return null;
        });
    }

    /** Sets a meta entry and queues an outbox entry atomically (a state change and the message that announces it). */
    public boolean putMetaAndEnqueue(String metaKey, String metaValue, String key, String eventId, Instant due, String body) {
        return tx(() -> {
            try (PreparedStatement p = db.prepareStatement("INSERT INTO meta(k, v) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET v=excluded.v")) {
                p.setString(1, metaKey);
                p.setString(2, metaValue);
                p.executeUpdate();
            }
            return insertOutbox(key, eventId, due, body);
        });
    }

    /**
     * Journals an event, the decision taken on it and the commitments now in force for it (replacing the previous
     * ones of the same event), plus an optional outbox entry (the opt report), atomically.
     */
    public void recordDecision(String eventBody, OptDecision d, String optReportKey, String optReportBody) {
        tx(() -> {
            try (PreparedStatement p = db.prepareStatement("INSERT INTO events(event_id, version, body, cancelled) VALUES(?, ?, ?, 0) ON CONFLICT(event_id) DO UPDATE SET version=excluded.version, body=excluded.body, cancelled=0")) {
                p.setString(1, d.eventId());
                p.setString(2, d.eventVersion());
                p.setString(3, eventBody);
                p.executeUpdate();
            }
            try (PreparedStatement p = db.prepareStatement("INSERT OR REPLACE INTO decisions(event_id, version, kind, reason, decided_ms, commitments) VALUES(?, ?, ?, ?, ?, ?)")) {
                p.setString(1, d.eventId());
                p.setString(2, d.eventVersion());
                p.setString(3, d.kind().name());
                p.setString(4, d.reason());
                p.setLong(5, d.decidedAt().toEpochMilli());
                p.setString(6, CommitmentCodec.writeAll(d.commitments()));
                p.executeUpdate();
            }
            try (PreparedStatement p = db.prepareStatement("DELETE FROM commitments WHERE origin=?")) {
                p.setString(1, d.eventId());
                p.executeUpdate();
            }
            try (PreparedStatement p = db.prepareStatement("INSERT OR REPLACE INTO commitments(id, origin, body) VALUES(?, ?, ?)")) {
                for (Commitment c : d.commitments()) {
                    p.setString(1, c.id());
                    p.setString(2, d.eventId());
                    p.setString(3, CommitmentCodec.write(c));
                    p.executeUpdate();
                }
            }
            if (optReportKey != null) {
                insertOutbox(optReportKey, d.eventId(), d.decidedAt(), optReportBody);
            }
            return null;
        });
    }

    /** Marks an event cancelled and drops its commitments; false when the event was never journaled. */
    public boolean cancelEvent(String eventId) {
        return tx(() -> {
            int n;
            try (PreparedStatement p = db.prepareStatement("UPDATE events SET cancelled=1 WHERE event_id=? AND cancelled=0")) {
                p.setString(1, eventId);
                n = p.executeUpdate();
            }
            try (PreparedStatement p = db.prepareStatement("DELETE FROM commitments WHERE origin=?")) {
                p.setString(1, eventId);
                p.executeUpdate();
            }
            return n > 0;
        });
    }

    public Optional<OptDecision> decision(String eventId, String version) {
        return tx(() -> {
            try (PreparedStatement p = db.prepareStatement("SELECT kind, reason, decided_ms, commitments FROM decisions WHERE event_id=? AND version=?")) {
                p.setString(1, eventId);
                p.setString(2, version);
                try (ResultSet r = p.executeQuery()) {
                    if (!r.next()) {
                        return Optional.<OptDecision>empty();
                    }
                    return Optional.of(new OptDecision(eventId, version, OptDecision.Kind.valueOf(r.getString(1)), r.getString(2),
                            CommitmentCodec.readAll(r.getString(4)), Instant.ofEpochMilli(r.getLong(3))));
                }
            }
        });
    }

    /** Every decision, oldest first (what the log and the API show). */
    public List<OptDecision> decisions() {
        return tx(() -> {
            List<OptDecision> out = new ArrayList<>();
            try (Statement s = db.createStatement();
                 ResultSet r = s.executeQuery("SELECT event_id, version, kind, reason, decided_ms, commitments FROM decisions ORDER BY decided_ms, event_id")) {
                while (r.next()) {
                    out.add(new OptDecision(r.getString(1), r.getString(2), OptDecision.Kind.valueOf(r.getString(3)), r.getString(4),
                            CommitmentCodec.readAll(r.getString(6)), Instant.ofEpochMilli(r.getLong(5))));
                }
            }
            return out;
        });
    }

    /** The commitments in force (to restore a {@link io.headroom.grid.CommitmentBook} after a restart). */
    public List<Commitment> commitments() {
        return tx(() -> {
            List<Commitment> out = new ArrayList<>();
            try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT body FROM commitments ORDER BY id")) {
                while (r.next()) {
                    out.add(CommitmentCodec.read(r.getString(1)));
                }
            }
            return out;
        });
    }

    /** Accepted, not cancelled events: id → stored body. */
    public Map<String, String> activeEvents() {
        return tx(() -> {
            Map<String, String> out = new LinkedHashMap<>();
            try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT event_id, body FROM events WHERE cancelled=0 ORDER BY event_id")) {
                while (r.next()) {
                    out.put(r.getString(1), r.getString(2));
                }
            }
            return out;
        });
    }

    public OptionalDouble baseline(String eventId) {
        return tx(() -> {
            try (PreparedStatement p = db.prepareStatement("SELECT watts FROM baselines WHERE event_id=?")) {
                p.setString(1, eventId);
                try (ResultSet r = p.executeQuery()) {
                    return r.next() ? OptionalDouble.of(r.getDouble(1)) : OptionalDouble.empty();
                }
            }
        });
    }

    /** Stores a baseline once; returns the one stored (the first wins, so a restart reports the same baseline). */
    public double putBaselineOnce(String eventId, double watts) {
        return tx(() -> {
            try (PreparedStatement p = db.prepareStatement("INSERT OR IGNORE INTO baselines(event_id, watts) VALUES(?, ?)")) {
                p.setString(1, eventId);
                p.setDouble(2, watts);
                p.executeUpdate();
            }
            try (PreparedStatement p = db.prepareStatement("SELECT watts FROM baselines WHERE event_id=?")) {
                p.setString(1, eventId);
                try (ResultSet r = p.executeQuery()) {
                    r.next();
                    return r.getDouble(1);
                }
            }
        });
    }

    public boolean hasReport(String key) {
        return tx(() -> {
            try (PreparedStatement p = db.prepareStatement("SELECT 1 FROM outbox WHERE key=?")) {
                p.setString(1, key);
                try (ResultSet r = p.executeQuery()) {
                    return r.next();
                }
            }
        });
    }

    /** Queues a report; false (and nothing changed) when a report with this key was ever queued. */
    public boolean enqueue(String key, String eventId, Instant due, String body) {
        return tx(() -> insertOutbox(key, eventId, due, body));
    }

    private boolean insertOutbox(String key, String eventId, Instant due, String body) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("INSERT OR IGNORE INTO outbox(key, event_id, due_ms, body) VALUES(?, ?, ?, ?)")) {
            p.setString(1, key);
            p.setString(2, eventId);
            p.setLong(3, due.toEpochMilli());
            p.setString(4, body);
            return p.executeUpdate() > 0;
        }
    }

    /** Reports not yet acknowledged by the VTN, in the order they were queued. */
    public List<OutboxEntry> pending() {
        return outbox("WHERE sent_ms IS NULL");
    }

    public List<OutboxEntry> allReports() {
        return outbox("");
    }

    private List<OutboxEntry> outbox(String where) {
        return tx(() -> {
            List<OutboxEntry> out = new ArrayList<>();
            try (Statement s = db.createStatement();
                 ResultSet r = s.executeQuery("SELECT seq, key, event_id, due_ms, body, attempts, sent_ms FROM outbox " + where + " ORDER BY seq")) {
                while (r.next()) {
                    r.getLong(7);
                    boolean sent = !r.wasNull();
                    out.add(new OutboxEntry(r.getLong(1), r.getString(2), r.getString(3), Instant.ofEpochMilli(r.getLong(4)),
                            r.getString(5), r.getInt(6), sent));
                }
            }
            return out;
        });
    }

    /** Records that a send is about to be tried: from now on its outcome is unknown until {@link #markSent}. */
    public void markAttempt(long seq) {
        tx(() -> {
            try (PreparedStatement p = db.prepareStatement("UPDATE outbox SET attempts=attempts+1 WHERE seq=?")) {
                p.setLong(1, seq);
                p.executeUpdate();
            }
            return null;
        });
    }

    public void markSent(long seq, Instant at) {
        tx(() -> {
            try (PreparedStatement p = db.prepareStatement("UPDATE outbox SET sent_ms=? WHERE seq=?")) {
                p.setLong(1, at.toEpochMilli());
                p.setLong(2, seq);
                p.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new JournalException("journal close: " + e.getMessage(), e);
        }
    }
}
