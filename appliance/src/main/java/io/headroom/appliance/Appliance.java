package io.headroom.appliance;

import io.headroom.appliance.actuation.Actuator;
import io.headroom.appliance.actuation.AgentTransport;
import io.headroom.appliance.actuation.BankActuator;
import io.headroom.appliance.actuation.CoapActuator;
import io.headroom.appliance.actuation.RedfishActuator;
import io.headroom.appliance.actuation.RoutingActuator;
import io.headroom.appliance.api.ApiServer;
import io.headroom.appliance.api.DisturbanceArchive;
import io.headroom.appliance.api.OperatorApi;
import io.headroom.appliance.clock.Clocks;
import io.headroom.appliance.clock.MonotonicClock;
import io.headroom.appliance.control.ContingencyPlanner;
import io.headroom.appliance.dsp.DisturbanceRecorder;
import io.headroom.appliance.dsp.Disturbances;
import io.headroom.appliance.dsp.SitePowerSeries;
import io.headroom.appliance.dsp.WaveformMonitor;
import io.headroom.appliance.dsp.WaveformWatch;
import io.headroom.appliance.field.FieldIo;
import io.headroom.appliance.grid.GridLink;
import io.headroom.appliance.grid.JournalTelemetry;
import io.headroom.appliance.grid.SiteFlexibility;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.journal.JournalEntry;
import io.headroom.appliance.journal.JournalLog;
import io.headroom.appliance.measure.MeasurementPipeline;
import io.headroom.appliance.measure.ModbusBuses;
import io.headroom.appliance.metrics.ApplianceMetrics;
import io.headroom.appliance.northbound.SparkplugNode;
import io.headroom.appliance.operator.ActiveAlarms;
import io.headroom.appliance.operator.ApiTokens;
import io.headroom.appliance.operator.OperatorControls;
import io.headroom.appliance.protection.ProtectionLoop;
import io.headroom.appliance.site.Endpoint;
import io.headroom.appliance.site.Feed;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.WaveformSettings;
import io.headroom.appliance.site.WaveformStream;
import io.headroom.appliance.supervision.Heartbeat;
import io.headroom.appliance.operator.SupervisionAlarms;
import io.headroom.appliance.supervision.Supervisor;
import io.headroom.drivers.gpio.GpioProvider;
import io.headroom.drivers.gpuprotocol.ContingencyTrigger;
import io.headroom.grid.CommitmentBook;
import io.headroom.grid.openadr2b.Ven2b;
import io.headroom.grid.openadr2b.Ven2bConfig;
import io.headroom.grid.openadr3.Ven3;
import io.headroom.grid.openadr3.Ven3Config;
import io.headroom.drivers.waveform.SampleSource;
import io.headroom.drivers.waveform.StreamFormat;
import io.headroom.drivers.waveform.UdpSampleSource;
import io.headroom.drivers.waveform.comtrade.DataFormat;
import io.headroom.drivers.waveform.sv.AfPacketChannel;
import io.headroom.drivers.waveform.sv.SvFrames;
import io.headroom.drivers.waveform.sv.SvSampleSource;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

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
 * It only composes: {@link #start} builds every part, in order, on the clocks of its {@link Options} (the only
 * time there is: no part reads the system's clocks), and hands them to the constructor; what a part does lives in
 * its own package ({@link Disturbances}, {@link RedfishActuator#forSite}, {@link AgentTransport#multicastInterface}).
 */
public final class Appliance implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Appliance.class);
    /** A feed's slot in the site power series stops clocking it after this long without a half cycle. */
    private static final long SERIES_STALE_NANOS = 50_000_000L;

    /**
     * @param dataDir     where the journal lives (created if missing)
     * @param commitments the grid commitments regulation obeys (filled by the VEN, or by a test)
     * @param ven         OpenADR 3.x enrollment, or null for none
     * @param clocks      the appliance's monotonic and UTC clocks; null: the system's ({@link Clocks#system()})
     */
    public record Options(String httpHost, int httpPort, Path dataDir, CommitmentBook commitments, Ven3Config ven,
                          Ven2bConfig ven2b, GpioProvider gpioProvider, ApiAccess api, Clocks clocks,
                          io.headroom.appliance.campus.CampusNode.Join campus) {
        public Options {
            if (api == null) {
                api = new ApiAccess(null, false);
            }
            if (commitments == null) {
                commitments = new CommitmentBook();
            }
            if (clocks == null) {
                clocks = Clocks.system();
            }
            if (ven != null && ven2b != null) {
                throw new IllegalArgumentException("enroll with one OpenADR VTN at a time (3.x or 2.0b, not both)");
            }
        }

        public Options(String httpHost, int httpPort, Path dataDir, CommitmentBook commitments, Ven3Config ven) {
            this(httpHost, httpPort, dataDir, commitments, ven, null, null, null, null, null);
        }

        public Options withVen2b(Ven2bConfig c) {
            return new Options(httpHost, httpPort, dataDir, commitments, ven, c, gpioProvider, api, clocks, campus);
        }

        /** Which GPIO provider to open the site's {@code gpio:} section with (null: detect gpiod, then linuxfs). */
        public Options withGpio(GpioProvider p) {
            return new Options(httpHost, httpPort, dataDir, commitments, ven, ven2b, p, api, clocks, campus);
        }

        /** Who may use the API: the token file and whether reads need a token too. */
        public Options withApi(ApiAccess a) {
            return new Options(httpHost, httpPort, dataDir, commitments, ven, ven2b, gpioProvider, a, clocks, campus);
        }

        /** The clocks every loop and driver runs on (a test's virtual ones; null: the system's). */
        public Options withClocks(Clocks c) {
            return new Options(httpHost, httpPort, dataDir, commitments, ven, ven2b, gpioProvider, api, c, campus);
        }

        /** Joins a campus (issue 20): its budget lease applied as a GRID-tier import limit; null: alone. */
        public Options withCampus(io.headroom.appliance.campus.CampusNode.Join j) {
            return new Options(httpHost, httpPort, dataDir, commitments, ven, ven2b, gpioProvider, api, clocks, j);
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
    private final ProtectionLoop protection;
    private final long agentSession;
    private final Map<String, InetSocketAddress> waveformAddresses;
    private final Disturbances disturbances;
    private final FieldIo field;
    private final Supervisor supervisor;
    private final SparkplugNode mqtt;

    private Appliance(Site site, Deque<AutoCloseable> parts, RegulationLoop regulation, ApiServer api, Journal journal,
                      GridLink ven, ProtectionLoop protection, long agentSession,
                      Map<String, InetSocketAddress> waveformAddresses, Disturbances disturbances, FieldIo field,
                      Supervisor supervisor, SparkplugNode mqtt) {
        this.site = site;
        this.mqtt = mqtt;
        this.parts = parts;
        this.regulation = regulation;
        this.api = api;
        this.journal = journal;
        this.ven = ven;
        this.protection = protection;
        this.agentSession = agentSession;
        this.waveformAddresses = Map.copyOf(waveformAddresses);
        this.disturbances = disturbances;
        this.field = field;
        this.supervisor = supervisor;
    }

    /** Starts every part; on failure, closes what was started (in reverse) and rethrows. */
    public static Appliance start(Site site, Options options) {
        Clocks clocks = options.clocks();
        Clock utc = clocks.utc();
        MonotonicClock nanoTime = clocks.monotonic();
        Deque<AutoCloseable> parts = new ArrayDeque<>();
        try {
            Journal journal = Journal.open(options.dataDir().resolve("journal.db"), utc, 7 * 24 * 3600, 1_000_000);
            parts.push(journal);
            // Every loop protection depends on beats for it; health, metrics, alarms and both watchdogs ask it.
            Supervisor supervisor = new Supervisor(nanoTime);
            journal.supervisedBy(supervisor);
            Vertx vertx = Vertx.vertx();
            parts.push(() -> vertx.close().await());
            // Banks share the meters' buses (a gateway often serves both).
            MeasurementPipeline measurements = new MeasurementPipeline(site,
                    ModbusBuses.of(site, clocks, !site.supercaps().isEmpty()));
            parts.push(measurements);
            ContingencyTrigger trigger = ContingencyTrigger.open(new InetSocketAddress(0), site.nodes().size(),
                    Math.max(1, site.groups().size()), ContingencyTrigger.DEFAULT_IN_FLIGHT, nanoTime,
                    ContingencyTrigger.defaultIntakes()); // one ack intake thread per core (SO_REUSEPORT)
            parts.push(trigger);
            if (site.agents().multicast() != null) {
                Endpoint m = site.agents().multicast();
                trigger.multicast(new InetSocketAddress(InetAddress.getByName(m.host()), m.port()),
                        AgentTransport.multicastInterface(site.agents().multicastInterface()));
                log.info("contingencies fired to each redundancy group by multicast to {}{}", m,
                        site.agents().multicastInterface() == null ? "" : " from " + site.agents().multicastInterface());
            }
            CoapActuator coap = new CoapActuator(site, AgentTransport.client(site,
                    Duration.ofMillis(Math.clamp(site.agents().leaseMs() / 4, 100, 1000))), trigger, nanoTime)
                    .carryGpuSmoothing(site.agents().gpuSmoothing());
            List<Node> viaBmc = site.nodes().stream().filter(Node::viaRedfish).toList();
            Actuator actuator = coap;
            if (!viaBmc.isEmpty()) {
                RoutingActuator routes = new RoutingActuator().route(coap, site.nodes().stream()
                        .filter(n -> !n.viaRedfish()).toList());
                parts.push(routes); // closes its parts, the CoAP actuator included
                routes.route(RedfishActuator.forSite(site, vertx, viaBmc,
                        n -> ContingencyPlanner.safeCapW(site, site.group(n.groupId()).orElseThrow()), nanoTime), viaBmc);
                actuator = routes;
            } else {
                parts.push(coap);
            }
            ProtectionLoop protection = new ProtectionLoop(site, trigger, actuator, journal, clocks);
            parts.push(protection);
            Map<String, InetSocketAddress> waveformAddresses = new HashMap<>();
            WaveformSettings ws = site.waveforms();
            Disturbances disturbances = new Disturbances(journal, utc, options.dataDir().resolve("disturbances"),
                    site.feeds().stream().map(Feed::id).collect(Collectors.toSet()));
            // Each feed's stream: the site file's waveforms.streams (one per feed, checked by the loader).
            List<WaveformStream> streams = ws.streams();
            List<String> waveFeeds = streams.stream().map(WaveformStream::feedId).toList();
            // The site's power series: every streamed feed's P3 per half cycle, summed, into the band monitor.
            SitePowerSeries sitePower = waveFeeds.isEmpty() ? null : new SitePowerSeries(waveFeeds,
                    2 * site.frequencyHz(), ws.bandWindowS(), ws.rampSpanS(), SERIES_STALE_NANOS);
            List<WaveformMonitor> monitors = new ArrayList<>();
            for (WaveformStream w : streams) {
                String feedId = w.feedId();
                int feedIndex = site.feeds().indexOf(site.feed(feedId).orElseThrow(
                        () -> new IllegalArgumentException("waveform input for unknown feed " + feedId)));
                Feed feed = site.feeds().get(feedIndex);
                SampleSource source = openStream(w, (int) Math.round(site.frequencyHz()), nanoTime,
                        options.gpioProvider());
                StreamFormat format = source.format();
                double unRms = feed.phases() == 3 ? feed.voltageV() / Math.sqrt(3) : feed.voltageV();
                WaveformMonitor monitor;
                DisturbanceRecorder recorder = null;
                try {
                    if (ws.recorderEnabled()) {
                        recorder = disturbances.add(feed.id(), new DisturbanceRecorder(format, site.frequencyHz(),
                                new DisturbanceRecorder.Settings(ws.preTriggerS(), ws.postTriggerS(),
                                        disturbances.directory(),
                                        "ascii".equals(ws.recordFormat()) ? DataFormat.ASCII : DataFormat.BINARY,
                                        site.name(), "headroom/" + feed.id()), utc));
                    }
                    monitor = new WaveformMonitor(source, site.frequencyHz(),
                            List.of(WaveformMonitor.FeedChannels.byName(format, feed.id(), feed.id(), unRms)),
                            ws.detection(), protection.listenerFor(feedIndex), recorder, null, 1024, nanoTime,
                            WaveformMonitor.Wiring.none().feedSitePower(sitePower).supervisedBy(supervisor));
                } catch (RuntimeException ex) {
                    source.close();
                    if (recorder != null) {
                        recorder.close();
                    }
                    throw ex;
                }
                parts.push(monitor); // closes its source and its recorder
                monitor.start();
                monitors.add(monitor);
                if (source instanceof UdpSampleSource udp) {
                    waveformAddresses.put(feed.id(), udp.localAddress());
                }
            }
            // Regulation's state and alarms are made before the loop: their readers (field I/O, VEN, metrics, operator
            // controls, API) are built first, and the loop last, complete, just before it starts.
            LatestState state = new LatestState();
            ActiveAlarms alarms = new ActiveAlarms();
            alarms.hysteresis(ActiveAlarms.REGULATION, RegulationLoop.ALARM_RAISE_AFTER, RegulationLoop.ALARM_CLEAR_AFTER);
            BankActuator banks = new BankActuator(site, measurements.buses());
            WaveformWatch waveformWatch = new WaveformWatch(monitors, sitePower, ws.streamDeadlineMs() * 1_000_000L);
            FieldIo field = FieldIo.open(site, options.gpioProvider(), protection, state, journal, clocks,
                    supervisor::check);
            if (field != null) {
                parts.push(field);
            }
            GridLink ven = null;
            // Built before regulation starts: commitments restored from the VEN's journal apply at once.
            if (options.ven() != null) {
                ven = GridLink.of(new Ven3(options.ven(), options.commitments(), new SiteFlexibility(site, state),
                        new JournalTelemetry(journal), utc, vertx), options.ven().version().label());
                parts.push(ven);
            } else if (options.ven2b() != null) {
                ven = GridLink.of(new Ven2b(options.ven2b(), options.commitments(),
                        new SiteFlexibility(site, state), new JournalTelemetry(journal), utc));
                parts.push(ven);
            }
            ApplianceMetrics metrics = new ApplianceMetrics(site, state, journal)
                    .modbus(measurements.buses()).grid(ven, options.commitments(), clocks)
                    .protection(coap::armedAgents, coap.agents()).jvm();
            parts.push(metrics);
            OperatorControls operator = OperatorControls.open(site, journal, utc, alarms);
            Path tokensFile = options.api().tokensFile() != null ? options.api().tokensFile()
                    : options.dataDir().resolve("api-tokens");
            ApiTokens tokens = ApiTokens.load(tokensFile);
            if (tokens.size() == 0) {
                log.warn("no API tokens in {}: every write is refused; add one with ./headroom token add NAME --role operator",
                        tokensFile);
            }
            protection.onFired(metrics);
            coap.onAck(metrics);
            // Started once wired; nothing is armed before regulation's first tick, and a detector's events wait for it.
            protection.supervisedBy(supervisor);
            // the fast path's other half: answers to a fired contingency, and unicast retries of silent agents
            supervisor.watch("ack-intake", Duration.ofSeconds(1),
                    "answers to a fired contingency are not collected and silent agents are not retried",
                    new Heartbeat.Pulled(trigger::intakeHeartbeatNanos, trigger::intakeRunning, trigger::intakeFailures));
            protection.start();
            OperatorApi operatorApi = new OperatorApi(site, state, operator, options.commitments(),
                    new OperatorApi.Access(tokens, options.api().requireTokenForReads()), utc, disturbances::request,
                    new DisturbanceArchive(disturbances.directory()));
            // A campus member: publishes, reads its budget lease and writes it into the commitment book (off every loop).
            io.headroom.appliance.campus.CampusNode campus = options.campus() == null ? null
                    : options.campus().start(site, state, options.commitments(), journal, clocks);
            if (campus != null) {
                parts.push(campus);
            }
            ApiServer api = ApiServer.start(vertx, site, state, journal, ven, metrics::scrape,
                    options.httpHost(), options.httpPort(), operatorApi, ApiServer.Limits.defaults(), options.api().tls(),
                    supervisor::check, clocks, campus == null ? null : campus::json);
            parts.push(api);
            measurements.start();
            io.headroom.appliance.operator.SupervisionAlarms supervision =
                    new io.headroom.appliance.operator.SupervisionAlarms(supervisor, alarms, journal, utc);
            RegulationLoop regulation = new RegulationLoop(site, measurements, actuator, options.commitments(), journal,
                    utc, nanoTime, RegulationLoop.Wiring.none()
                    .withBanks(banks)
                    .withWaveforms(waveformWatch)
                    .onTick(metrics)
                    .withOperator(operator)
                    .supervisedBy(supervisor) // watched from here on, as it starts
                    .showAlarms(campus == null ? supervision::alarms : () -> {
                        List<String> a = new ArrayList<>(supervision.alarms());
                        a.addAll(campus.alarms());
                        return a;
                    })
                    .withAlarms(alarms)
                    .publishTo(state));
            parts.push(regulation);
            metrics.supervision(supervisor);
            regulation.start();
            parts.push(supervision.start()); // closed first: a loop closing in order is no alarm
            SparkplugNode mqtt = null;
            if (site.mqtt().enabled()) {
                // Off the loops: reads the state regulation publishes anyway, on its own Vert.x context.
                mqtt = new SparkplugNode(site.mqtt(), site, state, utc, vertx,
                        options.dataDir().resolve("mqtt-bdseq")).start();
                parts.push(mqtt); // closed before Vert.x: its NDEATH goes out
                metrics.mqtt(mqtt);
            }
            if (ven != null) {
                ven.start();
            }
            long startedId = journal.record(JournalEntry.of(utc.instant(), "event", site.name(), "appliance", "appliance started", null));
            JournalLog.with(log.atInfo(), startedId).log("appliance up: site {} ({} feeds, {} nodes, {} GPUs); API on {}://{}:{}/; journal {}{}",
                    site.name(), site.feeds().size(), site.nodes().size(), site.gpuCount(),
                    options.api().tls() == null ? "http" : "https", options.httpHost(),
                    api.port(), journal.file(), ven == null ? "" : "; OpenADR " + ven.version() + " VEN enrolled");
            return new Appliance(site, parts, regulation, api, journal, ven, protection, coap.session(),
                    waveformAddresses, disturbances, field, supervisor, mqtt);
        } catch (Exception e) {
            closeAll(parts);
            if (e instanceof IOException io) {
                throw new UncheckedIOException("the appliance did not start: " + io.getMessage(), io);
            }
            throw e instanceof RuntimeException r ? r : new IllegalStateException("the appliance did not start: " + e.getMessage(), e);
        }
    }

    /** The session this appliance commands and arms its agents in (a new one each start). */
    public long agentSession() {
        return agentSession;
    }

    public Site site() {
        return site;
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
     * Asks the feed's disturbance recorder for a record ({@link Disturbances#request}: written to
     * {@link #disturbanceDirectory()}, journalled as {@code disturbance.requested} and {@code disturbance.recorded}).
     *
     * @return true when queued; false when a capture is already in progress (its record covers this moment)
     * @throws IllegalArgumentException for an unknown feed
     * @throws IllegalStateException    when the feed has no waveform stream, or its recorder is disabled
     */
    public boolean recordDisturbance(String feedId, String reason, String actor) {
        return disturbances.request(feedId, reason, actor);
    }

    /** {@link #recordDisturbance(String, String, String)} by the appliance itself. */
    public boolean recordDisturbance(String feedId, String reason) {
        return recordDisturbance(feedId, reason, "appliance");
    }

    /** Where disturbance records go: {@code DATA/disturbances}. */
    public Path disturbanceDirectory() {
        return disturbances.directory();
    }

    /**
     * The supervisor of the loops protection depends on (protection, waveform DSP, regulation, journal writer): its
     * verdicts, and each loop's heartbeat, where a drill is armed.
     */
    public Supervisor supervisor() {
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

    /** The MQTT Sparkplug B edge node, or null when the site's {@code mqtt} section is not enabled. */
    public SparkplugNode mqtt() {
        return mqtt;
    }

    /** The OpenADR VEN, or null when the appliance is not enrolled. */
    public GridLink ven() {
        return ven;
    }

    /**
     * Opens one feed's stream, a site file's {@link WaveformStream} ({@code sv}: an AF_PACKET socket on its
     * interface; {@code udp}: a UDP socket hearing only its senders; port 0 binds a free one, which
     * {@link #waveformAddress} says).
     *
     * @throws IllegalStateException naming the feed, the interface or address, and what to do, when it cannot be opened
     */
    static SampleSource openStream(WaveformStream stream, int nominalHz, java.util.function.LongSupplier nanoTime) {
        return openStream(stream, nominalHz, nanoTime, null);
    }

    /**
     * Opens a feed's stream as the site file declares it.
     *
     * @param gpio the Pi4J provider of an {@code spi} stream's DRDY input (the appliance's GPIO provider: MOCK in
     *             tests and on the bench, where the SPI is Pi4J's mock too); null: gpiod or linuxfs, found
     */
    static SampleSource openStream(WaveformStream stream, int nominalHz, java.util.function.LongSupplier nanoTime,
                                   io.headroom.drivers.gpio.GpioProvider gpio) {
        return switch (stream) {
            case WaveformStream.Comtrade c -> {
                try {
                    var record = io.headroom.drivers.waveform.comtrade.ComtradeReader.read(c.cfg());
                    int[] channels = io.headroom.drivers.waveform.comtrade.ComtradeReplaySource.feedChannels(record,
                            c.channels());
                    yield new io.headroom.drivers.waveform.comtrade.ComtradeReplaySource(record, channels,
                            StreamFormat.threePhaseFeed(0, record.sampleRateHz(), c.feedId()), c.loop(), nanoTime,
                            SV_RECEIVE_TIMEOUT_MS * 1_000_000L);
                } catch (IOException | RuntimeException e) {
                    throw new IllegalStateException("feed " + c.feedId() + ": cannot replay the COMTRADE record "
                            + c.cfg() + ": " + e.getMessage(), e);
                }
            }
            case WaveformStream.Spi s -> SpiStreams.open(s, gpio);
            case WaveformStream.Udp u -> {
                InetSocketAddress bind = new InetSocketAddress(u.bind().host(), u.bind().port());
                if (bind.isUnresolved()) {
                    throw new IllegalStateException("feed " + u.feedId() + ": its udp stream's bind address "
                            + u.bind().host() + " does not resolve: fix waveforms.streams in the site file");
                }
                try {
                    yield UdpSampleSource.open(bind,
                            StreamFormat.threePhaseFeed(u.streamId(), u.sampleRateHz(), u.feedId()),
                            UdpSampleSource.Options.defaults(u.allowedSenders()), nanoTime);
                } catch (IOException | RuntimeException e) {
                    throw new IllegalStateException("feed " + u.feedId() + ": cannot listen for its udp stream on "
                            + u.bind() + ": " + e.getMessage() + " (another process on that port? a local address?)",
                            e);
                }
            }
            case WaveformStream.Sv v -> {
                SvSampleSource.Options o = v.options(nominalHz);
                AfPacketChannel channel;
                try {
                    channel = AfPacketChannel.open(v.interfaceName(), AfPacketChannel.ETH_P_SV,
                            SvFrames.parseMac(v.destinationMac()), SV_RECEIVE_TIMEOUT_MS);
                } catch (IOException e) {
                    throw new IllegalStateException(svOpenProblem(v, e.getMessage()), e);
                }
                yield SvSampleSource.open(channel, StreamFormat.threePhaseFeed(v.appId(), o.sampleRate(),
                        v.feedId()), o, nanoTime);
            }
        };
    }

    /** How long an SV stream's socket waits for a frame before its reader looks round (stop, deadlines). */
    static final int SV_RECEIVE_TIMEOUT_MS = 50;

    /** What went wrong opening an SV stream, and what to do about it. */
    static String svOpenProblem(WaveformStream.Sv v, String cause) {
        String what = "feed " + v.feedId() + ": cannot open its Sampled Values stream (svID " + v.svId() + ") on "
                + "interface " + v.interfaceName() + ": " + cause;
        String c = cause == null ? "" : cause;
        if (c.contains("no interface")) {
            return what + ". No interface of that name here (`ip link` lists them): fix waveforms.streams' "
                    + "interface in the site file";
        }
        if (c.contains("not permitted") || c.contains("EPERM") || c.contains("CAP_NET_RAW")) {
            return what + ". Raw sockets need CAP_NET_RAW: the appliance's systemd unit grants it "
                    + "(AmbientCapabilities=CAP_NET_RAW); by hand, run as root, or give the JDK the capability "
                    + "(sudo setcap cap_net_raw+ep \"$(readlink -f \"$JAVA_HOME/bin/java\")\")";
        }
        return what;
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
