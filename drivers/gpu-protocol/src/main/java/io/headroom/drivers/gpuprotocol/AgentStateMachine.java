package io.headroom.drivers.gpuprotocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent's state machine: leases, the session's sequence window, the armed contingency tables (double
 * buffered) and their epochs, and the triggers that apply them, without any transport. {@link NodeAgent} is its
 * CoAP adapter (resources, content negotiation, the trigger socket, timers); this class has no Californium type,
 * starts no thread and opens no socket; time comes from the monotonic clock it is given (a {@link LongSupplier} of
 * nanoseconds: the agent's, a fake one in tests), read where the decision needs it (a lease counts from when its caps
 * were applied), and every answer is a record ({@link CapResult}, {@link TriggerOutcome}, {@link LeaseCheck}). The
 * GPUs are reached through the {@link GpuBackend} port it is built with.
 *
 * <p>Not thread-safe: the caller serialises calls (the agent holds one lock around each); {@link #healthState()} and
 * the counters may be read from any thread without it.
 *
 * <p>The trigger path ({@link #trigger}, {@link #groupTrigger}) allocates what it did inside the agent: the signed
 * acknowledgement and its outcome; the MACs use a per-agent scratch.
 */
final class AgentStateMachine {

    /** The agent's logger: its lines keep the name and the levels configured for {@link NodeAgent}. */
    private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);

    /** How long after a re-arm a trigger naming the previous epoch is still applied. */
    static final long PREVIOUS_EPOCH_GRACE_NANOS = 2_000_000_000L;

    /** Why a command or table was refused (the adapter maps it to a CoAP code: 4.00, 4.09, 5.00). */
    enum Refusal {
        /** Invalid: malformed, wrong GPU count, lease too long, a cap out of range. */
        INVALID,
        /** A stale sequence or epoch in the current session. */
        STALE,
        /** The backend failed while applying; the limits in force before were restored. */
        FAILED
    }

    /** What became of a cap command or a contingency table. */
    sealed interface CapResult {
    }

    /** A cap command applied. */
    record Capped(CapAck ack) implements CapResult {
    }

    /**
     * A contingency table armed: {@code retry} when it is the table already armed, sent again (nothing changed);
     * otherwise {@code replaced} is the table it replaces (null if none).
     */
    record Armed(ContingencyAck ack, boolean retry, ContingencyTable replaced) implements CapResult {
    }

    /** Refused: nothing applied or armed. */
    record Refused(Refusal refusal, String reason) implements CapResult {
    }

    /** What a lease check did. */
    enum LeaseCheck {
        /** Nothing to do. */
        NONE,
        /** The lease lapsed: the safe cap was applied. */
        LAPSED,
        /** No lease, but a safe cap the backend had failed to apply was applied again. */
        RETRIED
    }

    /** What {@code /health} reports, published whole by every change. */
    record HealthState(LeaseState state, boolean hasSession, long session, long lastSequence,
                       long lastCommandNanos, String lastRejectedReason) {
    }

    private final String name;
    private final GpuBackend backend;
    private final Inventory inventory;
    private final List<Double> safeCapsW;
    private final LeaseState fallbackState;
    private final long maxLeaseMs;
    private final LongSupplier nanoTime;
    private final long startNanos;

    private LeaseState state;
    private boolean safeCapsApplied;
    private boolean hasSession;
    private long session;
    private long lastSequence = Health.NO_SEQUENCE;
    private long lastCommandNanos;
    private long leaseExpiryNanos;
    private int leaseMs;
    private List<Double> commandedCapsW = List.of();
    private String lastRejectedReason = "";
    // contingencies
    private ContingencyTable armed;
    private boolean hasArmSession;
    private long armSession;
    private long armedEpoch = -1;
    private final Map<Integer, Long> appliedAtMs = new HashMap<>();
    /**
     * The table armed before the current one, in the same session: a trigger the appliance fired while a re-arm
     * was in flight still names it, and is applied from it (double-buffered tables).
     */
    private ContingencyTable previousArmed;
    private long previousArmedUntilNanos;
    private final Map<Integer, Long> previousAppliedAtMs = new HashMap<>();
    private final TriggerKey.Scratch triggerScratch = new TriggerKey.Scratch();
    private final AtomicLong rejectedTriggers = new AtomicLong();
    private final AtomicLong leaseLapses = new AtomicLong();
    private volatile HealthState healthState;
    /** Whether this agent accepts the smoothing extension block; off, it refuses it as a version-1 agent does. */
    private boolean smoothingExtension = true;
    /** GPUs whose smoothing this agent turned on (turned off again by a command without it, or a lapse). */
    private boolean[] smoothingOn;

    /**
     * @param safeCapsW    per GPU, within each GPU's range
     * @param maxLeaseMs   the longest lease accepted
     * @param nanoTime     the agent's monotonic clock; agent time ({@code agentTimeMs}) counts from its value now
     */
    AgentStateMachine(String name, GpuBackend backend, Inventory inventory, List<Double> safeCapsW, long maxLeaseMs,
                      LongSupplier nanoTime) {
        this.name = name;
        this.backend = backend;
        this.inventory = inventory;
        this.safeCapsW = List.copyOf(safeCapsW);
        this.fallbackState = isDefault(this.safeCapsW, inventory) ? LeaseState.UNCAPPED : LeaseState.SAFE_CAP;
        this.state = fallbackState;
        this.healthState = new HealthState(fallbackState, false, 0, Health.NO_SEQUENCE, 0, "");
        this.maxLeaseMs = maxLeaseMs;
        this.nanoTime = nanoTime;
        this.startNanos = nanoTime.getAsLong();
        this.smoothingOn = new boolean[inventory.gpuCount()];
    }

    /** Whether this agent takes the smoothing extension block of a cap command (default on). */
    void smoothingExtension(boolean on) {
        this.smoothingExtension = on;
    }

    // ------------------------------------------------------------------------ state

    LeaseState state() {
        return state;
    }

    List<Double> safeCapsW() {
        return safeCapsW;
    }

    /** The armed contingency table, or null. */
    ContingencyTable armed() {
        return armed;
    }

    /** What {@code /health} reports now (any thread, no lock). */
    HealthState healthState() {
        return healthState;
    }

    long rejectedTriggers() {
        return rejectedTriggers.get();
    }

    long leaseLapses() {
        return leaseLapses.get();
    }

    /** Current draw and limits, read from the backend. */
    PowerReport powerReport() {
        int n = inventory.gpuCount();
        List<GpuPower> gpus = new ArrayList<>(n);
        double total = 0;
        for (int i = 0; i < n; i++) {
            double p = backend.powerW(i);
            total += p;
            gpus.add(new GpuPower(p, backend.limitW(i)));
        }
        return new PowerReport(state, agentTimeMs(nanoTime.getAsLong()), total, gpus);
    }

    /** Each GPU's activity, read from the backend. */
    /** Each GPU's activity; called without the agent's lock (the backends are thread-safe), reads no state here. */
    List<GpuActivity> activity() {
        int n = inventory.gpuCount();
        GpuActivity[] a = new GpuActivity[n];
        for (int i = 0; i < n; i++) {
            GpuActivity g;
            try {
                g = backend.activity(i);
            } catch (RuntimeException e) { // telemetry only: a failed read never fails a report or a cap's answer
                g = null;
            }
            a[i] = g == null ? GpuActivity.UNKNOWN : g;
        }
        return List.of(a);
    }

    /** How often the lease should be checked: a tenth of the lease (10..1000 ms) while capped, else every second. */
    long leaseCheckPeriodMs() {
        return state == LeaseState.CAPPED ? Math.clamp(leaseMs / 10, 10, 1000) : 1000;
    }

    /** Agent time: ms since the agent started, never negative. */
    long agentTimeMs(long nanos) {
        return Math.max(0, (nanos - startNanos) / 1_000_000L);
    }

    // ------------------------------------------------------------------------ leases

    /** Applies the safe cap to every GPU (at start, at an orderly stop, when a lease lapses). */
    void applySafeCaps() {
        boolean ok = true;
        for (int i = 0; i < safeCapsW.size(); i++) {
            try {
                backend.setLimitW(i, safeCapsW.get(i));
            } catch (RuntimeException e) {
                ok = false;
                LOG.error("{}: could not apply safe cap {} W to GPU {} (will retry)", name,
                        Wire.fmtW(safeCapsW.get(i)), i, e);
            }
        }
        state = fallbackState;
        publishHealth();
        safeCapsApplied = ok;
        commandedCapsW = List.of();
        smoothingOff(); // a floor must not outlive the lease that set it
    }

    /** Turns off the smoothing this agent turned on; a failure is logged (the safe cap still wins over a floor). */
    private void smoothingOff() {
        for (int i = 0; i < smoothingOn.length; i++) {
            if (smoothingOn[i]) {
                try {
                    backend.setSmoothing(i, GpuSmoothing.OFF);
                    smoothingOn[i] = false;
                } catch (RuntimeException e) {
                    LOG.error("{}: could not turn power smoothing off on GPU {} (tried again at the next command or lapse)", name, i, e);
                }
            }
        }
    }

    /**
     * Applies {@code cmd}'s smoothing after its caps: per GPU, whether it was applied. A GPU without smoothing, or
     * whose backend refuses it, keeps its cap alone; a command without the block turns smoothing off.
     */
    private List<SmoothingStatus> applySmoothing(CapCommand cmd) {
        int n = cmd.gpuCount();
        if (cmd.smoothing().isEmpty()) {
            smoothingOff();
            return java.util.Collections.nCopies(n, SmoothingStatus.NONE);
        }
        List<SmoothingStatus> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            GpuSmoothing s = cmd.smoothing().get(i);
            boolean supported;
            try {
                supported = backend.supportsSmoothing(i);
            } catch (RuntimeException e) {
                supported = false;
            }
            if (!supported) {
                out.add(s.enabled() ? SmoothingStatus.UNSUPPORTED : SmoothingStatus.NONE);
                continue;
            }
            try {
                backend.setSmoothing(i, s);
                smoothingOn[i] = s.enabled();
                out.add(s.enabled() ? SmoothingStatus.APPLIED : SmoothingStatus.NONE);
            } catch (RuntimeException e) {
                LOG.warn("{}: power smoothing {} on GPU {} failed; the cap alone applies", name, s, i, e);
                out.add(SmoothingStatus.FAILED);
            }
        }
        return out;
    }

    /**
     * If the lease has lapsed (the clock at or past its expiry), applies the safe cap to every GPU and falls
     * back to {@link LeaseState#SAFE_CAP} (or {@link LeaseState#UNCAPPED} when the safe cap is every GPU's
     * default); without a lease, retries a safe cap the backend failed to apply.
     */
    LeaseCheck checkLease() {
        long nowNanos = nanoTime.getAsLong();
        if (state == LeaseState.CAPPED) {
            if (nowNanos - leaseExpiryNanos >= 0) {
                applySafeCaps();
                LOG.warn("{}: lease of session {} sequence {} ({} ms) lapsed {} ms ago without renewal;"
                                + " applied safe caps {} W, state {}",
                        name, hex(session), lastSequence, leaseMs, (nowNanos - leaseExpiryNanos) / 1_000_000L,
                        fmtList(safeCapsW), state);
                leaseLapses.incrementAndGet();
                return LeaseCheck.LAPSED;
            }
        } else if (!safeCapsApplied) {
            applySafeCaps();
            return LeaseCheck.RETRIED;
        }
        return LeaseCheck.NONE;
    }

    // ------------------------------------------------------------------------ cap commands

    /** Decodes and applies a {@code POST /cap} payload. */
    CapResult cap(byte[] payload) {
        CapCommand command;
        try {
            command = CapCommand.decode(payload);
        } catch (ProtocolException e) {
            return reject(Refusal.INVALID, "malformed cap command: " + e.getMessage());
        }
        return cap(command);
    }

    /** Validates and applies a decoded command: everything or nothing. */
    CapResult cap(CapCommand cmd) {
        int n = inventory.gpuCount();
        if (!smoothingExtension && !cmd.smoothing().isEmpty()) {
            // What a version-1 agent's decoder said of the block.
            return reject(Refusal.INVALID, "malformed cap command: " + MessageType.CAP_COMMAND.displayName() + ": "
                    + Wire.smoothingBlockSize(cmd.smoothing()) + " unexpected trailing byte(s)");
        }
        if (cmd.gpuCount() != n) {
            return reject(Refusal.INVALID,
                    "cap command has " + cmd.gpuCount() + " caps but this node has " + n + " GPUs");
        }
        if (cmd.leaseMs() > maxLeaseMs) {
            return reject(Refusal.INVALID,
                    "lease " + cmd.leaseMs() + " ms exceeds this agent's maximum of " + maxLeaseMs + " ms");
        }
        List<String> outside = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double cap = cmd.capsW().get(i);
            GpuLimits range = inventory.gpu(i);
            if (!range.contains(cap)) {
                outside.add("cap " + Wire.fmtW(cap) + " W for GPU " + i + " outside " + range.rangeText());
            }
        }
        if (!outside.isEmpty()) {
            return reject(Refusal.INVALID, String.join("; ", outside));
        }
        boolean newSession = !hasSession || cmd.session() != session;
        if (!newSession && cmd.sequence() <= lastSequence) {
            return reject(Refusal.STALE, "stale sequence " + cmd.sequence() + " ≤ " + lastSequence);
        }

        int gpu = 0;
        try {
            for (; gpu < n; gpu++) {
                backend.setLimitW(gpu, cmd.capsW().get(gpu));
            }
        } catch (RuntimeException e) {
            LOG.error("{}: backend failed to apply cap {} W to GPU {}", name, Wire.fmtW(cmd.capsW().get(gpu)), gpu, e);
            restore();
            return reject(Refusal.FAILED, "failed to apply cap "
                    + Wire.fmtW(cmd.capsW().get(gpu)) + " W to GPU " + gpu + ": " + e.getMessage()
                    + "; previous limits restored");
        }

        if (newSession) {
            if (hasSession) {
                LOG.info("{}: appliance session {} replaces session {}: sequence window reset (was at {})",
                        name, hex(cmd.session()), hex(session), lastSequence);
            } else {
                LOG.info("{}: acquired by appliance session {}", name, hex(cmd.session()));
            }
        }
        long nowNanos = nanoTime.getAsLong();
        LeaseState previous = state;
        hasSession = true;
        session = cmd.session();
        lastSequence = cmd.sequence();
        lastCommandNanos = nowNanos;
        leaseMs = cmd.leaseMs();
        leaseExpiryNanos = nowNanos + leaseMs * 1_000_000L;
        commandedCapsW = cmd.capsW();
        state = LeaseState.CAPPED;
        publishHealth();
        safeCapsApplied = false;
        if (previous != LeaseState.CAPPED) {
            LOG.info("{}: capped by session {} sequence {} for {} ms: {} W", name, hex(session), lastSequence,
                    leaseMs, fmtList(commandedCapsW));
        } else {
            LOG.debug("{}: session {} sequence {} for {} ms: {} W", name, hex(session), lastSequence, leaseMs,
                    fmtList(commandedCapsW));
        }

        List<Double> applied = new ArrayList<>(n);
        double total = 0;
        try {
            for (int i = 0; i < n; i++) {
                applied.add(backend.limitW(i));
                total += backend.powerW(i);
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: caps applied but reading them back failed; acknowledging the commanded caps", name, e);
            applied = new ArrayList<>(commandedCapsW);
            total = 0;
        }
        List<SmoothingStatus> smoothing = smoothingExtension ? applySmoothing(cmd) : List.of();
        return new Capped(new CapAck(session, lastSequence, agentTimeMs(nowNanos), agentTimeMs(leaseExpiryNanos),
                total, applied, List.of(), smoothing));
    }

    private Refused reject(Refusal refusal, String reason) {
        lastRejectedReason = Health.truncateReason(reason);
        publishHealth();
        if (refusal == Refusal.STALE) { // a retry overtaken by a newer command: normal sequence progress
            LOG.debug("{}: refused cap command ({}): {}", name, code(refusal), reason);
        } else {
            LOG.warn("{}: refused cap command ({}): {}", name, code(refusal), reason);
        }
        return new Refused(refusal, reason);
    }

    /** The CoAP code a refusal is answered with, as the logs name it. */
    private static String code(Refusal r) {
        return switch (r) {
            case INVALID -> "4.00";
            case STALE -> "4.09";
            case FAILED -> "5.00";
        };
    }

    /** After a failed apply: put back the caps in force before (the lease's, or the safe cap). */
    private void restore() {
        if (state != LeaseState.CAPPED) {
            applySafeCaps();
            return;
        }
        for (int i = 0; i < commandedCapsW.size(); i++) {
            try {
                backend.setLimitW(i, commandedCapsW.get(i));
            } catch (RuntimeException e) {
                LOG.error("{}: could not restore cap {} W on GPU {}", name, Wire.fmtW(commandedCapsW.get(i)), i, e);
            }
        }
    }

    private void publishHealth() {
        healthState = new HealthState(state, hasSession, session, lastSequence, lastCommandNanos, lastRejectedReason);
    }

    // ------------------------------------------------------------------------ contingencies

    /** Decodes and arms a {@code POST /contingency} payload: everything or nothing. */
    CapResult arm(byte[] payload, int triggerPort) {
        ContingencyTable table;
        try {
            table = ContingencyTable.decode(payload);
        } catch (ProtocolException e) {
            return rejectArm(Refusal.INVALID, "malformed contingency table: " + e.getMessage());
        }
        return arm(table, triggerPort);
    }

    /**
     * Validates and arms a decoded table. {@code triggerPort} is the agent's trigger socket's port (0: none), for
     * the acknowledgement.
     */
    CapResult arm(ContingencyTable table, int triggerPort) {
        int n = inventory.gpuCount();
        if (!table.contingencies().isEmpty() && table.gpuCount() != n) {
            return rejectArm(Refusal.INVALID, "contingency table has " + table.gpuCount()
                    + " caps per contingency but this node has " + n + " GPUs");
        }
        if (table.leaseMs() > maxLeaseMs) {
            return rejectArm(Refusal.INVALID, "lease " + table.leaseMs()
                    + " ms exceeds this agent's maximum of " + maxLeaseMs + " ms");
        }
        List<String> outside = new ArrayList<>();
        for (ContingencyTable.Contingency c : table.contingencies()) {
            for (int i = 0; i < n; i++) {
                double cap = c.capsW().get(i);
                GpuLimits range = inventory.gpu(i);
                if (!range.contains(cap)) {
                    outside.add("contingency " + c.id() + ": cap " + Wire.fmtW(cap) + " W for GPU " + i
                            + " outside " + range.rangeText());
                }
            }
        }
        if (!outside.isEmpty()) {
            return rejectArm(Refusal.INVALID, String.join("; ", outside));
        }
        boolean newSession = !hasArmSession || table.session() != armSession;
        if (!newSession && table.epoch() == armedEpoch && table.equals(armed)) {
            // The appliance sends the same table again: its acknowledgement was lost. Acknowledge it again;
            // nothing changes (what was applied in this epoch stays applied).
            LOG.debug("{}: epoch {} armed again (a retry): acknowledged again", name, table.epoch());
            return new Armed(new ContingencyAck(table.session(), table.epoch(), table.agentId(),
                    table.contingencies().size(), triggerPort), true, null);
        }
        if (!newSession && table.epoch() <= armedEpoch) {
            return rejectArm(Refusal.STALE, "stale epoch " + table.epoch() + " ≤ " + armedEpoch);
        }
        if (newSession && hasArmSession) {
            LOG.info("{}: contingencies armed by session {} replace those of session {} (epoch window reset, was {})",
                    name, hex(table.session()), hex(armSession), armedEpoch);
        }
        ContingencyTable previous = armed;
        previousArmed = newSession ? null : previous;
        previousArmedUntilNanos = nanoTime.getAsLong() + PREVIOUS_EPOCH_GRACE_NANOS;
        previousAppliedAtMs.clear();
        if (!newSession) {
            previousAppliedAtMs.putAll(appliedAtMs);
        }
        hasArmSession = true;
        armSession = table.session();
        armedEpoch = table.epoch();
        armed = table;
        appliedAtMs.clear();
        LOG.debug("{}: armed epoch {} of session {}: {} contingencies, agent id {}", name, table.epoch(),
                hex(table.session()), table.contingencies().size(), table.agentId());
        return new Armed(new ContingencyAck(table.session(), table.epoch(), table.agentId(),
                table.contingencies().size(), triggerPort), false, previous);
    }

    private Refused rejectArm(Refusal refusal, String reason) {
        lastRejectedReason = Health.truncateReason(reason);
        publishHealth();
        if (refusal == Refusal.STALE) { // a table overtaken by a newer epoch: normal epoch progress
            LOG.debug("{}: refused contingency table ({}): {}", name, code(refusal), reason);
        } else {
            LOG.warn("{}: refused contingency table ({}): {}", name, code(refusal), reason);
        }
        return new Refused(refusal, reason);
    }

    // ------------------------------------------------------------------------ triggers (the fast path)

    /**
     * A {@link Trigger} datagram. An authentic trigger for the armed epoch, or for the epoch armed just before it
     * in the same session within {@link #PREVIOUS_EPOCH_GRACE_NANOS} of the re-arm (a re-arm crossed the trigger),
     * applies its contingency's caps once; repeats are acknowledged as {@link TriggerAck.Status#ALREADY_APPLIED}
     * and change nothing. Anything not authentic changes nothing and gets no acknowledgement.
     */
    TriggerOutcome trigger(byte[] d) {
        if (d.length != Trigger.SIZE || (d[0] & 0xFF) != GpuProtocol.VERSION
                || (d[1] & 0xFF) != MessageType.TRIGGER.code()) {
            return refuseTrigger("malformed trigger (" + d.length + " bytes" + (d.length >= 2
                    ? String.format(", version %d, type 0x%02X", d[0] & 0xFF, d[1] & 0xFF) : "") + ")");
        }
        ByteBuffer b = ByteBuffer.wrap(d);
        int agentId = b.getInt(Trigger.OFF_AGENT);
        long epoch = b.getLong(Trigger.OFF_EPOCH);
        int id = b.getShort(Trigger.OFF_ID) & 0xFFFF;
        ContingencyTable current = armed;
        if (current == null) {
            return refuseTrigger("trigger for agent " + agentId + " epoch " + epoch + " contingency " + id
                    + " but no contingency table is armed");
        }
        boolean fromPrevious = namesPrevious(epoch);
        ContingencyTable table = fromPrevious ? previousArmed : current;
        if (agentId != table.agentId()) {
            return refuseTrigger("trigger for agent id " + agentId + " but this agent is armed as "
                    + table.agentId());
        }
        if (!table.triggerKey().verify(triggerScratch, d, Trigger.MAC_OFFSET)) {
            return refuseTrigger("unauthenticated trigger (wrong MAC) for epoch " + epoch + " contingency " + id);
        }
        return applyTrigger(table, fromPrevious, epoch, id);
    }

    /**
     * Whether a trigger for {@code epoch} names the table armed before the current one: a re-arm crossed it, and
     * it came within {@link #PREVIOUS_EPOCH_GRACE_NANOS} of the re-arm.
     */
    private boolean namesPrevious(long epoch) {
        return epoch != armedEpoch && previousArmed != null && previousArmed.epoch() == epoch
                && nanoTime.getAsLong() - previousArmedUntilNanos < 0;
    }

    /**
     * A {@link GroupTrigger} datagram from the multicast group this agent is armed with. One for another group is
     * ignored without a word; one of this group that is authentic for the armed session is handled as a unicast
     * {@link Trigger} of the same epoch and contingency would be; one naming an older epoch than the armed table
     * (and not the previous one within the grace) changes nothing and gets no answer. {@code checked} is a group
     * key these very bytes were already found authentic with (or null): an equal key is not checked again.
     */
    TriggerOutcome groupTrigger(byte[] d, TriggerKey checked) {
        if (d.length != GroupTrigger.SIZE || (d[0] & 0xFF) != GpuProtocol.VERSION
                || (d[1] & 0xFF) != MessageType.GROUP_TRIGGER.code()) {
            return refuseTrigger("malformed group trigger (" + d.length + " bytes" + (d.length >= 2
                    ? String.format(", version %d, type 0x%02X", d[0] & 0xFF, d[1] & 0xFF) : "") + ")");
        }
        ByteBuffer b = ByteBuffer.wrap(d);
        int groupId = b.getShort(GroupTrigger.OFF_GROUP) & 0xFFFF;
        long session = b.getLong(GroupTrigger.OFF_SESSION);
        long epoch = b.getLong(GroupTrigger.OFF_EPOCH);
        int id = b.getShort(GroupTrigger.OFF_ID) & 0xFFFF;
        ContingencyTable current = armed;
        if (current == null || current.multicast() == null || current.multicast().groupId() != groupId) {
            return new TriggerOutcome(null, null, "not this agent's group"); // another group's: not a refusal
        }
        if (session != armSession) {
            return refuseTrigger("group trigger of session " + hex(session) + " but session " + hex(armSession)
                    + " is armed");
        }
        boolean fromPrevious = namesPrevious(epoch) && previousArmed.multicast() != null;
        ContingencyTable table = fromPrevious ? previousArmed : current;
        TriggerKey key = table.multicast().groupKey();
        if (!key.equals(checked) && !key.verify(triggerScratch, d, GroupTrigger.MAC_OFFSET)) {
            return refuseTrigger("unauthenticated group trigger (wrong MAC) for group " + groupId + " epoch " + epoch
                    + " contingency " + id);
        }
        if (!fromPrevious && epoch < armedEpoch) {
            TriggerOutcome refused = refuseTrigger("group trigger for epoch " + epoch + " older than the armed epoch "
                    + armedEpoch + " (a replay, or fired before the re-arm): not answered");
            return new TriggerOutcome(null, null, refused.refusal(), key);
        }
        TriggerOutcome o = applyTrigger(table, fromPrevious, epoch, id);
        return new TriggerOutcome(o.ack(), o.status(), o.refusal(), key);
    }

    /** Applies contingency {@code id} of an authentic trigger for {@code epoch} from {@code table}, and signs the answer. */
    private TriggerOutcome applyTrigger(ContingencyTable table, boolean fromPrevious, long epoch, int id) {
        Map<Integer, Long> applied = fromPrevious ? previousAppliedAtMs : appliedAtMs;
        int agentId = table.agentId();
        long nowNanos = nanoTime.getAsLong();
        long nowMs = agentTimeMs(nowNanos);
        TriggerAck.Status status;
        long atMs = nowMs;
        if (epoch != table.epoch()) {
            status = TriggerAck.Status.EPOCH_MISMATCH;
            LOG.warn("{}: trigger for epoch {} contingency {} but epoch {} is armed: nothing changed", name, epoch,
                    id, armedEpoch);
        } else if (applied.containsKey(id)) {
            status = TriggerAck.Status.ALREADY_APPLIED;
            atMs = applied.get(id);
            LOG.debug("{}: repeated trigger epoch {} contingency {} (applied at {} ms): nothing changed", name,
                    epoch, id, atMs);
        } else {
            ContingencyTable.Contingency c = table.contingency(id);
            if (c == null) {
                status = TriggerAck.Status.NOT_ARMED;
                LOG.warn("{}: trigger for contingency {} not in armed epoch {}: nothing changed", name, id, epoch);
            } else {
                status = applyContingency(table, c, nowNanos);
                if (status == TriggerAck.Status.APPLIED) {
                    applied.put(id, nowMs);
                    if (fromPrevious) {
                        LOG.info("{}: applied contingency {} from epoch {} (epoch {} was armed while it was fired)",
                                name, id, epoch, armedEpoch);
                    }
                }
            }
        }
        double total = 0;
        try {
            for (int i = 0; i < inventory.gpuCount(); i++) {
                total += backend.powerW(i);
            }
        } catch (RuntimeException e) {
            total = 0;
        }
        byte[] ack = TriggerAck.encodeSigned(agentId, epoch, id, status, atMs, total, table.triggerKey(),
                triggerScratch);
        return new TriggerOutcome(ack, status, null);
    }

    private TriggerAck.Status applyContingency(ContingencyTable table, ContingencyTable.Contingency c,
                                               long nowNanos) {
        int n = inventory.gpuCount();
        int gpu = 0;
        try {
            for (; gpu < n; gpu++) {
                backend.setLimitW(gpu, c.capsW().get(gpu));
            }
        } catch (RuntimeException e) {
            LOG.error("{}: backend failed to apply contingency {} cap {} W to GPU {}", name, c.id(),
                    Wire.fmtW(c.capsW().get(gpu)), gpu, e);
            restore();
            return TriggerAck.Status.FAILED;
        }
        leaseMs = table.leaseMs();
        leaseExpiryNanos = nowNanos + leaseMs * 1_000_000L;
        commandedCapsW = c.capsW();
        state = LeaseState.CAPPED;
        publishHealth();
        safeCapsApplied = false;
        if (LOG.isInfoEnabled()) {
            LOG.info("{}: triggered contingency {} of epoch {}: {} W for {} ms", name, c.id(), table.epoch(),
                    fmtList(c.capsW()), leaseMs);
        }
        return TriggerAck.Status.APPLIED;
    }

    private TriggerOutcome refuseTrigger(String why) {
        long count = rejectedTriggers.incrementAndGet();
        if (Long.bitCount(count) == 1) {
            LOG.warn("{}: ignored {}; nothing changed ({} refused trigger(s) so far)", name, why, count);
        }
        return new TriggerOutcome(null, null, why);
    }

    // ------------------------------------------------------------------------ helpers

    static String hex(long id) {
        return String.format("%016x", id);
    }

    static String fmtList(List<Double> w) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < w.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(Wire.fmtW(w.get(i)));
        }
        return b.append(']').toString();
    }

    private static boolean isDefault(List<Double> caps, Inventory inv) {
        for (int i = 0; i < caps.size(); i++) {
            if (caps.get(i) != inv.gpu(i).defaultW()) {
                return false;
            }
        }
        return true;
    }
}
