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
 * reason (UTF-8)}: {@code 26 + 4·count + reasonLength} bytes.
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
 */
public record Health(LeaseState state, int secondsSinceLastCommand, long session, long lastSequence,
                     List<Double> safeCapsW, String lastRejectedReason) implements Message {

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
        Wire.Writer w = new Wire.Writer(type(), FIXED + PER_GPU * safeCapsW.size() + reason.length)
                .u8(state.code()).i32(secondsSinceLastCommand).i64(session).i64(lastSequence)
                .u8(safeCapsW.size());
        for (double c : safeCapsW) {
            w.f32(c);
        }
        return w.u16(reason.length).bytes(reason).done();
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
            r.expectLength(FIXED + PER_GPU * n + reasonLength,
                    "a count of " + n + " GPUs and a " + reasonLength + "-byte reason");
            if (reasonLength > MAX_REASON_BYTES) {
                throw r.invalid("reason length " + reasonLength + " exceeds " + MAX_REASON_BYTES + " bytes");
            }
            String reason = r.utf8(reasonLength, "reason");
            LeaseState state;
            try {
                state = LeaseState.fromCode(stateCode);
            } catch (ProtocolException e) {
                throw r.invalid(e.getMessage());
            }
            return new Health(state, since, session, lastSeq, caps, reason);
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
                + ",\"lastRejectedReason\":" + Wire.jsonString(lastRejectedReason) + "}";
    }
}
