package io.headroom.drivers.gpuprotocol;

import java.net.InetSocketAddress;
import java.time.Duration;

/** No answer from the agent within the client's per-request timeout. */
public final class AgentTimeoutException extends AgentException {

    private static final long serialVersionUID = 1L;

    private final Duration timeout;

    AgentTimeoutException(InetSocketAddress agent, String resource, Duration timeout) {
        super(agent, resource, "no answer from agent " + AgentClient.text(agent) + " to /" + resource + " within "
                + timeout.toMillis() + " ms", null);
        this.timeout = timeout;
    }

    public Duration timeout() {
        return timeout;
    }
}
