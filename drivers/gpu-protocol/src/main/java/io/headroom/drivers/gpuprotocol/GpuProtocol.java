package io.headroom.drivers.gpuprotocol;

import java.util.concurrent.TimeUnit;

import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;

/** Protocol constants and the Californium configuration both sides use. */
public final class GpuProtocol {

    /** Byte 0 of every message. */
    public static final int VERSION = 1;

    /** The agent's default UDP port (the CoAP default). */
    public static final int DEFAULT_PORT = 5683;

    /** {@code GET} → {@link Inventory}. */
    public static final String RESOURCE_GPUS = "gpus";
    /** {@code GET} (observable) → {@link PowerReport}. */
    public static final String RESOURCE_POWER = "power";
    /** {@code POST} {@link CapCommand} → {@link CapAck}. */
    public static final String RESOURCE_CAP = "cap";
    /** {@code GET} → {@link Health}. */
    public static final String RESOURCE_HEALTH = "health";
    /** {@code POST} {@link ContingencyTable} → {@link ContingencyAck}. */
    public static final String RESOURCE_CONTINGENCY = "contingency";
    /** {@code POST} {@link Trigger} → {@link TriggerAck}. */
    public static final String RESOURCE_TRIGGER = "trigger";
    /**
     * URI query of {@code GET /power} and {@code POST /cap} asking for the activity extension block: an agent that
     * knows it appends the block to the {@link PowerReport} or {@link CapAck}; one that does not ignores the query and
     * answers version 1. Without the query an agent never appends it, so an appliance that does not know the block
     * never sees one.
     */
    public static final String QUERY_ACTIVITY = "ext=activity";
    /**
     * URI query of {@code POST /cap} asking for (and offering) the smoothing extension: an agent that knows it answers
     * with the smoothing status block in its {@link CapAck}, which tells the appliance it may send the smoothing block
     * ({@link GpuSmoothing}) in its next {@link CapCommand}s; one that does not ignores the query and answers version 1,
     * and the appliance keeps sending it version-1 commands.
     */
    public static final String QUERY_SMOOTHING = "ext=smoothing";
    /** Default UDP port of an agent's trigger socket ({@link TriggerListener}). */
    public static final int DEFAULT_TRIGGER_PORT = 5685;

    /** application/octet-stream: the binary codec. */
    public static final int FORMAT_BINARY = MediaTypeRegistry.APPLICATION_OCTET_STREAM;
    /** application/json: JSON rendering of the read-only resources. */
    public static final int FORMAT_JSON = MediaTypeRegistry.APPLICATION_JSON;
    /** text/plain: diagnostics; as an Accept value it also selects the JSON rendering. */
    public static final int FORMAT_TEXT = MediaTypeRegistry.TEXT_PLAIN;

    /** Initial CoAP retransmission timeout of {@link #configuration()}, ms. */
    public static final int ACK_TIMEOUT_MS = 500;

    private GpuProtocol() {
    }

    /**
     * A file-less Californium configuration with one protocol-stage thread and one UDP receiver
     * and sender thread per endpoint, so that a bench process can run 64+ agents. Each call
     * returns a new, independent copy that callers may adjust further.
     *
     * <p>Unlike {@code Configuration.getStandard()}, this never writes
     * {@code Californium3.properties} into the working directory. The CoAP ACK timeout is
     * {@value #ACK_TIMEOUT_MS} ms (RFC 7252 default: 2 s).
     */
    public static Configuration configuration() {
        return configuration(ACK_TIMEOUT_MS);
    }

    /**
     * The same with CoAP's initial retransmission timeout at {@code ackTimeoutMs}: a client whose requests
     * must complete within a short deadline (the appliance renews leases of 2 s within 0.5 s) retransmits a lost
     * request or answer several times inside it, instead of failing at the first loss.
     *
     * @throws IllegalArgumentException below 10 ms
     */
    public static Configuration configuration(int ackTimeoutMs) {
        if (ackTimeoutMs < 10) {
            throw new IllegalArgumentException("CoAP ACK timeout " + ackTimeoutMs + " ms is below 10 ms");
        }
        CoapConfig.register();
        UdpConfig.register();
        Configuration config = new Configuration(Configuration.createStandardWithoutFile());
        config.set(CoapConfig.PROTOCOL_STAGE_THREAD_COUNT, 1);
        config.set(UdpConfig.UDP_RECEIVER_THREAD_COUNT, 1);
        config.set(UdpConfig.UDP_SENDER_THREAD_COUNT, 1);
        // A data hall LAN answers in well under a millisecond: retransmit a lost confirmable
        // message after 0.5..0.75 s instead of CoAP's default 2..3 s, so that retransmissions
        // happen within AgentClient's default 2 s request timeout.
        config.set(CoapConfig.ACK_TIMEOUT, ackTimeoutMs, TimeUnit.MILLISECONDS);
        return config;
    }
}
