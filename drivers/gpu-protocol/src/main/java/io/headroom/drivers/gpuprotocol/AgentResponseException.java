package io.headroom.drivers.gpuprotocol;

import java.net.InetSocketAddress;

import org.eclipse.californium.core.coap.CoAP.ResponseCode;

/**
 * The agent answered with an error code (4.xx, 5.xx). {@link #diagnostic()} is the agent's
 * text payload, e.g. "cap 900 W for GPU 3 outside 200..700 W" or "stale sequence 41 ≤ 42".
 */
public final class AgentResponseException extends AgentException {

    private static final long serialVersionUID = 1L;

    private final ResponseCode code;
    private final String diagnostic;

    AgentResponseException(InetSocketAddress agent, String resource, ResponseCode code, String diagnostic) {
        super(agent, resource, "agent " + AgentClient.text(agent) + " answered " + codeText(code) + " " + code.name()
                + " to /" + resource + (diagnostic.isEmpty() ? "" : ": " + diagnostic), null);
        this.code = code;
        this.diagnostic = diagnostic;
    }

    /** The CoAP response code. */
    public ResponseCode code() {
        return code;
    }

    /** The code as CoAP writes it: "4.00", "4.09". */
    public String codeText() {
        return codeText(code);
    }

    /** The agent's diagnostic text (UTF-8 payload); empty if none. */
    public String diagnostic() {
        return diagnostic;
    }

    private static String codeText(ResponseCode code) {
        return code.codeClass + "." + String.format("%02d", code.codeDetail);
    }
}
