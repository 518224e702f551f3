package io.headroom.drivers.gpuprotocol;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * Apply an armed contingency now: a datagram to the agent's trigger socket ({@link TriggerListener}),
 * or the payload of {@code POST /trigger}.
 *
 * <p>Wire: {@code version u8 | type u8 = 0x08 | agentId i32 | epoch i64 | contingencyId u16 |
 * mac 16 bytes}: 32 bytes. {@code mac} = the first 16 bytes of
 * {@code HMAC-SHA256(triggerKey, bytes 0..15)}, with the key the agent was armed with.
 *
 * <p>The datagram is the same for every attempt, so the appliance encodes it once when the agent
 * acknowledges the arming, and a retry is the same bytes: the agent applies a given
 * (epoch, contingency) once and acknowledges repeats as {@link TriggerAck.Status#ALREADY_APPLIED}.
 *
 * @param mac exactly 16 bytes
 */
public record Trigger(int agentId, long epoch, int contingencyId, byte[] mac) implements Message {

    /** Encoded size, bytes. */
    public static final int SIZE = 32;
    /** Offset of the MAC (= length of the authenticated bytes). */
    public static final int MAC_OFFSET = 16;
    static final int OFF_AGENT = 2;
    static final int OFF_EPOCH = 6;
    static final int OFF_ID = 14;

    public Trigger {
        if (agentId < 0) {
            throw new IllegalArgumentException("agentId is negative (" + agentId + ")");
        }
        Wire.epoch(epoch);
        Wire.u16("contingency id", contingencyId);
        mac = Wire.mac(mac);
    }

    /** A trigger authenticated with {@code key}. */
    public static Trigger signed(int agentId, long epoch, int contingencyId, TriggerKey key) {
        byte[] b = encodeSigned(agentId, epoch, contingencyId, key, new TriggerKey.Scratch());
        return new Trigger(agentId, epoch, contingencyId, Arrays.copyOfRange(b, MAC_OFFSET, SIZE));
    }

    /** The 32 datagram bytes, MAC included (used to pre-encode triggers at arm time). */
    public static byte[] encodeSigned(int agentId, long epoch, int contingencyId, TriggerKey key,
                                      TriggerKey.Scratch scratch) {
        byte[] b = new Wire.Writer(MessageType.TRIGGER, SIZE).i32(agentId).i64(epoch).u16(contingencyId)
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
        return MessageType.TRIGGER;
    }

    @Override
    public byte[] encode() {
        return new Wire.Writer(type(), SIZE).i32(agentId).i64(epoch).u16(contingencyId).bytes(mac).done();
    }

    public static Trigger decode(byte[] payload) throws ProtocolException {
        return Wire.strictly(MessageType.TRIGGER, () -> {
            Wire.Reader r = Wire.Reader.open(payload, MessageType.TRIGGER, SIZE);
            r.expectLength(SIZE, "a trigger");
            return new Trigger(r.i32(), r.i64(), r.u16(), r.bytes(TriggerKey.MAC_LENGTH));
        });
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Trigger t && t.agentId == agentId && t.epoch == epoch
                && t.contingencyId == contingencyId && Arrays.equals(t.mac, mac);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(epoch) * 31 + agentId * 17 + contingencyId;
    }

    @Override
    public String toString() {
        return "Trigger[agentId=" + agentId + ", epoch=" + epoch + ", contingencyId=" + contingencyId + "]";
    }

    @Override
    public String toJson() {
        return "{\"version\":" + GpuProtocol.VERSION + ",\"type\":\"trigger\",\"agentId\":" + agentId
                + ",\"epoch\":" + epoch + ",\"contingencyId\":" + contingencyId
                + ",\"mac\":\"" + HexFormat.of().formatHex(mac) + "\"}";
    }
}
