package io.headroom.drivers.gpuprotocol;

import java.net.InetSocketAddress;

/**
 * A request of {@link AgentClient} to a node agent failed. The futures of {@link AgentClient}
 * complete exceptionally with one of the subclasses (or with a {@link ProtocolException} when
 * the agent's answer is not a valid message).
 */
public abstract sealed class AgentException extends Exception
        permits AgentResponseException, AgentTimeoutException, AgentTransportException {

    private static final long serialVersionUID = 1L;

    private final transient InetSocketAddress agent;
    private final String resource;

    AgentException(InetSocketAddress agent, String resource, String message, Throwable cause) {
        // An outcome, not a bug: its stack (a CoAP callback thread) says nothing, and filling it was 14 % of all
        // the appliance allocated at 1,000 agents (perf footprint --jfr). Message, agent, resource and cause remain.
        super(message, cause, true, false);
        this.agent = agent;
        this.resource = resource;
    }

    /** The agent the request went to. */
    public InetSocketAddress agent() {
        return agent;
    }

    /** The resource, e.g. "cap". */
    public String resource() {
        return resource;
    }
}
