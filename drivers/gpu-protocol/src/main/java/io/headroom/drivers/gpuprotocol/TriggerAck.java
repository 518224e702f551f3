package io.headroom.drivers.gpuprotocol;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The agent's answer to an authentic {@link Trigger} (a datagram back to the sender, or the
 * 2.04 payload of {@code POST /trigger}).
 *
 * <p>Wire: {@code version u8 | type u8 = 0x09 | agentId i32 | epoch i64 | contingencyId u16 |
 * status u8 | agentTimeMs i64 | totalPowerW f32 | mac 16 bytes}: 45 bytes; {@code mac} as for the
 * trigger, over bytes 0..28.
 *
 * @param agentTimeMs for APPLIED and ALREADY_APPLIED: when the caps were applied (agent clock,
 *                    as in {@link PowerReport}); otherwise the time of the answer
 * @param totalPowerW total GPU draw when answering, W
 */
public record TriggerAck(int agentId, long epoch, int contingencyId, Status status, long agentTimeMs,
                         double totalPowerW, byte[] mac) implements Message {

    public static final int SIZE = 45;
    public static final int MAC_OFFSET = 29;
    static final int OFF_AGENT = 2;
    static final int OFF_EPOCH = 6;
    static final int OFF_ID = 14;
    static final int OFF_STATUS = 16;
    static final int OFF_TIME = 17;
    static final int OFF_POWER = 25;

    /** What the agent did with the trigger. */
    public enum Status {
        /** The contingency's caps are now applied. */
        APPLIED(0),
        /** A repeat: applied earlier in this epoch (agentTimeMs says when); nothing changed now. */
        ALREADY_APPLIED(1),
        /** The trigger's epoch is not the armed one (stale, or the agent was re-armed); nothing changed. */
        EPOCH_MISMATCH(2),
        /** No such contingency in the armed table; nothing changed. */
        NOT_ARMED(3),
        /** The backend failed; the limits in force before were restored. */
        FAILED(4);

        private final int code;

        Status(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        /** Whether the caps of the contingency are in force after this answer. */
        public boolean inForce() {
            return this == APPLIED || this == ALREADY_APPLIED;
        }

        private static final Status[] BY_CODE = values();

        /** The status with wire code {@code code}, or null. */
        public static Status fromCode(int code) {
            return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        }
    }

    public TriggerAck {
        if (agentId < 0) {
            throw new IllegalArgumentException("agentId is negative (" + agentId + ")");
        }
        Wire.epoch(epoch);
        Wire.u16("contingency id", contingencyId);
        if (status == null) {
            throw new IllegalArgumentException("status is null");
        }
        if (agentTimeMs < 0) {
            throw new IllegalArgumentException("agentTimeMs is negative (" + agentTimeMs + ")");
        }
        totalPowerW = Wire.watts("totalPowerW", totalPowerW);
        mac = Wire.mac(mac);
    }

    /** The 45 datagram bytes, authenticated with {@code key}. */
    public static byte[] encodeSigned(int agentId, long epoch, int contingencyId, Status status, long agentTimeMs,
                                      double totalPowerW, TriggerKey key, TriggerKey.Scratch scratch) {
        byte[] b = new Wire.Writer(MessageType.TRIGGER_ACK, SIZE).i32(agentId).i64(epoch).u16(contingencyId)
                .u8(status.code()).i64(agentTimeMs).f32(Wire.watts("totalPowerW", totalPowerW))
                .bytes(new byte[TriggerKey.MAC_LENGTH]).done();
        key.mac(scratch, b, 0, MAC_OFFSET, b, MAC_OFFSET);
        return b;
    }

    /** Whether the MAC is right for {@code key}. */
    public boolean authentic(TriggerKey key) {
        return key.verify(new TriggerKey.Scratch(), encode(), MAC_OFFSET);
    }

    @Override
    public byte[] mac() {
        return mac.clone();
    }

    @Override
    public MessageType type() {
        return MessageType.TRIGGER_ACK;
    }

    @Override
    public byte[] encode() {
        return new Wire.Writer(type(), SIZE).i32(agentId).i64(epoch).u16(contingencyId).u8(status.code())
                .i64(agentTimeMs).f32(totalPowerW).bytes(mac).done();
    }

    public static TriggerAck decode(byte[] payload) throws ProtocolException {
        return Wire.strictly(MessageType.TRIGGER_ACK, () -> {
            Wire.Reader r = Wire.Reader.open(payload, MessageType.TRIGGER_ACK, SIZE);
            r.expectLength(SIZE, "a trigger ack");
            int agentId = r.i32();
            long epoch = r.i64();
            int id = r.u16();
            int code = r.u8();
            Status status = Status.fromCode(code);
            if (status == null) {
                throw r.invalid("unknown trigger status " + code);
            }
            return new TriggerAck(agentId, epoch, id, status, r.i64(), r.f32(), r.bytes(TriggerKey.MAC_LENGTH));
        });
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TriggerAck t && t.agentId == agentId && t.epoch == epoch
                && t.contingencyId == contingencyId && t.status == status && t.agentTimeMs == agentTimeMs
                && Double.compare(t.totalPowerW, totalPowerW) == 0 && Arrays.equals(t.mac, mac);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(epoch) * 31 + agentId * 17 + contingencyId + status.hashCode();
    }

    @Override
    public String toString() {
        return "TriggerAck[agentId=" + agentId + ", epoch=" + epoch + ", contingencyId=" + contingencyId
                + ", status=" + status + ", agentTimeMs=" + agentTimeMs + ", totalPowerW=" + totalPowerW + "]";
    }

    @Override
    public String toJson() {
        return "{\"version\":" + GpuProtocol.VERSION + ",\"type\":\"triggerAck\",\"agentId\":" + agentId
                + ",\"epoch\":" + epoch + ",\"contingencyId\":" + contingencyId + ",\"status\":\""
                + status.name() + "\",\"agentTimeMs\":" + agentTimeMs + ",\"totalPowerW\":" + Wire.jsonW(totalPowerW)
                + ",\"mac\":\"" + HexFormat.of().formatHex(mac) + "\"}";
    }
}
