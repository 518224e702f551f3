package io.headroom.drivers.gpuprotocol;

import java.net.InetSocketAddress;

/**
 * The request could not be carried out: the agent reset it (RST, e.g. unknown message), the
 * send failed, the request was cancelled, or the client is closed.
 */
public final class AgentTransportException extends AgentException {

    private static final long serialVersionUID = 1L;

    AgentTransportException(InetSocketAddress agent, String resource, String message, Throwable cause) {
        super(agent, resource, "/" + resource + " on agent " + AgentClient.text(agent) + ": " + message, cause);
    }
}
