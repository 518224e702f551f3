package io.headroom.appliance.operator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The alarms raised now, each with a stable id an operator can acknowledge. An alarm's identity is its text with
 * every number taken out ("feed B: meter stale (900 ms old)" and "… (1000 ms old)" are one alarm), so a value that
 * moves neither re-raises it nor loses its acknowledgement; once it clears, its acknowledgement goes with it.
 *
 * <p>Updated by the regulation thread once a tick and by the loops' supervision (each clears only its own);
 * read and acknowledged from any thread.
 */
public final class ActiveAlarms {

    /** An alarm raised now. */
    public record Alarm(String id, String subject, String message, Instant raisedAt, Ack acknowledged) {
    }

    /** Who acknowledged an alarm, when and why. */
    public record Ack(String by, Instant at, String reason) {
    }

    /** What changed at one update. */
    public record Changes(List<Alarm> raised, List<Alarm> cleared) {
        public boolean isEmpty() {
            return raised.isEmpty() && cleared.isEmpty();
        }
    }

    private final Map<String, Alarm> byId = new LinkedHashMap<>();
    /** Per alarm id, who raised it: each source's update clears only its own alarms. */
    private final Map<String, String> sourceOf = new java.util.HashMap<>();

    /** Regulation's alarms of this tick, in the order raised; returns those raised and cleared since its last update. */
    public Changes update(List<String> messages, Instant at) {
        return update(REGULATION, messages, at);
    }

    /** Who raises alarms once a tick: regulation. */
    public static final String REGULATION = "regulation";

    /** Per source, how long a condition must hold before its alarm is raised, and be gone before it clears. */
    private final Map<String, Duration[]> hysteresis = new java.util.HashMap<>();
    /** Per source and alarm id, a condition seen but not raised yet: since when, and its latest text. */
    private final Map<String, Map<String, Instant>> pending = new java.util.HashMap<>();
    /** Per alarm id raised, since when its condition has been gone (not cleared yet). */
    private final Map<String, Instant> goneSince = new java.util.HashMap<>();

    /**
     * From now on, {@code source}'s alarms are raised only once their condition has held for {@code raiseAfter}
     * (continuously, update after update), and cleared only once it has been gone for {@code clearAfter}; a
     * condition that comes and goes faster raises nothing (a start-up transient is not seven alarms). Zero and zero
     * (the default) raise and clear at once. An alarm's {@code raisedAt} is when its condition was first seen.
     */
    public synchronized void hysteresis(String source, Duration raiseAfter, Duration clearAfter) {
        if (raiseAfter.isNegative() || clearAfter.isNegative()) {
            throw new IllegalArgumentException("negative hysteresis: " + raiseAfter + ", " + clearAfter);
        }
        hysteresis.put(source, new Duration[]{raiseAfter, clearAfter});
    }

    /**
     * The alarms {@code source} raises now (regulation each tick, the loops' supervision on its own period): those of
     * the source's earlier update missing from {@code messages} clear (after the source's clear delay), the others'
     * stay; new ones are raised (after its raise delay). An alarm another source raised already is left to it.
     */
    public synchronized Changes update(String source, List<String> messages, Instant at) {
        Duration[] h = hysteresis.getOrDefault(source, NO_HYSTERESIS);
        Map<String, String> now = new LinkedHashMap<>();
        for (String m : messages) {
            now.putIfAbsent(cachedIdOf(m), m);
        }
        List<Alarm> raised = new ArrayList<>();
        List<Alarm> cleared = new ArrayList<>();
        byId.values().removeIf(a -> {
            if (!source.equals(sourceOf.get(a.id()))) {
                return false;
            }
            if (now.containsKey(a.id())) {
                goneSince.remove(a.id());
                return false;
            }
            Instant gone = goneSince.computeIfAbsent(a.id(), k -> at);
            if (Duration.between(gone, at).compareTo(h[1]) >= 0) {
                cleared.add(a);
                sourceOf.remove(a.id());
                goneSince.remove(a.id());
                return true;
            }
            return false;
        });
        Map<String, Instant> seen = pending.computeIfAbsent(source, k -> new java.util.HashMap<>());
        seen.keySet().retainAll(now.keySet());
        for (Map.Entry<String, String> e : now.entrySet()) {
            Alarm old = byId.get(e.getKey());
            if (old == null) {
                Instant since = seen.computeIfAbsent(e.getKey(), k -> at);
                if (Duration.between(since, at).compareTo(h[0]) >= 0) {
                    seen.remove(e.getKey());
                    Alarm a = new Alarm(e.getKey(), subjectOf(e.getValue()), e.getValue(), since, null);
                    byId.put(a.id(), a);
                    sourceOf.put(a.id(), source);
                    raised.add(a);
                }
            } else if (source.equals(sourceOf.get(old.id())) && !old.message().equals(e.getValue())) {
                byId.put(old.id(), new Alarm(old.id(), old.subject(), e.getValue(), old.raisedAt(), old.acknowledged()));
            }
        }
        return new Changes(List.copyOf(raised), List.copyOf(cleared));
    }

    private static final Duration[] NO_HYSTERESIS = {Duration.ZERO, Duration.ZERO};

    /** The alarms raised now, oldest first. */
    public synchronized List<Alarm> list() {
        return List.copyOf(byId.values());
    }

    public synchronized Optional<Alarm> get(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** Acknowledges an alarm raised now; empty if no alarm has that id (it may have cleared). */
    public synchronized Optional<Alarm> acknowledge(String id, Ack ack) {
        Alarm a = byId.get(id);
        if (a == null) {
            return Optional.empty();
        }
        Alarm acked = new Alarm(a.id(), a.subject(), a.message(), a.raisedAt(), ack);
        byId.put(id, acked);
        return Optional.of(acked);
    }

    /** Ids of the texts seen lately: the same alarms come back tick after tick (1,000 of them with 1,000 agents silent). */
    private final Map<String, String> ids = new java.util.HashMap<>();
    /** Past this many texts (numbers that keep moving make new ones) the cache starts again. */
    static final int IDS_CACHED = 4_096;

    /** {@link #idOf}, remembered: a regulation tick with 1,000 alarms hashed 1,000 texts through a regex and SHA-256. */
    private String cachedIdOf(String message) {
        String id = ids.get(message);
        if (id == null) {
            if (ids.size() >= IDS_CACHED) {
                ids.clear();
            }
            id = idOf(message);
            ids.put(message, id);
        }
        return id;
    }

    private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile("[0-9]+(\\.[0-9]+)?");

    /**
     * The id of an alarm text: 12 hex digits of the SHA-256 of its subject ("feed B", "group hall-1", kept whole)
     * and the rest of the text with its numbers replaced by '#'.
     */
    public static String idOf(String message) {
        int colon = message.indexOf(':');
        String key = colon < 0 ? NUMBER.matcher(message).replaceAll("#")
                : message.substring(0, colon) + "|" + NUMBER.matcher(message.substring(colon)).replaceAll("#");
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** "feed B: ..." → "B"; "group hall-1: ..." → "hall-1". */
    public static String subjectOf(String alarm) {
        int colon = alarm.indexOf(':');
        String head = colon < 0 ? alarm : alarm.substring(0, colon);
        int space = head.indexOf(' ');
        return space < 0 ? head : head.substring(space + 1);
    }
}
