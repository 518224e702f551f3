package io.headroom.hil;

import io.headroom.appliance.Appliance;
import io.headroom.appliance.control.ContingencyPlanner;
import io.headroom.appliance.site.Endpoint;
import io.headroom.appliance.site.Meter;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.AgentSecurity;
import io.headroom.drivers.gpuprotocol.CoapExecutors;
import io.headroom.drivers.gpuprotocol.Dtls;
import io.headroom.drivers.gpuprotocol.NodeAgent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The bench in a box: the simulated plant (meters as Modbus TCP servers, one real node agent per node on a
 * simulated GPU backend) and the appliance, talking over loopback through the real protocols.
 *
 * <p>The agents speak DTLS 1.2 with a pre-shared key each, whatever the site file's {@code agents.security} says
 * (its keys belong to real agents): {@link #benchKeys} makes a random 32-byte key per node in
 * {@code DATA/agent-psk.keys} (mode 600, the site file's {@code pskKeys} format, identity = node id) on the first
 * start and reuses it after, and the appliance reads that file as its {@code agents.pskKeys}.
 */
public final class Bench implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Bench.class);

    /**
     * @param ephemeralPorts bind meters and agents on free ports instead of the site's (tests; benches side by side)
     * @param dataDir        where the appliance keeps its journal
     * @param appliance      what else the appliance is started with (commitments, OpenADR enrollment)
     * @param waveformRateHz the CT/PT streams' sample rate, samples per second per channel
     *                       ({@value #MIN_WAVEFORM_RATE_HZ}–{@value #MAX_WAVEFORM_RATE_HZ})
     * @param plantStepMs    the plant's time step ({@value #MIN_STEP_MS}–{@value #MAX_STEP_MS} ms)
     * @param networkRelay   put the {@link NetImpairment} relay between the appliance and the agents (agents on
     *                       {@value NetImpairment#AGENT_HOST}), so that a scenario can lose and delay their datagrams
     * @param udpWaveforms   the plant's CT/PT streams in the project's UDP frames, given to the appliance through its
     *                       options; false (the default): IEC 61850-9-2 / 61869-9 Sampled Values on {@code lo},
     *                       written into the bench's site as {@code waveforms.streams}, where the rate is an SV
     *                       profile's and raw sockets are permitted (else UDP, said in a log line)
     */
    public record Options(String httpHost, int httpPort, boolean ephemeralPorts, long seed, Path dataDir,
                          Appliance.Options appliance, double waveformRateHz, long plantStepMs, boolean networkRelay,
                          boolean udpWaveforms) {
        public Options {
            if (!(waveformRateHz >= MIN_WAVEFORM_RATE_HZ && waveformRateHz <= MAX_WAVEFORM_RATE_HZ)) {
                throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                        "waveform rate %.0f samples/s outside %.0f..%.0f", waveformRateHz, MIN_WAVEFORM_RATE_HZ,
                        MAX_WAVEFORM_RATE_HZ));
            }
            if (plantStepMs < MIN_STEP_MS || plantStepMs > MAX_STEP_MS) {
                throw new IllegalArgumentException("plant step " + plantStepMs + " ms outside " + MIN_STEP_MS + ".."
                        + MAX_STEP_MS + " ms");
            }
        }

        /** SV waveforms (where the rate and the host allow). */
        public Options(String httpHost, int httpPort, boolean ephemeralPorts, long seed, Path dataDir,
                       Appliance.Options appliance, double waveformRateHz, long plantStepMs, boolean networkRelay) {
            this(httpHost, httpPort, ephemeralPorts, seed, dataDir, appliance, waveformRateHz, plantStepMs, networkRelay,
                    false);
        }

        /** The same with the plant's CT/PT streams in UDP frames (the fault drills' forged frames need them). */
        public Options withUdpWaveforms(boolean udp) {
            return new Options(httpHost, httpPort, ephemeralPorts, seed, dataDir, appliance, waveformRateHz, plantStepMs,
                    networkRelay, udp);
        }

        /** No network relay. */
        public Options(String httpHost, int httpPort, boolean ephemeralPorts, long seed, Path dataDir,
                       Appliance.Options appliance, double waveformRateHz, long plantStepMs) {
            this(httpHost, httpPort, ephemeralPorts, seed, dataDir, appliance, waveformRateHz, plantStepMs, false);
        }

        /** The default plant: {@value #WAVEFORM_RATE_HZ} samples/s, {@value #STEP_MS} ms steps. */
        public Options(String httpHost, int httpPort, boolean ephemeralPorts, long seed, Path dataDir,
                       Appliance.Options appliance) {
            this(httpHost, httpPort, ephemeralPorts, seed, dataDir, appliance, WAVEFORM_RATE_HZ, STEP_MS);
        }

        /** Loopback, free ports, a fresh journal under {@code dataDir}. */
        public static Options forTests(Path dataDir) {
            return new Options("127.0.0.1", 0, true, 42, dataDir, null);
        }

        /** The same with the CT/PT streams at {@code rateHz} samples/s. */
        public Options withWaveformRate(double rateHz) {
            return new Options(httpHost, httpPort, ephemeralPorts, seed, dataDir, appliance, rateHz, plantStepMs,
                    networkRelay, udpWaveforms);
        }

        /** The same with the agents behind the {@link NetImpairment} relay. */
        public Options withNetworkRelay() {
            return new Options(httpHost, httpPort, ephemeralPorts, seed, dataDir, appliance, waveformRateHz, plantStepMs,
                    true, udpWaveforms);
        }

        Appliance.Options applianceOptions() {
            return appliance != null
                    ? new Appliance.Options(httpHost, httpPort, dataDir, appliance.commitments(), appliance.ven())
                            .withVen2b(appliance.ven2b()).withApi(appliance.api()).withCampus(appliance.campus())
                    : Appliance.Options.of(httpHost, httpPort, dataDir);
        }
    }

    /**
     * A bench's API tokens, made on its first start: {@code DATA/api-tokens} with {@code bench-operator} and
     * {@code bench-viewer}, whose tokens are written to {@code DATA/operator.token} and {@code DATA/viewer.token}
     * (mode 600; {@code ./headroom status} and the other operator commands read the first). A token file that
     * exists already is left as it is.
     */
    static void benchTokens(Path dataDir) throws java.io.IOException {
        Path file = dataDir.resolve("api-tokens");
        if (java.nio.file.Files.exists(file)) {
            return;
        }
        java.nio.file.Files.createDirectories(dataDir);
        for (var role : io.headroom.appliance.operator.ApiTokens.Role.values()) {
            String token = io.headroom.appliance.operator.ApiTokens.add(file, "bench-" + role.label(), role);
            Path out = dataDir.resolve(role.label() + ".token");
            java.nio.file.Files.deleteIfExists(out);
            io.headroom.appliance.operator.ApiTokens.createPrivate(out, token + "\n");
        }
        log.info("bench API tokens made: {} (operator token in {}, viewer token in {})", file,
                dataDir.resolve("operator.token"), dataDir.resolve("viewer.token"));
    }

    /**
     * The bench agents' PSKs: {@code DATA/agent-psk.keys}, made with a random key for every node missing from it
     * (the file is rewritten, mode 600, when a node was added).
     */
    static Map<String, byte[]> benchKeys(Path dataDir, Site site) throws Exception {
        Path file = dataDir.resolve(KEYS_FILE);
        Map<String, byte[]> keys = new java.util.LinkedHashMap<>();
        if (java.nio.file.Files.exists(file)) {
            keys.putAll(io.headroom.appliance.site.AgentKeys.readKeysFile(file));
        }
        java.security.SecureRandom random = new java.security.SecureRandom();
        boolean added = false;
        for (Node n : site.nodes()) {
            if (!keys.containsKey(n.id())) {
                byte[] k = new byte[32];
                random.nextBytes(k);
                keys.put(n.id(), k);
                added = true;
            }
        }
        if (added) {
            StringBuilder text = new StringBuilder("# the bench agents' DTLS pre-shared keys: IDENTITY HEX-KEY\n");
            keys.forEach((id, k) -> text.append(id).append(' ').append(java.util.HexFormat.of().formatHex(k)).append('\n'));
            java.nio.file.Files.createDirectories(dataDir);
            java.nio.file.Files.deleteIfExists(file);
            io.headroom.appliance.operator.ApiTokens.createPrivate(file, text.toString());
            log.info("bench agent keys made: {}", file);
        }
        return keys;
    }

    static final String KEYS_FILE = "agent-psk.keys";

    /** The plant's default CT/PT stream rate (IEC 61869-9's 4.8 kS/s). */
    public static final double WAVEFORM_RATE_HZ = 4800;
    public static final double MIN_WAVEFORM_RATE_HZ = 1000;
    /** The most the bench accepts; what a machine sustains without gaps is measured (hil-tests/README.md). */
    public static final double MAX_WAVEFORM_RATE_HZ = 1_000_000;
    /**
     * The plant's default time step: loads, meters, breakers and waveforms advance every 2 ms, so that what the
     * bench reports of a feed loss (back within limits) is resolved to 2 ms, well inside the 20 ms it is held to.
     */
    public static final long STEP_MS = 2;
    public static final long MIN_STEP_MS = 1;
    public static final long MAX_STEP_MS = 100;

    private final Plant plant;
    private final CoapExecutors agentThreads;
    private final List<NodeAgent> agents;
    private volatile Appliance appliance;
    private Site wiredSite;
    private Appliance.Options applianceOptions;
    private long droppedByEarlierAppliances;

    private final java.util.concurrent.ExecutorService handshakes;
    private final Map<String, byte[]> keys;
    private final NetImpairment network;

    private Bench(Plant plant, CoapExecutors agentThreads, java.util.concurrent.ExecutorService handshakes,
                  Map<String, byte[]> keys, List<NodeAgent> agents, Appliance appliance, NetImpairment network) {
        this.network = network;
        this.handshakes = handshakes;
        this.keys = keys;
        this.plant = plant;
        this.agentThreads = agentThreads;
        this.agents = agents;
        this.appliance = appliance;
    }

    /** A socket the bench binds at a number it does not choose at random: what, where, and TCP or UDP. */
    public record FixedEndpoint(String what, String host, int port, boolean udp) {
        @Override
        public String toString() {
            return what + " " + host + ":" + port + (udp ? "/udp" : "/tcp");
        }
    }

    /**
     * Every socket the bench binds at a fixed number for {@code site} with {@code options}: agents, meters, banks
     * and the multicast group from the site file (none of them with ephemeral ports, where each takes a free port),
     * and the API's port unless 0. The bench's VTNs and the appliance's waveform inputs always take free ports.
     */
    public static List<FixedEndpoint> fixedEndpoints(Site site, Options options) {
        List<FixedEndpoint> out = new ArrayList<>();
        if (!options.ephemeralPorts()) {
            for (Node n : site.nodes()) {
                if (n.agent() != null) {
                    out.add(new FixedEndpoint("agent of " + n.id(), "127.0.0.1", n.agent().port(), true));
                }
            }
            for (Meter m : site.meters()) {
                if (m.modbus() != null) {
                    out.add(new FixedEndpoint("meter " + m.id(), "127.0.0.1", m.modbus().port(), false));
                }
            }
            for (var b : site.supercaps()) {
                if (b.modbus() != null) {
                    out.add(new FixedEndpoint("bank " + b.id(), "127.0.0.1", b.modbus().port(), false));
                }
            }
            if (site.agents().multicast() != null && !options.networkRelay()) {
                out.add(new FixedEndpoint("multicast group", "0.0.0.0", site.agents().multicast().port(), true));
            }
        }
        if (options.httpPort() != 0) {
            out.add(new FixedEndpoint("API", options.httpHost(), options.httpPort(), false));
        }
        return out;
    }

    /** The kernel's ephemeral port range, {@code [low, high]} (Linux; 32768–60999 where it cannot be read). */
    public static int[] ephemeralPortRange() {
        try {
            String[] f = java.nio.file.Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).strip().split("\\s+");
            return new int[]{Integer.parseInt(f[0]), Integer.parseInt(f[1])};
        } catch (IOException | RuntimeException e) {
            return new int[]{32768, 60999};
        }
    }

    /**
     * The fixed endpoints that a socket taking a free port could hold before the bench binds them: a port inside
     * the kernel's ephemeral range on an address that other sockets use too (the loopback's 127.0.0.1, the wildcard).
     * A bench whose agents sat at 127.0.0.1:57001–57064 failed to start now and then (an earlier agent's trigger
     * socket had taken a later agent's port: "Address already in use").
     */
    public static List<FixedEndpoint> atRisk(List<FixedEndpoint> endpoints, int[] range) {
        Map<String, Long> perHost = new HashMap<>();
        for (FixedEndpoint e : endpoints) {
            perHost.merge(e.host(), 1L, Long::sum);
        }
        return endpoints.stream().filter(e -> e.port() >= range[0] && e.port() <= range[1])
                .filter(e -> e.host().equals("127.0.0.1") || e.host().equals("0.0.0.0") || e.host().equals("::")
                        || perHost.get(e.host()) > 1)
                .toList();
    }

    /**
     * The bench's in-process agents (and their trigger sockets) log at WARN unless DEBUG is asked for: one agent's
     * start, session, first cap, multicast join and stop lines are what a real agent's log should say, but 64 of them at every bench start and stop bury the
     * rest; "bench up" and "bench stopped" sum them up. The appliance's own lines tell what the agents did.
     */
    static void quietAgents() {
        for (Class<?> c : new Class<?>[]{NodeAgent.class, io.headroom.drivers.gpuprotocol.TriggerListener.class}) {
            org.slf4j.Logger l = LoggerFactory.getLogger(c);
            if (l instanceof ch.qos.logback.classic.Logger lb && !lb.isDebugEnabled()) {
                lb.setLevel(ch.qos.logback.classic.Level.WARN);
            }
        }
    }

    public static Bench start(Site site, Options options) throws Exception {
        quietAgents();
        int[] range = ephemeralPortRange();
        List<FixedEndpoint> risky = atRisk(fixedEndpoints(site, options), range);
        if (!risky.isEmpty()) {
            log.warn("bench: {} fixed port(s) inside the kernel's ephemeral range {}-{} on a shared address, e.g. {}: a "
                            + "socket that takes a free port may hold one first, and the bench then fails to start; give them "
                            + "ports below {} (sites/README.md)", risky.size(), range[0], range[1], risky.getFirst(), range[0]);
        }
        Map<String, Integer> meterPorts = new HashMap<>();
        Map<String, Endpoint> meterEndpoints = new HashMap<>();
        // every free port taken at once: a port closed at once is the kernel's to hand out again, so two servers
        // (a meter and a bank) could get the same one, and one of them would never listen
        java.util.Iterator<Integer> free = options.ephemeralPorts()
                ? freeTcpPorts(site.meters().size() + site.supercaps().size()).iterator() : null;
        for (Meter m : site.meters()) {
            int port = options.ephemeralPorts() ? free.next() : m.modbus().port();
            meterPorts.put(m.id(), port);
            meterEndpoints.put(m.id(), new Endpoint("127.0.0.1", port));
        }
        Map<String, Integer> bankPorts = new HashMap<>();
        Map<String, Endpoint> bankEndpoints = new HashMap<>();
        for (var b : site.supercaps()) {
            int port = options.ephemeralPorts() ? free.next() : b.modbus().port();
            bankPorts.put(b.id(), port);
            bankEndpoints.put(b.id(), new Endpoint("127.0.0.1", port));
        }
        Plant plant = new Plant(site, meterPorts, bankPorts, options.seed(), options.plantStepMs());
        if (site.nodes().stream().anyMatch(Node::viaRedfish)) {
            plant.close();
            throw new IllegalArgumentException("the bench simulates node agents only; its site cannot have Redfish nodes");
        }
        Map<String, byte[]> keys = benchKeys(options.dataDir(), site);
        CoapExecutors threads = CoapExecutors.create("bench-agents", 2);
        // one handshake thread for all the agents' DTLS endpoints
        java.util.concurrent.ExecutorService handshakes = java.util.concurrent.Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("bench-agents-dtls").daemon().factory());
        List<NodeAgent> agents = new java.util.concurrent.CopyOnWriteArrayList<>();
        Map<String, Endpoint> agentEndpoints = new HashMap<>();
        NetImpairment network = options.networkRelay() ? new NetImpairment(options.seed()) : null;
        try {
            for (Node n : site.nodes()) {
                int port = options.ephemeralPorts() ? 0 : n.agent().port();
                NodeAgent a = agent(site, plant, n, network == null ? port : network.link(n.id(), port), threads, keys,
                        handshakes, network);
                agents.add(a);
                agentEndpoints.put(n.id(), new Endpoint("127.0.0.1", a.port()));
            }
            plant.start();
            Map<String, Endpoint> modbusEndpoints = new HashMap<>(meterEndpoints);
            modbusEndpoints.putAll(bankEndpoints);
            Site wired = site.withEndpoints(agentEndpoints, modbusEndpoints);
            wired = wired.withAgents(wired.agents().withSecurity(
                    AgentSecurity.psk(options.dataDir().resolve(KEYS_FILE).toAbsolutePath())));
            Endpoint multicast = wired.agents().multicast();
            if (multicast != null && network != null) {
                // the relay carries unicast only: a group datagram would pass by the faulty network to the agents
                log.info("bench: network relay in place, so contingencies are fired to each agent through it, not to "
                        + "the multicast group {}", multicast);
                wired = wired.withAgents(wired.agents().withMulticast(null, null));
            } else if (multicast != null && options.ephemeralPorts()) {
                // benches side by side (tests) must not hear each other's group datagrams
                wired = wired.withAgents(wired.agents().withMulticast(new Endpoint(multicast.host(), freeUdpPort()),
                        wired.agents().multicastInterface()));
            }
            wired = new Site(wired.name(), wired.frequencyHz(), wired.feeds(), wired.groups(), wired.racks(),
                    wired.nodes().stream().map(n -> n.withPsk(n.id(), null)).toList(), wired.meters(),
                    wired.supercaps(), wired.agents(), wired.control(), wired.openadr(), wired.modbusBuses(),
                    benchGpio(wired), plantStreams(wired.waveforms()));
            List<io.headroom.appliance.site.WaveformStream> streams = new ArrayList<>(options.udpWaveforms() ? List.of()
                    : svStreams(site, options.waveformRateHz()));
            if (!streams.isEmpty()) {
                try {
                    plant.publishSv(streams.stream().map(io.headroom.appliance.site.WaveformStream.Sv.class::cast).toList());
                } catch (java.io.IOException e) {
                    log.warn("bench: the plant's CT/PT streams are UDP frames, not Sampled Values: {} (SV needs "
                            + "CAP_NET_RAW: run as root or setcap cap_net_raw+ep the JDK's java; --udp-waveforms "
                            + "says UDP)", e.getMessage());
                    streams.clear();
                }
            }
            String streamKind;
            boolean udp = streams.isEmpty();
            if (!udp) {
                streamKind = "Sampled Values (" + ((io.headroom.appliance.site.WaveformStream.Sv) streams.getFirst())
                        .profile() + ") on lo";
            } else {
                // the appliance binds a free port per feed, hearing only the plant's socket for that feed
                Map<String, InetSocketAddress> frontEnd = plant.waveformSources(options.waveformRateHz());
                for (int f = 0; f < site.feeds().size(); f++) {
                    String feed = site.feeds().get(f).id();
                    InetSocketAddress from = frontEnd.get(feed);
                    streams.add(new io.headroom.appliance.site.WaveformStream.Udp(feed, new Endpoint("127.0.0.1", 0),
                            f + 1, options.waveformRateHz(),
                            List.of(from.getAddress().getHostAddress() + ":" + from.getPort())));
                }
                streamKind = "UDP frames";
            }
            io.headroom.appliance.site.WaveformSettings ws = wired.waveforms();
            wired = new Site(wired.name(), wired.frequencyHz(), wired.feeds(), wired.groups(), wired.racks(),
                    wired.nodes(), wired.meters(), wired.supercaps(), wired.agents(), wired.control(),
                    wired.openadr(), wired.modbusBuses(), wired.gpio(),
                    new io.headroom.appliance.site.WaveformSettings(ws.detection(), ws.streamDeadlineMs(),
                            ws.recorderEnabled(), ws.preTriggerS(), ws.postTriggerS(), ws.recordFormat(),
                            ws.bandWindowS(), ws.rampSpanS(), streams));
            benchTokens(options.dataDir());
            Appliance appliance = Appliance.start(wired, options.applianceOptions()
                    .withGpio(io.headroom.drivers.gpio.GpioProvider.MOCK));
            if (udp) {
                plant.streamWaveforms(udpTargets(wired, appliance), options.waveformRateHz());
            }
            log.info("bench up: {} meters, {} agents (DTLS-PSK, keys in {}), plant stepping every {} ms, CT/PT "
                            + "streams at {} samples/s, {}", meterPorts.size(), agents.size(),
                    options.dataDir().resolve(KEYS_FILE), options.plantStepMs(), Math.round(options.waveformRateHz()),
                    streamKind);
            Bench bench = new Bench(plant, threads, handshakes, keys, agents, appliance, network);
            bench.wiredSite = wired;
            bench.applianceOptions = options.applianceOptions()
                    .withGpio(io.headroom.drivers.gpio.GpioProvider.MOCK);
            bench.wireContacts();
            plant.onFeedChange(bench::contact);
            return bench;
        } catch (Exception | Error e) {
            agents.forEach(NodeAgent::close);
            handshakes.shutdownNow();
            threads.close();
            if (network != null) {
                network.close();
            }
            plant.close();
            throw e;
        }
    }

    private final Map<String, Integer> crashedPorts = new HashMap<>();
    /** Each simulated node's current agent's view of its GPUs (a crash cuts it off). */
    private static final Map<PlantNode, CrashableGpus> GPUS = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /**
     * The real node agent on the plant's simulated GPUs for {@code n}, over DTLS with its bench key, starting at
     * its group's N-1 safe cap. Behind the network relay it binds {@link NetImpairment#AGENT_HOST} on {@code port}
     * (a port the relay already relays) and its trigger socket on a port the relay relays too.
     */
    private static NodeAgent agent(Site site, Plant plant, Node n, int port, CoapExecutors threads,
                                   Map<String, byte[]> keys, java.util.concurrent.ExecutorService handshakes,
                                   NetImpairment network) {
        double safeCap = ContingencyPlanner.safeCapW(site, site.group(n.groupId()).orElseThrow());
        InetSocketAddress bind = network == null ? new InetSocketAddress("127.0.0.1", port) : NetImpairment.agentAddress(port);
        InetSocketAddress trigger = network == null ? new InetSocketAddress("127.0.0.1", 0)
                : NetImpairment.agentAddress(network.link(n.id(), 0));
        CrashableGpus gpus = new CrashableGpus(plant.node(n.id()));
        GPUS.put(plant.node(n.id()), gpus);
        return NodeAgent.builder(gpus).name(n.id())
                .endpoint(Dtls.agentEndpoint(bind, new Dtls.Psk(n.id(), keys.get(n.id())), n.id(), handshakes))
                .safeCapW(safeCap).triggerAddress(trigger).sharedExecutors(threads).start();
    }

    /** The network between the appliance and the agents, or null when the bench was started without the relay. */
    public NetImpairment network() {
        return network;
    }

    /**
     * Kills node {@code nodeId}'s agent (a crashed process, not an orderly stop: it answers nothing, and nothing it
     * would do on its way out reaches the GPUs, which keep the limit they had)
     * or, with {@code crashed} false, starts a fresh one on the same port (a restarted process: no lease, no
     * armed table, its safe cap applied at start).
     */
    public synchronized void agentCrash(String nodeId, boolean crashed) {
        Site site = appliance.site();
        int i = site.nodes().indexOf(site.nodes().stream().filter(n -> n.id().equals(nodeId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node " + nodeId)));
        NodeAgent a = agents.get(i);
        if (crashed) {
            crashedPorts.put(nodeId, a.port());
            // killed, not stopped: nothing it would do on its way out (an orderly stop's safe cap) reaches the GPUs
            CrashableGpus gpus = GPUS.get(plant.node(nodeId));
            if (gpus != null) {
                gpus.crash();
            }
            a.crash(); // and the agent stops without its orderly stop's safe cap
        } else {
            Integer port = crashedPorts.remove(nodeId);
            if (port == null) {
                throw new IllegalStateException("the agent of " + nodeId + " has not crashed");
            }
            retiredLeaseLapses += a.leaseLapses();
            agents.set(i, agent(site, plant, site.nodes().get(i), port, agentThreads, keys, handshakes, network));
        }
        log.info("agent of {} {}", nodeId, crashed ? "crashed" : "restarted");
    }

    public Plant plant() {
        return plant;
    }

    /** Leases the bench's agents let lapse to their safe cap since the bench started, crashed agents included. */
    public synchronized long leaseLapses() {
        long n = retiredLeaseLapses;
        for (NodeAgent a : agents) {
            n += a.leaseLapses();
        }
        return n;
    }

    private long retiredLeaseLapses;

    /**
     * Stops the appliance (the agents keep their caps until their leases lapse, then fall back to their safe
     * caps), waits {@code downS} seconds of plant time, and starts a new one on the same data (journal, tokens,
     * VEN state) and the same site; the plant's waveform streams follow it to its new inputs.
     */
    public void restartAppliance(double downS) throws InterruptedException {
        Appliance old = appliance;
        synchronized (this) {
            droppedByEarlierAppliances += old.journal().dropped();
        }
        old.close();
        log.info("appliance stopped; restarting in {} s", downS);
        plant.sleepUntil(plant.nowS() + downS);
        Appliance next = Appliance.start(wiredSite, applianceOptions);
        List<io.headroom.appliance.site.WaveformStream> streams = wiredSite.waveforms().streams();
        if (!streams.isEmpty() && streams.getFirst() instanceof io.headroom.appliance.site.WaveformStream.Udp u) {
            // UDP: the plant's streams follow it to its new ports; SV: it opens them itself
            plant.streamWaveforms(udpTargets(wiredSite, next), u.sampleRateHz());
        }
        appliance = next;
        wireContacts();
        log.info("appliance restarted");
    }

    /** The BCM pins of the bench's breaker auxiliary contacts, one per feed in site order. */
    static final int[] CONTACT_PINS = {5, 6, 13, 19, 26, 16, 20, 21, 12, 25, 8, 7};
    static final int ALARM_RELAY_PIN = 22;
    static final int STATUS_LAMP_PIN = 23;
    static final int WATCHDOG_PIN = 24;

    /** Per feed, where the appliance listens for its UDP stream. */
    private static Map<String, InetSocketAddress> udpTargets(Site wired, Appliance appliance) {
        Map<String, InetSocketAddress> targets = new HashMap<>();
        for (io.headroom.appliance.site.WaveformStream w : wired.waveforms().streams()) {
            targets.put(w.feedId(), appliance.waveformAddress(w.feedId()));
        }
        return targets;
    }

    /**
     * Per feed, the SV stream the plant publishes on {@code lo} at {@code rateHz}, or none where no SV profile has
     * that rate (61869-9: 4800 or 14400 S/s; 9-2LE: 80 or 256 samples a cycle). Each bench its own destination MACs,
     * APPIDs and svIDs (benches side by side on one host must not hear each other).
     */
    private static final java.util.concurrent.atomic.AtomicInteger SV_BENCHES =
            new java.util.concurrent.atomic.AtomicInteger(java.util.concurrent.ThreadLocalRandom.current().nextInt(0x100));

    static List<io.headroom.appliance.site.WaveformStream.Sv> svStreams(Site site, double rateHz) {
        int hz = (int) Math.round(site.frequencyHz());
        io.headroom.drivers.waveform.sv.SvProfile profile = null;
        for (io.headroom.drivers.waveform.sv.SvProfile p : List.of(io.headroom.drivers.waveform.sv.SvProfile.IEC61869_4800,
                io.headroom.drivers.waveform.sv.SvProfile.IEC61869_14400, io.headroom.drivers.waveform.sv.SvProfile.LE_80,
                io.headroom.drivers.waveform.sv.SvProfile.LE_256)) { // 61869-9 first (fewer frames: 2 or 6 ASDUs)
            if ((hz == 50 || hz == 60) && p.sampleRate(hz) == rateHz) {
                profile = p;
                break;
            }
        }
        if (profile == null) {
            log.info("bench: no Sampled Values profile at {} samples/s: the plant's CT/PT streams are UDP frames",
                    Math.round(rateHz));
            return List.of();
        }
        int r = (SV_BENCHES.getAndIncrement() & 0xff) << 4;
        List<io.headroom.appliance.site.WaveformStream.Sv> list = new ArrayList<>();
        for (int f = 0; f < site.feeds().size(); f++) {
            int n = r + f; // up to 16 feeds a bench
            list.add(new io.headroom.appliance.site.WaveformStream.Sv(site.feeds().get(f).id(), "lo",
                    String.format(java.util.Locale.ROOT, "01-0C-CD-04-%02X-%02X", (n >> 8) & 0xff, n & 0xff),
                    0x4000 | n, "headroom-bench/" + ProcessHandle.current().pid() + "/" + n, profile,
                    io.headroom.appliance.site.WaveformStream.Sv.DEFAULT_CHANNELS,
                    io.headroom.drivers.waveform.sv.SvSampleSource.Options.VOLTS_PER_COUNT,
                    io.headroom.drivers.waveform.sv.SvSampleSource.Options.AMPS_PER_COUNT, false));
        }
        return list;
    }

    /**
     * The site's waveform settings without its {@code streams}: the bench's plant is every feed's front-end (its
     * UDP streams, given to the appliance through its options), so a site file's SV or UDP streams are not opened.
     */
    static io.headroom.appliance.site.WaveformSettings plantStreams(io.headroom.appliance.site.WaveformSettings w) {
        if (!w.streams().isEmpty()) {
            log.info("bench: the site file's waveforms.streams are not opened: the plant publishes every feed's CT/PT "
                    + "stream");
        }
        return new io.headroom.appliance.site.WaveformSettings(w.detection(), w.streamDeadlineMs(), w.recorderEnabled(),
                w.preTriggerS(), w.postTriggerS(), w.recordFormat(), w.bandWindowS(), w.rampSpanS());
    }

    /**
     * The bench's GPIO header on Pi4J's mock platform, unless the site declares one: a breaker auxiliary contact
     * per feed (closed = breaker closed), the alarm relay, the status lamp and a watchdog pin. The contacts are wired
     * active low with a pull-up (a closed contact pulls its pin to ground, as a dry contact usually is): a mock pin
     * starts low, so the appliance reads every breaker closed at start, as the plant's are, and its start summary
     * says so; active high, each would read open and then close a debounce later, after the bench's start lines.
     */
    static io.headroom.appliance.site.GpioSettings benchGpio(Site site) {
        if (!site.gpio().inputs().isEmpty() || site.feeds().size() > CONTACT_PINS.length) {
            return site.gpio();
        }
        List<io.headroom.appliance.site.GpioSettings.Input> inputs = new ArrayList<>();
        for (int f = 0; f < site.feeds().size(); f++) {
            String id = site.feeds().get(f).id();
            inputs.add(new io.headroom.appliance.site.GpioSettings.Input("brk-" + id, CONTACT_PINS[f], "breaker-aux",
                    id, true, "up", 5));
        }
        return new io.headroom.appliance.site.GpioSettings(inputs, List.of(
                new io.headroom.appliance.site.GpioSettings.Output("alarm", ALARM_RELAY_PIN, "alarm-relay", false),
                new io.headroom.appliance.site.GpioSettings.Output("lamp", STATUS_LAMP_PIN, "status-lamp", false)),
                new io.headroom.appliance.site.GpioSettings.Watchdog(WATCHDOG_PIN, null, 100));
    }

    /** The appliance's mock contact inputs, by feed. */
    private final Map<String, com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInput> contacts =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** The feeds whose contact is wired active low (closed = pin low). */
    private final java.util.Set<String> activeLowContacts = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Binds the plant's feeds to the appliance's breaker contacts and sets them as the plant is now; returns once the
     * appliance's debounced inputs agree with the plant (at most a second), so that a contact the bench had to move
     * (a site's own active-high contacts, a feed down at a restart) is logged before the bench's start lines.
     */
    private void wireContacts() {
        contacts.clear();
        activeLowContacts.clear();
        io.headroom.appliance.field.FieldIo field = appliance.field();
        if (field == null) {
            return;
        }
        List<String> wiredFeeds = new ArrayList<>();
        for (io.headroom.appliance.site.GpioSettings.Input in : wiredSite.gpio().inputs()) {
            if ("breaker-aux".equals(in.kind()) && in.feedId() != null) {
                var pin = field.gpio().context().registry().get(io.headroom.drivers.gpio.Gpio.pinId(in.pin()),
                        com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInput.class);
                contacts.put(in.feedId(), pin);
                if (in.activeLow()) {
                    activeLowContacts.add(in.feedId());
                }
                contact(in.feedId(), plant.feedUp(in.feedId()));
                wiredFeeds.add(in.feedId());
            }
        }
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < deadline && !contactsSettled(field, wiredFeeds)) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
        }
    }

    /** Whether every wired contact's debounced input reads the plant's breaker state. */
    private boolean contactsSettled(io.headroom.appliance.field.FieldIo field, List<String> feeds) {
        List<io.headroom.appliance.site.GpioSettings.Input> declared = wiredSite.gpio().inputs();
        for (int i = 0; i < declared.size() && i < field.inputs().size(); i++) {
            var in = declared.get(i);
            if (feeds.contains(in.feedId()) && "breaker-aux".equals(in.kind())
                    && field.inputs().get(i).active() != plant.feedUp(in.feedId())) {
                return false;
            }
        }
        return true;
    }

    /** A feed's breaker contact follows the plant: closed while the feed is up (the pin low when wired active low). */
    private void contact(String feedId, boolean up) {
        var pin = contacts.get(feedId);
        if (pin != null) {
            boolean high = up != activeLowContacts.contains(feedId);
            pin.mockState(high ? com.pi4j.io.gpio.digital.DigitalState.HIGH : com.pi4j.io.gpio.digital.DigitalState.LOW);
        }
    }

    /** The alarm relay's state on the mock header (energised while an alarm is raised), or null without GPIO. */
    public Boolean alarmRelayOn() {
        io.headroom.appliance.field.FieldIo field = appliance.field();
        return field == null || field.alarmRelays().isEmpty() ? null : field.alarmRelays().getFirst().isOn();
    }

    /** Journal items dropped, across appliance restarts. */
    public synchronized long journalDropped() {
        return droppedByEarlierAppliances + appliance.journal().dropped();
    }

    public Appliance appliance() {
        return appliance;
    }

    public List<NodeAgent> agents() {
        return agents;
    }

    static int freeUdpPort() {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code n} distinct free TCP ports on the loopback, each held open until all are found (a port taken and closed
     * one at a time can be handed out again at once).
     */
    public static List<Integer> freeTcpPorts(int n) {
        List<ServerSocket> held = new java.util.ArrayList<>();
        try {
            List<Integer> ports = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(s);
                ports.add(s.getLocalPort());
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // a socket that did not close still frees its port when the process ends
                }
            }
        }
    }

    static int freeTcpPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        appliance.close();
        agents.forEach(NodeAgent::close);
        handshakes.shutdownNow();
        agentThreads.close();
        if (network != null) {
            network.close();
        }
        plant.close();
        log.info("bench stopped: appliance closed, {} agents stopped at their safe caps, plant stopped", agents.size());
    }
}
