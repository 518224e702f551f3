package io.headroom.appliance.northbound;

import io.headroom.appliance.SiteState;
import io.headroom.appliance.site.MqttSettings;
import io.headroom.appliance.site.Site;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;
import org.eclipse.tahu.message.SparkplugBPayloadDecoder;
import org.eclipse.tahu.message.model.Metric;
import org.eclipse.tahu.message.model.SparkplugBPayload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The appliance as a Sparkplug B edge node (the site file's {@code mqtt} section): it connects to the broker with
 * its NDEATH as the MQTT will (QoS 1, not retained, the session's {@code bdSeq}), subscribes to its own NCMD, sends
 * NBIRTH and a DBIRTH per feed, group and bank ({@link SparkplugSession}), then every publish interval the values
 * that changed, read from the latest published {@link SiteState}: regulation never waits for MQTT, it only
 * publishes the state it would publish anyway. Everything runs on one Vert.x context.
 *
 * <p>{@code bdSeq} is one more (mod 256) at every MQTT connect, kept in {@code DATA/mqtt-bdseq} so that a restart
 * never reuses the last session's (a late will of the old session would otherwise kill the new one at the host).
 * Lost connections are retried with a backoff (0.5 s doubling to 30 s); a clean stop publishes the NDEATH itself.
 *
 * <p>Read-only: an NCMD {@code Node Control/Rebirth = true} re-sends the births (seq from 0, the same bdSeq); any
 * other command is refused (counted and logged). No DCMD is subscribed.
 */
public final class SparkplugNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SparkplugNode.class);
    private static final long MAX_BACKOFF_MS = 30_000;

    private final MqttSettings cfg;
    private final SparkplugModel model;
    private final Supplier<SiteState> state;
    private final Clock utc;
    private final Vertx vertx;
    private final Path bdSeqFile;
    private final Context context;
    private final SparkplugSession.Stats stats = new SparkplugSession.Stats();
    private long nextBdSeq;
    // on the context only
    private MqttClient client;
    private SparkplugSession session;
    private long timer = -1;
    private long backoffMs = 500;
    private boolean closed;
    private boolean warned;
    private volatile boolean connected;

    /**
     * @param bdSeqFile where the last session's bdSeq is kept (null: none kept, the first session's is 0)
     */
    public SparkplugNode(MqttSettings cfg, Site site, Supplier<SiteState> state, Clock utc, Vertx vertx,
                         Path bdSeqFile) {
        this.cfg = cfg;
        this.model = new SparkplugModel(site);
        this.state = state;
        this.utc = utc;
        this.vertx = vertx;
        this.bdSeqFile = bdSeqFile;
        this.context = vertx.getOrCreateContext();
        this.nextBdSeq = readBdSeq(bdSeqFile);
    }

    /** Connects (in the background) and starts publishing. */
    public SparkplugNode start() {
        context.runOnContext(v -> {
            timer = vertx.setPeriodic(cfg.publishIntervalMs(), t -> {
                if (session != null && connected) {
                    session.data();
                }
            });
            connect();
        });
        return this;
    }

    public SparkplugSession.Stats stats() {
        return stats;
    }

    /** Whether the node is connected and born now. */
    public boolean connected() {
        return connected;
    }

    private void connect() {
        if (closed) {
            return;
        }
        long bdSeq = nextBdSeq;
        nextBdSeq = (nextBdSeq + 1) % 256;
        writeBdSeq(bdSeqFile, bdSeq);
        MqttClientOptions o = new MqttClientOptions()
                .setClientId(cfg.effectiveClientId())
                .setCleanSession(true)
                .setKeepAliveInterval(cfg.keepAliveS())
                .setAutoKeepAlive(true)
                .setWillFlag(true)
                .setWillTopic(SparkplugSession.topic(cfg.groupId(), "NDEATH", cfg.edgeNodeId()))
                .setWillMessageBytes(Buffer.buffer(SparkplugSession.ndeath(bdSeq, utc)))
                .setWillQoS(1)
                .setWillRetain(false);
        o.setConnectTimeout(5000);
        if (!cfg.username().isEmpty()) {
            o.setUsername(cfg.username());
            if (!cfg.password().isEmpty()) {
                o.setPassword(cfg.password());
            }
        }
        if (cfg.tls()) {
            o.setSsl(true);
            o.setHostnameVerificationAlgorithm("HTTPS");
            if (!cfg.tlsCa().isEmpty()) {
                o.setTrustOptions(new PemTrustOptions().addCertPath(cfg.tlsCa()));
            }
            if (!cfg.tlsCert().isEmpty()) {
                o.setKeyCertOptions(new PemKeyCertOptions().setCertPath(cfg.tlsCert()).setKeyPath(cfg.tlsKey()));
            }
        }
        MqttClient c = MqttClient.create(vertx, o);
        client = c;
        SparkplugSession s = new SparkplugSession(model, state, utc, (topic, bytes, qos) -> {
            CompletableFuture<Object> f = new CompletableFuture<>();
            c.publish(topic, Buffer.buffer(bytes), MqttQoS.valueOf(qos), false, false)
                    .onComplete(f::complete, f::completeExceptionally);
            return f;
        }, cfg.groupId(), cfg.edgeNodeId(), bdSeq, stats);
        c.publishHandler(m -> onCommand(s, m));
        c.closeHandler(v -> {
            if (client == c) {
                lost("connection closed");
            }
        });
        c.exceptionHandler(e -> log.debug("mqtt: {}", e.toString()));
        c.connect(cfg.port(), cfg.host()).compose(ack -> {
            if (ack.code() != MqttConnectReturnCode.CONNECTION_ACCEPTED) {
                return io.vertx.core.Future.failedFuture("broker refused the connection: " + ack.code());
            }
            return c.subscribe(SparkplugSession.topic(cfg.groupId(), "NCMD", cfg.edgeNodeId()), 1);
        }).onSuccess(x -> {
            if (client != c || closed) {
                return;
            }
            session = s;
            s.birth();
            connected = true;
            backoffMs = 500;
            warned = false;
            log.info("mqtt: Sparkplug B edge node {}/{} born on {}://{}:{} (bdSeq {})", cfg.groupId(),
                    cfg.edgeNodeId(), cfg.tls() ? "mqtts" : "mqtt", cfg.host(), cfg.port(), bdSeq);
        }).onFailure(e -> {
            if (client == c) {
                c.disconnect();
                lost(e.getMessage());
            }
        });
    }

    private void lost(String why) {
        connected = false;
        session = null;
        client = null;
        if (closed) {
            return;
        }
        if (!warned) {
            log.warn("mqtt: broker {}:{} not reachable or connection lost ({}): retrying, values meanwhile dropped",
                    cfg.host(), cfg.port(), why);
            warned = true;
        }
        long delay = backoffMs;
        backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        vertx.setTimer(delay, t -> connect());
    }

    private void onCommand(SparkplugSession s, MqttPublishMessage m) {
        SparkplugBPayload p;
        try {
            p = new SparkplugBPayloadDecoder().buildFromByteArray(m.payload().getBytes(), null);
        } catch (Exception e) {
            stats.commandsRefused.incrementAndGet();
            log.warn("mqtt: NCMD on {} does not decode as Sparkplug B: refused", m.topicName());
            return;
        }
        boolean rebirth = false;
        for (Metric x : p.getMetrics()) {
            if (SparkplugSession.REBIRTH.equals(x.getName()) && Boolean.TRUE.equals(x.getValue())) {
                rebirth = true;
            } else {
                stats.commandsRefused.incrementAndGet();
                log.warn("mqtt: NCMD metric '{}' refused: the northbound is read-only (only {} is honoured)",
                        x.getName(), SparkplugSession.REBIRTH);
            }
        }
        if (rebirth && s == session && connected) {
            log.info("mqtt: rebirth asked: NBIRTH and DBIRTHs again");
            s.birth();
        }
    }

    private static long readBdSeq(Path f) {
        if (f == null) {
            return 0;
        }
        try {
            return (Long.parseLong(Files.readString(f, StandardCharsets.UTF_8).strip()) + 1) % 256;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private static void writeBdSeq(Path f, long bdSeq) {
        if (f == null) {
            return;
        }
        try {
            Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap((bdSeq + "\n").getBytes(StandardCharsets.UTF_8)));
                ch.force(true); // on disk before the rename: after a power loss the file is the old or the new value
            }
            Files.move(tmp, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warn("mqtt: cannot keep bdSeq in {}: {}", f, e.getMessage());
        }
    }

    /** Publishes the NDEATH (a clean stop: the broker drops the will on DISCONNECT) and disconnects. */
    @Override
    public void close() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        context.runOnContext(v -> {
            closed = true;
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
            MqttClient c = client;
            SparkplugSession s = session;
            client = null;
            session = null;
            connected = false;
            if (c == null || s == null) {
                if (c != null) {
                    c.disconnect();
                }
                done.complete(null);
                return;
            }
            c.publish(SparkplugSession.topic(cfg.groupId(), "NDEATH", cfg.edgeNodeId()),
                            Buffer.buffer(SparkplugSession.ndeath(s.bdSeq(), utc)), MqttQoS.AT_LEAST_ONCE, false, false)
                    .transform(x -> c.disconnect())
                    .onComplete(x -> done.complete(null));
        });
        try {
            done.get(3, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("mqtt: clean disconnect did not complete: {}", e.toString());
        }
    }
}
