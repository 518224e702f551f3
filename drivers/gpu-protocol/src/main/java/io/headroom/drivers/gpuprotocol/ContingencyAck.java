package io.headroom.drivers.gpuprotocol;

/**
 * The agent armed a {@link ContingencyTable} (answer to {@code POST /contingency}, 2.04 Changed).
 *
 * <p>Wire: {@code version u8 | type u8 = 0x07 | session i64 | epoch i64 | agentId i32 | armed u8 |
 * triggerPort u16}: 25 bytes.
 *
 * @param session     the table's session
 * @param epoch       the table's epoch, now the armed one
 * @param agentId     the id the agent now answers to in triggers
 * @param armed       how many contingencies it holds
 * @param triggerPort the UDP port of the agent's trigger socket on the agent's address
 *                    ({@link TriggerListener}); 0 = none (triggers only via {@code POST /trigger})
 */
public record ContingencyAck(long session, long epoch, int agentId, int armed, int triggerPort) implements Message {

    static final int SIZE = Wire.HEADER + 8 + 8 + 4 + 1 + 2;

    public ContingencyAck {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch is negative (" + epoch + ")");
        }
        if (agentId < 0) {
            throw new IllegalArgumentException("agentId is negative (" + agentId + ")");
        }
        if (armed < 0 || armed > 255) {
            throw new IllegalArgumentException("armed count " + armed + " outside 0..255");
        }
        if (triggerPort < 0 || triggerPort > 0xFFFF) {
            throw new IllegalArgumentException("trigger port " + triggerPort + " outside 0..65535");
        }
    }

    @Override
    public MessageType type() {
        return MessageType.CONTINGENCY_ACK;
    }

    @Override
    public byte[] encode() {
        return new Wire.Writer(type(), SIZE).i64(session).i64(epoch).i32(agentId).u8(armed).u16(triggerPort).done();
    }

    public static ContingencyAck decode(byte[] payload) throws ProtocolException {
        return Wire.strictly(MessageType.CONTINGENCY_ACK, () -> {
            Wire.Reader r = Wire.Reader.open(payload, MessageType.CONTINGENCY_ACK, SIZE);
            r.expectLength(SIZE, "a contingency ack");
            return new ContingencyAck(r.i64(), r.i64(), r.i32(), r.u8(), r.u16());
        });
    }

    @Override
    public String toJson() {
        return "{\"version\":" + GpuProtocol.VERSION + ",\"type\":\"contingencyAck\",\"session\":"
                + Wire.jsonHex64(session) + ",\"epoch\":" + epoch + ",\"agentId\":" + agentId
                + ",\"armed\":" + armed + ",\"triggerPort\":" + triggerPort + "}";
    }
}
