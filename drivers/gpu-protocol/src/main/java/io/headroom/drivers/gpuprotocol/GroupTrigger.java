package io.headroom.drivers.gpuprotocol;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * Apply an armed contingency now, on every agent of a redundancy group at once: one datagram to the group's
 * multicast address, received by each agent armed with that group ({@link ContingencyTable.Multicast}).
 *
 * <p>Wire: {@code version u8 | type u8 = 0x0A | groupId u16 | session i64 | epoch i64 | contingencyId u16 |
 * mac 16 bytes}: 38 bytes. {@code mac} = the first 16 bytes of {@code HMAC-SHA256(groupKey, bytes 0..21)}, with the
 * group key of the appliance's session, which every agent of the group was armed with (over DTLS).
 *
 * <p>Replay protection is the unicast trigger's: an agent applies it only for its armed session, group and epoch (or
 * the epoch before it, within the re-arm grace), once per (epoch, contingency); a repeat is acknowledged as
 * {@link TriggerAck.Status#ALREADY_APPLIED}, an old epoch as {@link TriggerAck.Status#EPOCH_MISMATCH}, and each agent
 * answers with its own {@link TriggerAck} under its own key, so the appliance knows who applied what. The group key
 * is shared by the group's agents: an agent's host that is taken over could fire its group's armed contingency on
 * the others (their N-1 caps, for one lease) but never set a cap of its own choosing, and never reach another
 * group or session.
 *
 * @param mac exactly 16 bytes
 */
public record GroupTrigger(int groupId, long session, long epoch, int contingencyId, byte[] mac) implements Message {

    /** Encoded size, bytes. */
    public static final int SIZE = 38;
    /** Offset of the MAC (= length of the authenticated bytes). */
    public static final int MAC_OFFSET = 22;
    static final int OFF_GROUP = 2;
    static final int OFF_SESSION = 4;
    static final int OFF_EPOCH = 12;
    static final int OFF_ID = 20;

    public GroupTrigger {
        Wire.u16("group id", groupId);
        Wire.epoch(epoch);
        Wire.u16("contingency id", contingencyId);
        mac = Wire.mac(mac);
    }

    /** The 38 datagram bytes, MAC included (pre-encoded by the appliance when it arms the group). */
    public static byte[] encodeSigned(int groupId, long session, long epoch, int contingencyId, TriggerKey groupKey,
                                      TriggerKey.Scratch scratch) {
        byte[] b = new Wire.Writer(MessageType.GROUP_TRIGGER, SIZE).u16(groupId).i64(session).i64(epoch)
                .u16(contingencyId).bytes(new byte[TriggerKey.MAC_LENGTH]).done();
        groupKey.mac(scratch, b, 0, MAC_OFFSET, b, MAC_OFFSET);
        return b;
    }

    /** A group trigger authenticated with {@code groupKey}. */
    public static GroupTrigger signed(int groupId, long session, long epoch, int contingencyId, TriggerKey groupKey) {
        byte[] b = encodeSigned(groupId, session, epoch, contingencyId, groupKey, new TriggerKey.Scratch());
        return new GroupTrigger(groupId, session, epoch, contingencyId, Arrays.copyOfRange(b, MAC_OFFSET, SIZE));
    }

    @Override
    public byte[] mac() {
        return mac.clone();
    }

    @Override
    public MessageType type() {
        return MessageType.GROUP_TRIGGER;
    }

    @Override
    public byte[] encode() {
        return new Wire.Writer(type(), SIZE).u16(groupId).i64(session).i64(epoch).u16(contingencyId).bytes(mac).done();
    }

    public static GroupTrigger decode(byte[] payload) throws ProtocolException {
        return Wire.strictly(MessageType.GROUP_TRIGGER, () -> {
            Wire.Reader r = Wire.Reader.open(payload, MessageType.GROUP_TRIGGER, SIZE);
            r.expectLength(SIZE, "a group trigger");
            return new GroupTrigger(r.u16(), r.i64(), r.i64(), r.u16(), r.bytes(TriggerKey.MAC_LENGTH));
        });
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GroupTrigger t && t.groupId == groupId && t.session == session && t.epoch == epoch
                && t.contingencyId == contingencyId && Arrays.equals(t.mac, mac);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(epoch) * 31 + Long.hashCode(session) * 17 + groupId * 7 + contingencyId;
    }

    @Override
    public String toString() {
        return "GroupTrigger[groupId=" + groupId + ", session=" + Long.toHexString(session) + ", epoch=" + epoch
                + ", contingencyId=" + contingencyId + "]";
    }

    @Override
    public String toJson() {
        return "{\"version\":" + GpuProtocol.VERSION + ",\"type\":\"groupTrigger\",\"groupId\":" + groupId
                + ",\"session\":" + Wire.jsonHex64(session) + ",\"epoch\":" + epoch + ",\"contingencyId\":"
                + contingencyId + ",\"mac\":\"" + HexFormat.of().formatHex(mac) + "\"}";
    }
}
