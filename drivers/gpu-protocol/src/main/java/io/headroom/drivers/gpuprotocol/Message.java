package io.headroom.drivers.gpuprotocol;

/**
 * A message of the appliance / node-agent protocol. Every encoding starts with the protocol
 * version (byte 0, currently {@value GpuProtocol#VERSION}) and the {@link MessageType} code
 * (byte 1); all multi-byte fields are big-endian. See the module README for every byte.
 */
public sealed interface Message permits Inventory, PowerReport, CapCommand, CapAck, Health,
        ContingencyTable, ContingencyAck, Trigger, TriggerAck, GroupTrigger {

    /** Which record this is. */
    MessageType type();

    /** The compact binary encoding (content format application/octet-stream, 42). */
    byte[] encode();

    /** A JSON rendering for humans and interop tools (content format application/json, 50). */
    String toJson();

    /**
     * Decodes any message, dispatching on the type byte.
     *
     * @throws ProtocolException if the payload is not exactly one valid message
     */
    static Message decode(byte[] payload) throws ProtocolException {
        Wire.Reader.checkHeader(payload, "message");
        MessageType type = MessageType.fromCode(payload[1] & 0xFF);
        return switch (type) {
            case INVENTORY -> Inventory.decode(payload);
            case POWER_REPORT -> PowerReport.decode(payload);
            case CAP_COMMAND -> CapCommand.decode(payload);
            case CAP_ACK -> CapAck.decode(payload);
            case HEALTH -> Health.decode(payload);
            case CONTINGENCY_TABLE -> ContingencyTable.decode(payload);
            case CONTINGENCY_ACK -> ContingencyAck.decode(payload);
            case TRIGGER -> Trigger.decode(payload);
            case TRIGGER_ACK -> TriggerAck.decode(payload);
            case GROUP_TRIGGER -> GroupTrigger.decode(payload);
        };
    }
}
