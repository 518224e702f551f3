package io.headroom.drivers.gpuprotocol;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * How the agent is doing ({@code GET /health}).
 *
 * <p>Wire: {@code version u8 | type u8 = 0x05 | state u8 | secondsSinceLastCommand i32 |
 * session i64 | lastSequence i64 | count u8 | count × safeCapW f32 | reasonLength u16 |
 * reason (UTF-8)}: {@code 26 + 4·count + reasonLength} bytes; then, from agents that supervise their loops, the
 * {@link Supervision} block ({@value #SUPERVISION_BYTES} bytes). Without it the agent says nothing about its loops.
 *
 * @param state                   where the node's limits come from
 * @param secondsSinceLastCommand whole seconds since the agent last accepted a cap command,
 *                                or {@link #NEVER} (-1) if it never did
 * @param session                 the session of the last accepted command (0 if none)
 * @param lastSequence            the last accepted sequence in that session, or
 *                                {@link #NO_SEQUENCE} (-1) if none
 * @param safeCapsW               the per-GPU safe cap the agent falls back to, W (already
 *                                clamped into each GPU's range)
 * @param lastRejectedReason      why the agent last refused a cap command; empty if never;
 *                                at most {@value #MAX_REASON_BYTES} UTF-8 bytes
 * @param supervision             the agent's loops (its trigger listener, its lease timer), or null when not reported
 */
public record Health(LeaseState state, int secondsSinceLastCommand, long session, long lastSequence,
                     List<Double> safeCapsW, String lastRejectedReason, Supervision supervision) implements Message {

    /** A loop the agent's safety depends on, as its heartbeat says. Wire: u8 code. */
    public enum LoopState {
        /** The agent has no such loop (no trigger socket; a lease timer driven by hand). */
        NONE,
        /** It beat within its stall limit. */
        ALIVE,
        /** It runs but has not beaten for longer than its stall limit (stuck in a handler). */
        STALLED,
        /** Its thread ended. */
        STOPPED;

        public int code() {
            return ordinal();
        }

        /** Nothing wrong: {@link #NONE} or {@link #ALIVE}. */
        public boolean healthy() {
            return this == NONE || this == ALIVE;
        }

        static LoopState fromCode(int code) throws ProtocolException {
            LoopState[] all = values();
            if (code < 0 || code >= all.length) {
                throw new ProtocolException("unknown loop state " + code);
            }
            return all[code];
        }
    }

    /**
     * The supervision block: {@code triggerLoop u8 | triggerHeartbeatAgeMs i32 | triggerFailures i64 | leaseLoop u8 |
     * leaseHeartbeatAgeMs i32}.
     *
     * @param triggerHeartbeatAgeMs ms since the trigger loop last beat, -1 when it has none
     * @param triggerFailures       exceptions the trigger loop caught and carried on after
     * @param leaseHeartbeatAgeMs   ms since the lease timer last ran, -1 when it has none
     */
    public record Supervision(LoopState triggerLoop, int triggerHeartbeatAgeMs, long triggerFailures,
                              LoopState leaseLoop, int leaseHeartbeatAgeMs) {
        public Supervision {
            if (triggerLoop == null || leaseLoop == null) {
                throw new IllegalArgumentException("loop state is null");
            }
            if (triggerHeartbeatAgeMs < -1 || leaseHeartbeatAgeMs < -1) {
                throw new IllegalArgumentException("heartbeat age is negative and not -1 (none)");
            }
            if (triggerFailures < 0) {
                throw new IllegalArgumentException("triggerFailures " + triggerFailures + " is negative");
            }
        }

        /** Every loop alive (or absent): what the agent's systemd watchdog is kicked for. */
        public boolean healthy() {
            return triggerLoop.healthy() && leaseLoop.healthy();
        }

        String toJson() {
            return "{\"triggerLoop\":\"" + triggerLoop.name() + "\",\"triggerHeartbeatAgeMs\":" + triggerHeartbeatAgeMs
                    + ",\"triggerFailures\":" + triggerFailures + ",\"leaseLoop\":\"" + leaseLoop.name()
                    + "\",\"leaseHeartbeatAgeMs\":" + leaseHeartbeatAgeMs + "}";
        }
    }

    /** The size of the {@link Supervision} block. */
    public static final int SUPERVISION_BYTES = 1 + 4 + 8 + 1 + 4;

    /** A health without the supervision block. */
    public Health(LeaseState state, int secondsSinceLastCommand, long session, long lastSequence,
                  List<Double> safeCapsW, String lastRejectedReason) {
        this(state, secondsSinceLastCommand, session, lastSequence, safeCapsW, lastRejectedReason, null);
    }

    /** {@link #secondsSinceLastCommand} when the agent never accepted a command. */
    public static final int NEVER = -1;
    /** {@link #lastSequence} when the agent never accepted a command. */
    public static final long NO_SEQUENCE = -1;
    /** Longest {@link #lastRejectedReason} on the wire, in UTF-8 bytes. */
    public static final int MAX_REASON_BYTES = 512;

    static final int FIXED = Wire.HEADER + 1 + 4 + 8 + 8 + 1 + 2;
    static final int PER_GPU = 4;

    public Health {
        if (state == null) {
            throw new IllegalArgumentException("state is null");
        }
        if (secondsSinceLastCommand < NEVER) {
            throw new IllegalArgumentException("secondsSinceLastCommand " + secondsSinceLastCommand
                    + " is negative and not " + NEVER + " (never)");
        }
        if (lastSequence < NO_SEQUENCE) {
            throw new IllegalArgumentException("lastSequence " + lastSequence
                    + " is negative and not " + NO_SEQUENCE + " (none)");
        }
        safeCapsW = Wire.wattsList("safe cap", safeCapsW);
        if (lastRejectedReason == null) {
            throw new IllegalArgumentException("lastRejectedReason is null (use \"\" for none)");
        }
        int bytes = lastRejectedReason.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_REASON_BYTES) {
            throw new IllegalArgumentException("lastRejectedReason is " + bytes + " UTF-8 bytes, at most "
                    + MAX_REASON_BYTES + " allowed");
        }
    }

    /** {@code reason} cut (at a character boundary) to fit {@link #MAX_REASON_BYTES}. */
    public static String truncateReason(String reason) {
        if (reason.getBytes(StandardCharsets.UTF_8).length <= MAX_REASON_BYTES) {
            return reason;
        }
        // The encoder stops before a character that would not fit whole.
        CharBuffer in = CharBuffer.wrap(reason);
        StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE)
                .encode(in, ByteBuffer.allocate(MAX_REASON_BYTES), true);
        return reason.substring(0, in.position());
    }

    /** The same with another supervision block. */
    public Health withSupervision(Supervision s) {
        return new Health(state, secondsSinceLastCommand, session, lastSequence, safeCapsW, lastRejectedReason, s);
    }

    public boolean everCommanded() {
        return lastSequence != NO_SEQUENCE;
    }

    @Override
    public MessageType type() {
        return MessageType.HEALTH;
    }

    @Override
    public byte[] encode() {
        byte[] reason = lastRejectedReason.getBytes(StandardCharsets.UTF_8);
        Wire.Writer w = new Wire.Writer(type(), FIXED + PER_GPU * safeCapsW.size() + reason.length
                + (supervision == null ? 0 : SUPERVISION_BYTES))
                .u8(state.code()).i32(secondsSinceLastCommand).i64(session).i64(lastSequence)
                .u8(safeCapsW.size());
        for (double c : safeCapsW) {
            w.f32(c);
        }
        w.u16(reason.length).bytes(reason);
        if (supervision != null) {
            w.u8(supervision.triggerLoop().code()).i32(supervision.triggerHeartbeatAgeMs())
                    .i64(supervision.triggerFailures()).u8(supervision.leaseLoop().code())
                    .i32(supervision.leaseHeartbeatAgeMs());
        }
        return w.done();
    }

    public static Health decode(byte[] payload) throws ProtocolException {
        return Wire.strictly(MessageType.HEALTH, () -> {
            Wire.Reader r = Wire.Reader.open(payload, MessageType.HEALTH, FIXED);
            int stateCode = r.u8();
            int since = r.i32();
            long session = r.i64();
            long lastSeq = r.i64();
            int n = r.u8();
            r.expectAtLeast(FIXED + PER_GPU * n, "a count of " + n + " GPUs");
            List<Double> caps = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                caps.add(r.f32());
            }
            int reasonLength = r.u16();
            int base = FIXED + PER_GPU * n + reasonLength;
            boolean supervised = payload.length == base + SUPERVISION_BYTES;
            if (!supervised) {
                r.expectLength(base, "a count of " + n + " GPUs and a " + reasonLength + "-byte reason");
            }
            if (reasonLength > MAX_REASON_BYTES) {
                throw r.invalid("reason length " + reasonLength + " exceeds " + MAX_REASON_BYTES + " bytes");
            }
            String reason = r.utf8(reasonLength, "reason");
            Supervision sup = null;
            if (supervised) {
                try {
                    LoopState trigger = LoopState.fromCode(r.u8());
                    int triggerAge = r.i32();
                    long triggerFailures = r.i64();
                    LoopState lease = LoopState.fromCode(r.u8());
                    sup = new Supervision(trigger, triggerAge, triggerFailures, lease, r.i32());
                } catch (ProtocolException | IllegalArgumentException e) {
                    throw r.invalid("supervision block: " + e.getMessage());
                }
            }
            LeaseState state;
            try {
                state = LeaseState.fromCode(stateCode);
            } catch (ProtocolException e) {
                throw r.invalid(e.getMessage());
            }
            return new Health(state, since, session, lastSeq, caps, reason, sup);
        });
    }

    @Override
    public String toJson() {
        return "{\"version\":" + GpuProtocol.VERSION
                + ",\"type\":\"health\",\"state\":\"" + state.name()
                + "\",\"secondsSinceLastCommand\":" + secondsSinceLastCommand
                + ",\"session\":" + Wire.jsonHex64(session)
                + ",\"lastSequence\":" + lastSequence
                + ",\"gpuCount\":" + safeCapsW.size()
                + ",\"safeCapsW\":" + Wire.jsonWattsArray(safeCapsW)
                + ",\"lastRejectedReason\":" + Wire.jsonString(lastRejectedReason)
                + (supervision == null ? "" : ",\"supervision\":" + supervision.toJson()) + "}";
    }
}
