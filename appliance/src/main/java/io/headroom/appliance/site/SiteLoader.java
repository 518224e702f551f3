package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteYaml.quantity;
import static io.headroom.appliance.site.SiteYaml.unknown;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;

import io.headroom.appliance.site.Quantity.Kind;
import io.headroom.appliance.site.SiteYaml.MapReader;
import io.headroom.appliance.site.SiteYaml.Problems;
import io.headroom.appliance.site.SiteYaml.Val;

/**
 * Loads and validates a YAML site file (format: {@code sites/README.md}). Validation collects every problem in one
 * pass and reports them all, sorted by line, each with its line, column and field path.
 */
public final class SiteLoader {

    /** Meter register-map profiles this firmware knows. */
    public static final List<String> METER_PROFILES = io.headroom.drivers.modbus.RegisterMap.meterProfiles();
    /** OpenADR versions the grid interface speaks. */
    public static final List<String> OPENADR_VERSIONS = List.of("3.1", "3.0.1", "2.0b");
    /** The name of {@link TripCurve#thermalMagneticDefault()} in site files. */
    public static final String THERMAL_MAGNETIC = "thermal-magnetic";

    /** Defaults for the optional sections. */
    public static final long DEFAULT_LEASE_MS = 2000;
    public static final long DEFAULT_TICK_MS = 100;
    public static final double DEFAULT_MARGIN = 0.03;
    public static final double DEFAULT_DEADBAND_W = 5;
    public static final long DEFAULT_RAISE_HOLD_MS = 2000;
    public static final double DEFAULT_RAISE_STEP_W = 25;
    public static final long DEFAULT_POLL_INTERVAL_MS = 100;
    public static final long DEFAULT_DEADLINE_MS = 500;
    /** Bus pacing defaults (those of a plain TCP device: no gap, 200 ms timeout, 1 retry, backoff up to 5 s). */
    public static final long DEFAULT_BUS_TIMEOUT_MS = 200;
    public static final int DEFAULT_BUS_RETRIES = 1;
    public static final long DEFAULT_BUS_MAX_BACKOFF_MS = 5000;
    /** Serial defaults (the Modbus over serial line spec: 8 data bits, even parity, 1 stop bit; 2 without parity). */
    public static final int DEFAULT_DATA_BITS = 8;
    public static final String DEFAULT_PARITY = "even";
    /** GPIO defaults. */
    public static final long DEFAULT_DEBOUNCE_MS = 20;
    public static final long DEFAULT_WATCHDOG_PERIOD_MS = 1000;
    /** BCM pins on the 40-pin header. */
    public static final int MAX_BCM_PIN = 27;
    /** Supercap converter profiles: the shipped maps that are not meter maps. */
    public static final List<String> BANK_PROFILES = io.headroom.drivers.modbus.RegisterMap.knownProfiles().stream()
            .filter(x -> !METER_PROFILES.contains(x)).toList();
    public static final List<String> PARITIES = List.of("none", "even", "odd");
    public static final List<String> INPUT_KINDS = List.of("breaker-aux", "undervoltage");
    public static final List<String> OUTPUT_KINDS = List.of("alarm-relay", "status-lamp");
    public static final List<String> PULLS = List.of("up", "down", "off");

    private static final List<String> TOP_KEYS = List.of("site", "gpuModels", "feeds", "groups", "racks", "meters",
            "supercaps", "agents", "control", "openadr", "modbusBuses", "gpio", "waveforms");
    private static final List<String> SITE_KEYS = List.of("name", "frequency");
    private static final List<String> GPU_KEYS = List.of("min", "max", "default");
    private static final List<String> FEED_KEYS = List.of("id", "rating", "derating", "voltage", "phases",
            "powerFactor", "tripCurve", "meter");
    private static final List<String> CURVE_KEYS = List.of("points", "instantaneous");
    private static final List<String> GROUP_KEYS = List.of("id", "feeds");
    private static final List<String> RACK_KEYS = List.of("id", "group", "nodeDefaults", "nodes");
    private static final List<String> NODE_KEYS = List.of("id", "gpus", "gpu", "base", "priority", "floor", "agent",
            "redfish", "pskIdentity", "pskKeyFile");
    private static final List<String> REDFISH_KEYS = List.of("url", "user", "passwordFile", "ca", "chassis");
    public static final List<String> AGENT_SECURITY = List.of("psk", "certificates", "none");
    private static final List<String> METER_KEYS = List.of("id", "profile", "modbus", "unitId", "pollInterval",
            "deadline", "bus");
    private static final List<String> SUPERCAP_KEYS = List.of("id", "feed", "energy", "maxPower", "modbus", "unitId",
            "bus", "profile", "maxCharge", "maxDischarge", "pollInterval");
    private static final List<String> BUS_KEYS = List.of("id", "tcp", "rtu", "interFrameGap", "unitChangeDelay",
            "timeout", "retries", "maxBackoff");
    private static final List<String> RTU_KEYS = List.of("device", "baud", "parity", "dataBits", "stopBits");
    private static final List<String> GPIO_KEYS = List.of("inputs", "outputs", "watchdog");
    private static final List<String> GPIO_INPUT_KEYS = List.of("id", "pin", "kind", "feed", "activeLow", "pull",
            "debounce");
    private static final List<String> GPIO_OUTPUT_KEYS = List.of("id", "pin", "kind", "activeLow");
    private static final List<String> WATCHDOG_KEYS = List.of("pin", "device", "period");
    private static final List<String> AGENT_KEYS = List.of("lease", "safeCap", "security", "pskKeys", "keyStore",
            "keyStorePasswordFile", "trustedCertificates", "multicast", "multicastInterface");
    private static final List<String> CONTROL_KEYS = List.of("tick", "margin", "deadband", "raiseHold", "raiseStep",
            "contractImportLimit", "rampLimit", "smoothing");
    private static final List<String> WAVEFORM_KEYS = List.of("streamDeadline", "detection", "disturbanceRecorder",
            "bandPower");
    private static final List<String> DETECTION_KEYS = List.of("lossThreshold", "lossPersistence",
            "restoreThreshold", "restorePersistence", "phaseLossThreshold", "sagThreshold", "sagHysteresis",
            "zeroCrossHysteresis");
    private static final List<String> RECORDER_KEYS = List.of("enabled", "preTrigger", "postTrigger", "format");
    private static final List<String> BAND_KEYS = List.of("window", "rampSpan");
    public static final List<String> RECORD_FORMATS = List.of("binary", "ascii");
    /** The most a disturbance record may span (pre + post): 48 MB of rings per second per 6-channel feed at 1 MS/s. */
    public static final double MAX_RECORD_S = 10;
    private static final List<String> OPENADR_KEYS = List.of("enabled", "version", "vtn", "venName", "clientId",
            "clientSecret", "tlsCert", "tlsKey", "tlsCa", "pollInterval", "xmlSignature", "tlsAllowRsaKeyExchange", "tlsProfile",
            "tlsKeyPassword", "insecureHttp");

    private SiteLoader() {
    }

    /** Loads a site file; errors name the file as {@code file.toString()}. */
    public static Site load(Path file) throws SiteValidationException, IOException {
        return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
    }

    /**
     * Parses site-file text; {@code fileName} names the file in error messages, and relative paths in it (key and
     * certificate files) are resolved against its folder (the working directory when it has none).
     */
    public static Site parse(String fileName, String yamlText) throws SiteValidationException {
        Path base;
        try {
            Path parent = Path.of(fileName).toAbsolutePath().getParent();
            base = parent != null ? parent : Path.of("").toAbsolutePath();
        } catch (java.nio.file.InvalidPathException e) {
            base = Path.of("").toAbsolutePath();
        }
        return parse(fileName, yamlText, base);
    }

    /** Parses site-file text whose relative paths are relative to {@code baseDir}. */
    public static Site parse(String fileName, String yamlText, Path baseDir) throws SiteValidationException {
        Problems p = new Problems(fileName);
        Node root = compose(p, yamlText);
        Site site = root == null ? null : new Reader(p, baseDir.toAbsolutePath()).read(root);
        if (!p.isEmpty() || site == null) {
            throw new SiteValidationException(p.sorted());
        }
        return site;
    }

    private static Node compose(Problems p, String text) {
        LoaderOptions opts = new LoaderOptions();
        opts.setAllowDuplicateKeys(false);
        opts.setAllowRecursiveKeys(false);
        opts.setMaxAliasesForCollections(100);
        opts.setNestingDepthLimit(64);
        opts.setCodePointLimit(16 * 1024 * 1024);
        opts.setMergeOnCompose(true); // "<<: *anchor" merges; a mapping's own keys win
        DumperOptions dump = new DumperOptions();
        Yaml yaml = new Yaml(new SafeConstructor(opts), new Representer(dump), dump, opts);
        Node root;
        try {
            root = yaml.compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark at = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String reason = "YAML syntax error: " + (e.getProblem() == null ? "invalid YAML" : e.getProblem());
            if (e.getContext() != null && e.getContextMark() != null) {
                reason += " (" + e.getContext() + " at line " + (e.getContextMark().getLine() + 1) + ")";
            }
            p.at(at, "", reason);
            return null;
        } catch (YAMLException e) {
            p.at((Mark) null, "", "YAML error: " + e.getMessage());
            return null;
        }
        if (root == null || SiteYaml.isNull(root)) {
            p.at((Mark) null, "", "the file is empty");
            return null;
        }
        return root;
    }

    // ---- conversions specific to site files -------------------------------------------------------------------

    private static Priority priority(Problems p, Node n, String field) {
        String s = SiteYaml.scalar(n);
        if (s != null) {
            for (Priority pr : Priority.values()) {
                if (pr.label().equals(s.strip())) {
                    return pr;
                }
            }
        }
        p.at(n, field, "expected critical, standard or flexible, got " + SiteYaml.describe(n));
        return null;
    }

    /** {@code auto} (0) or a per-GPU power. */
    private static Double safeCap(Problems p, Node n, String field) {
        String s = SiteYaml.scalar(n);
        if (s != null && s.strip().equals("auto")) {
            return 0.0;
        }
        if (s != null) {
            try {
                return Quantity.parse(s, Kind.POWER);
            } catch (Quantity.QuantityFormatException e) {
                if (Quantity.isPlainNumber(s)) {
                    p.at(n, field, e.getMessage());
                    return null;
                }
            }
        }
        p.at(n, field, "expected auto or " + Kind.POWER.describe() + ", got " + SiteYaml.describe(n));
        return null;
    }

    /** Formats a value in base units for messages: {@code 200 W}, {@code 0.5 A}. */
    static String fmt(double v, String unit) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString() + " " + unit;
    }

    /** The value as written, quoted when it was a string in the file: {@code "0 A"}, {@code 0}, {@code 1.2}. */
    private static String got(Val<?> v) {
        return v.node() instanceof ScalarNode s && Tag.STR.equals(s.getTag()) ? "\"" + v.raw() + "\"" : v.raw();
    }

    // ---- the reader -------------------------------------------------------------------------------------------

    /** One pass over a composed site file. */
    private static final class Reader {
        private final Problems p;

        private final Map<String, GpuModel> gpuModels = new LinkedHashMap<>();
        private final Set<String> gpuNames = new LinkedHashSet<>();
        private boolean gpuSectionRead;

        private final List<FeedD> feeds = new ArrayList<>();
        private final Set<String> feedIds = new LinkedHashSet<>();
        private boolean feedSectionRead;

        private final List<MeterD> meters = new ArrayList<>();
        private final Set<String> meterIds = new LinkedHashSet<>();
        private boolean meterSectionRead;

        private final List<GroupD> groups = new ArrayList<>();
        private final Set<String> groupIds = new LinkedHashSet<>();
        private final Map<String, GroupD> groupOfFeed = new HashMap<>();
        private boolean groupSectionRead;

        private final List<RackD> racks = new ArrayList<>();
        private final List<NodeD> nodes = new ArrayList<>();
        private final List<SupercapD> supercaps = new ArrayList<>();

        private final List<Owned> modbusDevices = new ArrayList<>();

        private final List<ModbusBusSpec> buses = new ArrayList<>();
        private final List<Val<String>> busIdVals = new ArrayList<>();
        private final Set<String> busIds = new LinkedHashSet<>();
        private boolean busSectionBroken;
        /** Devices on declared buses, for the one-unit-id-per-bus check. */
        private final List<OnBus> busDevices = new ArrayList<>();

        private final Path baseDir;

        Reader(Problems p, Path baseDir) {
            this.p = p;
            this.baseDir = baseDir;
        }

        private record FeedD(Node at, String path, Val<String> id, Double ratingA, Double derating, Double voltageV,
                             Integer phases, Double powerFactor, TripCurve curve, Val<String> meter) {
        }

        private record MeterD(Val<String> id, String profile, Endpoint modbus, Integer unitId, Long pollMs,
                              Long deadlineMs, String busId) {
        }

        private record GroupD(Val<String> id, List<String> feedIds, String name) {
        }

        private record RackD(Val<String> id, String groupId) {
        }

        private record NodeD(Node at, String path, Val<String> id, String rackId, String groupId, Integer gpus,
                             String gpu, Double baseW, Priority priority, Val<Double> floor, Val<Endpoint> agent,
                             Val<String> pskIdentity, Val<String> pskKeyFile, RedfishBmc redfish, boolean hasRedfish) {
        }

        private record SupercapD(Val<String> id, Val<String> feed, Double energyWh, Double maxPowerW,
                                 Endpoint modbus, Integer unitId, String profile, String busId, Double maxChargeW,
                                 Double maxDischargeW, Long pollMs) {
        }

        /** Node fields that may come from a rack's nodeDefaults. */
        private record Spec(Val<Integer> gpus, Val<String> gpu, Val<Double> base, Val<Priority> priority,
                            Val<Double> floor) {
        }

        /** A device on a declared bus: where its unit id was given (or its bus, when defaulted). */
        private record OnBus(String busId, int unit, Node at, String field, String owner) {
        }

        /** An endpoint and who uses it, for collision checks. */
        private record Owned(Val<Endpoint> endpoint, String owner, String unit) {
        }

        Site read(Node root) {
            MapReader top = MapReader.open(p, root, "", "a site file", TOP_KEYS);
            if (top == null) {
                return null;
            }
            MapReader s = top.map("site", true, "the site section", SITE_KEYS);
            String name = null;
            Double frequency = null;
            if (s != null) {
                name = s.req("name", SiteYaml::string);
                Val<Double> f = s.get("frequency", quantity(Kind.FREQUENCY), true);
                if (f != null && f.ok() && f.value() != 50 && f.value() != 60) {
                    p.at(f.node(), f.field(), "must be 50 Hz or 60 Hz, got " + got(f));
                }
                frequency = or(f, null);
            }
            readGpuModels(top);
            readFeeds(top);
            readGroups(top);
            readRacks(top);
            readBuses(top);
            readMeters(top);
            readSupercaps(top);
            GpioSettings gpio = readGpio(top);
            AgentSettings agents = readAgents(top);
            ControlSettings control = readControl(top);
            OpenAdrSettings openadr = readOpenAdr(top);
            WaveformSettings waveforms = readWaveforms(top, frequency);
            crossChecks();
            if (!p.isEmpty()) {
                return null;
            }
            return new Site(name, frequency,
                    feeds.stream().map(f -> new Feed(f.id().value(), f.ratingA(), f.derating(), f.voltageV(),
                            f.phases(), f.powerFactor(), f.curve(), f.meter().value())).toList(),
                    groups.stream().map(g -> new RedundancyGroup(g.id().value(), g.feedIds())).toList(),
                    racks.stream().map(r -> new Rack(r.id().value(), r.groupId())).toList(),
                    nodes.stream().map(this::node).toList(),
                    meters.stream().map(m -> new Meter(m.id().value(), m.profile(), m.modbus(), m.unitId(),
                            m.pollMs(), m.deadlineMs(), m.busId())).toList(),
                    supercaps.stream().map(c -> new SupercapBank(c.id().value(), c.feed().value(), c.energyWh(),
                            c.maxPowerW(), c.modbus(), c.unitId(), c.profile(), c.busId(), c.maxChargeW(),
                            c.maxDischargeW(), c.pollMs())).toList(),
                    agents, control, openadr, buses, gpio, waveforms);
        }

        private io.headroom.appliance.site.Node node(NodeD n) {
            GpuModel model = gpuModels.get(n.gpu());
            double floor = n.priority() == Priority.CRITICAL && n.floor() != null ? n.floor().value() : model.minW();
            if (n.redfish() != null) {
                return new io.headroom.appliance.site.Node(n.id().value(), n.rackId(), n.groupId(), n.gpus(), model,
                        n.baseW(), n.priority(), floor, null, null, null, n.redfish());
            }
            return new io.headroom.appliance.site.Node(n.id().value(), n.rackId(), n.groupId(), n.gpus(), model,
                    n.baseW(), n.priority(), floor, n.agent().value(), or(n.pskIdentity(), n.id().value()),
                    n.pskKeyFile() == null || n.pskKeyFile().value() == null ? null : path(n.pskKeyFile().value()),
                    null);
        }

        // ---- checks ----

        private void positive(Val<? extends Number> v) {
            if (v != null && v.ok() && v.value().doubleValue() <= 0) {
                p.at(v.node(), v.field(), "must be greater than 0, got " + got(v));
            }
        }

        private void notNegative(Val<? extends Number> v) {
            if (v != null && v.ok() && v.value().doubleValue() < 0) {
                p.at(v.node(), v.field(), "must not be negative, got " + got(v));
            }
        }

        private void fraction(Val<Double> v) {
            if (v != null && v.ok() && (v.value() <= 0 || v.value() > 1)) {
                p.at(v.node(), v.field(), "must be in (0, 1], got " + got(v));
            }
        }

        private void unitId(Val<Integer> v) {
            if (v != null && v.ok() && (v.value() < 1 || v.value() > 247)) {
                p.at(v.node(), v.field(), "Modbus unit id must be 1..247, got " + got(v));
            }
        }

        private void unique(List<Val<String>> ids, String what) {
            Map<String, Val<String>> first = new HashMap<>();
            for (Val<String> v : ids) {
                if (v == null || !v.ok()) {
                    continue;
                }
                Val<String> f = first.putIfAbsent(v.value(), v);
                if (f != null) {
                    p.at(v.node(), v.field(), "duplicate " + what + " id '" + v.value() + "' (first at line "
                            + f.line() + ")");
                }
            }
        }

        /** The value, or {@code dflt} when absent or invalid (invalid values have been reported). */
        private static <T> T or(Val<T> v, T dflt) {
            return v == null || v.value() == null ? dflt : v.value();
        }

        private static <T> T value(Val<T> v) {
            return or(v, null);
        }

        // ---- sections ----

        private void readGpuModels(MapReader top) {
            MapReader gm = top.map("gpuModels", true, "GPU models by name", null);
            if (gm == null) {
                return;
            }
            gpuSectionRead = true;
            if (gm.entries().isEmpty()) {
                p.at(gm.node(), gm.path(), "needs at least one GPU model");
            }
            for (Map.Entry<String, NodeTuple> e : gm.entries().entrySet()) {
                String name = e.getKey();
                gpuNames.add(name);
                MapReader m = MapReader.open(p, e.getValue().getValueNode(), gm.field(name), "a GPU model", GPU_KEYS);
                if (m == null) {
                    continue;
                }
                Val<Double> min = m.get("min", quantity(Kind.POWER), true);
                Val<Double> max = m.get("max", quantity(Kind.POWER), true);
                Val<Double> def = m.get("default", quantity(Kind.POWER), false);
                positive(min);
                if (min == null || !min.ok() || max == null || !max.ok() || (def != null && !def.ok())) {
                    continue;
                }
                if (min.value() <= 0) {
                    continue;
                }
                if (max.value() < min.value()) {
                    p.at(max.node(), max.field(), "max " + fmt(max.value(), "W") + " is below min "
                            + fmt(min.value(), "W"));
                    continue;
                }
                double d = or(def, max.value());
                if (def != null && (d < min.value() || d > max.value())) {
                    p.at(def.node(), def.field(), "default " + fmt(d, "W") + " is outside min..max ("
                            + fmt(min.value(), "W") + ".." + fmt(max.value(), "W") + ")");
                    continue;
                }
                gpuModels.put(name, new GpuModel(name, min.value(), max.value(), d));
            }
        }

        private void readMeters(MapReader top) {
            List<Node> list = top.list("meters", true);
            if (list == null) {
                return;
            }
            meterSectionRead = true;
            for (int i = 0; i < list.size(); i++) {
                String path = "meters[" + i + "]";
                MapReader m = MapReader.open(p, list.get(i), path, "a meter", METER_KEYS);
                if (m == null) {
                    continue;
                }
                Val<String> id = m.get("id", SiteYaml::string, true);
                if (id != null && id.ok()) {
                    meterIds.add(id.value());
                }
                Val<String> profile = m.get("profile", SiteYaml::string, true);
                if (profile != null && profile.ok() && !METER_PROFILES.contains(profile.value())) {
                    p.at(profile.node(), profile.field(), "unknown meter profile '" + profile.value()
                            + "'; known profiles: " + String.join(", ", METER_PROFILES));
                }
                Val<Integer> unit = m.get("unitId", SiteYaml::integer, false);
                unitId(unit);
                String owner = "meter " + (id != null && id.ok() ? id.value() : path);
                Val<String> bus = busRef(m, unit, owner);
                Val<Endpoint> modbus = modbusOrBus(m, bus, "meter");
                Val<Long> poll = m.get("pollInterval", SiteYaml::millis, false);
                positive(poll);
                Val<Long> deadline = m.get("deadline", SiteYaml::millis, false);
                positive(deadline);
                long pollMs = poll == null || !poll.ok() ? DEFAULT_POLL_INTERVAL_MS : poll.value();
                if (deadline != null && deadline.ok() && deadline.value() > 0 && deadline.value() < pollMs) {
                    p.at(deadline.node(), deadline.field(), "deadline " + deadline.raw()
                            + " is shorter than the poll interval " + fmt(pollMs, "ms"));
                }
                if (modbus != null && modbus.ok()) {
                    modbusDevices.add(new Owned(modbus, owner, " unit " + or(unit, 1)));
                }
                meters.add(new MeterD(id, value(profile), value(modbus), or(unit, 1),
                        or(poll, DEFAULT_POLL_INTERVAL_MS),
                        or(deadline, DEFAULT_DEADLINE_MS), value(bus)));
            }
        }

        private void readFeeds(MapReader top) {
            List<Node> list = top.list("feeds", true);
            if (list == null) {
                return;
            }
            feedSectionRead = true;
            if (list.isEmpty()) {
                p.at(top.value("feeds"), "feeds", "needs at least one feed");
            }
            for (int i = 0; i < list.size(); i++) {
                String path = "feeds[" + i + "]";
                MapReader m = MapReader.open(p, list.get(i), path, "a feed", FEED_KEYS);
                if (m == null) {
                    continue;
                }
                Val<String> id = m.get("id", SiteYaml::string, true);
                if (id != null && id.ok()) {
                    feedIds.add(id.value());
                }
                Val<Double> rating = m.get("rating", quantity(Kind.CURRENT), true);
                positive(rating);
                Val<Double> derating = m.get("derating", SiteYaml::number, false);
                fraction(derating);
                Val<Double> voltage = m.get("voltage", quantity(Kind.VOLTAGE), true);
                positive(voltage);
                Val<Integer> phases = m.get("phases", SiteYaml::integer, true);
                if (phases != null && phases.ok() && phases.value() != 1 && phases.value() != 3) {
                    p.at(phases.node(), phases.field(), "must be 1 or 3, got " + got(phases));
                }
                Val<Double> pf = m.get("powerFactor", SiteYaml::number, true);
                fraction(pf);
                Node curveNode = m.value("tripCurve");
                TripCurve curve = curveNode == null ? TripCurve.thermalMagneticDefault()
                        : tripCurve(curveNode, m.field("tripCurve"));
                Val<String> meter = m.get("meter", SiteYaml::string, true);
                feeds.add(new FeedD(m.node(), path, id, value(rating), or(derating, 1.0),
                        value(voltage), value(phases), value(pf), curve, meter));
            }
        }

        private TripCurve tripCurve(Node n, String field) {
            String name = SiteYaml.scalar(n);
            if (name != null) {
                if (name.strip().equals(THERMAL_MAGNETIC)) {
                    return TripCurve.thermalMagneticDefault();
                }
                p.at(n, field, "unknown trip curve '" + name + "'; use " + THERMAL_MAGNETIC
                        + " or a map {points: [[ratio, time], ...], instantaneous: ratio}");
                return null;
            }
            MapReader m = MapReader.open(p, n, field, "a trip curve name or map", CURVE_KEYS);
            if (m == null) {
                return null;
            }
            List<Node> items = m.list("points", true);
            Val<Double> inst = m.get("instantaneous", SiteYaml::number, true);
            if (items == null) {
                return null;
            }
            if (items.isEmpty()) {
                p.at(m.value("points"), m.field("points"), "needs at least one point");
                return null;
            }
            List<TripCurve.Point> points = new ArrayList<>();
            boolean ok = true;
            Val<Double> prevRatio = null;
            Val<Double> prevSeconds = null;
            for (int j = 0; j < items.size(); j++) {
                String pf = m.field("points") + "[" + j + "]";
                List<Node> pair = SiteYaml.list(p, items.get(j), pf);
                if (pair == null) {
                    ok = false;
                    continue;
                }
                if (pair.size() != 2) {
                    p.at(items.get(j), pf, "expected [ratio, time], got " + pair.size()
                            + (pair.size() == 1 ? " value" : " values"));
                    ok = false;
                    continue;
                }
                Val<Double> ratio = new Val<>(SiteYaml.number(p, pair.get(0), pf + "[0]"), pair.get(0), pf + "[0]");
                Val<Double> secs = new Val<>(curveSeconds(pair.get(1), pf + "[1]"), pair.get(1), pf + "[1]");
                if (ratio.ok() && ratio.value() < 1) {
                    p.at(ratio.node(), ratio.field(), "ratio is a multiple of the rating and must be at least 1, got "
                            + got(ratio));
                    ok = false;
                }
                if (secs.ok() && secs.value() <= 0) {
                    p.at(secs.node(), secs.field(), "time must be greater than 0, got " + got(secs));
                    ok = false;
                }
                if (ratio.ok() && prevRatio != null && prevRatio.ok() && ratio.value() <= prevRatio.value()) {
                    p.at(ratio.node(), ratio.field(), "ratios must increase: " + ratio.raw() + " after "
                            + prevRatio.raw());
                    ok = false;
                }
                if (secs.ok() && prevSeconds != null && prevSeconds.ok() && secs.value() > prevSeconds.value()) {
                    p.at(secs.node(), secs.field(), "times must not increase: " + secs.raw() + " after "
                            + prevSeconds.raw());
                    ok = false;
                }
                ok &= ratio.ok() && secs.ok();
                if (ratio.ok() && secs.ok()) {
                    points.add(new TripCurve.Point(ratio.value(), secs.value()));
                }
                prevRatio = ratio;
                prevSeconds = secs;
            }
            if (inst != null && inst.ok() && prevRatio != null && prevRatio.ok()
                    && inst.value() <= prevRatio.value()) {
                p.at(inst.node(), inst.field(), "instantaneous ratio " + inst.raw()
                        + " must be above the last point's ratio " + prevRatio.raw());
                ok = false;
            }
            return ok && inst != null && inst.ok() ? new TripCurve(points, inst.value()) : null;
        }

        /** Trip-curve time in seconds: {@code inf} or a time quantity. */
        private Double curveSeconds(Node n, String field) {
            String s = SiteYaml.scalar(n);
            if (s != null && (s.strip().equals("inf") || s.strip().equals(".inf"))) {
                return Double.POSITIVE_INFINITY;
            }
            Long ms = SiteYaml.millis(p, n, field);
            return ms == null ? null : ms / 1000.0;
        }

        private void readGroups(MapReader top) {
            List<Node> list = top.list("groups", true);
            if (list == null) {
                return;
            }
            groupSectionRead = true;
            if (list.isEmpty()) {
                p.at(top.value("groups"), "groups", "needs at least one redundancy group");
            }
            for (int i = 0; i < list.size(); i++) {
                String path = "groups[" + i + "]";
                MapReader m = MapReader.open(p, list.get(i), path, "a redundancy group", GROUP_KEYS);
                if (m == null) {
                    continue;
                }
                Val<String> id = m.get("id", SiteYaml::string, true);
                if (id != null && id.ok()) {
                    groupIds.add(id.value());
                }
                String groupName = id != null && id.ok() ? id.value() : path;
                List<Node> refs = m.list("feeds", true);
                List<String> members = new ArrayList<>();
                GroupD g = new GroupD(id, members, groupName + " (line " + (m.node().getStartMark().getLine() + 1) + ")");
                if (refs != null) {
                    for (int j = 0; j < refs.size(); j++) {
                        String rf = m.field("feeds") + "[" + j + "]";
                        String ref = SiteYaml.string(p, refs.get(j), rf);
                        if (ref == null) {
                            continue;
                        }
                        if (members.contains(ref)) {
                            p.at(refs.get(j), rf, "feed " + ref + " is listed twice");
                            continue;
                        }
                        members.add(ref);
                        if (feedSectionRead && !feedIds.contains(ref)) {
                            p.at(refs.get(j), rf, unknown("feed", ref, feedIds));
                            continue;
                        }
                        GroupD other = groupOfFeed.putIfAbsent(ref, g);
                        if (other != null) {
                            p.at(refs.get(j), rf, "feed " + ref + " is already in group " + other.name()
                                    + "; a feed belongs to one redundancy group");
                        }
                    }
                    if (members.size() < 2) {
                        p.at(m.value("feeds"), m.field("feeds"), "group " + groupName + " has " + members.size()
                                + (members.size() == 1 ? " feed" : " feeds") + "; N-1 needs at least 2");
                    }
                }
                groups.add(g);
            }
        }

        private void readRacks(MapReader top) {
            List<Node> list = top.list("racks", true);
            if (list == null) {
                return;
            }
            if (list.isEmpty()) {
                p.at(top.value("racks"), "racks", "needs at least one rack");
            }
            for (int i = 0; i < list.size(); i++) {
                String path = "racks[" + i + "]";
                MapReader m = MapReader.open(p, list.get(i), path, "a rack", RACK_KEYS);
                if (m == null) {
                    continue;
                }
                Val<String> id = m.get("id", SiteYaml::string, true);
                List<Node> nodeList = m.list("nodes", true);
                Val<String> group = m.get("group", SiteYaml::string, false);
                int count = nodeList == null ? 0 : nodeList.size();
                String inNoGroup = "the rack's " + count + (count == 1 ? " node is" : " nodes are")
                        + " in no redundancy group";
                if (group == null) {
                    m.missing("group", "missing required key; " + inNoGroup);
                } else if (group.ok() && groupSectionRead && !groupIds.contains(group.value())) {
                    p.at(group.node(), group.field(), "unknown group '" + group.value() + "', so " + inNoGroup
                            + "; " + SiteYaml.suggest(group.value(), groupIds));
                }
                Spec defaults = new Spec(null, null, null, null, null);
                MapReader dm = m.map("nodeDefaults", false, "node defaults", NODE_KEYS);
                if (dm != null) {
                    for (String own : List.of("id", "agent", "redfish", "pskIdentity", "pskKeyFile")) {
                        if (dm.has(own)) {
                            p.at(dm.keyNode(own), dm.field(own), "'" + own
                                    + "' cannot be a node default; every node needs its own");
                        }
                    }
                    defaults = spec(dm);
                }
                String rackId = value(id);
                String groupId = value(group);
                racks.add(new RackD(id, groupId));
                if (nodeList == null) {
                    continue;
                }
                for (int j = 0; j < nodeList.size(); j++) {
                    readNode(nodeList.get(j), m.field("nodes") + "[" + j + "]", defaults, rackId, groupId);
                }
            }
        }

        private Spec spec(MapReader m) {
            Val<Integer> gpus = m.get("gpus", SiteYaml::integer, false);
            if (gpus != null && gpus.ok() && gpus.value() < 1) {
                p.at(gpus.node(), gpus.field(), "must be at least 1, got " + got(gpus));
            }
            Val<String> gpu = m.get("gpu", SiteYaml::string, false);
            if (gpu != null && gpu.ok() && gpuSectionRead && !gpuNames.contains(gpu.value())) {
                p.at(gpu.node(), gpu.field(), unknown("GPU model", gpu.value(), gpuNames));
            }
            Val<Double> base = m.get("base", quantity(Kind.POWER), false);
            notNegative(base);
            Val<Priority> priority = m.get("priority", SiteLoader::priority, false);
            Val<Double> floor = m.get("floor", quantity(Kind.POWER), false);
            positive(floor);
            return new Spec(gpus, gpu, base, priority, floor);
        }

        private static <T> Val<T> pick(Val<T> own, Val<T> dflt) {
            return own != null ? own : dflt;
        }

        private void readNode(Node item, String path, Spec defaults, String rackId, String groupId) {
            MapReader m = MapReader.open(p, item, path, "a node", NODE_KEYS);
            if (m == null) {
                return;
            }
            Val<String> id = m.get("id", SiteYaml::string, true);
            Spec own = spec(m);
            Val<Endpoint> agent = m.get("agent", SiteYaml::endpoint, false);
            Val<String> pskIdentity = m.get("pskIdentity", SiteYaml::string, false);
            if (pskIdentity != null && pskIdentity.ok() && (pskIdentity.value().isBlank()
                    || pskIdentity.value().strip().length() != pskIdentity.value().length())) {
                p.at(pskIdentity.node(), pskIdentity.field(), "must be a non-empty identity without surrounding spaces");
            }
            Val<String> pskKeyFile = m.get("pskKeyFile", SiteYaml::string, false);
            RedfishBmc redfish = null;
            boolean hasRedfish = m.has("redfish");
            if (hasRedfish) {
                redfish = readRedfish(m);
                for (Val<String> v : java.util.Arrays.asList(pskIdentity, pskKeyFile)) {
                    if (v != null) {
                        p.at(v.node(), v.field(), "a Redfish node has no agent, so no PSK");
                    }
                }
            }
            if (agent != null && hasRedfish) {
                p.at(m.keyNode("redfish"), m.field("redfish"), "a node has an agent or a Redfish BMC, not both");
            } else if (agent == null && !hasRedfish) {
                m.missing("agent", "missing required key (or redfish: for a server capped through its BMC)");
            }
            Val<Integer> gpus = pick(own.gpus(), defaults.gpus());
            Val<String> gpu = pick(own.gpu(), defaults.gpu());
            Val<Double> base = pick(own.base(), defaults.base());
            Val<Priority> priority = pick(own.priority(), defaults.priority());
            Val<Double> floor = pick(own.floor(), defaults.floor());
            String missing = "missing required key (set it on the node or in the rack's nodeDefaults)";
            if (gpus == null) {
                m.missing("gpus", missing);
            }
            if (gpu == null) {
                m.missing("gpu", missing);
            }
            if (base == null) {
                m.missing("base", missing);
            }
            if (priority == null) {
                m.missing("priority", missing);
            }
            GpuModel model = gpu == null || !gpu.ok() ? null : gpuModels.get(gpu.value());
            if (model != null && floor != null && floor.ok() && floor.value() > 0
                    && (floor.value() < model.minW() || floor.value() > model.maxW())) {
                p.at(floor.node(), floor.field(), "floor " + fmt(floor.value(), "W") + " is outside " + model.name()
                        + "'s range " + fmt(model.minW(), "W") + ".." + fmt(model.maxW(), "W"));
            }
            nodes.add(new NodeD(item, path, id, rackId, groupId, value(gpus), value(gpu), value(base), value(priority),
                    floor, agent, pskIdentity, pskKeyFile, redfish, hasRedfish));
        }

        /** A path from the site file, resolved against the file's folder. */
        private Path path(String s) {
            return baseDir.resolve(s.strip()).normalize();
        }

        /** A node's {@code redfish:} map; null when invalid (reported). */
        private RedfishBmc readRedfish(MapReader node) {
            MapReader r = node.map("redfish", true, "the node's BMC", REDFISH_KEYS);
            if (r == null) {
                return null;
            }
            Val<String> url = r.get("url", SiteYaml::string, true);
            URI uri = null;
            if (url != null && url.ok()) {
                try {
                    uri = new URI(url.value().strip());
                    if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null
                            || !(uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/"))) {
                        uri = null;
                    }
                } catch (URISyntaxException e) {
                    uri = null;
                }
                if (uri == null) {
                    p.at(url.node(), url.field(), "expected the BMC's https://host[:port] (Redfish needs TLS), got "
                            + got(url));
                }
            }
            Val<String> user = r.get("user", SiteYaml::string, true);
            Val<String> password = r.get("passwordFile", SiteYaml::string, true);
            Path passwordPath = null;
            if (password != null && password.ok()) {
                passwordPath = path(password.value());
                try {
                    AgentKeys.readSecret(passwordPath);
                } catch (AgentKeys.KeyFileException e) {
                    p.at(password.node(), password.field(), e.getMessage());
                    passwordPath = null;
                }
            }
            Val<String> ca = r.get("ca", SiteYaml::string, false);
            Path caPath = null;
            if (ca != null && ca.ok()) {
                caPath = path(ca.value());
                try {
                    AgentKeys.readable(caPath);
                } catch (AgentKeys.KeyFileException e) {
                    p.at(ca.node(), ca.field(), e.getMessage());
                }
            }
            Val<String> chassis = r.get("chassis", SiteYaml::string, false);
            if (chassis != null && chassis.ok() && (chassis.value().isBlank() || chassis.value().contains("/"))) {
                p.at(chassis.node(), chassis.field(), "expected a chassis id (e.g. \"1\"), got " + got(chassis));
            }
            if (uri == null || user == null || !user.ok() || passwordPath == null || (ca != null && !ca.ok())
                    || (chassis != null && !chassis.ok())) {
                return null;
            }
            return new RedfishBmc(uri, user.value(), passwordPath, caPath, or(chassis, RedfishBmc.DEFAULT_CHASSIS));
        }

        private void readSupercaps(MapReader top) {
            List<Node> list = top.list("supercaps", false);
            if (list == null) {
                return;
            }
            for (int i = 0; i < list.size(); i++) {
                String path = "supercaps[" + i + "]";
                MapReader m = MapReader.open(p, list.get(i), path, "a supercap bank", SUPERCAP_KEYS);
                if (m == null) {
                    continue;
                }
                Val<String> id = m.get("id", SiteYaml::string, true);
                Val<String> feed = m.get("feed", SiteYaml::string, true);
                if (feed != null && feed.ok() && feedSectionRead && !feedIds.contains(feed.value())) {
                    p.at(feed.node(), feed.field(), unknown("feed", feed.value(), feedIds));
                }
                Val<Double> energy = m.get("energy", quantity(Kind.ENERGY), true);
                positive(energy);
                Val<Double> maxPower = m.get("maxPower", quantity(Kind.POWER), true);
                positive(maxPower);
                Val<Integer> unit = m.get("unitId", SiteYaml::integer, false);
                unitId(unit);
                String owner = "supercap bank " + (id != null && id.ok() ? id.value() : path);
                Val<String> bus = busRef(m, unit, owner);
                Val<Endpoint> modbus = modbusOrBus(m, bus, "supercap bank");
                if (modbus != null && modbus.ok()) {
                    modbusDevices.add(new Owned(modbus, owner, " unit " + or(unit, 1)));
                }
                Val<String> profile = m.get("profile", SiteYaml::string, false);
                if (profile != null && profile.ok() && !BANK_PROFILES.contains(profile.value())) {
                    p.at(profile.node(), profile.field(), "unknown supercap profile '" + profile.value()
                            + "'; known profiles: " + String.join(", ", BANK_PROFILES));
                }
                Val<Double> maxCharge = m.get("maxCharge", quantity(Kind.POWER), false);
                positive(maxCharge);
                Val<Double> maxDischarge = m.get("maxDischarge", quantity(Kind.POWER), false);
                positive(maxDischarge);
                for (Val<Double> lim : java.util.Arrays.asList(maxCharge, maxDischarge)) {
                    if (lim != null && lim.ok() && maxPower != null && maxPower.ok() && maxPower.value() > 0
                            && lim.value() > maxPower.value()) {
                        p.at(lim.node(), lim.field(), "exceeds the converter's maxPower "
                                + fmt(maxPower.value(), "W") + ", got " + got(lim));
                    }
                }
                Val<Long> poll = m.get("pollInterval", SiteYaml::millis, false);
                positive(poll);
                Double max = value(maxPower);
                supercaps.add(new SupercapD(id, feed, value(energy), max, value(modbus),
                        or(unit, 1), or(profile, SupercapBank.DEFAULT_PROFILE), value(bus), or(maxCharge, max),
                        or(maxDischarge, max), or(poll, DEFAULT_POLL_INTERVAL_MS)));
            }
        }

        // ---- Modbus buses ----

        private void readBuses(MapReader top) {
            if (top.has("modbusBuses") && !(top.value("modbusBuses") instanceof org.yaml.snakeyaml.nodes.SequenceNode)
                    && !SiteYaml.isNull(top.value("modbusBuses"))) {
                busSectionBroken = true; // reported by list(); references to buses are not checked against it
            }
            List<Node> list = top.list("modbusBuses", false);
            if (list == null) {
                return;
            }
            for (int i = 0; i < list.size(); i++) {
                String path = "modbusBuses[" + i + "]";
                MapReader m = MapReader.open(p, list.get(i), path, "a Modbus bus", BUS_KEYS);
                if (m == null) {
                    continue;
                }
                Val<String> id = m.get("id", SiteYaml::string, true);
                if (id != null && id.ok()) {
                    busIds.add(id.value());
                }
                busIdVals.add(id);
                Val<Endpoint> tcp = m.get("tcp", SiteYaml::endpoint, false);
                SerialLine rtu = null;
                if (m.has("rtu")) {
                    if (m.has("tcp")) {
                        p.at(m.keyNode("rtu"), m.field("rtu"), "a bus is either tcp (a gateway) or rtu (a serial "
                                + "line), not both");
                    }
                    rtu = readSerialLine(m);
                } else if (!m.has("tcp")) {
                    m.missing("tcp", "missing required key: tcp (host:port of a gateway) or rtu (a serial line)");
                }
                Val<Long> gap = m.get("interFrameGap", SiteYaml::millis, false);
                notNegative(gap);
                Val<Long> unitChange = m.get("unitChangeDelay", SiteYaml::millis, false);
                notNegative(unitChange);
                Val<Long> timeout = m.get("timeout", SiteYaml::millis, false);
                positive(timeout);
                Val<Integer> retries = m.get("retries", SiteYaml::integer, false);
                if (retries != null && retries.ok() && (retries.value() < 0 || retries.value() > 10)) {
                    p.at(retries.node(), retries.field(), "must be 0..10, got " + got(retries));
                }
                Val<Long> backoff = m.get("maxBackoff", SiteYaml::millis, false);
                positive(backoff);
                buses.add(new ModbusBusSpec(value(id), value(tcp), rtu, or(gap, 0L), or(unitChange, 0L),
                        or(timeout, DEFAULT_BUS_TIMEOUT_MS), or(retries, DEFAULT_BUS_RETRIES),
                        or(backoff, DEFAULT_BUS_MAX_BACKOFF_MS)));
            }
        }

        private SerialLine readSerialLine(MapReader bus) {
            MapReader r = bus.map("rtu", true, "a serial line", RTU_KEYS);
            if (r == null) {
                return null;
            }
            Val<String> device = r.get("device", SiteYaml::string, true);
            Val<Integer> baud = r.get("baud", SiteYaml::integer, true);
            positive(baud);
            Val<String> parity = r.get("parity", oneOf(PARITIES), false);
            Val<Integer> dataBits = r.get("dataBits", SiteYaml::integer, false);
            if (dataBits != null && dataBits.ok() && dataBits.value() != 7 && dataBits.value() != 8) {
                p.at(dataBits.node(), dataBits.field(), "must be 7 or 8, got " + got(dataBits));
            }
            String par = or(parity, DEFAULT_PARITY);
            Val<Integer> stopBits = r.get("stopBits", SiteYaml::integer, false);
            if (stopBits != null && stopBits.ok() && stopBits.value() != 1 && stopBits.value() != 2) {
                p.at(stopBits.node(), stopBits.field(), "must be 1 or 2, got " + got(stopBits));
            }
            return new SerialLine(value(device), or(baud, 0), or(dataBits, DEFAULT_DATA_BITS), par,
                    or(stopBits, par.equals("none") ? 2 : 1));
        }

        /** {@code bus:} of a meter or bank: a declared bus; records the device's unit id on it. */
        private Val<String> busRef(MapReader m, Val<Integer> unit, String owner) {
            Val<String> bus = m.get("bus", SiteYaml::string, false);
            if (bus == null || !bus.ok()) {
                return bus;
            }
            if (!busIds.contains(bus.value())) {
                if (!busSectionBroken) {
                    p.at(bus.node(), bus.field(), unknown("Modbus bus", bus.value(), busIds)
                            + (busIds.isEmpty() ? " (declare it under modbusBuses)" : ""));
                }
                return bus;
            }
            if (unit == null) {
                busDevices.add(new OnBus(bus.value(), 1, bus.node(), bus.field(), owner));
            } else if (unit.ok()) {
                busDevices.add(new OnBus(bus.value(), unit.value(), unit.node(), unit.field(), owner));
            }
            return bus;
        }

        /** {@code modbus:} is required without a bus and not allowed with one. */
        private Val<Endpoint> modbusOrBus(MapReader m, Val<String> bus, String what) {
            if (bus == null) {
                return m.get("modbus", SiteYaml::endpoint, true);
            }
            if (m.has("modbus")) {
                p.at(m.value("modbus"), m.field("modbus"), "a " + what + " on a bus is reached through the bus"
                        + (bus.ok() ? " '" + bus.value() + "'" : "") + "; remove modbus (or bus)");
            }
            return null;
        }

        private static SiteYaml.Conv<String> oneOf(List<String> allowed) {
            return (p, n, field) -> {
                String s = SiteYaml.scalar(n);
                if (s != null && allowed.contains(s.strip())) {
                    return s.strip();
                }
                String list = allowed.size() == 2 ? allowed.get(0) + " or " + allowed.get(1)
                        : String.join(", ", allowed.subList(0, allowed.size() - 1)) + " or " + allowed.getLast();
                p.at(n, field, "expected " + list + ", got " + SiteYaml.describe(n));
                return null;
            };
        }

        // ---- GPIO ----

        /** A claimed BCM pin and its user, for the one-use-per-pin check. */
        private record PinUse(Val<Integer> pin, String owner) {
        }

        private Val<Integer> bcmPin(MapReader m, List<PinUse> used, String owner) {
            Val<Integer> pin = m.get("pin", SiteYaml::integer, true);
            if (pin == null || !pin.ok()) {
                return pin;
            }
            if (pin.value() < 0 || pin.value() > MAX_BCM_PIN) {
                p.at(pin.node(), pin.field(), "BCM pin must be 0.." + MAX_BCM_PIN + ", got " + got(pin));
                return new Val<>(null, pin.node(), pin.field());
            }
            for (PinUse u : used) {
                if (u.pin().value().equals(pin.value())) {
                    p.at(pin.node(), pin.field(), "BCM pin " + pin.value() + " is already used by " + u.owner()
                            + " (line " + u.pin().line() + ")");
                    return pin;
                }
            }
            used.add(new PinUse(pin, owner));
            return pin;
        }

        private GpioSettings readGpio(MapReader top) {
            MapReader g = top.map("gpio", false, "the gpio section", GPIO_KEYS);
            if (g == null) {
                return GpioSettings.none();
            }
            List<PinUse> pins = new ArrayList<>();
            List<Val<String>> ids = new ArrayList<>();
            List<GpioSettings.Input> inputs = new ArrayList<>();
            Map<String, Val<String>> breakerOfFeed = new HashMap<>();
            List<Node> in = g.list("inputs", false);
            for (int i = 0; in != null && i < in.size(); i++) {
                MapReader m = MapReader.open(p, in.get(i), g.field("inputs") + "[" + i + "]", "a GPIO input",
                        GPIO_INPUT_KEYS);
                if (m == null) {
                    continue;
                }
                Val<String> id = m.get("id", SiteYaml::string, true);
                ids.add(id);
                String owner = "input " + (id != null && id.ok() ? id.value() : m.path());
                Val<Integer> pin = bcmPin(m, pins, owner);
                Val<String> kind = m.get("kind", oneOf(INPUT_KINDS), true);
                boolean breaker = kind != null && "breaker-aux".equals(kind.value());
                Val<String> feed = m.get("feed", SiteYaml::string, breaker);
                if (feed != null && feed.ok() && feedSectionRead && !feedIds.contains(feed.value())) {
                    p.at(feed.node(), feed.field(), unknown("feed", feed.value(), feedIds));
                } else if (breaker && feed != null && feed.ok()) {
                    Val<String> other = breakerOfFeed.putIfAbsent(feed.value(), feed);
                    if (other != null) {
                        p.at(feed.node(), feed.field(), "feed " + feed.value() + " already has a breaker contact"
                                + " input (line " + other.line() + ")");
                    }
                }
                Boolean activeLow = m.opt("activeLow", SiteYaml::bool, false);
                Val<String> pull = m.get("pull", oneOf(PULLS), false);
                Val<Long> debounce = m.get("debounce", SiteYaml::millis, false);
                notNegative(debounce);
                boolean low = Boolean.TRUE.equals(activeLow);
                inputs.add(new GpioSettings.Input(value(id), or(pin, -1), value(kind), value(feed), low,
                        or(pull, low ? "up" : "down"), or(debounce, DEFAULT_DEBOUNCE_MS)));
            }
            List<GpioSettings.Output> outputs = new ArrayList<>();
            List<Node> out = g.list("outputs", false);
            for (int i = 0; out != null && i < out.size(); i++) {
                MapReader m = MapReader.open(p, out.get(i), g.field("outputs") + "[" + i + "]", "a GPIO output",
                        GPIO_OUTPUT_KEYS);
                if (m == null) {
                    continue;
                }
                Val<String> id = m.get("id", SiteYaml::string, true);
                ids.add(id);
                Val<Integer> pin = bcmPin(m, pins, "output " + (id != null && id.ok() ? id.value() : m.path()));
                Val<String> kind = m.get("kind", oneOf(OUTPUT_KINDS), true);
                Boolean activeLow = m.opt("activeLow", SiteYaml::bool, false);
                outputs.add(new GpioSettings.Output(value(id), or(pin, -1), value(kind),
                        Boolean.TRUE.equals(activeLow)));
            }
            unique(ids, "GPIO");
            GpioSettings.Watchdog watchdog = null;
            MapReader w = g.map("watchdog", false, "the watchdog", WATCHDOG_KEYS);
            if (w != null) {
                Val<Integer> pin = w.has("pin") ? bcmPin(w, pins, "the watchdog") : null;
                Val<String> device = w.get("device", SiteYaml::string, false);
                if (pin != null && device != null) {
                    p.at(w.keyNode("device"), w.field("device"), "give either pin (an external watchdog) or device "
                            + "(the Linux watchdog), not both");
                } else if (pin == null && device == null) {
                    w.missing("pin", "missing required key: pin (an external watchdog) or device (e.g. /dev/watchdog)");
                }
                if (device != null && device.ok() && !device.value().startsWith("/dev/")) {
                    p.at(device.node(), device.field(), "expected a device path under /dev/, got " + got(device));
                }
                Val<Long> period = w.get("period", SiteYaml::millis, false);
                positive(period);
                watchdog = new GpioSettings.Watchdog(value(pin), value(device),
                        or(period, DEFAULT_WATCHDOG_PERIOD_MS));
            }
            return new GpioSettings(inputs, outputs, watchdog);
        }

        private AgentSettings readAgents(MapReader top) {
            MapReader a = top.map("agents", false, "the agents section", AGENT_KEYS);
            if (a == null) {
                return new AgentSettings(DEFAULT_LEASE_MS, 0, readSecurity(null, top));
            }
            Val<Long> lease = a.get("lease", SiteYaml::millis, false);
            positive(lease);
            Val<Double> safeCap = a.get("safeCap", SiteLoader::safeCap, false);
            if (safeCap != null && safeCap.ok() && safeCap.value() < 0) {
                p.at(safeCap.node(), safeCap.field(), "must be auto or greater than 0, got " + got(safeCap));
            }
            if (safeCap != null && safeCap.ok() && safeCap.value() > 0) {
                Set<GpuModel> used = new LinkedHashSet<>();
                for (NodeD n : nodes) {
                    GpuModel g = n.gpu() == null ? null : gpuModels.get(n.gpu());
                    if (g != null) {
                        used.add(g);
                    }
                }
                List<String> outside = new ArrayList<>();
                for (GpuModel g : used) {
                    if (safeCap.value() < g.minW() || safeCap.value() > g.maxW()) {
                        outside.add(g.name() + " (" + fmt(g.minW(), "W") + ".." + fmt(g.maxW(), "W") + ")");
                    }
                }
                if (!outside.isEmpty()) {
                    p.at(safeCap.node(), safeCap.field(), "safeCap " + fmt(safeCap.value(), "W")
                            + " is outside the range of GPU model " + String.join(", ", outside)
                            + " used by the nodes");
                }
            }
            Val<Endpoint> multicast = a.get("multicast", SiteYaml::endpoint, false);
            if (multicast != null && multicast.ok() && !isMulticastLiteral(multicast.value().host())) {
                p.at(multicast.node(), multicast.field(), "'" + multicast.value().host() + "' is not a multicast "
                        + "address (IPv4 224.0.0.0/4, e.g. 239.255.72.1, or IPv6 ff00::/8)");
            }
            Val<String> iface = a.get("multicastInterface", SiteYaml::string, false);
            if (iface != null && iface.ok() && !isIpLiteral(iface.value())) {
                p.at(iface.node(), iface.field(), "expected an IP address of the appliance's interface towards the "
                        + "agents, got \"" + iface.value() + "\"");
            }
            if (iface != null && multicast == null) {
                p.at(iface.node(), iface.field(), "only used with agents.multicast");
            }
            return new AgentSettings(or(lease, DEFAULT_LEASE_MS),
                    or(safeCap, 0.0), readSecurity(a, top), multicast == null || !multicast.ok() ? null : multicast.value(),
                    iface == null || !iface.ok() ? null : iface.value());
        }

        private static boolean isIpLiteral(String host) {
            return host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") || host.contains(":") && host.matches("[0-9A-Fa-f:.]+");
        }

        private static boolean isMulticastLiteral(String host) {
            if (!isIpLiteral(host)) {
                return false;
            }
            try {
                return java.net.InetAddress.getByName(host).isMulticastAddress(); // a literal: no name lookup
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        }

        /**
         * {@code agents.security} and the credentials it needs, every file read and checked now (a key that cannot
         * be used is a site error, not a surprise at start-up). Without an agents section: PSK, the default.
         */
        private AgentSecurity readSecurity(MapReader a, MapReader top) {
            Val<String> mode = a == null ? null : a.get("security", oneOf(AGENT_SECURITY), false);
            String m = mode == null ? "psk" : mode.value();
            if (m == null) {
                return AgentSecurity.none(); // reported; the site is rejected
            }
            List<NodeD> agentNodes = nodes.stream().filter(n -> !n.hasRedfish()).toList();
            Val<String> keys = a == null ? null : a.get("pskKeys", SiteYaml::string, false);
            Val<String> store = a == null ? null : a.get("keyStore", SiteYaml::string, false);
            Val<String> pass = a == null ? null : a.get("keyStorePasswordFile", SiteYaml::string, false);
            Val<String> trusted = a == null ? null : a.get("trustedCertificates", SiteYaml::string, false);
            String only = " is only used with agents.security: ";
            if (!m.equals("psk")) {
                if (keys != null) {
                    p.at(keys.node(), keys.field(), "pskKeys" + only + "psk (it is " + m + ")");
                }
                for (NodeD n : agentNodes) {
                    for (Val<String> v : java.util.Arrays.asList(n.pskIdentity(), n.pskKeyFile())) {
                        if (v != null) {
                            p.at(v.node(), v.field(), v.field().substring(v.field().lastIndexOf('.') + 1) + only
                                    + "psk (it is " + m + ")");
                        }
                    }
                }
            }
            if (!m.equals("certificates")) {
                for (Val<String> v : java.util.Arrays.asList(store, pass, trusted)) {
                    if (v != null) {
                        p.at(v.node(), v.field(), v.field().substring("agents.".length()) + only
                                + "certificates (it is " + m + ")");
                    }
                }
            }
            switch (m) {
                case "none" -> {
                    return AgentSecurity.none();
                }
                case "certificates" -> {
                    Path ks = requiredFile(a, store, "keyStore", "the appliance's PKCS12 key store");
                    Path pw = requiredFile(a, pass, "keyStorePasswordFile", "the key store's password");
                    Path tr = requiredFile(a, trusted, "trustedCertificates", "the agents' CA certificates (PEM)");
                    if (ks == null || pw == null || tr == null) {
                        return AgentSecurity.none();
                    }
                    try {
                        AgentKeys.certificates(ks, pw, tr);
                    } catch (AgentKeys.KeyFileException e) {
                        p.at(store.node(), store.field(), e.getMessage());
                    }
                    return AgentSecurity.certificates(ks, pw, tr);
                }
                default -> {
                    return psk(a, top, mode, keys, agentNodes);
                }
            }
        }

        private Path requiredFile(MapReader a, Val<String> v, String key, String what) {
            if (v == null) {
                a.missing(key, "required with agents.security: certificates (" + what + ")");
                return null;
            }
            if (!v.ok()) {
                return null;
            }
            Path f = path(v.value());
            if (!Files.isReadable(f) || Files.isDirectory(f)) {
                p.at(v.node(), v.field(), "cannot read " + f + (Files.exists(f) ? "" : ": no such file"));
                return null;
            }
            return f;
        }

        private AgentSecurity psk(MapReader a, MapReader top, Val<String> mode, Val<String> keys,
                                  List<NodeD> agentNodes) {
            Map<String, byte[]> table = null;
            Path keysPath = null;
            if (keys != null && keys.ok()) {
                keysPath = path(keys.value());
                try {
                    table = AgentKeys.readKeysFile(keysPath);
                } catch (AgentKeys.KeyFileException e) {
                    p.at(keys.node(), keys.field(), e.getMessage());
                }
            }
            boolean anyOwn = agentNodes.stream().anyMatch(n -> n.pskKeyFile() != null);
            if (keys == null && !anyOwn && !agentNodes.isEmpty()) {
                String why = "DTLS-PSK (" + (mode == null ? "agents.security's default" : "agents.security: psk")
                        + ") needs a key for every agent: set agents.pskKeys (a file of IDENTITY HEX-KEY lines) or "
                        + "pskKeyFile on each node; or say agents.security: none for plain CoAP";
                if (a == null) {
                    p.at(top.node(), "agents", why);
                } else {
                    a.missing("pskKeys", why);
                }
                return AgentSecurity.psk(null);
            }
            Map<String, String> identityOwner = new HashMap<>();
            for (NodeD n : agentNodes) {
                String id = n.id() != null && n.id().ok() ? n.id().value() : null;
                String identity = n.pskIdentity() != null ? n.pskIdentity().value() : id;
                if (identity != null) {
                    String other = identityOwner.putIfAbsent(identity, id);
                    if (other != null) {
                        Node at = n.pskIdentity() != null ? n.pskIdentity().node() : n.id().node();
                        p.at(at, n.pskIdentity() != null ? n.pskIdentity().field() : n.id().field(),
                                "PSK identity '" + identity + "' is already node " + other + "'s; each agent needs its own");
                    }
                }
                if (n.pskKeyFile() != null) {
                    if (n.pskKeyFile().ok()) {
                        try {
                            AgentKeys.readPskFile(path(n.pskKeyFile().value()));
                        } catch (AgentKeys.KeyFileException e) {
                            p.at(n.pskKeyFile().node(), n.pskKeyFile().field(), e.getMessage());
                        }
                    }
                } else if (keys == null) {
                    p.at(n.at(), n.path() + ".pskKeyFile", "missing: node " + id
                            + " has no key (other nodes name their pskKeyFile and there is no agents.pskKeys)");
                } else if (table != null && identity != null && !table.containsKey(identity)) {
                    Node at = n.pskIdentity() != null ? n.pskIdentity().node() : n.at();
                    p.at(at, n.pskIdentity() != null ? n.pskIdentity().field() : n.path(), "no key for PSK identity '"
                            + identity + "' in " + keysPath + " (agents.pskKeys, line " + keys.line()
                            + "); add a line '" + identity + " HEX-KEY' or give the node its pskKeyFile");
                }
            }
            return AgentSecurity.psk(keysPath);
        }

        private ControlSettings readControl(MapReader top) {
            MapReader c = top.map("control", false, "the control section", CONTROL_KEYS);
            if (c == null) {
                return new ControlSettings(DEFAULT_TICK_MS, DEFAULT_MARGIN, DEFAULT_DEADBAND_W, DEFAULT_RAISE_HOLD_MS,
                        DEFAULT_RAISE_STEP_W);
            }
            Val<Long> tick = c.get("tick", SiteYaml::millis, false);
            positive(tick);
            Val<Double> margin = c.get("margin", quantity(Kind.PERCENT), false);
            if (margin != null && margin.ok() && (margin.value() < 0 || margin.value() >= 0.5)) {
                p.at(margin.node(), margin.field(), "must be at least 0 % and below 50 %, got " + got(margin));
            }
            Val<Double> deadband = c.get("deadband", quantity(Kind.POWER), false);
            notNegative(deadband);
            Val<Long> raiseHold = c.get("raiseHold", SiteYaml::millis, false);
            notNegative(raiseHold);
            Val<Double> raiseStep = c.get("raiseStep", quantity(Kind.POWER), false);
            positive(raiseStep);
            Val<Double> contract = c.get("contractImportLimit", quantity(Kind.POWER), false);
            positive(contract);
            Val<Double> ramp = c.get("rampLimit", quantity(Kind.RAMP), false);
            positive(ramp);
            Val<Long> smoothing = c.get("smoothing", SiteYaml::millis, false);
            positive(smoothing);
            return new ControlSettings(
                    or(tick, DEFAULT_TICK_MS),
                    or(margin, DEFAULT_MARGIN),
                    or(deadband, DEFAULT_DEADBAND_W),
                    or(raiseHold, DEFAULT_RAISE_HOLD_MS),
                    or(raiseStep, DEFAULT_RAISE_STEP_W),
                    or(contract, 0.0),
                    or(ramp, ControlSettings.DEFAULT_RAMP_LIMIT_W_PER_S),
                    or(smoothing, ControlSettings.DEFAULT_SMOOTHING_MS));
        }

        /** A percentage in [min, max] (fractions), else reported. */
        private void percentIn(Val<Double> v, double min, double max) {
            if (v != null && v.ok() && (v.value() < min || v.value() > max)) {
                p.at(v.node(), v.field(), "must be in [" + pct(min) + ", " + pct(max) + "], got " + got(v));
            }
        }

        private static String pct(double f) {
            return BigDecimal.valueOf(f * 100).stripTrailingZeros().toPlainString() + " %";
        }

        private static String seconds(double s) {
            return BigDecimal.valueOf(s).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString()
                    + " s";
        }

        private WaveformSettings readWaveforms(MapReader top, Double frequencyHz) {
            WaveformSettings d = WaveformSettings.defaults();
            MapReader w = top.map("waveforms", false, "the waveforms section", WAVEFORM_KEYS);
            if (w == null) {
                return d;
            }
            Val<Long> deadline = w.get("streamDeadline", SiteYaml::millis, false);
            positive(deadline);

            io.headroom.appliance.dsp.DetectionSettings dd = d.detection();
            io.headroom.appliance.dsp.DetectionSettings detection = dd;
            MapReader t = w.map("detection", false, "the detection thresholds", DETECTION_KEYS);
            if (t != null) {
                Val<Double> loss = t.get("lossThreshold", quantity(Kind.PERCENT), false);
                percentIn(loss, 0.01, 0.95);
                Val<Double> lossMs = t.get("lossPersistence", quantity(Kind.TIME), false);
                positive(lossMs);
                if (lossMs != null && lossMs.ok() && lossMs.value() > 0 && frequencyHz != null) {
                    double quarterMs = 1000 / frequencyHz / 4;
                    if (lossMs.value() >= quarterMs) {
                        p.at(lossMs.node(), lossMs.field(), "must be shorter than a quarter cycle ("
                                + BigDecimal.valueOf(quarterMs).round(new java.math.MathContext(4)).stripTrailingZeros()
                                .toPlainString() + " ms at " + fmt(frequencyHz, "Hz")
                                + ") for the loss to be seen in time, got " + got(lossMs));
                    }
                }
                Val<Double> restore = t.get("restoreThreshold", quantity(Kind.PERCENT), false);
                percentIn(restore, 0.01, 1.5);
                double lossF = or(loss, dd.lossFraction());
                if (loss != null && loss.ok() && (lossF < 0.01 || lossF > 0.95)) {
                    lossF = dd.lossFraction(); // reported above; compare the others with the default
                }
                if (restore != null && restore.ok() && restore.value() >= 0.01 && restore.value() <= 1.5
                        && restore.value() <= lossF) {
                    p.at(restore.node(), restore.field(), "must be above lossThreshold (" + pct(lossF)
                            + "), got " + got(restore));
                }
                Val<Double> restoreMs = t.get("restorePersistence", quantity(Kind.TIME), false);
                notNegative(restoreMs);
                if (restoreMs != null && restoreMs.ok() && restoreMs.value() > 10_000) {
                    p.at(restoreMs.node(), restoreMs.field(), "must be at most 10 s, got " + got(restoreMs));
                }
                Val<Double> phase = t.get("phaseLossThreshold", quantity(Kind.PERCENT), false);
                percentIn(phase, 0.01, 0.95);
                Val<Double> sag = t.get("sagThreshold", quantity(Kind.PERCENT), false);
                percentIn(sag, 0.05, 0.99);
                Val<Double> sagH = t.get("sagHysteresis", quantity(Kind.PERCENT), false);
                percentIn(sagH, 0, 0.2);
                double sagF = or(sag, dd.sagFraction());
                if (sag != null && sag.ok() && (sagF < 0.05 || sagF > 0.99)) {
                    sagF = dd.sagFraction();
                }
                if (sagH != null && sagH.ok() && sagH.value() >= 0 && sagH.value() <= 0.2
                        && sagF + sagH.value() >= 1) {
                    p.at(sagH.node(), sagH.field(), "sagThreshold + sagHysteresis must stay below 100 % (a dip "
                            + "must be able to end), got " + pct(sagF) + " + " + got(sagH));
                }
                Val<Double> zero = t.get("zeroCrossHysteresis", quantity(Kind.PERCENT), false);
                percentIn(zero, 0, 0.5);
                if (p.isEmpty()) {
                    try {
                        detection = new io.headroom.appliance.dsp.DetectionSettings(lossF,
                                or(lossMs, dd.lossPersistenceS() * 1000) / 1000, or(restore, dd.restoreFraction()),
                                or(restoreMs, dd.restorePersistenceS() * 1000) / 1000,
                                or(phase, dd.phaseLossFraction()), sagF, or(sagH, dd.sagHysteresis()),
                                or(zero, dd.zeroCrossHysteresis()));
                    } catch (IllegalArgumentException e) { // a combination the checks above let through
                        p.at(t.node(), t.path(), e.getMessage());
                    }
                }
            }

            boolean enabled = d.recorderEnabled();
            double pre = d.preTriggerS();
            double post = d.postTriggerS();
            String format = d.recordFormat();
            MapReader r = w.map("disturbanceRecorder", false, "the disturbance recorder", RECORDER_KEYS);
            if (r != null) {
                Boolean en = r.opt("enabled", SiteYaml::bool, true);
                enabled = !Boolean.FALSE.equals(en);
                Val<Double> preMs = r.get("preTrigger", quantity(Kind.TIME), false);
                notNegative(preMs);
                Val<Double> postMs = r.get("postTrigger", quantity(Kind.TIME), false);
                notNegative(postMs);
                Val<String> f = r.get("format", oneOf(RECORD_FORMATS), false);
                pre = or(preMs, pre * 1000) / 1000;
                post = or(postMs, post * 1000) / 1000;
                format = or(f, format);
                boolean valid = (preMs == null || preMs.ok()) && (postMs == null || postMs.ok()) && pre >= 0
                        && post >= 0;
                Val<Double> at = postMs != null ? postMs : preMs;
                if (valid && at != null && (pre + post <= 0 || pre + post > MAX_RECORD_S)) {
                    p.at(at.node(), at.field(), "preTrigger + postTrigger must be more than 0 s and at most "
                            + seconds(MAX_RECORD_S) + " (the recorder keeps two rings of that length per stream), got "
                            + seconds(pre + post));
                }
            }

            double window = d.bandWindowS();
            double span = d.rampSpanS();
            MapReader b = w.map("bandPower", false, "the band-power settings", BAND_KEYS);
            if (b != null) {
                Val<Double> win = b.get("window", quantity(Kind.TIME), false);
                if (win != null && win.ok() && (win.value() < 10_000 || win.value() > 300_000)) {
                    p.at(win.node(), win.field(), "must be 10 s to 5 min (10 s holds one period of the 0.1 Hz band), got "
                            + got(win));
                }
                Val<Double> sp = b.get("rampSpan", quantity(Kind.TIME), false);
                if (sp != null && sp.ok() && sp.value() < 10) {
                    p.at(sp.node(), sp.field(), "must be at least 10 ms (one half cycle), got " + got(sp));
                }
                window = or(win, window * 1000) / 1000;
                span = or(sp, span * 1000) / 1000;
                if (sp != null && sp.ok() && sp.value() >= 10 && (win == null || win.ok()) && span >= window) {
                    p.at(sp.node(), sp.field(), "must be shorter than the window (" + seconds(window) + "), got "
                            + got(sp));
                }
            }
            return new WaveformSettings(detection, or(deadline, d.streamDeadlineMs()), enabled, pre, post, format,
                    window, span);
        }

        private OpenAdrSettings readOpenAdr(MapReader top) {
            MapReader o = top.map("openadr", false, "the openadr section", OPENADR_KEYS);
            if (o == null) {
                return OpenAdrSettings.disabled();
            }
            Boolean enabled = o.opt("enabled", SiteYaml::bool, false);
            Val<String> version = o.get("version", SiteYaml::string, false);
            if (version != null && version.ok() && !OPENADR_VERSIONS.contains(version.value())) {
                p.at(version.node(), version.field(), "unsupported OpenADR version '" + version.value()
                        + "'; use \"3.1\", \"3.0.1\" or \"2.0b\"");
            }
            Val<String> vtn = o.get("vtn", SiteYaml::string, false);
            if (vtn != null && vtn.ok() && !isHttpUrl(vtn.value())) {
                p.at(vtn.node(), vtn.field(), "expected an http:// or https:// URL, got " + got(vtn));
            }
            Val<String> ven = o.get("venName", SiteYaml::string, false);
            Val<String> clientId = o.get("clientId", SiteYaml::string, false);
            Val<String> clientSecret = o.get("clientSecret", SiteYaml::string, false);
            Val<String> tlsCert = o.get("tlsCert", SiteYaml::string, false);
            Val<String> tlsKey = o.get("tlsKey", SiteYaml::string, false);
            Val<String> tlsCa = o.get("tlsCa", SiteYaml::string, false);
            Val<Long> poll = o.get("pollInterval", SiteYaml::millis, false);
            positive(poll);
            Boolean xmlSignature = o.opt("xmlSignature", SiteYaml::bool, false);
            Boolean allowRsa = o.opt("tlsAllowRsaKeyExchange", SiteYaml::bool, false);
            Val<String> tlsProfile = o.get("tlsProfile", SiteYaml::string, false);
            if (tlsProfile != null && tlsProfile.ok() && !List.of("default", "certification").contains(tlsProfile.value())) {
                p.at(tlsProfile.node(), tlsProfile.field(), "unknown TLS profile '" + tlsProfile.value() + "'; use default or certification");
            }
            Val<String> tlsKeyPassword = o.get("tlsKeyPassword", SiteYaml::string, false);
            Boolean insecureHttp = o.opt("insecureHttp", SiteYaml::bool, false);
            if (Boolean.TRUE.equals(enabled)) {
                if (vtn == null) {
                    o.missing("vtn", "required when openadr is enabled");
                }
                if (ven == null) {
                    o.missing("venName", "required when openadr is enabled");
                }
                boolean v2b = version != null && version.ok() && "2.0b".equals(version.value());
                if (v2b) {
                    for (String k : List.of("tlsCert", "tlsKey", "tlsCa")) {
                        if (!o.has(k)) {
                            o.missing(k, "required for OpenADR 2.0b (mutual TLS)");
                        }
                    }
                } else {
                    for (String k : List.of("clientId", "clientSecret")) {
                        if (!o.has(k)) {
                            o.missing(k, "required for OpenADR 3.x (OAuth2 client credentials)");
                        }
                    }
                }
            }
            return new OpenAdrSettings(Boolean.TRUE.equals(enabled),
                    or(version, OpenAdrSettings.disabled().version()),
                    or(vtn, ""), or(ven, ""), or(clientId, ""), or(clientSecret, ""), or(tlsCert, ""),
                    or(tlsKey, ""), or(tlsCa, ""), or(poll, 0L), Boolean.TRUE.equals(xmlSignature), Boolean.TRUE.equals(allowRsa),
                    or(tlsProfile, ""), or(tlsKeyPassword, ""), Boolean.TRUE.equals(insecureHttp));
        }

        private static boolean isHttpUrl(String s) {
            try {
                URI u = new URI(s.strip());
                String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
                return (scheme.equals("http") || scheme.equals("https")) && u.getHost() != null;
            } catch (URISyntaxException e) {
                return false;
            }
        }

        // ---- whole-site checks ----

        private void crossChecks() {
            unique(feeds.stream().map(FeedD::id).toList(), "feed");
            unique(groups.stream().map(GroupD::id).toList(), "group");
            unique(racks.stream().map(RackD::id).toList(), "rack");
            unique(nodes.stream().map(NodeD::id).toList(), "node");
            unique(meters.stream().map(MeterD::id).toList(), "meter");
            unique(supercaps.stream().map(SupercapD::id).toList(), "supercap bank");
            unique(busIdVals, "Modbus bus");

            // one device per unit id on a declared bus
            Map<String, OnBus> firstOnBus = new HashMap<>();
            for (OnBus d : busDevices) {
                OnBus f = firstOnBus.putIfAbsent(d.busId() + "/" + d.unit(), d);
                if (f != null) {
                    p.at(d.at(), d.field(), "unit " + d.unit() + " on bus " + d.busId() + " is already used by "
                            + f.owner() + " (line " + (f.at().getStartMark().getLine() + 1) + ")");
                }
            }

            // feed -> meter: exists, and one feed per meter
            Map<String, FeedD> feedOfMeter = new HashMap<>();
            for (FeedD f : feeds) {
                Val<String> meter = f.meter();
                if (meter == null || !meter.ok()) {
                    continue;
                }
                if (meterSectionRead && !meterIds.contains(meter.value())) {
                    p.at(meter.node(), meter.field(), UnusedIdSuggestion.unknown("meter", meter.value(), meterIds,
                            feeds.stream().map(FeedD::meter).filter(v -> v != null && v.ok()).map(SiteYaml.Val::value).toList()));
                    continue;
                }
                FeedD other = feedOfMeter.putIfAbsent(meter.value(), f);
                if (other != null) {
                    p.at(meter.node(), meter.field(), "meter " + meter.value() + " already measures feed "
                            + (other.id() != null && other.id().ok() ? other.id().value() : other.path())
                            + "; each feed needs its own meter");
                }
            }

            // every feed in a group
            if (groupSectionRead) {
                for (FeedD f : feeds) {
                    if (f.id() != null && f.id().ok() && !groupOfFeed.containsKey(f.id().value())) {
                        p.at(f.at(), f.path(), "feed " + f.id().value() + " is in no redundancy group");
                    }
                }
            }

            // endpoints: one Modbus device per host:port and unit id (a gateway serves many units), one agent per host:port
            collisions(modbusDevices, "is already used by");
            List<Owned> agents = new ArrayList<>();
            for (NodeD n : nodes) {
                if (n.agent() != null && n.agent().ok()) {
                    agents.add(new Owned(n.agent(), "node " + (n.id() != null && n.id().ok() ? n.id().value() : "?"), ""));
                }
            }
            collisions(agents, "is already the agent of");
        }

        private void collisions(List<Owned> owned, String verb) {
            Map<String, Owned> first = new HashMap<>();
            for (Owned o : owned) {
                String key = o.endpoint().value().host().toLowerCase(Locale.ROOT) + ":" + o.endpoint().value().port()
                        + o.unit();
                Owned f = first.putIfAbsent(key, o);
                if (f != null) {
                    p.at(o.endpoint().node(), o.endpoint().field(), o.endpoint().value() + o.unit() + " " + verb + " "
                            + f.owner() + " (line " + f.endpoint().line() + ")");
                }
            }
        }
    }
}
