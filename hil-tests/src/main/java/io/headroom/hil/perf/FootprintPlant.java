package io.headroom.hil.perf;

import io.headroom.appliance.control.ContingencyPlanner;
import io.headroom.appliance.site.Node;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.drivers.gpuprotocol.CoapExecutors;
import io.headroom.drivers.gpuprotocol.ContingencyTable;
import io.headroom.drivers.gpuprotocol.Dtls;
import io.headroom.drivers.gpuprotocol.NodeAgent;
import io.headroom.hil.Bench;
import io.headroom.hil.Plant;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The plant the {@code footprint} benchmark's appliance runs against, in the benchmark's JVM: a generated hall of
 * {@code nodes} GPU servers (the example site's hall scaled up: 4 feeds of one redundancy group, racks of 8 nodes,
 * a quarter critical, three eighths standard, three eighths flexible, breakers and banks scaled with the node
 * count so that the hall is as over-subscribed as the example), its 4 meters and 4 supercap banks as Modbus TCP
 * servers, one real node agent per node (DTLS-PSK, multicast triggers, as on the bench), and the CT/PT streams of
 * the 4 feeds once the appliance says where it listens. The site file the appliance loads is written with the
 * plant's real ports ({@link #siteFile}).
 */
final class FootprintPlant implements AutoCloseable {

    /** The example hall: 64 nodes on 4 feeds of 150 A. */
    private static final int EXAMPLE_NODES = 64;
    private static final double EXAMPLE_RATING_A = 150;

    private final Plant plant;
    private final Site site;
    private final List<NodeAgent> agents;
    private final CoapExecutors agentThreads;
    private final ExecutorService handshakes;
    private final Path siteFile;

    private FootprintPlant(Plant plant, Site site, List<NodeAgent> agents, CoapExecutors agentThreads,
                           ExecutorService handshakes, Path siteFile) {
        this.plant = plant;
        this.site = site;
        this.agents = agents;
        this.agentThreads = agentThreads;
        this.handshakes = handshakes;
        this.siteFile = siteFile;
    }

    static FootprintPlant start(Path dir, int nodes, long seed, long stepMs) throws Exception {
        Files.createDirectories(dir);
        Path keysFile = dir.resolve("agent-psk.keys");
        Map<String, byte[]> keys = keys(nodes);
        StringBuilder keyText = new StringBuilder();
        keys.forEach((id, k) -> keyText.append(id).append(' ').append(HexFormat.of().formatHex(k)).append('\n'));
        Files.writeString(keysFile, keyText);
        Files.setPosixFilePermissions(keysFile, PosixFilePermissions.fromString("rw-------"));

        Map<String, Integer> meterPorts = new LinkedHashMap<>();
        Map<String, Integer> bankPorts = new LinkedHashMap<>();
        Iterator<Integer> ports = Bench.freeTcpPorts(2 * FEEDS.size()).iterator();
        for (String f : FEEDS) {
            meterPorts.put("meter-" + f, ports.next());
            bankPorts.put("bank-" + f, ports.next());
        }
        // First the hall without the agents' ports (the plant and the agents need the site; the site file needs
        // the agents' ports), then the file the appliance loads, with them.
        Map<String, Integer> noAgents = new LinkedHashMap<>();
        for (int i = 0; i < nodes; i++) {
            noAgents.put(nodeId(i), 1 + i); // placeholders, distinct as the loader wants them; never bound
        }
        int multicastPort = freeUdpPort();
        Site draft = SiteLoader.parse("footprint-draft.yaml",
                yaml(nodes, noAgents, meterPorts, bankPorts, keysFile, multicastPort));
        Plant plant = new Plant(draft, meterPorts, bankPorts, seed, stepMs);
        CoapExecutors threads = CoapExecutors.create("footprint-agents", 2);
        ExecutorService handshakes = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("footprint-agents-dtls").daemon().factory());
        List<NodeAgent> agents = new ArrayList<>();
        try {
            double safeCap = ContingencyPlanner.safeCapW(draft, draft.groups().getFirst());
            Map<String, Integer> agentPorts = new LinkedHashMap<>();
            for (Node n : draft.nodes()) {
                NodeAgent a = NodeAgent.builder(plant.node(n.id())).name(n.id())
                        .endpoint(Dtls.agentEndpoint(new InetSocketAddress("127.0.0.1", 0),
                                new Dtls.Psk(n.id(), keys.get(n.id())), n.id(), handshakes))
                        .safeCapW(safeCap).triggerAddress(new InetSocketAddress("127.0.0.1", 0))
                        .sharedExecutors(threads).start();
                agents.add(a);
                agentPorts.put(n.id(), a.port());
            }
            plant.start();
            Path siteFile = dir.resolve("footprint-site.yaml");
            String text = yaml(nodes, agentPorts, meterPorts, bankPorts, keysFile, multicastPort);
            Files.writeString(siteFile, text);
            Site site = SiteLoader.load(siteFile);
            return new FootprintPlant(plant, site, agents, threads, handshakes, siteFile);
        } catch (Exception | Error e) {
            agents.forEach(NodeAgent::close);
            handshakes.shutdownNow();
            threads.close();
            plant.close();
            throw e;
        }
    }

    static final List<String> FEEDS = List.of("A", "B", "C", "D");

    static String nodeId(int i) {
        return String.format(Locale.ROOT, "r%d-n%d", i / 8 + 1, i % 8 + 1);
    }

    /** The generated site file: the example hall's structure and settings, {@code nodes} nodes. */
    static String yaml(int nodes, Map<String, Integer> agentPorts, Map<String, Integer> meterPorts,
                       Map<String, Integer> bankPorts, Path keysFile, int multicastPort) {
        double scale = (double) nodes / EXAMPLE_NODES;
        long ratingA = Math.round(Math.ceil(EXAMPLE_RATING_A * scale));
        StringBuilder y = new StringBuilder();
        y.append("# Generated by ./headroom perf footprint: the example hall scaled to ").append(nodes).append(" nodes.\n");
        y.append("site: {name: footprint-").append(nodes).append(", frequency: 60 Hz}\n");
        y.append("gpuModels:\n  h100-sxm: {min: 200 W, max: 700 W, default: 700 W}\n");
        y.append("feeds:\n");
        for (String f : FEEDS) {
            y.append("  - {id: ").append(f).append(", rating: ").append(ratingA).append(" A, derating: 1.0, voltage: 415 V, ")
                    .append("phases: 3, powerFactor: 0.98, tripCurve: thermal-magnetic, meter: meter-").append(f).append("}\n");
        }
        y.append("groups:\n  - {id: hall-1, feeds: [").append(String.join(", ", FEEDS)).append("]}\n");
        y.append("racks:\n");
        int racks = (nodes + 7) / 8;
        for (int r = 0; r < racks; r++) {
            String priority = switch (r % 8) {
                case 0, 1 -> "critical, floor: 600 W";
                case 2, 3, 4 -> "standard";
                default -> "flexible";
            };
            y.append("  - id: R").append(r + 1).append("\n    group: hall-1\n")
                    .append("    nodeDefaults: {gpus: 8, gpu: h100-sxm, base: 1500 W, priority: ").append(priority).append("}\n")
                    .append("    nodes:\n");
            for (int i = r * 8; i < Math.min(nodes, r * 8 + 8); i++) {
                String id = nodeId(i);
                y.append("      - {id: ").append(id).append(", agent: 127.0.0.1:").append(agentPorts.get(id)).append("}\n");
            }
        }
        y.append("meters:\n");
        for (String f : FEEDS) {
            y.append("  - {id: meter-").append(f).append(", profile: generic-3phase, modbus: 127.0.0.1:")
                    .append(meterPorts.get("meter-" + f)).append(", unitId: 1, pollInterval: 100 ms, deadline: 500 ms}\n");
        }
        // Banks grow less than the hall: the converter map's current register is a 16-bit tenth of an ampere.
        y.append("supercaps:\n");
        for (String f : FEEDS) {
            y.append("  - {id: bank-").append(f).append(", feed: ").append(f).append(", energy: 8 kWh, maxPower: 200 kW, ")
                    .append("modbus: 127.0.0.1:").append(bankPorts.get("bank-" + f)).append(", unitId: 1}\n");
        }
        y.append("agents:\n  lease: 2 s\n  safeCap: auto\n  security: psk\n  pskKeys: ").append(keysFile.toAbsolutePath())
                .append("\n  multicast: 239.255.72.1:").append(multicastPort).append("\n  multicastInterface: 127.0.0.1\n");
        y.append("control: {tick: 100 ms, margin: 3 %, deadband: 5 W, raiseHold: 2 s, raiseStep: 25 W, rampLimit: 50 kW/s, "
                + "smoothing: 5 s}\n");
        y.append("openadr: {enabled: false}\n");
        return y.toString();
    }

    private static Map<String, byte[]> keys(int nodes) {
        SecureRandom random = new SecureRandom();
        Map<String, byte[]> keys = new LinkedHashMap<>();
        for (int i = 0; i < nodes; i++) {
            byte[] k = new byte[32];
            random.nextBytes(k);
            keys.put(nodeId(i), k);
        }
        return keys;
    }

    Plant plant() {
        return plant;
    }

    Site site() {
        return site;
    }

    Path siteFile() {
        return siteFile;
    }

    /** Per agent, the table it holds now (null: none), by identity: a new appliance's arming is a new object. */
    ContingencyTable[] tables() {
        ContingencyTable[] t = new ContingencyTable[agents.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = agents.get(i).armedTable();
        }
        return t;
    }

    /**
     * Whether every agent holds a table other than the one it held in {@code before} (the same object: armed by an
     * earlier appliance) with a contingency for every feed of the hall.
     */
    boolean allArmedSince(ContingencyTable[] before) {
        for (int i = 0; i < agents.size(); i++) {
            ContingencyTable t = agents.get(i).armedTable();
            if (t == null || t == before[i] || t.contingencies().size() < FEEDS.size()) {
                return false;
            }
        }
        return true;
    }

    /** How many agents hold a table armed since {@code before} with every feed's contingency. */
    int armedSince(ContingencyTable[] before) {
        int n = 0;
        for (int i = 0; i < agents.size(); i++) {
            ContingencyTable t = agents.get(i).armedTable();
            if (t != null && t != before[i] && t.contingencies().size() >= FEEDS.size()) {
                n++;
            }
        }
        return n;
    }

    int agentCount() {
        return agents.size();
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        agents.forEach(NodeAgent::close);
        handshakes.shutdownNow();
        agentThreads.close();
        plant.close();
    }
}
