package io.headroom.appliance;

import io.headroom.appliance.actuation.Actuator;
import io.headroom.appliance.actuation.AgentTransport;
import io.headroom.appliance.actuation.CoapActuator;
import io.headroom.appliance.actuation.RedfishActuator;
import io.headroom.appliance.actuation.RoutingActuator;
import io.headroom.appliance.api.ApiServer;
import io.headroom.appliance.api.OperatorApi;
import io.headroom.appliance.operator.ApiTokens;
import io.headroom.appliance.operator.OperatorControls;
import io.headroom.appliance.grid.JournalTelemetry;
import io.headroom.appliance.grid.SiteFlexibility;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.journal.JournalEntry;
import io.headroom.appliance.actuation.BankActuator;
import io.headroom.appliance.measure.MeasurementPipeline;
import io.headroom.appliance.measure.ModbusBuses;
import io.headroom.appliance.metrics.ApplianceMetrics;
import io.headroom.appliance.dsp.DisturbanceRecorder;
import io.headroom.appliance.dsp.SitePowerSeries;
import io.headroom.appliance.dsp.WaveformMonitor;
import io.headroom.appliance.dsp.WaveformWatch;
import io.headroom.appliance.site.WaveformSettings;
import io.headroom.waveform.comtrade.DataFormat;
import io.headroom.appliance.protection.ProtectionLoop;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Site;
import io.headroom.drivers.gpuprotocol.ContingencyTrigger;
import io.headroom.waveform.StreamFormat;
import io.headroom.waveform.Senders;
import io.headroom.waveform.UdpSampleSource;
import io.headroom.grid.CommitmentBook;
import io.headroom.appliance.field.FieldIo;
import io.headroom.appliance.grid.GridLink;
import io.headroom.drivers.gpio.GpioProvider;
import io.headroom.grid.openadr2b.Ven2b;
import io.headroom.grid.openadr2b.Ven2bConfig;
import io.headroom.grid.openadr3.Ven3;
import io.headroom.grid.openadr3.Ven3Config;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The whole appliance, wired by hand so the graph reads in one place:
 * <pre>
 *   waveforms (UDP) ─▶ WaveformMonitor per feed ─▶ ProtectionLoop ─▶ ContingencyTrigger ─▶ agents (armed caps)
 *                        ├▶ DisturbanceRecorder ─▶ DATA/disturbances/*.cfg/.dat (COMTRADE) ─▶ Journal
 *                        └▶ SitePowerSeries ─▶ BandPowerMonitor ─┐ (with stream health: WaveformWatch)
 *                                                                 ▼ RegulationLoop ─▶ SiteState
 *   meters (Modbus) ─▶ MeasurementPipeline ─┐
 *                                            ├▶ RegulationLoop ─▶ GroupRegulator per group ─▶ Actuator ─▶ agents (CoAP)
 *   agent acknowledgements (GPU power) ──────┘     ▲        │
 *   OpenADR VEN ─▶ CommitmentBook ─────────────────┘        ├▶ Journal (SQLite: history, alarms, decisions)
 *        ▲  feasibility: SiteFlexibility ◀── SiteState ◀────┘
 *        └─ telemetry: JournalTelemetry                      SiteState ─▶ ApiServer (REST + dashboard)
 * </pre>
 */
public final class Appliance implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Appliance.class);
    /** A feed's slot in the site power series stops clocking it after this long without a half cycle. */
    private static final long SERIES_STALE_NANOS = 50_000_000L;

    /**
     * @param dataDir     where the journal lives (created if missing)
     * @param commitments the grid commitments regulation obeys (filled by the VEN, or by a test)
     * @param ven         OpenADR 3.x enrollment, or null for none
     */
    public record Options(String httpHost, int httpPort, Path dataDir, CommitmentBook commitments, Ven3Config ven,
                          List<WaveformInput> waveforms, Ven2bConfig ven2b, GpioProvider gpioProvider,
                          ApiAccess api) {
        public Options {
            if (api == null) {
                api = new ApiAccess(null, false);
            }
            if (commitments == null) {
                commitments = new CommitmentBook();
            }
            waveforms = waveforms == null ? List.of() : List.copyOf(waveforms);
            if (ven != null && ven2b != null) {
                throw new IllegalArgumentException("enroll with one OpenADR VTN at a time (3.x or 2.0b, not both)");
            }
        }

        public Options(String httpHost, int httpPort, Path dataDir, CommitmentBook commitments, Ven3Config ven) {
            this(httpHost, httpPort, dataDir, commitments, ven, List.of(), null, null, null);
        }

        public Options withWaveforms(List<WaveformInput> w) {
            return new Options(httpHost, httpPort, dataDir, commitments, ven, w, ven2b, gpioProvider, api);
        }

        public Options withVen2b(Ven2bConfig c) {
            return new Options(httpHost, httpPort, dataDir, commitments, ven, waveforms, c, gpioProvider, api);
        }

        /** Which GPIO provider to open the site's {@code gpio:} section with (null: detect gpiod, then linuxfs). */
        public Options withGpio(GpioProvider p) {
            return new Options(httpHost, httpPort, dataDir, commitments, ven, waveforms, ven2b, p, api);
        }

        /** Who may use the API: the token file and whether reads need a token too. */
        public Options withApi(ApiAccess a) {
            return new Options(httpHost, httpPort, dataDir, commitments, ven, waveforms, ven2b, gpioProvider, a);
        }

        public static Options of(String httpHost, int httpPort, Path dataDir) {
            return new Options(httpHost, httpPort, dataDir, new CommitmentBook(), null);
        }
    }

    /**
     * Who may use the API.
     *
     * @param tokensFile           the bearer tokens ({@code NAME ROLE sha256:HEX} lines); null: {@code DATA/api-tokens}
     * @param requireTokenForReads reads need a viewer or operator token too (writes always need an operator's)
     * @param tls                  HTTPS with this certificate and key, or null for plain HTTP
     */
    public record ApiAccess(Path tokensFile, boolean requireTokenForReads, ApiServer.Tls tls) {
        public ApiAccess(Path tokensFile, boolean requireTokenForReads) {
            this(tokensFile, requireTokenForReads, null);
        }
    }

    private final Site site;
    private final Deque<AutoCloseable> parts;
    private final RegulationLoop regulation;
    private final ApiServer api;
    private final Journal journal;
    private final GridLink ven;

    /**
     * A feed's raw waveform stream (3 V + 3 I, the waveform module's UDP frame format): where to listen for it and
     * whom to hear it from.
     *
     * @param bind    port 0 picks a free port ({@link #waveformAddress} says which)
     * @param senders the front-ends whose frames are read ({@link Senders#only}: address, or address and port);
     *                {@link Senders#any()} only where anyone on that network may send them
     */
    public record WaveformInput(String feedId, InetSocketAddress bind, long streamId, double sampleRateHz,
                                Senders senders) {
        public WaveformInput {
            if (senders == null) {
                throw new IllegalArgumentException("waveform input of feed " + feedId
                        + ": name its front-end's address (Senders.only) or say Senders.any()");
            }
        }
    }

    private final ProtectionLoop protection;
    private long agentSession;
    private final java.util.Map<String, InetSocketAddress> waveformAddresses;
    private final Map<String, DisturbanceRecorder> recorders;
    private final Path disturbanceDir;
    private final Clock utc;

    private Appliance(Site site, Deque<AutoCloseable> parts, RegulationLoop regulation, ApiServer api, Journal journal,
                      GridLink ven, ProtectionLoop protection, java.util.Map<String, InetSocketAddress> waveformAddresses,
                      Map<String, DisturbanceRecorder> recorders, Path disturbanceDir, Clock utc) {
        this.protection = protection;
        this.waveformAddresses = waveformAddresses;
        this.recorders = recorders;
        this.disturbanceDir = disturbanceDir;
        this.utc = utc;
        this.site = site;
        this.parts = parts;
        this.regulation = regulation;
        this.api = api;
        this.journal = journal;
        this.ven = ven;
    }

    /** Starts every part; on failure, closes what was started (in reverse) and rethrows. */
    public static Appliance start(Site site, Options options) {
        Clock utc = Clock.systemUTC();
        Deque<AutoCloseable> parts = new ArrayDeque<>();
        try {
            Journal journal = Journal.open(options.dataDir().resolve("journal.db"), utc, 7 * 24 * 3600, 1_000_000);
            parts.push(journal);
            // Every loop protection depends on beats for it; health, metrics, alarms and both watchdogs ask it.
            io.headroom.appliance.supervision.Supervisor supervisor =
                    new io.headroom.appliance.supervision.Supervisor(System::nanoTime);
            journal.supervisedBy(supervisor);
            Vertx vertx = Vertx.vertx();
            parts.push(() -> vertx.close().await());
            // Banks share the meters' buses (a gateway often serves both).
            MeasurementPipeline measurements = new MeasurementPipeline(site,
                    ModbusBuses.of(site, utc, !site.supercaps().isEmpty()));
            parts.push(measurements);
            ContingencyTrigger trigger = ContingencyTrigger.open(new InetSocketAddress(0), site.nodes().size(),
                    Math.max(1, site.groups().size()));
            parts.push(trigger);
            if (site.agents().multicast() != null) {
                io.headroom.appliance.site.Endpoint m = site.agents().multicast();
                trigger.multicast(new InetSocketAddress(java.net.InetAddress.getByName(m.host()), m.port()),
                        multicastInterface(site.agents().multicastInterface()));
                log.info("contingencies fired to each redundancy group by multicast to {}{}", m,
                        site.agents().multicastInterface() == null ? "" : " from " + site.agents().multicastInterface());
            }
            CoapActuator coap = new CoapActuator(site, AgentTransport.client(site,
                    Duration.ofMillis(Math.clamp(site.agents().leaseMs() / 4, 100, 1000))), trigger);
            List<io.headroom.appliance.site.Node> viaBmc = site.nodes().stream()
                    .filter(io.headroom.appliance.site.Node::viaRedfish).toList();
            Actuator actuator = coap;
            if (!viaBmc.isEmpty()) {
                RoutingActuator routes = new RoutingActuator().route(coap, site.nodes().stream()
                        .filter(n -> !n.viaRedfish()).toList());
                parts.push(routes); // closes its parts, the CoAP actuator included
                routes.route(redfish(site, vertx, viaBmc), viaBmc);
                actuator = routes;
            } else {
                parts.push(coap);
            }
            ProtectionLoop protection = new ProtectionLoop(site, trigger, actuator, journal, utc);
            parts.push(protection);
            java.util.Map<String, InetSocketAddress> waveformAddresses = new java.util.HashMap<>();
            WaveformSettings ws = site.waveforms();
            Path disturbanceDir = options.dataDir().resolve("disturbances");
            List<String> waveFeeds = options.waveforms().stream().map(WaveformInput::feedId).distinct().toList();
            // The site's power series: every streamed feed's P3 per half cycle, summed, into the band monitor.
            SitePowerSeries sitePower = waveFeeds.isEmpty() ? null : new SitePowerSeries(waveFeeds,
                    2 * site.frequencyHz(), ws.bandWindowS(), ws.rampSpanS(), SERIES_STALE_NANOS);
            List<WaveformMonitor> monitors = new java.util.ArrayList<>();
            Map<String, DisturbanceRecorder> recorders = new java.util.HashMap<>();
            for (WaveformInput w : options.waveforms()) {
                int feedIndex = site.feeds().indexOf(site.feed(w.feedId()).orElseThrow(
                        () -> new IllegalArgumentException("waveform input for unknown feed " + w.feedId())));
                Feed feed = site.feeds().get(feedIndex);
                StreamFormat format = StreamFormat.threePhaseFeed(w.streamId(), w.sampleRateHz(), feed.id());
                UdpSampleSource source = UdpSampleSource.open(w.bind(), format,
                        UdpSampleSource.Options.defaults(w.senders()));
                double unRms = feed.phases() == 3 ? feed.voltageV() / Math.sqrt(3) : feed.voltageV();
                WaveformMonitor monitor;
                DisturbanceRecorder recorder = null;
                try {
                    if (ws.recorderEnabled()) {
                        recorder = new DisturbanceRecorder(format, site.frequencyHz(), new DisturbanceRecorder.Settings(
                                ws.preTriggerS(), ws.postTriggerS(), disturbanceDir,
                                "ascii".equals(ws.recordFormat()) ? DataFormat.ASCII : DataFormat.BINARY, site.name()));
                        String feedId = feed.id();
                        recorder.onRecord(r -> journalRecord(journal, utc, feedId, r));
                    }
                    monitor = new WaveformMonitor(source, site.frequencyHz(),
                            List.of(WaveformMonitor.FeedChannels.byName(format, feed.id(), feed.id(), unRms)),
                            ws.detection(), protection.listenerFor(feedIndex), recorder, null, 1024);
                } catch (RuntimeException ex) {
                    source.close();
                    if (recorder != null) {
                        recorder.close();
                    }
                    throw ex;
                }
                parts.push(monitor); // closes its source and its recorder
                monitor.feedSitePower(sitePower);
                monitor.supervisedBy(supervisor);
                monitor.start();
                monitors.add(monitor);
                if (recorder != null) {
                    recorders.put(feed.id(), recorder);
                }
                waveformAddresses.put(feed.id(), source.localAddress());
            }
            protection.supervisedBy(supervisor);
            // the fast path's other half: answers to a fired contingency, and unicast retries of silent agents
            supervisor.watch("ack-intake", java.time.Duration.ofSeconds(1),
                    "answers to a fired contingency are not collected and silent agents are not retried",
                    new io.headroom.appliance.supervision.Heartbeat.Pulled(trigger::intakeHeartbeatNanos,
                            trigger::intakeRunning, trigger::intakeFailures));
            protection.start();
            RegulationLoop regulation = new RegulationLoop(site, measurements, actuator, options.commitments(), journal,
                    utc, System::nanoTime);
            parts.push(regulation);
            regulation.alarmHysteresis(RegulationLoop.ALARM_RAISE_AFTER, RegulationLoop.ALARM_CLEAR_AFTER);
            regulation.withBanks(new BankActuator(site, measurements.buses()));
            regulation.withWaveforms(new WaveformWatch(monitors, sitePower, ws.streamDeadlineMs() * 1_000_000L));
            FieldIo field = FieldIo.open(site, options.gpioProvider(), protection, regulation::state, journal, utc,
                    supervisor::check);
            if (field != null) {
                parts.push(field);
            }
            GridLink ven = null;
            // Built before regulation starts: commitments restored from the VEN's journal apply at once.
            if (options.ven() != null) {
                ven = GridLink.of(new Ven3(options.ven(), options.commitments(), new SiteFlexibility(site, regulation::state),
                        new JournalTelemetry(journal), utc, vertx), options.ven().version().label());
                parts.push(ven);
            } else if (options.ven2b() != null) {
                ven = GridLink.of(new Ven2b(options.ven2b(), options.commitments(),
                        new SiteFlexibility(site, regulation::state), new JournalTelemetry(journal), utc));
                parts.push(ven);
            }
            ApplianceMetrics metrics = new ApplianceMetrics(site, regulation::state, journal)
                    .modbus(measurements.buses()).grid(ven, options.commitments(), utc);
            regulation.onTick(metrics);
            OperatorControls operator = OperatorControls.open(site, journal, utc, regulation.alarms());
            regulation.withOperator(operator);
            Path tokensFile = options.api().tokensFile() != null ? options.api().tokensFile()
                    : options.dataDir().resolve("api-tokens");
            ApiTokens tokens = ApiTokens.load(tokensFile);
            if (tokens.size() == 0) {
                log.warn("no API tokens in {}: every write is refused; add one with ./headroom token add NAME --role operator",
                        tokensFile);
            }
            protection.onFired(metrics);
            coap.onAck(metrics);
            OperatorApi operatorApi = new OperatorApi(site, regulation::state, operator,
                    options.commitments(), new OperatorApi.Access(tokens, options.api().requireTokenForReads()));
            ApiServer api = ApiServer.start(vertx, site, regulation::state, journal, ven, metrics::scrape,
                    options.httpHost(), options.httpPort(), operatorApi, ApiServer.Limits.defaults(), options.api().tls(),
                    supervisor::check);
            parts.push(api);
            measurements.start();
            regulation.supervisedBy(supervisor);
            io.headroom.appliance.supervision.SupervisionAlarms supervision =
                    new io.headroom.appliance.supervision.SupervisionAlarms(supervisor, regulation.alarms(), journal, utc);
            regulation.showAlarms(supervision::alarms);
            metrics.supervision(supervisor);
            regulation.start();
            parts.push(supervision.start()); // closed first: a loop closing in order is no alarm
            if (ven != null) {
                ven.start();
            }
            long startedId = journal.record(JournalEntry.of(utc.instant(), "event", site.name(), "appliance", "appliance started", null));
            io.headroom.appliance.journal.JournalLog.with(log.atInfo(), startedId).log("appliance up: site {} ({} feeds, {} nodes, {} GPUs); API on {}://{}:{}/; journal {}{}",
                    site.name(), site.feeds().size(), site.nodes().size(), site.gpuCount(),
                    options.api().tls() == null ? "http" : "https", options.httpHost(),
                    api.port(), journal.file(), ven == null ? "" : "; OpenADR " + ven.version() + " VEN enrolled");
            Appliance appliance = new Appliance(site, parts, regulation, api, journal, ven, protection,
                    Map.copyOf(waveformAddresses), Map.copyOf(recorders), disturbanceDir, utc);
            appliance.field = field;
            appliance.supervisor = supervisor;
            appliance.agentSession = coap.session();
            operatorApi.onDisturbanceRequest(appliance::recordDisturbance);
            return appliance;
        } catch (Exception e) {
            closeAll(parts);
            if (e instanceof java.io.IOException io) {
                throw new java.io.UncheckedIOException("the appliance did not start: " + io.getMessage(), io);
            }
            throw e instanceof RuntimeException r ? r : new IllegalStateException("the appliance did not start: " + e.getMessage(), e);
        }
    }

    /**
     * The interface whose address is {@code address} (the loopback for a 127.x address), or null for null (the
     * routing table chooses).
     *
     * @throws IllegalStateException when no interface of this machine has the address
     */
    static java.net.NetworkInterface multicastInterface(String address) throws java.io.IOException {
        if (address == null) {
            return null;
        }
        java.net.InetAddress a = java.net.InetAddress.getByName(address);
        if (a.isLoopbackAddress()) {
            for (java.net.NetworkInterface nif : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                if (nif.isLoopback() && nif.isUp()) {
                    return nif;
                }
            }
        }
        java.net.NetworkInterface nif = java.net.NetworkInterface.getByInetAddress(a);
        if (nif == null) {
            throw new IllegalStateException("agents.multicastInterface: no network interface of this machine has the "
                    + "address " + address);
        }
        return nif;
    }

    /** The session this appliance commands and arms its agents in (a new one each start). */
    public long agentSession() {
        return agentSession;
    }

    public Site site() {
        return site;
    }

    /**
     * The BMC actuator of the site's Redfish nodes: a client per node (session auth, its CA or the JDK's trust, 3 s
     * connect and 5 s request timeouts), read every second; each node held at or under its contingency plans' caps
     * ({@link RedfishActuator}), its N-1 safe cap until the first plans.
     */
    private static RedfishActuator redfish(Site site, Vertx vertx, List<io.headroom.appliance.site.Node> nodes) {
        Map<String, RedfishActuator.Bmc> bmcs = new java.util.HashMap<>();
        try {
            for (io.headroom.appliance.site.Node n : nodes) {
                io.headroom.appliance.site.RedfishBmc b = n.redfish();
                String password = io.headroom.appliance.site.AgentKeys.readSecret(b.passwordFile());
                io.headroom.drivers.redfish.RedfishConfig.Builder cfg = io.headroom.drivers.redfish.RedfishConfig
                        .builder(b.url(), b.user(), password).connectTimeout(Duration.ofSeconds(3))
                        .requestTimeout(Duration.ofSeconds(5));
                if (b.caFile() != null) {
                    cfg.pinnedCa(b.caFile());
                }
                bmcs.put(n.id(), new RedfishActuator.Bmc(
                        io.headroom.drivers.redfish.RedfishClient.create(vertx, cfg.build()), b.chassis()));
            }
        } catch (io.headroom.appliance.site.AgentKeys.KeyFileException e) {
            bmcs.values().forEach(b -> b.client().close());
            throw new IllegalStateException("BMC credentials: " + e.getMessage(), e);
        }
        log.info("{} node(s) capped through their BMCs (Redfish): held at their N-1 plans' lowest caps", nodes.size());
        return new RedfishActuator(nodes, n -> bmcs.get(n.id()), Duration.ofSeconds(1),
                n -> io.headroom.appliance.control.ContingencyPlanner.safeCapW(site, site.group(n.groupId()).orElseThrow()))
                .feeds(site.feeds().stream().map(Feed::id).toList());
    }

    public SiteState state() {
        return regulation.state();
    }

    public int httpPort() {
        return api.port();
    }

    public Journal journal() {
        return journal;
    }

    /** Where the appliance listens for a feed's waveform stream, if it does. */
    public InetSocketAddress waveformAddress(String feedId) {
        return waveformAddresses.get(feedId);
    }

    /**
     * Asks the feed's disturbance recorder for a record starting {@code preTrigger} before the next sample and
     * ending {@code postTrigger} after it (written to {@link #disturbanceDirectory()} and journalled as
     * {@code disturbance.recorded} once the post-trigger samples are in). Never blocks; the request itself is
     * journalled as {@code disturbance.requested} by {@code actor}.
     *
     * @param reason free text (kept in the journal; its letters, digits, '-' and '_' also in the file name)
     * @return true when queued; false when a capture is already in progress (its record covers this moment)
     * @throws IllegalArgumentException for an unknown feed
     * @throws IllegalStateException    when the feed has no waveform stream, or its recorder is disabled
     */
    public boolean recordDisturbance(String feedId, String reason, String actor) {
        if (site.feed(feedId).isEmpty()) {
            throw new IllegalArgumentException("unknown feed " + feedId);
        }
        DisturbanceRecorder r = recorders.get(feedId);
        if (r == null) {
            throw new IllegalStateException("feed " + feedId + " has no waveform stream with a disturbance recorder");
        }
        String tag = reason == null || reason.isBlank() ? "" : "-" + reason.strip();
        boolean accepted = r.trigger(Long.MAX_VALUE, feedId + "-ON_DEMAND" + (tag.length() > 41 ? tag.substring(0, 41) : tag));
        journal.record(JournalEntry.of(utc.instant(), "disturbance.requested", feedId, actor == null ? "appliance" : actor,
                "feed " + feedId + ": disturbance record requested" + (accepted ? "" : " (a capture is in progress; it covers now)"),
                new io.vertx.core.json.JsonObject().put("reason", reason).put("accepted", accepted).encode()));
        return accepted;
    }

    /** {@link #recordDisturbance(String, String, String)} by the appliance itself. */
    public boolean recordDisturbance(String feedId, String reason) {
        return recordDisturbance(feedId, reason, "appliance");
    }

    /** Where disturbance records go: {@code DATA/disturbances}. */
    public Path disturbanceDirectory() {
        return disturbanceDir;
    }

    /** A journal entry per record written (on the recorder's writer thread; the journal does not block). */
    private static void journalRecord(Journal journal, Clock utc, String feedId, DisturbanceRecorder.Written w) {
        long t = w.triggerNanos();
        java.time.Instant trig = java.time.Instant.ofEpochSecond(Math.floorDiv(t, 1_000_000_000L),
                Math.floorMod(t, 1_000_000_000L));
        double preS = w.preSamples() / w.sampleRateHz();
        double postS = w.postSamples() / w.sampleRateHz();
        journal.record(JournalEntry.of(utc.instant(), "disturbance.recorded", feedId, "appliance",
                String.format(java.util.Locale.ROOT, "feed %s: disturbance record %s (%s; %.3f s before, %.3f s after the trigger)",
                        feedId, w.cfg().getFileName(), w.reason(), preS, postS),
                new io.vertx.core.json.JsonObject()
                        .put("cfg", w.cfg().getFileName().toString())
                        .put("dat", w.dat().getFileName().toString())
                        .put("directory", w.cfg().getParent().toString())
                        .put("reason", w.reason())
                        .put("trigger", trig.toString())
                        .put("preS", preS)
                        .put("postS", postS)
                        .put("sampleRateHz", w.sampleRateHz())
                        .encode()));
    }

    private FieldIo field;
    private io.headroom.appliance.supervision.Supervisor supervisor;

    /**
     * The supervisor of the loops protection depends on (protection, waveform DSP, regulation, journal writer): its
     * verdicts, and each loop's heartbeat, where a drill is armed.
     */
    public io.headroom.appliance.supervision.Supervisor supervisor() {
        return supervisor;
    }

    /** The GPIO header (breaker contacts, relays, lamp, watchdog), or null when the site declares none. */
    public FieldIo field() {
        return field;
    }

    /** The fast path: the last contingency it fired. */
    public ProtectionLoop protection() {
        return protection;
    }

    /** The OpenADR VEN, or null when the appliance is not enrolled. */
    public GridLink ven() {
        return ven;
    }

    private static void closeAll(Deque<AutoCloseable> parts) {
        while (!parts.isEmpty()) {
            try {
                parts.pop().close();
            } catch (Exception e) {
                log.warn("closing: {}", e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        closeAll(parts);
    }
}
