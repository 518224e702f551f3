package io.headroom.drivers.gpuprotocol;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapHandler;
import org.eclipse.californium.core.CoapObserveRelation;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.MessageObserverAdapter;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.AddressEndpointContext;
import org.eclipse.californium.elements.DtlsEndpointContext;
import org.eclipse.californium.elements.MapBasedEndpointContext;
import org.eclipse.californium.elements.config.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The appliance's side: talks to many node agents through one CoAP endpoint (one UDP socket).
 *
 * <p>Every method returns at once; the future completes on a CoAP protocol thread with the
 * decoded message, or exceptionally with an {@link AgentResponseException} (the agent's error
 * code and diagnostic text), an {@link AgentTimeoutException} (no answer within
 * {@link Builder#timeout(Duration)}), an {@link AgentTransportException} (RST, send error,
 * cancelled, client closed) or a {@link ProtocolException} (the answer is not a valid
 * message). Keep continuations short or use the {@code *Async} variants. Cancelling a future
 * cancels its request.
 */
public final class AgentClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AgentClient.class);

    /** Default per-request timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    private final CoapEndpoint endpoint;
    private final CoapExecutors executors;
    private final boolean ownsExecutors;
    private final boolean activityExtension;
    private final boolean smoothingExtension;
    /**
     * The agents whose last {@link CapAck} carried the smoothing status block: they take the smoothing extension, and
     * only they are sent it. An ack without the block (a version-1 agent, or one restarted as one) or a 4.00 to a
     * command that carried it takes the agent off.
     */
    private final Set<InetSocketAddress> smoothingOffered = ConcurrentHashMap.newKeySet();
    private final Duration timeout;
    private final String scheme;
    private final Set<Pending> pending = ConcurrentHashMap.newKeySet();
    private final Set<PowerObservation> observations = ConcurrentHashMap.newKeySet();
    /**
     * Over DTLS: per agent that answered at least once, requests that timed out since its last answer (0 after an
     * answer). An agent that never answered is still in its first handshake (64 agents at once take a while): a new
     * one would only start it over.
     */
    private final ConcurrentHashMap<InetSocketAddress, Integer> unanswered = new ConcurrentHashMap<>();
    private final boolean secure;
    private volatile boolean closed;

    /**
     * Over DTLS, after this many requests in a row to an agent that answered before went unanswered, the next one
     * starts a new full handshake: an agent that restarted has lost its session, and drops whatever the old one
     * encrypts without a word, so without a new handshake it would never be heard from again (it would sit at its
     * safe cap). Four, not fewer: a full handshake throws the working session away, and on a lossy network (a fifth
     * of the datagrams lost each way) its flights take seconds, during which every request to that agent fails. With
     * two, two unlucky requests in a row were enough to start one, and the {@code lossy-network} drill lapsed one or
     * two leases of 64 in three runs out of four; with four, none in four runs. A restarted agent (at its safe cap
     * meanwhile) is reached about one second later than with two.
     */
    public static final int REHANDSHAKE_AFTER_TIMEOUTS = 4;

    private AgentClient(Builder b) {
        Configuration config = b.configuration != null ? b.configuration : GpuProtocol.configuration();
        this.timeout = b.timeout;
        this.activityExtension = b.activityExtension;
        this.smoothingExtension = b.smoothingExtension;
        this.ownsExecutors = b.executors == null;
        this.executors = ownsExecutors
                ? CoapExecutors.create("agent-client", config.get(CoapConfig.PROTOCOL_STAGE_THREAD_COUNT))
                : b.executors;
        this.endpoint = b.endpoint != null
                ? b.endpoint
                : CoapEndpoint.builder()
                        .setConfiguration(config)
                        .setInetSocketAddress(b.bindAddress)
                        .setLoggingTag("agent-client")
                        .build();
        this.scheme = CoAP.getSchemeForProtocol(endpoint.getConnector().getProtocol());
        this.secure = CoAP.COAP_SECURE_URI_SCHEME.equals(scheme);
        try {
            endpoint.setExecutors(executors.main(), executors.secondary());
            endpoint.start();
        } catch (IOException | RuntimeException e) {
            endpoint.destroy();
            if (ownsExecutors) {
                executors.close();
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot start the CoAP client endpoint on " + b.bindAddress, io);
            }
            throw (RuntimeException) e;
        }
        LOG.debug("agent client on {}", endpoint.getAddress());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The local address of the shared endpoint. */
    public InetSocketAddress localAddress() {
        return endpoint.getAddress();
    }

    /** The per-request timeout. */
    public Duration timeout() {
        return timeout;
    }

    /** {@code GET /gpus}. */
    public CompletableFuture<Inventory> inventory(InetSocketAddress agent) {
        return get(agent, GpuProtocol.RESOURCE_GPUS, Inventory::decode);
    }

    /** {@code GET /power}. */
    public CompletableFuture<PowerReport> power(InetSocketAddress agent) {
        Request request = Request.newGet();
        request.getOptions().setAccept(GpuProtocol.FORMAT_BINARY);
        askActivity(request);
        return send(agent, GpuProtocol.RESOURCE_POWER, request, PowerReport::decode);
    }

    /** {@code GET /health}. */
    public CompletableFuture<Health> health(InetSocketAddress agent) {
        return get(agent, GpuProtocol.RESOURCE_HEALTH, Health::decode);
    }

    /**
     * {@code POST /cap}: the {@link CapAck} on 2.04, otherwise an {@link AgentResponseException}
     * carrying the code (4.00 invalid, 4.09 stale sequence, 5.00 backend failure) and the
     * agent's diagnostic.
     */
    public CompletableFuture<CapAck> setCaps(InetSocketAddress agent, CapCommand command) {
        Objects.requireNonNull(command, "command");
        Request request = Request.newPost();
        boolean withSmoothing = smoothingExtension && !command.smoothing().isEmpty()
                && agent != null && smoothingOffered.contains(agent);
        request.setPayload((withSmoothing ? command : command.withoutSmoothing()).encode());
        request.getOptions().setContentFormat(GpuProtocol.FORMAT_BINARY).setAccept(GpuProtocol.FORMAT_BINARY);
        askActivity(request);
        if (!smoothingExtension) {
            return send(agent, GpuProtocol.RESOURCE_CAP, request, CapAck::decode);
        }
        request.getOptions().addUriQuery(GpuProtocol.QUERY_SMOOTHING);
        CompletableFuture<CapAck> f = send(agent, GpuProtocol.RESOURCE_CAP, request, CapAck::decode);
        f.whenComplete((ack, failure) -> {
            if (ack != null) {
                if (ack.smoothing().isEmpty()) {
                    smoothingOffered.remove(agent);
                } else {
                    smoothingOffered.add(agent);
                }
            } else if (withSmoothing && failure instanceof AgentResponseException e
                    && e.code() == org.eclipse.californium.core.coap.CoAP.ResponseCode.BAD_REQUEST) {
                smoothingOffered.remove(agent);
            }
        });
        return f;
    }

    /**
     * Whether {@code agent} takes the smoothing extension, as far as this client knows (its last {@link CapAck} said
     * so): a {@link CapCommand}'s smoothing reaches only such agents; the others get the command without it, and
     * the ack's {@link CapAck#smoothing()} says what each GPU did.
     */
    public boolean smoothingOffered(InetSocketAddress agent) {
        return smoothingOffered.contains(agent);
    }

    /**
     * {@code POST /contingency}: the {@link ContingencyAck} on 2.04; 4.00 (invalid, a cap out of
     * range, lease too long) or 4.09 (stale epoch) as an {@link AgentResponseException}.
     */
    public CompletableFuture<ContingencyAck> arm(InetSocketAddress agent, ContingencyTable table) {
        return postBinary(agent, GpuProtocol.RESOURCE_CONTINGENCY, Objects.requireNonNull(table, "table"), ContingencyAck::decode);
    }

    /**
     * {@code POST /trigger} over CoAP (one agent; the fan-out to many is {@link ContingencyTrigger}):
     * the {@link TriggerAck} on 2.04, 4.01 when the agent could not authenticate the trigger.
     */
    public CompletableFuture<TriggerAck> trigger(InetSocketAddress agent, Trigger trigger) {
        return postBinary(agent, GpuProtocol.RESOURCE_TRIGGER, Objects.requireNonNull(trigger, "trigger"), TriggerAck::decode);
    }

    /** Adds the activity extension's query where this client asks for it (an agent that does not know it ignores it). */
    private void askActivity(Request request) {
        if (activityExtension) {
            request.getOptions().addUriQuery(GpuProtocol.QUERY_ACTIVITY);
        }
    }

    /** POSTs a message in the binary format and decodes the binary answer. */
    private <T> CompletableFuture<T> postBinary(InetSocketAddress agent, String resource, Message message,
                                                Decoder<T> decoder) {
        Request request = Request.newPost();
        request.setPayload(message.encode());
        request.getOptions().setContentFormat(GpuProtocol.FORMAT_BINARY).setAccept(GpuProtocol.FORMAT_BINARY);
        return send(agent, resource, request, decoder);
    }

    /**
     * Observes {@code /power}: {@code onReport} receives the first report and every
     * notification; {@code onError} receives failures (error codes, undecodable reports, a
     * lost observation). Both run on a CoAP thread. Close the returned handle to stop.
     */
    public PowerObservation observePower(InetSocketAddress agent, Consumer<PowerReport> onReport,
                                         Consumer<Throwable> onError) {
        Objects.requireNonNull(agent, "agent");
        Objects.requireNonNull(onReport, "onReport");
        Objects.requireNonNull(onError, "onError");
        if (closed) {
            throw new IllegalStateException("client closed");
        }
        String resource = GpuProtocol.RESOURCE_POWER;
        URI uri;
        try {
            uri = new URI(scheme, null, agent.getAddress().getHostAddress(), agent.getPort(), "/" + resource, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("cannot build a URI for " + agent, e);
        }
        CoapClient coap = new CoapClient(uri);
        coap.setEndpoint(endpoint);
        coap.setExecutors(executors.main(), executors.secondary(), true);
        Request request = Request.newGet();
        request.setURI(uri);
        request.setObserve();
        request.getOptions().setAccept(GpuProtocol.FORMAT_BINARY);
        askActivity(request);
        CoapObserveRelation relation = coap.observe(request, new CoapHandler() {
            @Override
            public void onLoad(CoapResponse response) {
                Response r = response.advanced();
                if (!r.isSuccess()) {
                    onError.accept(new AgentResponseException(agent, resource, r.getCode(), r.getPayloadString()));
                    return;
                }
                try {
                    onReport.accept(PowerReport.decode(r.getPayload()));
                } catch (ProtocolException e) {
                    onError.accept(new ProtocolException(
                            "agent " + text(agent) + " /" + resource + ": " + e.getMessage(), e));
                }
            }

            @Override
            public void onError() {
                onError.accept(new AgentTransportException(agent, resource, "observation failed or timed out", null));
            }
        });
        PowerObservation observation = new PowerObservation(agent, coap, relation, observations::remove);
        observations.add(observation);
        return observation;
    }

    /** Cancels pending requests and observations, releases the socket (and own executors). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (PowerObservation o : observations) {
            o.abandon();
        }
        observations.clear();
        for (Pending p : pending) {
            p.future().completeExceptionally(new AgentTransportException(p.agent(), p.resource(), "client closed", null));
            p.request().cancel();
        }
        pending.clear();
        endpoint.destroy();
        if (ownsExecutors) {
            executors.close();
        }
    }

    // ------------------------------------------------------------------------ internals

    @FunctionalInterface
    private interface Decoder<T> {
        T decode(byte[] payload) throws ProtocolException;
    }

    private record Pending(InetSocketAddress agent, String resource, CompletableFuture<?> future, Request request) {
    }

    private <T> CompletableFuture<T> get(InetSocketAddress agent, String resource, Decoder<T> decoder) {
        Request request = Request.newGet();
        request.getOptions().setAccept(GpuProtocol.FORMAT_BINARY);
        return send(agent, resource, request, decoder);
    }

    private <T> CompletableFuture<T> send(InetSocketAddress agent, String resource, Request request,
                                          Decoder<T> decoder) {
        Objects.requireNonNull(agent, "agent");
        CompletableFuture<T> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(new AgentTransportException(agent, resource, "client closed", null));
            return future;
        }
        request.setDestinationContext(takeRehandshake(agent)
                ? new MapBasedEndpointContext(agent, null, DtlsEndpointContext.ATTRIBUE_HANDSHAKE_MODE_FORCE_FULL)
                : new AddressEndpointContext(agent));
        request.getOptions().setUriPath(resource);
        request.addMessageObserver(new MessageObserverAdapter() {
            @Override
            public void onResponse(Response response) {
                if (secure) {
                    unanswered.put(agent, 0);
                }
                complete(future, agent, resource, response, decoder);
            }

            @Override
            public void onReject() {
                future.completeExceptionally(new AgentTransportException(agent, resource,
                        "the agent reset the request (RST)", null));
            }

            @Override
            public void onTimeout() {
                future.completeExceptionally(new AgentTimeoutException(agent, resource, timeout));
            }

            @Override
            public void onCancel() {
                future.completeExceptionally(new AgentTransportException(agent, resource, "request cancelled", null));
            }

            @Override
            public void onSendError(Throwable error) {
                future.completeExceptionally(new AgentTransportException(agent, resource,
                        "send failed: " + error, error));
            }

            @Override
            public void onResponseHandlingError(Throwable cause) {
                future.completeExceptionally(new AgentTransportException(agent, resource,
                        "response handling failed: " + cause, cause));
            }
        });
        Pending entry = new Pending(agent, resource, future, request);
        pending.add(entry);
        ScheduledFuture<?> timer;
        try {
            timer = executors.main().schedule(() -> {
                // counted before the caller hears of the timeout, so that its next request sees the count
                if (secure) {
                    unanswered.computeIfPresent(agent, (a, n) -> n + 1);
                }
                if (future.completeExceptionally(new AgentTimeoutException(agent, resource, timeout))) {
                    request.cancel();
                } else if (secure) {
                    unanswered.computeIfPresent(agent, (a, n) -> Math.max(0, n - 1)); // it was answered after all
                }
            }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            pending.remove(entry);
            future.completeExceptionally(new AgentTransportException(agent, resource, "client closed", e));
            return future;
        }
        future.whenComplete((value, error) -> {
            timer.cancel(false);
            pending.remove(entry);
            if (future.isCancelled()) {
                request.cancel();
            }
        });
        try {
            endpoint.sendRequest(request);
        } catch (RuntimeException e) {
            future.completeExceptionally(new AgentTransportException(agent, resource, "send failed: " + e, e));
        }
        return future;
    }

    /**
     * Whether this request to {@code agent} must start a new DTLS handshake: true once after
     * {@value #REHANDSHAKE_AFTER_TIMEOUTS} unanswered requests in a row (then the count starts again).
     */
    private boolean takeRehandshake(InetSocketAddress agent) {
        if (!secure) {
            return false;
        }
        boolean[] force = new boolean[1];
        unanswered.computeIfPresent(agent, (a, n) -> {
            if (n >= REHANDSHAKE_AFTER_TIMEOUTS) {
                force[0] = true;
                return 0;
            }
            return n;
        });
        if (force[0]) {
            LOG.info("agent {}: {} requests unanswered over DTLS; starting a new handshake (it may have restarted and "
                    + "lost its session)", text(agent), REHANDSHAKE_AFTER_TIMEOUTS);
        }
        return force[0];
    }

    private static <T> void complete(CompletableFuture<T> future, InetSocketAddress agent, String resource,
                                     Response response, Decoder<T> decoder) {
        if (!response.isSuccess()) {
            future.completeExceptionally(
                    new AgentResponseException(agent, resource, response.getCode(), response.getPayloadString()));
            return;
        }
        int format = response.getOptions().getContentFormat();
        if (format != MediaTypeRegistry.UNDEFINED && format != GpuProtocol.FORMAT_BINARY) {
            future.completeExceptionally(new ProtocolException("agent " + text(agent) + " /" + resource
                    + ": expected content format " + GpuProtocol.FORMAT_BINARY + " (application/octet-stream), got "
                    + format));
            return;
        }
        try {
            future.complete(decoder.decode(response.getPayload()));
        } catch (ProtocolException e) {
            future.completeExceptionally(
                    new ProtocolException("agent " + text(agent) + " /" + resource + ": " + e.getMessage(), e));
        }
    }

    /** "10.0.0.5:5683". */
    static String text(InetSocketAddress address) {
        return address == null ? "?" : address.getHostString() + ":" + address.getPort();
    }

    // ------------------------------------------------------------------------ observation handle

    /** An active observation of an agent's {@code /power}; close to stop it. */
    public static final class PowerObservation implements AutoCloseable {
        private final InetSocketAddress agent;
        private final CoapClient coap;
        private final CoapObserveRelation relation;
        private final Consumer<PowerObservation> onClose;

        private PowerObservation(InetSocketAddress agent, CoapClient coap, CoapObserveRelation relation,
                                 Consumer<PowerObservation> onClose) {
            this.agent = agent;
            this.coap = coap;
            this.relation = relation;
            this.onClose = onClose;
        }

        public InetSocketAddress agent() {
            return agent;
        }

        public boolean isCanceled() {
            return relation.isCanceled();
        }

        /** Tells the agent to stop notifying (proactive cancel) and forgets the observation. */
        @Override
        public void close() {
            if (!relation.isCanceled()) {
                relation.proactiveCancel();
            }
            coap.shutdown();
            onClose.accept(this);
        }

        /** Local cancel only, when the endpoint is about to go away. */
        private void abandon() {
            relation.reactiveCancel();
            coap.shutdown();
        }
    }

    // ------------------------------------------------------------------------ builder

    public static final class Builder {
        private InetSocketAddress bindAddress = new InetSocketAddress(0);
        private CoapEndpoint endpoint;
        private Configuration configuration;
        private CoapExecutors executors;
        private Duration timeout = DEFAULT_TIMEOUT;
        private boolean activityExtension = true;
        private boolean smoothingExtension = true;

        /**
         * Whether {@code /cap} requests ask for the smoothing extension ({@link GpuProtocol#QUERY_SMOOTHING}) and carry
         * a command's smoothing to the agents that offered it. Default on; off, the client sends version-1 commands.
         */
        public Builder smoothingExtension(boolean on) {
            this.smoothingExtension = on;
            return this;
        }

        /**
         * Whether {@code /power} and {@code /cap} requests ask for the activity extension block
         * ({@link GpuProtocol#QUERY_ACTIVITY}). Default on; off, the client asks as a version-1 appliance does.
         */
        public Builder activityExtension(boolean on) {
            this.activityExtension = on;
            return this;
        }

        private Builder() {
        }

        /** Local address of the shared socket; default wildcard, ephemeral port. */
        public Builder bindAddress(InetSocketAddress address) {
            this.bindAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * A ready-made endpoint (for example a DTLS one built with Scandium) instead of a plain
         * UDP endpoint on {@link #bindAddress}. The client starts it, and destroys it on close.
         */
        public Builder endpoint(CoapEndpoint endpoint) {
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
            return this;
        }

        /** Californium configuration; default {@link GpuProtocol#configuration()}. */
        public Builder configuration(Configuration configuration) {
            this.configuration = Objects.requireNonNull(configuration, "configuration");
            return this;
        }

        /** Executors shared with agents or other clients; the client does not shut them down. */
        public Builder sharedExecutors(CoapExecutors executors) {
            this.executors = Objects.requireNonNull(executors, "executors");
            return this;
        }

        /** Per-request timeout; default 2 s. */
        public Builder timeout(Duration timeout) {
            if (timeout.toMillis() < 1) {
                throw new IllegalArgumentException("timeout must be at least 1 ms: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** Creates the client and binds its socket. */
        public AgentClient build() {
            return new AgentClient(this);
        }
    }
}
