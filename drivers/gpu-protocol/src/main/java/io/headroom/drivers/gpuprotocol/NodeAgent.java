package io.headroom.drivers.gpuprotocol;

import io.headroom.common.SystemTime;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.CoAP.Type;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.Endpoint;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.elements.config.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent: a CoAP server on a GPU server through which the appliance reads power and
 * commands power caps.
 *
 * <p>Resources: {@code GET /gpus} → {@link Inventory}; {@code GET /power} → {@link PowerReport}
 * (observable: notified by {@link #publishPower()}, periodically, and whenever the limits
 * change); {@code POST /cap} {@link CapCommand} → 2.04 {@link CapAck}, 4.00 (malformed,
 * wrong GPU count, a cap outside its GPU's range, lease too long: nothing applied), 4.09
 * (stale sequence); {@code GET /health} → {@link Health}.
 *
 * <p>Leases: caps hold for the command's {@code leaseMs}. {@link #checkLease()} (called by a
 * timer every leaseMs/10, clamped to 10..1000 ms, unless disabled) replaces lapsed caps by the
 * agent's safe cap. At {@link #start()} the agent applies its safe cap before serving: an agent
 * that has not heard from an appliance is conservative.
 *
 * <p>Time comes from an injectable monotonic clock ({@code LongSupplier} of nanoseconds).
 * {@link #close()} (an orderly stop) applies the safe cap to every GPU after it stopped serving: a stopped or
 * restarting agent leaves its GPUs N-1 safe. {@link #crash()} stops without touching them (what a killed process
 * leaves; for simulations).
 *
 * <p>Supervised: {@link #supervision()} reports the trigger loop's and the lease timer's heartbeats
 * (also in {@code /health}); the agent program kicks its systemd watchdog only while both are alive.
 *
 * <p>This class is the CoAP adapter and the lifecycle: what a command, a table or a trigger does to the leases,
 * the sequence window and the armed tables is decided by {@link AgentStateMachine} (no Californium, no thread, the
 * injected clock), called under one lock; its records are translated here into response codes and payloads.
 */
public final class NodeAgent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);

    private final String name;
    private final Inventory inventory;
    private final List<Double> safeCapsW;
    private final LongSupplier nanoTime;
    /** The loops' supervision clock (heartbeats, the trigger listener's among them). */
    private final LongSupplier supervisionNanoTime;
    private final boolean automaticLeaseCheck;
    /** Whether this agent serves the activity extension ({@link GpuProtocol#QUERY_ACTIVITY}); off: a version-1 agent. */
    private final boolean activityExtension;
    /** Whether this agent takes the smoothing extension ({@link GpuProtocol#QUERY_SMOOTHING}); off: a version-1 agent. */
    private final boolean smoothingExtension;
    private final Duration powerPublishInterval;
    private final CoapServer server;
    private final CoapExecutors executors;
    private final boolean ownsExecutors;
    private final PowerResource powerResource;
    private final boolean serve;
    private final InetSocketAddress triggerBindAddress;
    private final TriggerListener sharedTriggerListener;
    private volatile TriggerListener triggerListener;

    private final Object lock = new Object();
    /** The lease, sequence and contingency state, on the agent's clock: every call under {@link #lock}. */
    private final AgentStateMachine machine;
    /** How long after a re-arm a trigger naming the previous epoch is still applied. */
    static final long PREVIOUS_EPOCH_GRACE_NANOS = AgentStateMachine.PREVIOUS_EPOCH_GRACE_NANOS;
    private final AtomicLong forbiddenRequests = new AtomicLong();
    /**
     * The lease timer's last run, on the supervision clock (which is real time unless a test gives one: the loops'
     * threads run in real time whatever the agent's lease clock).
     */
    private volatile long leaseBeatNanos;
    /** The lease timer runs at least every second: one that has not run for this long is stalled. */
    static final long LEASE_STALL_NANOS = 3_000_000_000L;

    private final Object scheduleLock = new Object();
    // written under scheduleLock; volatile so that supervision reads them without it
    private volatile boolean started;
    private volatile boolean closed;
    private ScheduledFuture<?> leaseTask;
    private long leaseTaskPeriodMs = -1;
    private ScheduledFuture<?> publishTask;

    private NodeAgent(Builder b) {
        this.name = b.name;
        this.inventory = Inventory.of(b.backend);
        this.safeCapsW = resolveSafeCaps(b, inventory);
        this.nanoTime = b.nanoTime;
        this.supervisionNanoTime = b.supervisionNanoTime;
        this.leaseBeatNanos = supervisionNanoTime.getAsLong();
        this.machine = new AgentStateMachine(name, b.backend, inventory, safeCapsW, b.maxLease.toMillis(),
                b.nanoTime);
        this.automaticLeaseCheck = b.automaticLeaseCheck;
        this.powerPublishInterval = b.powerPublishInterval;
        this.activityExtension = b.activityExtension;
        this.smoothingExtension = b.smoothingExtension;
        machine.smoothingExtension(b.smoothingExtension);

        Configuration config = b.configuration != null ? b.configuration : GpuProtocol.configuration();
        this.ownsExecutors = b.executors == null;
        this.executors = ownsExecutors
                ? CoapExecutors.create(name, config.get(CoapConfig.PROTOCOL_STAGE_THREAD_COUNT))
                : b.executors;
        this.serve = b.serve;
        this.triggerBindAddress = b.triggerBindAddress;
        this.sharedTriggerListener = b.triggerListener;
        this.triggerListener = b.triggerListener;
        this.powerResource = new PowerResource();
        if (serve) {
            Endpoint endpoint = b.endpoint != null
                    ? b.endpoint
                    : CoapEndpoint.builder()
                            .setConfiguration(config)
                            .setInetSocketAddress(b.bindAddress)
                            .setLoggingTag(name)
                            .build();
            this.server = new CoapServer(config);
            server.setTag(name);
            server.setExecutors(executors.main(), executors.secondary(), true);
            server.addEndpoint(endpoint);
            server.add(new GpusResource(), powerResource, new CapResource(), new HealthResource(),
                    new ContingencyResource(), new TriggerResource());
        } else {
            this.server = null;
        }
    }

    /** A builder for an agent serving {@code backend}. */
    public static Builder builder(GpuBackend backend) {
        return new Builder(backend);
    }

    // ------------------------------------------------------------------------ lifecycle

    /**
     * Applies the safe cap, then binds and serves, then starts the timers.
     *
     * @throws IllegalStateException if already started or closed, or if binding fails
     */
    public NodeAgent start() {
        synchronized (scheduleLock) {
            if (closed) {
                throw new IllegalStateException(name + ": closed");
            }
            if (started) {
                throw new IllegalStateException(name + ": already started");
            }
            started = true;
        }
        synchronized (lock) {
            machine.applySafeCaps();
            LOG.info("{}: start-up: applied safe caps {} W to {} GPUs (state {}) until an appliance commands otherwise",
                    name, fmtList(safeCapsW), inventory.gpuCount(), machine.state());
        }
        try {
            if (triggerBindAddress != null) {
                triggerListener = TriggerListener.open(triggerBindAddress, name, supervisionNanoTime);
            }
            if (server != null) {
                server.start();
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        synchronized (scheduleLock) {
            leaseBeatNanos = supervisionNanoTime.getAsLong();
            scheduleLeaseCheckLocked();
            if (!powerPublishInterval.isZero()) {
                long ms = powerPublishInterval.toMillis();
                publishTask = executors.main().scheduleAtFixedRate(this::publishPower, ms, ms, TimeUnit.MILLISECONDS);
            }
        }
        if (server != null) {
            LOG.info("{}: serving {} GPUs on {}{}", name, inventory.gpuCount(), address(),
                    triggerListener != null ? "; triggers on udp " + triggerListener.address() : "");
        }
        return this;
    }

    /**
     * An orderly stop: stops serving and the timers, releases the sockets (and own executors), then applies the safe
     * cap to every GPU, so that a stopped or restarting agent leaves its GPUs N-1 safe, not at whatever an appliance
     * last set. Idempotent.
     */
    @Override
    public void close() {
        stop(true);
    }

    /**
     * Stops like a killed process: no more answers, and the GPU limits left as they are (a crash; for simulations
     * and tests). Idempotent; after it, {@link #close()} does nothing.
     */
    public void crash() {
        stop(false);
    }

    private void stop(boolean orderly) {
        boolean wasStarted;
        synchronized (scheduleLock) {
            if (closed) {
                return;
            }
            closed = true;
            wasStarted = started;
            if (leaseTask != null) {
                leaseTask.cancel(false);
            }
            if (publishTask != null) {
                publishTask.cancel(false);
            }
        }
        if (server != null) {
            server.destroy();
        }
        TriggerListener own = triggerListener;
        if (own != null) {
            synchronized (lock) {
                ContingencyTable armed = machine.armed();
                if (armed != null) {
                    own.unregister(armed.agentId(), this);
                }
            }
            own.listen(this, null);
            if (own != sharedTriggerListener) {
                own.close();
            }
        }
        if (ownsExecutors) {
            executors.close();
        }
        if (orderly && wasStarted) {
            synchronized (lock) {
                machine.applySafeCaps();
                LOG.info("{}: stopped; applied safe caps {} W to its {} GPUs (state {})", name, fmtList(safeCapsW),
                        inventory.gpuCount(), machine.state());
            }
        } else {
            LOG.info("{}: stopped{}", name, orderly ? " before it started; GPU limits untouched"
                    : " like a crashed process: GPU limits left as they are");
        }
    }

    /**
     * The loops the agent's safety depends on, now: the trigger loop (its socket's, shared or own) and the lease
     * timer (which puts the safe cap back when a lease lapses).
     */
    public Health.Supervision supervision() {
        long now = supervisionNanoTime.getAsLong();
        TriggerListener l = triggerListener;
        Health.LoopState trigger = l == null ? Health.LoopState.NONE : l.state(now);
        int triggerAge = l == null ? -1 : ageMs(now, l.heartbeatNanos());
        long failures = l == null ? 0 : l.failures();
        Health.LoopState lease;
        int leaseAge;
        // no lock: a stuck loop may hold one (the lease timer waits for the agent's lock while a trigger handler is
        // stuck in the driver holding it)
        boolean run = automaticLeaseCheck && started;
        boolean stopped = closed;
        if (!run) {
            lease = Health.LoopState.NONE;
            leaseAge = -1;
        } else {
            leaseAge = ageMs(now, leaseBeatNanos);
            lease = stopped ? Health.LoopState.STOPPED
                    : now - leaseBeatNanos >= LEASE_STALL_NANOS ? Health.LoopState.STALLED : Health.LoopState.ALIVE;
        }
        return new Health.Supervision(trigger, triggerAge, failures, lease, leaseAge);
    }

    private static int ageMs(long now, long beat) {
        return (int) Math.clamp((now - beat) / 1_000_000L, 0, Integer.MAX_VALUE);
    }

    /** The bound address (after {@link #start()}: with the actual port when bound to port 0). */
    public InetSocketAddress address() {
        if (server == null) {
            throw new IllegalStateException(name + ": built with serve(false), no CoAP endpoint");
        }
        return server.getEndpoints().getFirst().getAddress();
    }

    /** The trigger socket's address, or null when the agent has none. */
    public InetSocketAddress triggerAddress() {
        TriggerListener l = triggerListener;
        return l == null ? null : l.address();
    }

    /** Triggers refused because they were malformed, unauthenticated or for another agent. */
    public long rejectedTriggers() {
        return machine.rejectedTriggers();
    }

    /** Leases that lapsed without renewal since the agent started (each time it fell back to its safe cap). */
    public long leaseLapses() {
        return machine.leaseLapses();
    }

    /** The armed contingency table, or null. */
    public ContingencyTable armedTable() {
        synchronized (lock) {
            return machine.armed();
        }
    }

    /** The bound UDP port. */
    public int port() {
        return address().getPort();
    }

    public String name() {
        return name;
    }

    // ------------------------------------------------------------------------ state

    /** The GPUs and their ranges, read from the backend when the agent was built. */
    public Inventory inventory() {
        return inventory;
    }

    /** The per-GPU safe cap, clamped into each GPU's range. */
    public List<Double> safeCapsW() {
        return safeCapsW;
    }

    public LeaseState leaseState() {
        synchronized (lock) {
            return machine.state();
        }
    }

    /**
     * Each GPU's activity now. Reads the backend outside the agent's lock: a trigger must never wait behind the
     * utilisation, clock, temperature and throttle reads of every GPU (milliseconds on some drivers); a GPU whose
     * read fails reports unknown activity.
     */
    public List<GpuActivity> activity() {
        return machine.activity();
    }

    /** Current draw and limits. Reads the backend. */
    public PowerReport powerReport() {
        synchronized (lock) {
            return machine.powerReport();
        }
    }

    /** Current draw and limits with each GPU's activity (the extension block). Reads the backend. */
    public PowerReport powerReportWithActivity() {
        PowerReport r;
        synchronized (lock) {
            r = machine.powerReport();
        }
        return r.withActivity(machine.activity());
    }

    /** Whether the request asks for the smoothing extension and this agent serves it. */
    private boolean wantsSmoothing(CoapExchange ex) {
        return smoothingExtension && ex.getRequestOptions().getUriQuery().contains(GpuProtocol.QUERY_SMOOTHING);
    }

    /** The ack as the request asked for it: activity and smoothing status blocks only when asked. */
    private CapAck answer(CoapExchange ex, CapAck ack) {
        CapAck a = wantsSmoothing(ex) ? ack : ack.withSmoothing(List.of());
        return wantsActivity(ex) ? a.withActivity(activity()) : a;
    }

    /** Whether the request asks for the activity extension and this agent serves it. */
    private boolean wantsActivity(CoapExchange ex) {
        return activityExtension && ex.getRequestOptions().getUriQuery().contains(GpuProtocol.QUERY_ACTIVITY);
    }

    public Health health() {
        // No lock: a loop stuck in the GPU driver holds the agent's lock, and that is when /health matters most.
        AgentStateMachine.HealthState h = machine.healthState();
        int since = h.hasSession()
                ? (int) Math.min(Integer.MAX_VALUE, Math.max(0, (nanoTime.getAsLong() - h.lastCommandNanos()) / 1_000_000_000L))
                : Health.NEVER;
        return new Health(h.state(), since, h.hasSession() ? h.session() : 0,
                h.hasSession() ? h.lastSequence() : Health.NO_SEQUENCE, safeCapsW, h.lastRejectedReason(), supervision());
    }

    /** Notifies the observers of {@code /power} (they receive a fresh {@link PowerReport}). */
    public void publishPower() {
        synchronized (scheduleLock) {
            if (!started || closed || server == null) {
                return;
            }
        }
        powerResource.changed();
    }

    /**
     * If the lease has lapsed (clock at or past its expiry), applies the safe cap to every GPU,
     * logs it, sets the state to {@link LeaseState#SAFE_CAP} (or {@link LeaseState#UNCAPPED}
     * when the safe cap is every GPU's default) and notifies {@code /power} observers. Also
     * retries a safe cap that the backend failed to apply. A timer calls this unless
     * {@link Builder#automaticLeaseCheck(boolean)} is off; tests call it directly.
     *
     * @return whether a lease lapsed in this call
     */
    public boolean checkLease() {
        AgentStateMachine.LeaseCheck check;
        synchronized (lock) {
            check = machine.checkLease();
        }
        if (check != AgentStateMachine.LeaseCheck.NONE) {
            publishPower();
        }
        return check == AgentStateMachine.LeaseCheck.LAPSED;
    }

    // ------------------------------------------------------------------------ cap commands and contingency tables

    /** What became of a cap command or a contingency table, in CoAP terms. */
    sealed interface CapOutcome {
    }

    record Accepted(CapAck ack) implements CapOutcome {
    }

    record Rejected(ResponseCode code, String reason) implements CapOutcome {
    }

    record Armed(ContingencyAck ack) implements CapOutcome {
    }

    /** The state machine's answer in CoAP terms. */
    private static CapOutcome outcome(AgentStateMachine.CapResult r) {
        return switch (r) {
            case AgentStateMachine.Capped c -> new Accepted(c.ack());
            case AgentStateMachine.Armed a -> new Armed(a.ack());
            case AgentStateMachine.Refused f -> new Rejected(switch (f.refusal()) {
                case INVALID -> ResponseCode.BAD_REQUEST;
                case STALE -> ResponseCode.CONFLICT;
                case FAILED -> ResponseCode.INTERNAL_SERVER_ERROR;
            }, f.reason());
        };
    }

    /** Decodes and applies a {@code POST /cap} payload. */
    CapOutcome handleCap(byte[] payload) {
        AgentStateMachine.CapResult r;
        synchronized (lock) {
            r = machine.cap(payload);
        }
        return afterCap(r);
    }

    /** Validates and applies a decoded command: everything or nothing. */
    CapOutcome apply(CapCommand command) {
        AgentStateMachine.CapResult r;
        synchronized (lock) {
            r = machine.cap(command);
        }
        return afterCap(r);
    }

    private CapOutcome afterCap(AgentStateMachine.CapResult r) {
        if (r instanceof AgentStateMachine.Capped) {
            synchronized (scheduleLock) {
                scheduleLeaseCheckLocked();
            }
            publishPower();
        }
        return outcome(r);
    }

    /** Decodes and arms a {@code POST /contingency} payload: everything or nothing. */
    CapOutcome handleContingency(byte[] payload) {
        return arm(null, payload);
    }

    /**
     * Validates and arms a decoded table. On success the outcome is an {@link Armed}, and the trigger socket listens
     * to the table's multicast group (or to none). A group that cannot be joined is logged; the agent still answers
     * the unicast triggers the appliance sends to whoever is silent.
     */
    CapOutcome arm(ContingencyTable table) {
        return arm(table, null);
    }

    /** Arms {@code decoded}, or else decodes and arms {@code payload}; registers the agent id with the trigger socket. */
    private CapOutcome arm(ContingencyTable decoded, byte[] payload) {
        TriggerListener listener = triggerListener;
        int port = listener == null ? 0 : listener.port();
        AgentStateMachine.CapResult r;
        ContingencyTable table;
        synchronized (lock) {
            r = decoded != null ? machine.arm(decoded, port) : machine.arm(payload, port);
            table = machine.armed();
            if (r instanceof AgentStateMachine.Armed a && !a.retry() && listener != null) {
                ContingencyTable previous = a.replaced();
                if (previous != null && previous.agentId() != table.agentId()) {
                    listener.unregister(previous.agentId(), this);
                }
                listener.register(table.agentId(), this);
            }
        }
        if (r instanceof AgentStateMachine.Armed && listener != null) {
            try {
                listener.listen(this, table.multicast());
            } catch (java.io.UncheckedIOException e) {
                LOG.error("{}: {}; its group triggers will not reach this agent, unicast triggers still do", name,
                        e.getMessage());
            }
        }
        return outcome(r);
    }

    /**
     * Arms {@code table} in-process, as {@code POST /contingency} would (for agents built with
     * {@code serve(false)}).
     *
     * @throws IllegalArgumentException with the agent's diagnostic if the table is refused
     */
    public ContingencyAck armInProcess(ContingencyTable table) {
        return switch (arm(table)) {
            case Armed a -> a.ack();
            case Rejected r -> throw new IllegalArgumentException(r.reason());
            case Accepted a -> throw new IllegalStateException("unexpected " + a);
        };
    }

    // ------------------------------------------------------------------------ triggers

    /**
     * Handles a {@link Trigger} datagram (from the trigger socket or {@code POST /trigger}): see
     * {@link AgentStateMachine#trigger}. Anything not authentic changes nothing, is logged (the first and then every
     * power-of-two occurrence) and gets no answer.
     */
    TriggerOutcome handleTrigger(byte[] datagram) {
        TriggerOutcome outcome;
        synchronized (lock) {
            outcome = machine.trigger(datagram);
        }
        afterTrigger(outcome);
        return outcome;
    }

    /** Handles a {@link GroupTrigger} datagram from the multicast group this agent is armed with. */
    TriggerOutcome handleGroupTrigger(byte[] datagram) {
        return handleGroupTrigger(datagram, null);
    }

    /**
     * The same, where {@code checked} is a group key these very bytes were already found authentic with (by the
     * socket, for another agent it hosts): see {@link AgentStateMachine#groupTrigger}.
     */
    TriggerOutcome handleGroupTrigger(byte[] datagram, TriggerKey checked) {
        TriggerOutcome outcome;
        synchronized (lock) {
            outcome = machine.groupTrigger(datagram, checked);
        }
        afterTrigger(outcome);
        return outcome;
    }

    private void afterTrigger(TriggerOutcome outcome) {
        if (outcome.status() == TriggerAck.Status.APPLIED) {
            synchronized (scheduleLock) {
                if (leaseTaskPeriodMs != leaseCheckPeriodMs()) {
                    scheduleLeaseCheckLocked(); // otherwise the running timer already checks often enough
                }
            }
            publishPower();
        }
    }

    // ------------------------------------------------------------------------ timers

    private void scheduleLeaseCheckLocked() {
        if (!automaticLeaseCheck || closed || !started) {
            return;
        }
        if (leaseTask != null) {
            leaseTask.cancel(false);
        }
        try {
            leaseTaskPeriodMs = leaseCheckPeriodMs();
            leaseTask = executors.main().schedule(this::leaseTick, leaseTaskPeriodMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("{}: executor shut down, lease timer not rescheduled", name);
        }
    }

    private void leaseTick() {
        leaseBeatNanos = supervisionNanoTime.getAsLong();
        try {
            checkLease();
        } catch (RuntimeException e) {
            LOG.error("{}: lease check failed", name, e);
        } finally {
            synchronized (scheduleLock) {
                scheduleLeaseCheckLocked();
            }
        }
    }

    private long leaseCheckPeriodMs() {
        synchronized (lock) {
            return machine.leaseCheckPeriodMs();
        }
    }

    // ------------------------------------------------------------------------ helpers

    private static String fmtList(List<Double> w) {
        return AgentStateMachine.fmtList(w);
    }


    private static List<Double> resolveSafeCaps(Builder b, Inventory inv) {
        int n = inv.gpuCount();
        List<Double> requested;
        if (b.safeCapsW != null) {
            if (b.safeCapsW.size() != n) {
                throw new IllegalArgumentException(
                        b.safeCapsW.size() + " safe caps configured but the backend has " + n + " GPUs");
            }
            requested = b.safeCapsW;
        } else if (b.uniformSafeCapW != null) {
            requested = Collections.nCopies(n, b.uniformSafeCapW);
        } else {
            requested = inv.gpus().stream().map(GpuLimits::minW).toList();
        }
        List<Double> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double want = Wire.watts("safe cap for GPU " + i, requested.get(i));
            GpuLimits range = inv.gpu(i);
            double got = range.clamp(want);
            if (got != want) {
                LOG.warn("{}: safe cap {} W for GPU {} outside {}; clamped to {} W", b.name, Wire.fmtW(want), i,
                        range.rangeText(), Wire.fmtW(got));
            }
            out.add(got);
        }
        return List.copyOf(out);
    }

    /** The format the request's Accept option asks for, or empty if it is not one we serve. */
    private static OptionalInt negotiate(CoapExchange ex) {
        int accept = ex.getRequestOptions().getAccept();
        return switch (accept) {
            case MediaTypeRegistry.UNDEFINED, GpuProtocol.FORMAT_BINARY -> OptionalInt.of(GpuProtocol.FORMAT_BINARY);
            case GpuProtocol.FORMAT_JSON, GpuProtocol.FORMAT_TEXT -> OptionalInt.of(accept);
            default -> OptionalInt.empty();
        };
    }

    private static void notAcceptable(CoapExchange ex) {
        ex.respond(ResponseCode.NOT_ACCEPTABLE, "Accept " + ex.getRequestOptions().getAccept()
                + " not supported; use 42 (binary), 50 (JSON) or 0 (JSON as text/plain)", GpuProtocol.FORMAT_TEXT);
    }

    private static void respond(CoapExchange ex, ResponseCode code, Message m, int format) {
        if (format == GpuProtocol.FORMAT_BINARY) {
            ex.respond(code, m.encode(), format);
        } else {
            ex.respond(code, m.toJson(), format);
        }
    }

    /**
     * With certificates, the agent serves the appliance alone: a peer whose certificate does not carry
     * {@link PeerIdentity#APPLIANCE} (another agent's, say: root on one GPU server) gets 4.03 and nothing changes.
     * Plain CoAP ({@code security: none}) and DTLS-PSK (this agent's own key, shared with the appliance alone) name
     * no role.
     */
    private boolean forbidden(CoapExchange ex, String what) {
        java.security.Principal peer = ex.advanced().getRequest().getSourceContext().getPeerIdentity();
        if (!(peer instanceof org.eclipse.californium.elements.auth.X509CertPath path)) {
            return false;
        }
        java.security.cert.X509Certificate leaf = path.getTarget();
        if (PeerIdentity.of(leaf).appliance()) {
            return false;
        }
        String why = "forbidden: " + PeerIdentity.describe(leaf) + " is not the appliance; only a certificate with "
                + PeerIdentity.APPLIANCE + " may " + what + " this agent";
        long n = forbiddenRequests.incrementAndGet();
        if (Long.bitCount(n) == 1) {
            LOG.warn("{}: refused a request from {}: {} ({} so far)", name, ex.getSourceSocketAddress(), why, n);
        }
        ex.respond(ResponseCode.FORBIDDEN, why, GpuProtocol.FORMAT_TEXT);
        return true;
    }

    /** Requests refused because the peer's certificate is not the appliance's. */
    public long forbiddenRequests() {
        return forbiddenRequests.get();
    }

    private void serveGet(CoapExchange ex, Supplier<Message> read) {
        if (forbidden(ex, "read")) {
            return;
        }
        OptionalInt format = negotiate(ex);
        if (format.isEmpty()) {
            notAcceptable(ex);
            return;
        }
        Message m;
        try {
            m = read.get();
        } catch (RuntimeException e) {
            LOG.error("{}: backend read failed", name, e);
            ex.respond(ResponseCode.INTERNAL_SERVER_ERROR, "backend error: " + e.getMessage(), GpuProtocol.FORMAT_TEXT);
            return;
        }
        respond(ex, ResponseCode.CONTENT, m, format.getAsInt());
    }

    private final class GpusResource extends CoapResource {
        GpusResource() {
            super(GpuProtocol.RESOURCE_GPUS);
            getAttributes().setTitle("GPU inventory");
        }

        @Override
        public void handleGET(CoapExchange ex) {
            serveGet(ex, NodeAgent.this::inventory);
        }
    }

    private final class PowerResource extends CoapResource {
        PowerResource() {
            super(GpuProtocol.RESOURCE_POWER);
            setObservable(true);
            setObserveType(Type.NON);
            getAttributes().setObservable();
            getAttributes().setTitle("GPU power and limits");
        }

        @Override
        public void handleGET(CoapExchange ex) {
            serveGet(ex, wantsActivity(ex) ? NodeAgent.this::powerReportWithActivity : NodeAgent.this::powerReport);
        }
    }

    private final class HealthResource extends CoapResource {
        HealthResource() {
            super(GpuProtocol.RESOURCE_HEALTH);
            getAttributes().setTitle("agent health");
        }

        @Override
        public void handleGET(CoapExchange ex) {
            serveGet(ex, NodeAgent.this::health);
        }
    }

    /**
     * A binary command POST ({@code /cap}, {@code /contingency}): checks the content format and the Accept option,
     * runs {@code handle} on the payload, and answers 2.04 with its acknowledgement or the rejection's code and
     * reason; a failure of the agent itself answers 5.00.
     */
    private void postCommand(CoapExchange ex, String what, java.util.function.Function<byte[], CapOutcome> handle) {
        if (forbidden(ex, "command")) {
            return;
        }
        int contentFormat = ex.getRequestOptions().getContentFormat();
        if (contentFormat != MediaTypeRegistry.UNDEFINED && contentFormat != GpuProtocol.FORMAT_BINARY) {
            ex.respond(ResponseCode.UNSUPPORTED_CONTENT_FORMAT, what + " must be application/octet-stream ("
                    + GpuProtocol.FORMAT_BINARY + "), got content format " + contentFormat, GpuProtocol.FORMAT_TEXT);
            return;
        }
        OptionalInt format = negotiate(ex);
        if (format.isEmpty()) {
            notAcceptable(ex);
            return;
        }
        CapOutcome outcome;
        try {
            outcome = handle.apply(ex.getRequestPayload());
        } catch (RuntimeException e) {
            LOG.error("{}: {} failed", name, what, e);
            ex.respond(ResponseCode.INTERNAL_SERVER_ERROR, "agent error: " + e, GpuProtocol.FORMAT_TEXT);
            return;
        }
        switch (outcome) {
            case Accepted a -> respond(ex, ResponseCode.CHANGED, answer(ex, a.ack()), format.getAsInt());
            case Armed a -> respond(ex, ResponseCode.CHANGED, a.ack(), format.getAsInt());
            case Rejected r -> ex.respond(r.code(), r.reason(), GpuProtocol.FORMAT_TEXT);
        }
    }

    private final class CapResource extends CoapResource {
        CapResource() {
            super(GpuProtocol.RESOURCE_CAP);
            getAttributes().setTitle("power caps (POST CapCommand)");
        }

        @Override
        public void handlePOST(CoapExchange ex) {
            postCommand(ex, "cap command", NodeAgent.this::handleCap);
        }
    }

    private final class ContingencyResource extends CoapResource {
        ContingencyResource() {
            super(GpuProtocol.RESOURCE_CONTINGENCY);
            getAttributes().setTitle("armed contingency table (POST ContingencyTable)");
        }

        @Override
        public void handlePOST(CoapExchange ex) {
            postCommand(ex, "contingency table", NodeAgent.this::handleContingency);
        }
    }

    private final class TriggerResource extends CoapResource {
        TriggerResource() {
            super(GpuProtocol.RESOURCE_TRIGGER);
            getAttributes().setTitle("apply an armed contingency (POST Trigger)");
        }

        @Override
        public void handlePOST(CoapExchange ex) {
            if (forbidden(ex, "trigger")) {
                return;
            }
            OptionalInt format = negotiate(ex);
            if (format.isEmpty()) {
                notAcceptable(ex);
                return;
            }
            TriggerOutcome outcome = handleTrigger(ex.getRequestPayload());
            if (outcome.ack() == null) {
                ex.respond(ResponseCode.UNAUTHORIZED, outcome.refusal(), GpuProtocol.FORMAT_TEXT);
                return;
            }
            if (format.getAsInt() == GpuProtocol.FORMAT_BINARY) {
                ex.respond(ResponseCode.CHANGED, outcome.ack(), GpuProtocol.FORMAT_BINARY);
            } else {
                try {
                    ex.respond(ResponseCode.CHANGED, TriggerAck.decode(outcome.ack()).toJson(), format.getAsInt());
                } catch (ProtocolException e) {
                    ex.respond(ResponseCode.INTERNAL_SERVER_ERROR, "agent error: " + e.getMessage(),
                            GpuProtocol.FORMAT_TEXT);
                }
            }
        }
    }

    // ------------------------------------------------------------------------ builder

    /** Configures a {@link NodeAgent}; {@link #build()} creates it, {@link #start()} also starts it. */
    public static final class Builder {
        private final GpuBackend backend;
        private InetSocketAddress bindAddress = new InetSocketAddress(GpuProtocol.DEFAULT_PORT);
        private CoapEndpoint endpoint;
        private Configuration configuration;
        private CoapExecutors executors;
        private List<Double> safeCapsW;
        private Double uniformSafeCapW;
        private LongSupplier nanoTime = SystemTime.NANOS;
        private LongSupplier supervisionNanoTime = SystemTime.NANOS;
        private boolean automaticLeaseCheck = true;
        private boolean activityExtension = true;
        private boolean smoothingExtension = true;
        private Duration powerPublishInterval = Duration.ofSeconds(1);
        private Duration maxLease = Duration.ofSeconds(60);
        private String name = "node-agent";
        private boolean serve = true;
        private InetSocketAddress triggerBindAddress;
        private TriggerListener triggerListener;

        private Builder(GpuBackend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
        }

        /** Where to listen (UDP); port 0 picks an ephemeral port. Default: wildcard, port 5683. */
        public Builder bindAddress(InetSocketAddress address) {
            this.bindAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * A ready-made endpoint (for example a DTLS one built with Scandium) instead of the
         * plain UDP endpoint on {@link #bindAddress}. The agent owns it and destroys it on close.
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

        /** Executors shared with other agents/clients; the agent does not shut them down. */
        public Builder sharedExecutors(CoapExecutors executors) {
            this.executors = Objects.requireNonNull(executors, "executors");
            return this;
        }

        /** The same safe cap for every GPU, W (clamped into each GPU's range). */
        public Builder safeCapW(double watts) {
            this.uniformSafeCapW = watts;
            this.safeCapsW = null;
            return this;
        }

        /**
         * One safe cap per GPU, W (clamped into each GPU's range). Default when neither this
         * nor {@link #safeCapW(double)} is set: each GPU's minimum.
         */
        public Builder safeCapsW(List<Double> perGpu) {
            this.safeCapsW = List.copyOf(perGpu);
            this.uniformSafeCapW = null;
            return this;
        }

        /** Monotonic clock in nanoseconds (leases, commands, contingency epochs); default {@link SystemTime#NANOS}. */
        public Builder nanoTime(LongSupplier nanoTime) {
            this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
            return this;
        }

        /**
         * Monotonic clock of the loops' supervision (the lease timer's and the trigger loop's heartbeats, and
         * {@link NodeAgent#supervision()}); default {@link SystemTime#NANOS}. Apart from {@link #nanoTime}, since the
         * loops' threads run in real time while a test moves the lease clock by hand.
         */
        public Builder supervisionNanoTime(LongSupplier nanoTime) {
            this.supervisionNanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
            return this;
        }

        /** Whether a timer calls {@link NodeAgent#checkLease()}; default on. */
        public Builder automaticLeaseCheck(boolean on) {
            this.automaticLeaseCheck = on;
            return this;
        }

        /**
         * Whether the agent serves the activity extension block when asked ({@link GpuProtocol#QUERY_ACTIVITY}).
         * Default on; off, the agent answers as a version-1 agent does (tests of mixed versions).
         */
        public Builder activityExtension(boolean on) {
            this.activityExtension = on;
            return this;
        }

        /**
         * Whether the agent takes the smoothing extension ({@link GpuProtocol#QUERY_SMOOTHING}: power floors and ramp
         * limits in cap commands, applied through {@link GpuBackend#setSmoothing}). Default on; off, the agent answers
         * and refuses the block as a version-1 agent does (tests of mixed versions).
         */
        public Builder smoothingExtension(boolean on) {
            this.smoothingExtension = on;
            return this;
        }

        /** How often {@code /power} observers are notified; {@link Duration#ZERO} turns it off. Default 1 s. */
        public Builder powerPublishInterval(Duration interval) {
            if (interval.isNegative() || (!interval.isZero() && interval.toMillis() < 1)) {
                throw new IllegalArgumentException("power publish interval must be zero or at least 1 ms: " + interval);
            }
            this.powerPublishInterval = interval;
            return this;
        }

        /** Longest lease the agent accepts (longer ones get 4.00). Default 60 s. */
        public Builder maxLease(Duration maxLease) {
            if (maxLease.toMillis() < 1) {
                throw new IllegalArgumentException("max lease must be at least 1 ms: " + maxLease);
            }
            this.maxLease = maxLease;
            return this;
        }

        /**
         * Whether the agent serves CoAP (default true). Without it the agent has no endpoint and
         * is driven in-process and through a trigger socket (benchmarks hosting thousands of agents).
         */
        public Builder serve(boolean serve) {
            this.serve = serve;
            return this;
        }

        /** Opens the agent's own trigger socket (UDP) on {@code address} at start; port 0 = ephemeral. */
        public Builder triggerAddress(InetSocketAddress address) {
            this.triggerBindAddress = Objects.requireNonNull(address, "address");
            this.triggerListener = null;
            return this;
        }

        /** A trigger socket shared with other agents of this process (not closed by the agent). */
        public Builder triggerListener(TriggerListener listener) {
            this.triggerListener = Objects.requireNonNull(listener, "listener");
            this.triggerBindAddress = null;
            return this;
        }

        /** Name used in logs and thread names. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Creates the agent without binding; the GPUs are untouched until {@link NodeAgent#start()}. */
        public NodeAgent build() {
            return new NodeAgent(this);
        }

        /** {@code build().start()}. */
        public NodeAgent start() {
            return build().start();
        }
    }
}
