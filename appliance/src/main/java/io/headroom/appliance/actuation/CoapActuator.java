package io.headroom.appliance.actuation;

import io.headroom.appliance.measure.NodeActivity;
import io.headroom.appliance.measure.NodeTelemetry;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.headroom.drivers.gpuprotocol.AgentClient;
import io.headroom.drivers.gpuprotocol.AgentResponseException;
import io.headroom.drivers.gpuprotocol.CapAck;
import io.headroom.drivers.gpuprotocol.CapCommand;
import io.headroom.drivers.gpuprotocol.ContingencyAck;
import io.headroom.drivers.gpuprotocol.ContingencyTable;
import io.headroom.drivers.gpuprotocol.ContingencyTrigger;
import io.headroom.drivers.gpuprotocol.TriggerKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Caps through the node agents over CoAP. One session id per appliance run (a restarted appliance is a new
 * session, which agents accept, so it re-acquires them at once); a sequence number per node; at most one
 * command in flight per node, so they arrive in order. A cap is sent when it changes and renewed every
 * {@link #renewFraction} of the lease, so an appliance that stops leaves every agent to fall back to its safe
 * cap within one lease. Each acknowledgement carries the node's GPU power, which is the telemetry regulation
 * uses. With a {@link ContingencyTrigger}, it also arms each group's contingency plans on its agents (a table
 * per node: per feed of the group, the node's per-GPU cap if that feed is lost; a random trigger key per node
 * per session) and registers the acknowledged ones with the trigger, which the protection loop fires. With
 * {@code agents.multicast} each table also names the group's multicast address and this session's key for the group,
 * and the trigger holds the group's pre-encoded datagrams, so that a loss is fired to the whole group with one.
 */
public final class CoapActuator implements Actuator {

    private static final Logger log = LoggerFactory.getLogger(CoapActuator.class);
    private static final double renewFraction = 0.25;

    private final AgentClient client;
    private final java.util.function.LongSupplier nanoTime;
    private final long session;
    private final int leaseMs;
    private final long telemetryDeadlineNanos;
    private final Map<String, Channel> channels = new HashMap<>();
    private final Site site;
    private final ContingencyTrigger trigger;
    private final SecureRandom random = new SecureRandom();
    private volatile AckListener ackListener = AckListener.NONE;
    /** Whether this actuator sends GPU floors and ramp limits ({@link #carryGpuSmoothing}); off by default. */
    private volatile boolean carriesSmoothing;
    /** The floor and ramp limits each GPU should hold (null: smoothing off), sent with every cap command. */
    private volatile io.headroom.drivers.gpuprotocol.GpuSmoothing smoothing;
    /** GPUs acknowledged with their smoothing applied, and not applied (unsupported, failed, not offered). */
    private final java.util.concurrent.atomic.AtomicLong smoothingNotApplied = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong smoothingApplied = new java.util.concurrent.atomic.AtomicLong();
    /**
     * Start-up: from the first flush until every agent has acknowledged a cap (and armed a table, with a trigger),
     * or {@link #STARTUP_NANOS} has passed. An agent's misses before its first success are expected then (DTLS
     * handshakes, agents still starting): counted and logged at DEBUG, then summed up in one line at the end.
     */
    static final long STARTUP_NANOS = 30_000_000_000L;
    private volatile long firstFlushNanos = Long.MIN_VALUE;
    private volatile boolean startupOver;
    private final java.util.concurrent.atomic.AtomicLong startupCapMisses = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong startupArmMisses = new java.util.concurrent.atomic.AtomicLong();
    /** Per redundancy group (site order), this session's key for its multicast triggers; null without multicast. */
    private final TriggerKey[] groupKeys;
    private final java.net.InetAddress multicastAddress;

    /** Per-node state; fields written by the regulation thread and the client's completion threads. */
    private static final class Channel {
        final Node node;
        final InetSocketAddress address;
        volatile double desired = Double.NaN;
        volatile double sent = Double.NaN;
        volatile long sentAtNanos = Long.MIN_VALUE / 2;
        volatile boolean inFlight;
        volatile long sequence;
        volatile NodeTelemetry telemetry;
        volatile long telemetryAtNanos = Long.MIN_VALUE / 2;
        volatile long failures;
        final int slot;
        final TriggerKey key;
        /** Per contingency (feed index), this node's armed per-GPU cap; NaN where none. */
        volatile double[] armedCaps = new double[0];
        /** The table still to be armed on the agent (sent, and re-sent each flush until acknowledged), or null. */
        final java.util.concurrent.atomic.AtomicReference<Arming> pendingArm = new java.util.concurrent.atomic.AtomicReference<>();
        /** The table the agent acknowledged last (armed again as it is if the agent restarts), or null. */
        volatile Arming lastArmed;
        volatile boolean armInFlight;
        volatile long armFailures;
        /** The agent's clock (ms since it started) in its last answer: when it goes back, the agent restarted. */
        volatile long agentTimeMs = -1;
        volatile double holdCapW = Double.NaN;
        /** The highest cap sent since the last acknowledgement: an agent that went silent may have applied it. */
        volatile double unackedMaxW = Double.NaN;
        volatile long holdUntilNanos;
        /** Whether the agent has acknowledged a cap / armed a table since this appliance started. */
        volatile boolean everAcked;
        volatile boolean everArmed;

        Channel(Node node, int slot, TriggerKey key) {
            this.node = node;
            this.slot = slot;
            this.key = key;
            this.address = new InetSocketAddress(node.agent().host(), node.agent().port());
        }
    }

    /** One contingency table for one agent, and what the trigger and the hold need of it once acknowledged. */
    private record Arming(ContingencyTable table, double[] capsByFeed, int[] contingencyIds) {
    }

    /**
     * @param trigger  the fan-out that fires armed contingencies (null: no fast path, plans are not armed)
     * @param nanoTime the appliance's monotonic clock, ns (leases, holds, telemetry ages, round trips)
     */
    public CoapActuator(Site site, AgentClient client, ContingencyTrigger trigger, java.util.function.LongSupplier nanoTime) {
        this.nanoTime = java.util.Objects.requireNonNull(nanoTime, "nanoTime");
        this.site = site;
        this.trigger = trigger;
        this.client = client;
        this.session = new SecureRandom().nextLong() & Long.MAX_VALUE;
        this.leaseMs = (int) site.agents().leaseMs();
        this.telemetryDeadlineNanos = Math.max(1_000L, site.agents().leaseMs()) * 1_000_000L;
        for (int i = 0; i < site.nodes().size(); i++) {
            Node n = site.nodes().get(i);
            if (n.agent() != null) { // a Redfish node has no agent (RoutingActuator sends it elsewhere)
                channels.put(n.id(), new Channel(n, i, TriggerKey.random(random)));
            }
        }
        if (trigger != null && site.agents().multicast() != null) {
            try {
                this.multicastAddress = java.net.InetAddress.getByName(site.agents().multicast().host()); // a literal
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException("agents.multicast: " + e.getMessage(), e);
            }
            this.groupKeys = new TriggerKey[site.groups().size()];
            for (int g = 0; g < groupKeys.length; g++) {
                groupKeys[g] = TriggerKey.random(random);
            }
        } else {
            this.multicastAddress = null;
            this.groupKeys = null;
        }
    }

    /**
     * Turns on carrying GPU power floors and ramp limits ({@link #gpuSmoothing}) in the cap commands, through the
     * agent protocol's smoothing extension: an agent that offered it applies them (NVML power smoothing), any other
     * gets its caps alone. Off by default: the band controller counts on GPU floors only where this is on.
     */
    public CoapActuator carryGpuSmoothing(boolean on) {
        this.carriesSmoothing = on;
        if (!on) {
            this.smoothing = null;
        }
        return this;
    }

    @Override
    public boolean carriesGpuSmoothing() {
        return carriesSmoothing;
    }

    @Override
    public void gpuSmoothing(double floorW, double rampUpWPerS, double rampDownWPerS) {
        if (!carriesSmoothing) {
            return;
        }
        boolean none = Double.isNaN(floorW) && rampUpWPerS == Double.POSITIVE_INFINITY
                && rampDownWPerS == Double.POSITIVE_INFINITY;
        this.smoothing = none ? null : io.headroom.drivers.gpuprotocol.GpuSmoothing.on(
                Double.isNaN(floorW) ? 0 : Math.max(0, floorW), Math.max(rampUpWPerS, 1e-3),
                Math.max(rampDownWPerS, 1e-3)); // NaN-free: the band controller gives finite or infinite rates
    }

    /** GPUs whose agent acknowledged the floor and ramp limits as applied, and those where it could not, so far. */
    public long[] gpuSmoothingAcks() {
        return new long[] {smoothingApplied.get(), smoothingNotApplied.get()};
    }

    /** Agents holding the contingency table armed last: acknowledged, and nothing newer waiting (metrics). */
    public int armedAgents() {
        int n = 0;
        for (Channel c : channels.values()) {
            if (c.lastArmed != null && c.pendingArm.get() == null) {
                n++;
            }
        }
        return n;
    }

    /** The agents this actuator commands and arms. */
    public int agents() {
        return channels.size();
    }

    /** Told about every cap command's round trip (metrics); null: nobody. */
    public void onAck(AckListener l) {
        this.ackListener = l == null ? AckListener.NONE : l;
    }

    public long session() {
        return session;
    }

    @Override
    public void command(Node node, double capPerGpuW) {
        Channel c = channels.get(node.id());
        if (c == null) {
            throw new IllegalArgumentException("node " + node.id() + " has no agent");
        }
        double hold = c.holdCapW;
        if (!Double.isNaN(hold) && nanoTime.getAsLong() - c.holdUntilNanos < 0) {
            capPerGpuW = Math.min(capPerGpuW, hold); // a triggered contingency holds until regulation has seen the loss
        }
        c.desired = capPerGpuW;
    }

    @Override
    public void arm(ContingencyCaps d, List<Node> groupNodes) {
        if (trigger == null) {
            return;
        }
        long epoch = d.epoch();
        int group = groupIndex(d.groupId());
        ContingencyTable.Multicast multicast = groupKeys == null || group < 0 ? null
                : new ContingencyTable.Multicast(group, groupKeys[group], multicastAddress, site.agents().multicast().port());
        if (multicast != null) {
            int[] ids = new int[d.contingencies().size()];
            for (int k = 0; k < ids.length; k++) {
                ids[k] = feedIndex(d.contingencies().get(k).lostFeedId());
            }
            // the group's datagrams for this epoch: each agent counts as reached by them once it acknowledged it
            trigger.armedGroup(group, session, epoch, multicast.groupKey(), ids);
        }
        for (int i = 0; i < groupNodes.size(); i++) {
            Channel c = channels.get(groupNodes.get(i).id());
            if (c == null) {
                continue; // not an agent's node
            }
            List<ContingencyTable.Contingency> list = new ArrayList<>();
            double[] caps = new double[site.feeds().size()];
            java.util.Arrays.fill(caps, Double.NaN);
            int[] ids = new int[d.contingencies().size()];
            int k = 0;
            for (ContingencyCaps.Contingency p : d.contingencies()) {
                int feedIndex = feedIndex(p.lostFeedId());
                double cap = p.capsPerGpuW()[i];
                caps[feedIndex] = cap;
                ids[k++] = feedIndex;
                list.add(new ContingencyTable.Contingency(feedIndex, java.util.Collections.nCopies(c.node.gpus(), cap)));
            }
            c.pendingArm.set(new Arming(new ContingencyTable(session, epoch, c.slot, c.key, leaseMs, list, multicast),
                    caps, ids));
            sendArm(c);
        }
    }

    /**
     * Sends the channel's pending table unless an arm is in flight. Acknowledged: the trigger holds it. Not answered
     * (lost on the way or its answer lost): it stays pending and goes again at the next flush (an agent acknowledges
     * the same table twice). Refused: dropped with a warning (the next plan brings a new table).
     */
    private void sendArm(Channel c) {
        Arming a = c.pendingArm.get();
        if (a == null || c.armInFlight) {
            return;
        }
        c.armInFlight = true;
        long epoch = a.table().epoch();
        client.arm(c.address, a.table()).whenComplete((ContingencyAck ack, Throwable err) -> {
            if (err == null) {
                c.armedCaps = a.capsByFeed();
                c.lastArmed = a;
                trigger.armed(c.slot, new InetSocketAddress(c.address.getAddress(), ack.triggerPort()), epoch,
                        c.key, a.contingencyIds(), a.table().multicast() == null ? -1 : a.table().multicast().groupId());
                c.pendingArm.compareAndSet(a, null);
                c.everArmed = true;
                if (c.armFailures > 1 && startupOver) {
                    log.info("agent {} at {}: contingency epoch {} armed after {} failed attempts", c.node.id(),
                            c.address, epoch, c.armFailures);
                }
                c.armFailures = 0;
            } else {
                c.armFailures++;
                boolean refused = rootCause(err) instanceof AgentResponseException;
                if (refused) {
                    c.pendingArm.compareAndSet(a, null); // the agent said no: sending it again changes nothing
                }
                // a stale epoch refused (4.09) is normal progress: the agent holds a newer table already
                boolean stale = rootCause(err) instanceof AgentResponseException r
                        && "4.09".equals(r.codeText());
                boolean starting = !c.everArmed && !startupOver;
                if (starting) {
                    startupArmMisses.incrementAndGet();
                }
                // one unanswered attempt is routine (a handshake still under way, a lost datagram): it goes again at
                // the next tick; the second and then every power-of-two are worth a line
                if (stale || starting && !refused) {
                    log.debug("agent {} at {}: contingency epoch {} not armed: {}{}", c.node.id(), c.address, epoch,
                            rootMessage(err), refused ? "" : " (attempt " + c.armFailures + "; sent again at the next tick)");
                } else if (refused || c.armFailures > 1 && Long.bitCount(c.armFailures) == 1) {
                    log.warn("agent {} at {}: contingency epoch {} not armed: {}{}", c.node.id(), c.address, epoch,
                            rootMessage(err), refused ? "" : " (attempt " + c.armFailures + "; sent again at the next tick)");
                }
            }
            c.armInFlight = false;
        });
    }

    @Override
    public void holdContingency(int feedIndex, long nowNanos, long holdNanos) {
        for (Channel c : channels.values()) {
            double[] caps = c.armedCaps;
            if (feedIndex < caps.length && !Double.isNaN(caps[feedIndex])) {
                c.holdCapW = caps[feedIndex];
                c.holdUntilNanos = nowNanos + holdNanos;
            }
        }
    }

    private int groupIndex(String groupId) {
        for (int g = 0; g < site.groups().size(); g++) {
            if (site.groups().get(g).id().equals(groupId)) {
                return g;
            }
        }
        return -1;
    }

    private int feedIndex(String feedId) {
        for (int f = 0; f < site.feeds().size(); f++) {
            if (site.feeds().get(f).id().equals(feedId)) {
                return f;
            }
        }
        throw new IllegalArgumentException("no feed " + feedId);
    }

    @Override
    public void flush(long nowNanos) {
        startup(nowNanos);
        long renewNanos = (long) (leaseMs * renewFraction) * 1_000_000L;
        for (Channel c : channels.values()) {
            if (trigger != null && c.pendingArm.get() != null) {
                sendArm(c);
            }
            double want = c.desired;
            if (c.inFlight || Double.isNaN(want)) {
                continue;
            }
            boolean changed = Double.isNaN(c.sent) || Math.abs(want - c.sent) >= 0.5;
            if (changed || nowNanos - c.sentAtNanos >= renewNanos) {
                send(c, want, nowNanos);
            }
        }
    }

    /**
     * Ends start-up once every agent has answered (or {@link #STARTUP_NANOS} after the first flush), with one line:
     * DEBUG when all answered, WARN naming those that did not (their misses are logged as usual from then on).
     */
    private void startup(long nowNanos) {
        if (startupOver) {
            return;
        }
        if (firstFlushNanos == Long.MIN_VALUE) {
            firstFlushNanos = nowNanos;
        }
        List<String> silent = new java.util.ArrayList<>();
        List<String> unarmed = new java.util.ArrayList<>();
        for (Channel c : channels.values()) {
            if (!c.everAcked) {
                silent.add(c.node.id());
            }
            if (trigger != null && !c.everArmed) {
                unarmed.add(c.node.id());
            }
        }
        boolean allIn = silent.isEmpty() && unarmed.isEmpty();
        double s = (nowNanos - firstFlushNanos) / 1e9;
        if (!allIn && nowNanos - firstFlushNanos < STARTUP_NANOS) {
            return;
        }
        startupOver = true;
        String misses = String.format(java.util.Locale.ROOT, "%d cap command(s) and %d contingency arm(s) went "
                + "unanswered or were refused while they started", startupCapMisses.get(), startupArmMisses.get());
        if (allIn) {
            // a healthy start says nothing more (the bench prints its dashboard's address last)
            log.debug("agents: all {} acknowledged their caps{} within {} s of the first command ({})", channels.size(),
                    trigger == null ? "" : " and armed their contingency tables",
                    String.format(java.util.Locale.ROOT, "%.1f", s), misses);
        } else {
            java.util.Collections.sort(silent);
            java.util.Collections.sort(unarmed);
            log.warn("agents: {} s after the first command, {} of {} have not acknowledged a cap{}{} ({}); commands go on",
                    String.format(java.util.Locale.ROOT, "%.0f", s), silent.size(), channels.size(), first(silent),
                    unarmed.isEmpty() ? "" : ", " + unarmed.size() + " have no contingency table armed" + first(unarmed),
                    misses);
        }
    }

    private static String first(List<String> ids) {
        if (ids.isEmpty()) {
            return "";
        }
        return ": " + String.join(", ", ids.subList(0, Math.min(8, ids.size()))) + (ids.size() > 8 ? ", …" : "");
    }

    private void send(Channel c, double cap, long nowNanos) {
        c.inFlight = true;
        c.sentAtNanos = nowNanos;
        long seq = ++c.sequence;
        c.unackedMaxW = Double.isNaN(c.unackedMaxW) ? cap : Math.max(c.unackedMaxW, cap);
        CapCommand cmd = CapCommand.uniform(session, seq, leaseMs, c.node.gpus(), cap);
        io.headroom.drivers.gpuprotocol.GpuSmoothing sm = smoothing;
        if (sm != null) { // the client sends it only to agents that offered the extension
            cmd = cmd.withSmoothing(java.util.Collections.nCopies(c.node.gpus(), sm));
        }
        boolean withSmoothing = sm != null;
        long sentNanos = nanoTime.getAsLong();
        client.setCaps(c.address, cmd).whenComplete((CapAck ack, Throwable err) -> {
            try {
                ackListener.onCapAck(c.node, nanoTime.getAsLong() - sentNanos, err == null);
            } catch (RuntimeException ex) {
                log.warn("ack listener failed: {}", ex.toString());
            }
            if (err == null) {
                if (withSmoothing) {
                    for (io.headroom.drivers.gpuprotocol.SmoothingStatus st : ack.smoothing()) {
                        (st == io.headroom.drivers.gpuprotocol.SmoothingStatus.APPLIED ? smoothingApplied
                                : smoothingNotApplied).incrementAndGet();
                    }
                }
                noticeRestart(c, ack.agentTimeMs());
                c.sent = cap;
                c.telemetry = new NodeTelemetry(c.node.id(), ack.totalPowerW(),
                        ack.appliedLimitsW().isEmpty() ? cap : ack.appliedLimitsW().getFirst(), true,
                        NodeActivity.of(ack.activity()));
                c.telemetryAtNanos = nanoTime.getAsLong();
                c.unackedMaxW = Double.NaN;
                c.everAcked = true;
                if (c.failures > 0 && !startupOver) {
                    c.failures = 0;
                } else if (c.failures > 0) {
                    log.info("agent {} at {} answers again after {} failures", c.node.id(), c.address, c.failures);
                    c.failures = 0;
                }
            } else {
                c.failures++;
                boolean starting = !c.everAcked && !startupOver;
                // a stale sequence refused (4.09) is normal progress: a later command reached the agent first
                boolean stale = rootCause(err) instanceof AgentResponseException r && "4.09".equals(r.codeText());
                if (starting) {
                    startupCapMisses.incrementAndGet();
                }
                boolean refusedOtherwise = !stale && rootCause(err) instanceof AgentResponseException;
                if (stale || starting && !refusedOtherwise) {
                    log.debug("agent {} at {}: cap {} W not acknowledged{}: {} (failure {})", c.node.id(),
                            c.address, Math.round(cap), starting ? " while starting" : "", rootMessage(err), c.failures);
                } else if (c.failures == 1 || Long.bitCount(c.failures) == 1) {
                    log.warn("agent {} at {}: cap {} W not acknowledged: {} (failure {})", c.node.id(), c.address,
                            Math.round(cap), rootMessage(err), c.failures);
                }
            }
            c.inFlight = false;
        });
    }

    /**
     * An agent's clock runs from its start: an answer with an earlier time than the last means it restarted, with no
     * contingency table armed (and at its safe cap until this appliance's commands reach it). Its last table is
     * armed again at once rather than at the next re-plan.
     */
    private void noticeRestart(Channel c, long agentTimeMs) {
        long before = c.agentTimeMs;
        c.agentTimeMs = agentTimeMs;
        if (before >= 0 && agentTimeMs < before && trigger != null) {
            Arming last = c.lastArmed;
            boolean rearm = last != null && c.pendingArm.compareAndSet(null, last);
            log.warn("agent {} at {} restarted (its clock went back from {} to {} ms){}", c.node.id(), c.address,
                    before, agentTimeMs, rearm ? "; arming its contingency table (epoch " + last.table().epoch()
                            + ") again" : "");
        }
    }

    @Override
    public Optional<NodeTelemetry> telemetry(Node node, long nowNanos) {
        Channel c = channels.get(node.id());
        NodeTelemetry t = c == null ? null : c.telemetry;
        if (t == null) {
            return Optional.empty();
        }
        boolean fresh = nowNanos - c.telemetryAtNanos <= telemetryDeadlineNanos;
        if (fresh) {
            return Optional.of(t);
        }
        // Silent: its last known cap, conservatively the higher of what it acknowledged and what was sent since.
        double unacked = c.unackedMaxW;
        return Optional.of(new NodeTelemetry(t.nodeId(), t.gpuPowerW(),
                Double.isNaN(unacked) ? t.capPerGpuW() : Math.max(t.capPerGpuW(), unacked), false, t.activity()));
    }

    private static Throwable rootCause(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        return r;
    }

    private static String rootMessage(Throwable t) {
        Throwable r = rootCause(t);
        return r.getClass().getSimpleName() + ": " + r.getMessage();
    }

    @Override
    public void close() {
        client.close();
    }
}
