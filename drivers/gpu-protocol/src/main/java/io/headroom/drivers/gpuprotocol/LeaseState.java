package io.headroom.drivers.gpuprotocol;

/** Where a node's power limits come from. The wire code is one unsigned byte. */
public enum LeaseState {
    /**
     * The agent enforces no cap of its own: the GPUs run at their default limits. Reported when
     * no appliance lease holds and the configured safe cap equals every GPU's default limit.
     */
    UNCAPPED(0),
    /** An appliance's cap command holds, and its lease has not lapsed. */
    CAPPED(1),
    /** No lease holds (start-up, or the last lease lapsed): the agent's safe cap is applied. */
    SAFE_CAP(2);

    private final int code;

    LeaseState(int code) {
        this.code = code;
    }

    /** The wire code. */
    public int code() {
        return code;
    }

    /** The state with wire code {@code code}. */
    public static LeaseState fromCode(int code) throws ProtocolException {
        for (LeaseState s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new ProtocolException("unknown lease state code " + code
                + " (known: 0 UNCAPPED, 1 CAPPED, 2 SAFE_CAP)");
    }
}
