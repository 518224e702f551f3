package io.headroom.drivers.gpuprotocol;

/** The second byte of every message: which record follows. */
public enum MessageType {
    INVENTORY(0x01, "Inventory"),
    POWER_REPORT(0x02, "PowerReport"),
    CAP_COMMAND(0x03, "CapCommand"),
    CAP_ACK(0x04, "CapAck"),
    HEALTH(0x05, "Health"),
    CONTINGENCY_TABLE(0x06, "ContingencyTable"),
    CONTINGENCY_ACK(0x07, "ContingencyAck"),
    TRIGGER(0x08, "Trigger"),
    TRIGGER_ACK(0x09, "TriggerAck"),
    GROUP_TRIGGER(0x0A, "GroupTrigger");

    private final int code;
    private final String displayName;

    MessageType(int code, String displayName) {
        this.code = code;
        this.displayName = displayName;
    }

    /** The wire code (byte 1). */
    public int code() {
        return code;
    }

    /** The record's name, used in diagnostics. */
    public String displayName() {
        return displayName;
    }

    /** The type with wire code {@code code}. */
    public static MessageType fromCode(int code) throws ProtocolException {
        for (MessageType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new ProtocolException(String.format("unknown message type 0x%02X", code));
    }

    /** "0x03 (CapCommand)". */
    String describe() {
        return String.format("0x%02X (%s)", code, displayName);
    }
}
