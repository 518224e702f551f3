package io.headroom.appliance.northbound;

import io.headroom.appliance.SiteState;
import org.eclipse.tahu.SparkplugInvalidTypeException;
import org.eclipse.tahu.message.SparkplugBPayloadEncoder;
import org.eclipse.tahu.message.model.Metric;
import org.eclipse.tahu.message.model.MetricDataType;
import org.eclipse.tahu.message.model.PropertyDataType;
import org.eclipse.tahu.message.model.PropertySet;
import org.eclipse.tahu.message.model.PropertyValue;
import org.eclipse.tahu.message.model.SparkplugBPayload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One MQTT session of the Sparkplug B edge node (Sparkplug 3.0): the births, the data by exception and the
 * sequence numbers, over an {@link Outbox}. Not thread-safe: everything runs on the northbound's one Vert.x context.
 * <ul>
 *   <li>{@link #birth()}: NBIRTH with {@code seq} 0, the session's {@code bdSeq} (the same as its NDEATH will's) and
 *       {@code Node Control/Rebirth}, then a DBIRTH per device; every metric's full value.</li>
 *   <li>{@link #data()}: per device, a DDATA with the metrics that changed since last sent (NDATA for the node's
 *       own); nothing when nothing changed.</li>
 *   <li>{@code seq}: 0 at NBIRTH, one more for every message after it, 255 wraps to 0; a DDATA dropped for a slow
 *       broker (below) takes no number (a host sees no gap for it); one whose write fails (a dying connection) has
 *       taken its number, so a host that sees the gap asks for a rebirth, as Sparkplug intends.</li>
 *   <li>A slow broker: while {@link #MAX_PENDING} messages are still not written to the socket, a DDATA is dropped
 *       and counted, its values left unsent so the next one carries them.</li>
 * </ul>
 */
public final class SparkplugSession {

    public static final String NAMESPACE = "spBv1.0";
    public static final String REBIRTH = "Node Control/Rebirth";
    public static final String BD_SEQ = "bdSeq";
    /** Messages handed to the socket and not yet written before a DDATA is dropped. */
    public static final int MAX_PENDING = 16;

    /** Where the session's messages go (the MQTT client; a test's). */
    public interface Outbox {
        /** Publishes; the stage completes when the message is written (fails when it cannot be). */
        CompletionStage<?> publish(String topic, byte[] payload, int qos);
    }

    /** Counters shared by the sessions of one edge node. */
    public static final class Stats {
        public final AtomicLong published = new AtomicLong();
        public final AtomicLong dropped = new AtomicLong();
        public final AtomicLong births = new AtomicLong();
        public final AtomicLong commandsRefused = new AtomicLong();
    }

    private final SparkplugModel model;
    private final Supplier<SiteState> state;
    private final Clock utc;
    private final Outbox out;
    private final String groupId;
    private final String edgeNodeId;
    private final long bdSeq;
    private final Stats stats;
    private int seq;
    private int pending;
    private boolean born;
    private final Map<String, Map<String, Object>> lastSent = new HashMap<>();

    public SparkplugSession(SparkplugModel model, Supplier<SiteState> state, Clock utc, Outbox out, String groupId,
                            String edgeNodeId, long bdSeq, Stats stats) {
        this.model = model;
        this.state = state;
        this.utc = utc;
        this.out = out;
        this.groupId = groupId;
        this.edgeNodeId = edgeNodeId;
        this.bdSeq = bdSeq;
        this.stats = stats;
    }

    public static String topic(String groupId, String type, String edgeNodeId) {
        return NAMESPACE + "/" + groupId + "/" + type + "/" + edgeNodeId;
    }

    public static String topic(String groupId, String type, String edgeNodeId, String deviceId) {
        return topic(groupId, type, edgeNodeId) + "/" + deviceId;
    }

    /** The NDEATH payload of a session with this {@code bdSeq} (the MQTT will): a timestamp and the bdSeq, no seq. */
    public static byte[] ndeath(long bdSeq, Clock utc) {
        SparkplugBPayload p = new SparkplugBPayload.SparkplugBPayloadBuilder()
                .setTimestamp(Date.from(utc.instant()))
                .addMetric(metric(BD_SEQ, MetricDataType.UInt64, java.math.BigInteger.valueOf(bdSeq), null, ""))
                .createPayload();
        return encode(p);
    }

    public long bdSeq() {
        return bdSeq;
    }

    /** NBIRTH (seq 0) then a DBIRTH per device, every value in full; also what a rebirth sends. */
    public void birth() {
        seq = 0;
        lastSent.clear();
        SiteState s = state.get();
        Date now = Date.from(utc.instant());
        Date at = s == null ? now : Date.from(s.utc());
        List<Metric> node = new ArrayList<>();
        node.add(metric(BD_SEQ, MetricDataType.UInt64, java.math.BigInteger.valueOf(bdSeq), now, ""));
        node.add(metric(REBIRTH, MetricDataType.Boolean, false, now, ""));
        Map<String, Object> nv = model.nodeValues(s);
        for (SparkplugModel.Def d : model.nodeDefs()) {
            node.add(metric(d, nv.get(d.name()), at, true));
        }
        send(topic(groupId, "NBIRTH", edgeNodeId), payload(now, node), true);
        lastSent.put("", nv);
        for (SparkplugModel.Device dev : model.devices()) {
            Map<String, Object> v = model.deviceValues(dev, s);
            List<Metric> ms = new ArrayList<>();
            for (SparkplugModel.Def d : dev.defs()) {
                ms.add(metric(d, v.get(d.name()), at, true));
            }
            send(topic(groupId, "DBIRTH", edgeNodeId, dev.id()), payload(now, ms), true);
            lastSent.put(dev.id(), v);
        }
        born = true;
        stats.births.incrementAndGet();
    }

    /** What changed since last sent: NDATA for the node's metrics, a DDATA per device; dropped while the broker lags. */
    public void data() {
        if (!born) {
            return;
        }
        SiteState s = state.get();
        if (s == null) {
            return;
        }
        Date now = Date.from(utc.instant());
        Date at = Date.from(s.utc());
        changed("", model.nodeDefs(), model.nodeValues(s), at, now, topic(groupId, "NDATA", edgeNodeId));
        for (SparkplugModel.Device dev : model.devices()) {
            changed(dev.id(), dev.defs(), model.deviceValues(dev, s), at, now,
                    topic(groupId, "DDATA", edgeNodeId, dev.id()));
        }
    }

    private void changed(String key, List<SparkplugModel.Def> defs, Map<String, Object> values, Date at, Date now,
                         String topic) {
        Map<String, Object> last = lastSent.get(key);
        List<Metric> ms = new ArrayList<>();
        for (SparkplugModel.Def d : defs) {
            Object v = values.get(d.name());
            if (last == null || !Objects.equals(last.get(d.name()), v)) {
                ms.add(metric(d, v, at, false));
            }
        }
        if (ms.isEmpty()) {
            return;
        }
        if (pending >= MAX_PENDING) {
            stats.dropped.incrementAndGet();
            return; // lastSent unchanged: the next DDATA carries these values
        }
        send(topic, payload(now, ms), false);
        lastSent.put(key, values);
    }

    private SparkplugBPayload payload(Date now, List<Metric> ms) {
        return new SparkplugBPayload.SparkplugBPayloadBuilder().setTimestamp(now).setSeq((long) seq).addMetrics(ms)
                .createPayload();
    }

    private void send(String topic, SparkplugBPayload p, boolean birth) {
        byte[] bytes = encode(p);
        seq = (seq + 1) % 256;
        pending++;
        out.publish(topic, bytes, 0).whenComplete((r, e) -> {
            pending--;
            if (e == null) {
                stats.published.incrementAndGet();
            } else {
                stats.dropped.incrementAndGet();
            }
        });
    }

    /** Messages handed over and not yet written. */
    public int pending() {
        return pending;
    }

    /** The seq the next message gets. */
    public int nextSeq() {
        return seq;
    }

    private static Metric metric(SparkplugModel.Def d, Object value, Date at, boolean birth) {
        MetricDataType t = switch (d.type()) {
            case DOUBLE -> MetricDataType.Double;
            case BOOLEAN -> MetricDataType.Boolean;
            case STRING -> MetricDataType.String;
            case INT64 -> MetricDataType.Int64;
        };
        return metric(d.name(), t, value, at, birth ? d.unit() : "");
    }

    private static Metric metric(String name, MetricDataType t, Object value, Date at, String unit) {
        try {
            Metric.MetricBuilder b = new Metric.MetricBuilder(name, t, value);
            if (at != null) {
                b.timestamp(at);
            }
            if (!unit.isEmpty()) {
                b.properties(new PropertySet.PropertySetBuilder()
                        .addProperty("engUnit", new PropertyValue(PropertyDataType.String, unit)).createPropertySet());
            }
            return b.createMetric();
        } catch (SparkplugInvalidTypeException e) {
            throw new IllegalStateException("metric " + name + ": " + e.getMessage(), e);
        }
    }

    private static byte[] encode(SparkplugBPayload p) {
        try {
            return new SparkplugBPayloadEncoder().getBytes(p, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
