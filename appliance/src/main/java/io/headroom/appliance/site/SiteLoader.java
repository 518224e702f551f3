package io.headroom.appliance.site;

import static io.headroom.appliance.site.SiteYaml.quantity;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
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
            "supercaps", "agents", "control", "openadr", "modbusBuses", "gpio", "waveforms", "mqtt");
    private static final List<String> SITE_KEYS = List.of("name", "frequency");
    public static final List<String> AGENT_SECURITY = List.of("psk", "certificates", "none");
    public static final List<String> RECORD_FORMATS = List.of("binary", "ascii");
    /** The most a disturbance record may span (pre + post): 48 MB of rings per second per 6-channel feed at 1 MS/s. */
    public static final double MAX_RECORD_S = 10;

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
        Site site = root == null ? null : read(new SiteReading(p, baseDir.toAbsolutePath()), root);
        if (!p.isEmpty() || site == null) {
            throw new SiteValidationException(p.sorted());
        }
        return site;
    }

    static Node compose(Problems p, String text) {
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

    /** Formats a value in base units for messages: {@code 200 W}, {@code 0.5 A}. */
    static String fmt(double v, String unit) {
        return SectionReader.fmt(v, unit);
    }

    // ---- the sections, in order, then the checks across them ----------------------------------------------------

    /**
     * One pass over a composed site file: each section's reader in turn (a later one reads what earlier ones
     * declared), then {@link CrossChecks}; null when anything was reported.
     */
    private static Site read(SiteReading ctx, Node root) {
        Problems p = ctx.problems();
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
                p.at(f.node(), f.field(), "must be 50 Hz or 60 Hz, got " + SectionReader.got(f));
            }
            frequency = SectionReader.or(f, null);
        }
        GpuModelsSection gpuModels = new GpuModelsSection(ctx);
        gpuModels.read(top);
        FeedsSection feeds = new FeedsSection(ctx);
        feeds.read(top);
        GroupsSection groups = new GroupsSection(ctx, feeds);
        groups.read(top);
        RacksSection racks = new RacksSection(ctx, gpuModels, groups);
        racks.read(top);
        ModbusBusesSection buses = new ModbusBusesSection(ctx);
        buses.read(top);
        MetersSection meters = new MetersSection(ctx, buses);
        meters.read(top);
        SupercapsSection supercaps = new SupercapsSection(ctx, feeds, buses);
        supercaps.read(top);
        GpioSettings gpio = new GpioSection(ctx, feeds).read(top);
        AgentSettings agents = new AgentsSection(ctx, gpuModels, racks).read(top);
        ControlSettings control = new ControlSection(ctx, frequency).read(top);
        OpenAdrSettings openadr = new OpenAdrSection(ctx).read(top);
        WaveformSettings waveforms = new WaveformsSection(ctx, feeds).read(top, frequency);
        MqttSettings mqtt = new MqttSection(ctx).read(top);
        new CrossChecks(ctx, feeds, groups, racks, meters, supercaps, buses).run();
        if (!p.isEmpty()) {
            return null;
        }
        return new Site(name, frequency,
                feeds.feeds.stream().map(f -> new Feed(f.id().value(), f.ratingA(), f.derating(), f.voltageV(),
                        f.phases(), f.powerFactor(), f.curve(), f.meter().value(), f.ups())).toList(),
                groups.groups.stream().map(g -> new RedundancyGroup(g.id().value(), g.feedIds())).toList(),
                racks.racks.stream().map(r -> new Rack(r.id().value(), r.groupId())).toList(),
                racks.nodes.stream().map(racks::node).toList(),
                meters.meters.stream().map(m -> new Meter(m.id().value(), m.profile(), m.modbus(), m.unitId(),
                        m.pollMs(), m.deadlineMs(), m.busId(), m.registerMap())).toList(),
                supercaps.supercaps.stream().map(c -> new SupercapBank(c.id().value(), c.feed().value(), c.energyWh(),
                        c.maxPowerW(), c.modbus(), c.unitId(), c.profile(), c.busId(), c.maxChargeW(),
                        c.maxDischargeW(), c.pollMs(), c.registerMap())).toList(),
                agents, control, openadr, buses.buses, gpio, waveforms, mqtt);
    }
}
