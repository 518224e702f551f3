package io.headroom.appliance.cli;

import io.headroom.appliance.actuation.AgentProbe;
import io.headroom.appliance.field.GpioProbe;
import io.headroom.appliance.measure.FeedPhases;
import io.headroom.appliance.measure.ModbusProbe;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SupercapBank;
import io.headroom.common.cli.ExitCodes;
import io.headroom.drivers.gpuprotocol.GpuLimits;
import io.headroom.drivers.gpuprotocol.GpuPower;
import io.headroom.drivers.gpuprotocol.Health;
import io.headroom.drivers.gpuprotocol.PowerReport;
import io.headroom.drivers.modbus.SupercapBankDriver;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code probe}: commissioning, against the site file and without starting control. What a device answers, as the
 * appliance would read it: {@code probe meter ID}, {@code probe bank ID}, {@code probe agent NODE}, {@code probe gpio [INPUT]}, {@code probe stream FEED}. Exit codes: 0 read and plausible, 1 the
 * device answered with errors (a Modbus exception, values outside the map's range), 2 usage (an id the site does not
 * have: the message names those it has; a site file that does not validate), 3 unreachable, 4 could not run.
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = "Commissioning: read a device the site file names, without starting control.",
        subcommands = {ProbeCommands.MeterProbe.class, ProbeCommands.BankProbe.class, ProbeCommands.AgentProbeCommand.class,
                ProbeCommands.GpioProbeCommand.class,
                ProbeCommands.StreamProbeCommand.class})
public final class ProbeCommands implements Runnable {

    /** The site file a probe reads when {@code --site} is not given (as {@code bench} and {@code study}). */
    public static final String DEFAULT_SITE = "sites/example-4feed.yaml";

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The options every probe has. */
    static class Common {
        @Option(names = "--site", paramLabel = "FILE", description = "the site file (default: " + DEFAULT_SITE + ")")
        Path site;

        @Option(names = "--json", description = "print the result as JSON (indented on a terminal)")
        boolean json;

        @Spec
        CommandSpec spec;

        Site loadSite() {
            // relative to where ./headroom lives (the launcher passes headroom.home), as bench's and study's default
            Path file = site != null ? site : Path.of(System.getProperty("headroom.home", ".")).resolve(DEFAULT_SITE);
            return ApplianceCommands.loadOrReport(file, spec.commandLine().getErr());
        }
    }

    @Command(name = "meter", mixinStandardHelpOptions = true,
            description = "Read every point of a meter's register map once over its Modbus connection; print the values "
                    + "with their names, units and quality, and the feeds the appliance would derive from them.")
    public static final class MeterProbe extends Common implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "the meter's id in the site file")
        String id;

        @Override
        public Integer call() {
            return modbus(this, "meter", id);
        }
    }

    @Command(name = "bank", mixinStandardHelpOptions = true,
            description = "Read every point of a supercap bank's register map once over its Modbus connection; print the "
                    + "values with their names, units and quality, and the bank's state as the driver reads it.")
    public static final class BankProbe extends Common implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "the bank's id in the site file")
        String id;

        @Override
        public Integer call() {
            return modbus(this, "bank", id);
        }
    }

    @Command(name = "agent", mixinStandardHelpOptions = true,
            description = "Ask a node's agent, as the appliance reaches it (the site's agents.security: PSK, certificates "
                    + "or plain CoAP), for its inventory, health and power report: reachability, security, each GPU's "
                    + "limit range and current limit. Nothing is commanded.")
    public static final class AgentProbeCommand extends Common implements Callable<Integer> {
        @Parameters(paramLabel = "NODE", description = "the node's id in the site file")
        String node;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "2s",
                description = "how long each request may take, handshake included (default ${DEFAULT-VALUE})")
        String timeout;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            java.time.Duration t;
            try {
                t = Durations.parse(timeout);
            } catch (IllegalArgumentException e) {
                err.println("probe agent: --timeout: " + e.getMessage());
                return ExitCodes.USAGE;
            }
            Site site = loadSite();
            if (site == null) {
                return ExitCodes.USAGE;
            }
            AgentProbe.Result r;
            try {
                r = AgentProbe.probe(site, node, t, io.headroom.appliance.clock.Clocks.system());
            } catch (AgentProbe.UnknownNodeException e) {
                err.println("probe agent: " + e.getMessage());
                return ExitCodes.USAGE;
            } catch (RuntimeException e) {
                err.println("probe agent: could not run: " + e.getMessage());
                return ExitCodes.COULD_NOT_RUN;
            }
            if (json) {
                out.println(Json.forOutput(agentJson(r).encode(), Json.terminal()));
            } else {
                out.print(renderAgent(r));
            }
            out.flush();
            if (r.outcome() != AgentProbe.Outcome.OK) {
                err.println("probe agent " + node + ": " + r.outcome().name().toLowerCase(java.util.Locale.ROOT) + ": "
                        + r.error());
            }
            return switch (r.outcome()) {
                case OK -> ExitCodes.OK;
                case FAILED -> ExitCodes.FAILED;
                case UNREACHABLE -> ExitCodes.UNREACHABLE;
            };
        }
    }

    @Command(name = "gpio", mixinStandardHelpOptions = true,
            description = "Read the level of each GPIO input the site declares (or of one), as the appliance opens it "
                    + "(pin, pull, polarity), and what the appliance makes of it. Outputs and the watchdog are not touched.")
    public static final class GpioProbeCommand extends Common implements Callable<Integer> {
        @Parameters(paramLabel = "INPUT", arity = "0..1", description = "one input's id (default: every input)")
        String input;

        @Option(names = "--gpio-provider", paramLabel = "PROVIDER", defaultValue = "auto",
                description = "auto (gpiod, else sysfs), gpiod, linuxfs, or mock (tests) (default ${DEFAULT-VALUE})")
        String provider;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            io.headroom.drivers.gpio.GpioProvider p;
            try {
                p = io.headroom.drivers.gpio.GpioProvider.valueOf(provider.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                err.println("probe gpio: --gpio-provider: " + provider + " is none of auto, gpiod, linuxfs, mock");
                return ExitCodes.USAGE;
            }
            Site site = loadSite();
            if (site == null) {
                return ExitCodes.USAGE;
            }
            if (input != null && !GpioProbe.inputIds(site).contains(input) || site.gpio().inputs().isEmpty()) {
                java.util.List<String> ids = GpioProbe.inputIds(site);
                err.println("probe gpio: " + (site.gpio().inputs().isEmpty() ? "the site declares no GPIO inputs (gpio.inputs)"
                        : "no GPIO input " + input + " in the site; its inputs: " + String.join(", ", ids)));
                return ExitCodes.USAGE;
            }
            GpioProbe.Result r;
            try {
                r = GpioProbe.read(site, input, p);
            } catch (RuntimeException e) {
                err.println("probe gpio: could not run: " + e.getMessage());
                return ExitCodes.COULD_NOT_RUN;
            }
            if (json) {
                JsonArray inputs = new JsonArray();
                for (GpioProbe.Input in : r.inputs()) {
                    inputs.add(new JsonObject().put("id", in.id()).put("pin", in.pin()).put("kind", in.kind())
                            .put("feed", in.feed()).put("activeLow", in.activeLow()).put("pull", in.pull())
                            .put("level", in.level()).put("asserted", in.asserted()).put("meaning", in.meaning()));
                }
                out.println(Json.forOutput(new JsonObject().put("provider", r.provider()).put("inputs", inputs).encode(),
                        Json.terminal()));
            } else {
                out.println("GPIO inputs, read with " + r.provider() + ":");
                Table t = new Table("INPUT", ">PIN", "KIND", "FEED", "PULL", "ACTIVE", "LEVEL", "ASSERTED", "MEANING");
                for (GpioProbe.Input in : r.inputs()) {
                    t.row(in.id(), in.pin(), in.kind(), in.feed() == null ? "site" : in.feed(), in.pull(),
                            in.activeLow() ? "low" : "high", in.level(), in.asserted() ? "yes" : "no", in.meaning());
                }
                out.print(t.render());
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "stream", mixinStandardHelpOptions = true,
            description = "Listen to a feed's waveform stream as the site declares it (sv or udp) and report the sample "
                    + "rate, each channel's RMS, the frequency, the phase rotation and each phase's power sign.")
    public static final class StreamProbeCommand extends Common implements Callable<Integer> {
        @Parameters(paramLabel = "FEED", description = "the feed whose stream to listen to")
        String feed;

        @Option(names = "--for", paramLabel = "DURATION", defaultValue = "1s",
                description = "how long to listen (default ${DEFAULT-VALUE})")
        String listen;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            java.time.Duration d;
            try {
                d = Durations.parse(listen);
            } catch (IllegalArgumentException e) {
                err.println("probe stream: --for: " + e.getMessage());
                return ExitCodes.USAGE;
            }
            Site site = loadSite();
            if (site == null) {
                return ExitCodes.USAGE;
            }
            if (!io.headroom.appliance.StreamProbe.streamedFeeds(site).contains(feed)) {
                java.util.List<String> ids = io.headroom.appliance.StreamProbe.streamedFeeds(site);
                err.println("probe stream: no waveform stream for feed " + feed + " in the site; feeds with one: "
                        + (ids.isEmpty() ? "none (waveforms.streams)" : String.join(", ", ids)));
                return ExitCodes.USAGE;
            }
            io.headroom.appliance.StreamProbe.Result r;
            try {
                r = io.headroom.appliance.StreamProbe.listen(site, feed, d, io.headroom.appliance.clock.Clocks.system());
            } catch (java.io.IOException | RuntimeException e) {
                err.println("probe stream: could not run: " + e.getMessage());
                return ExitCodes.COULD_NOT_RUN;
            }
            if (json) {
                JsonArray ch = new JsonArray();
                for (var c : r.channels()) {
                    ch.add(new JsonObject().put("name", c.name()).put("kind", c.kind()).put("phase", c.phase())
                            .put("rms", jnum(c.rms())));
                }
                JsonArray p = new JsonArray();
                for (int k = 0; k < 3; k++) {
                    p.add(new JsonObject().put("phase", "L" + (k + 1)).put("powerW", jnum(r.powerW()[k])));
                }
                out.println(Json.forOutput(new JsonObject().put("feed", r.feed()).put("source", r.source())
                        .put("nominalRateHz", r.nominalRateHz()).put("measuredRateHz", jnum(r.measuredRateHz()))
                        .put("samples", r.samples()).put("lost", r.lost()).put("listenedS", r.listenedS())
                        .put("channels", ch).put("frequencyHz", jnum(r.frequencyHz())).put("rotation", r.rotation())
                        .put("phases", p).put("warnings", new JsonArray(r.warnings())).encode(), Json.terminal()));
            } else {
                out.println("stream of feed " + r.feed() + " (" + r.source() + "): " + r.samples() + " samples in "
                        + num(r.listenedS()) + " s, rate " + num(r.measuredRateHz()) + " S/s (declared "
                        + num(r.nominalRateHz()) + "), " + r.lost() + " lost; frequency " + num(r.frequencyHz())
                        + " Hz, rotation " + (r.rotation() == null ? "unknown" : r.rotation()));
                Table t = new Table("CHANNEL", "KIND", ">PHASE", ">RMS");
                for (var c : r.channels()) {
                    t.row(c.name(), c.kind(), c.phase(), num(c.rms()));
                }
                out.print(t.render());
                out.println("power per phase W (+ import): L1 " + num(r.powerW()[0]) + ", L2 " + num(r.powerW()[1])
                        + ", L3 " + num(r.powerW()[2]));
                for (String w : r.warnings()) {
                    out.println("warning: " + w);
                }
            }
            out.flush();
            if (r.samples() == 0) {
                err.println("probe stream " + feed + ": unreachable: no samples in " + listen);
                return ExitCodes.UNREACHABLE;
            }
            return r.warnings().isEmpty() ? ExitCodes.OK : ExitCodes.FAILED;
        }
    }

    static String renderAgent(AgentProbe.Result r) {
        StringBuilder b = new StringBuilder();
        String nl = System.lineSeparator();
        b.append("agent of ").append(r.node()).append(": ").append(r.address()).append(", security ").append(r.security())
                .append(r.identity() == null ? "" : " (identity " + r.identity() + ")").append(": ")
                .append(r.outcome() == AgentProbe.Outcome.UNREACHABLE ? "UNREACHABLE"
                        : "reachable, round trip " + r.roundTripMs() + " ms" + (r.outcome() == AgentProbe.Outcome.OK
                        ? "" : ", " + r.outcome()));
        if (r.error() != null) {
            b.append(" (").append(r.error()).append(')');
        }
        b.append(nl);
        Health h = r.health();
        if (h != null) {
            b.append("lease ").append(h.state()).append(", last cap command ")
                    .append(h.secondsSinceLastCommand() == Health.NEVER ? "never" : h.secondsSinceLastCommand() + " s ago")
                    .append(", session ").append(h.session()).append(", last refused: ")
                    .append(h.lastRejectedReason().isEmpty() ? "none" : h.lastRejectedReason());
            if (h.supervision() != null) {
                b.append(", trigger loop ").append(h.supervision().triggerLoop()).append(", lease loop ")
                        .append(h.supervision().leaseLoop());
            }
            b.append(nl);
        }
        if (r.inventory() != null) {
            PowerReport p = r.power();
            Table t = new Table(">GPU", ">MIN W", ">MAX W", ">DEFAULT W", ">SAFE CAP W", ">LIMIT W", ">POWER W");
            for (int i = 0; i < r.inventory().gpus().size(); i++) {
                GpuLimits g = r.inventory().gpus().get(i);
                GpuPower now = p != null && i < p.gpus().size() ? p.gpus().get(i) : null;
                Double safe = h != null && i < h.safeCapsW().size() ? h.safeCapsW().get(i) : null;
                t.row(i, num(g.minW()), num(g.maxW()), num(g.defaultW()), safe == null ? "-" : num(safe),
                        now == null ? "-" : num(now.limitW()), now == null ? "-" : num(now.powerW()));
            }
            b.append(t.render());
            if (p != null) {
                b.append("total ").append(num(p.totalW())).append(" W, lease ").append(p.state()).append(nl);
            }
        }
        return b.toString();
    }

    static JsonObject agentJson(AgentProbe.Result r) {
        JsonObject o = new JsonObject().put("node", r.node()).put("address", r.address()).put("security", r.security())
                .put("identity", r.identity()).put("outcome", r.outcome().name())
                .put("reachable", r.outcome() != AgentProbe.Outcome.UNREACHABLE)
                .put("roundTripMs", r.roundTripMs() < 0 ? null : r.roundTripMs()).put("error", r.error());
        if (r.inventory() != null) {
            JsonArray gpus = new JsonArray();
            for (int i = 0; i < r.inventory().gpus().size(); i++) {
                GpuLimits g = r.inventory().gpus().get(i);
                JsonObject j = new JsonObject().put("index", i).put("minW", g.minW()).put("maxW", g.maxW())
                        .put("defaultW", g.defaultW());
                if (r.health() != null && i < r.health().safeCapsW().size()) {
                    j.put("safeCapW", r.health().safeCapsW().get(i));
                }
                if (r.power() != null && i < r.power().gpus().size()) {
                    j.put("limitW", jnum(r.power().gpus().get(i).limitW())).put("powerW", jnum(r.power().gpus().get(i).powerW()));
                }
                gpus.add(j);
            }
            o.put("gpus", gpus);
        }
        Health h = r.health();
        if (h != null) {
            JsonObject j = new JsonObject().put("lease", h.state().name())
                    .put("secondsSinceLastCommand", h.secondsSinceLastCommand() == Health.NEVER ? null : h.secondsSinceLastCommand())
                    .put("session", h.session()).put("lastRejectedReason", h.lastRejectedReason());
            if (h.supervision() != null) {
                j.put("triggerLoop", h.supervision().triggerLoop().name()).put("leaseLoop", h.supervision().leaseLoop().name());
            }
            o.put("health", j);
        }
        if (r.power() != null) {
            o.put("totalW", jnum(r.power().totalW())).put("lease", r.power().state().name());
        }
        return o;
    }

    static int modbus(Common c, String kind, String id) {
        PrintWriter out = c.spec.commandLine().getOut();
        PrintWriter err = c.spec.commandLine().getErr();
        Site site = c.loadSite();
        if (site == null) {
            return ExitCodes.USAGE;
        }
        ModbusProbe.Result r;
        try {
            io.headroom.appliance.clock.Clocks clocks = io.headroom.appliance.clock.Clocks.system();
            r = kind.equals("meter") ? ModbusProbe.meter(site, id, clocks) : ModbusProbe.bank(site, id, clocks);
        } catch (ModbusProbe.UnknownDeviceException e) {
            err.println("probe " + kind + ": " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (RuntimeException e) {
            err.println("probe " + kind + ": could not run: " + e);
            return ExitCodes.COULD_NOT_RUN;
        }
        if (c.json) {
            out.println(Json.forOutput(toJson(r, ModbusProbe.bankSpec(site, id)).encode(), Json.terminal()));
        } else {
            out.print(render(r, ModbusProbe.bankSpec(site, id)));
        }
        out.flush();
        if (r.outcome() != ModbusProbe.Outcome.OK) {
            err.println("probe " + kind + " " + id + ": " + r.outcome().name().toLowerCase(java.util.Locale.ROOT)
                    + ": " + r.error());
        }
        return exitCode(r.outcome());
    }

    static int exitCode(ModbusProbe.Outcome o) {
        return switch (o) {
            case OK -> ExitCodes.OK;
            case FAILED -> ExitCodes.FAILED;
            case UNREACHABLE -> ExitCodes.UNREACHABLE;
        };
    }

    /** A number for people: up to 7 significant digits, no exponent, no trailing zeros; "-" for unknown. */
    static String num(double v) {
        if (!Double.isFinite(v)) {
            return "-";
        }
        return new BigDecimal(v).round(new MathContext(7)).stripTrailingZeros().toPlainString();
    }

    static Object jnum(double v) {
        return Double.isFinite(v) ? v : null;
    }

    static String render(ModbusProbe.Result r, SupercapBank bank) {
        StringBuilder b = new StringBuilder();
        b.append(r.kind()).append(' ').append(r.id()).append(": ").append(r.transport())
                .append(r.bus() == null ? "" : " (bus " + r.bus() + ")").append(", unit ").append(r.unitId())
                .append(", map ").append(r.profile() == null ? "-" : r.profile()).append(", read in ")
                .append(r.durationMs()).append(" ms: ").append(r.outcome());
        if (r.error() != null) {
            b.append(" (").append(r.error()).append(')');
        }
        b.append(System.lineSeparator());
        if (!r.points().isEmpty()) {
            Table t = new Table("POINT", ">VALUE", "UNIT", "QUALITY", "REGISTER");
            for (ModbusProbe.Point p : r.points()) {
                t.row(p.name(), p.text() != null ? "\"" + p.text() + "\"" : num(p.value()),
                        p.unit() == null || p.unit().isEmpty() ? "" : p.unit(), p.quality(),
                        "fc" + p.function() + " " + p.address() + " " + p.type().toLowerCase(java.util.Locale.ROOT));
            }
            b.append(t.render());
        }
        for (ModbusProbe.FeedFigures f : r.feeds()) {
            b.append("feed ").append(f.feed().feedId()).append(" (limit ").append(num(f.limitA())).append(" A): ")
                    .append(f.feed().quality()).append(", current ").append(num(f.feed().currentA())).append(" A, power ")
                    .append(num(f.feed().powerW())).append(" W").append(System.lineSeparator());
            FeedPhases p = f.phases();
            Table t = new Table("PHASE", ">V", ">A", ">W", "W FROM", ">PF");
            for (int k = 0; k < 3; k++) {
                t.row("  L" + (k + 1), num(p.voltageV()[k]), num(p.currentA()[k]), num(p.powerW()[k]),
                        p.powerSource()[k] == null ? "unknown" : p.powerSource()[k], num(p.powerFactor()[k]));
            }
            b.append(t.render());
            b.append("  total ").append(num(p.totalPowerW())).append(" W, PF ").append(num(p.totalPowerFactor()))
                    .append(", frequency ").append(num(p.frequencyHz())).append(" Hz").append(System.lineSeparator());
        }
        if (r.kind().equals("meter") && r.feeds().isEmpty() && r.quality() != null) {
            b.append("(no feed of the site is measured by this meter)").append(System.lineSeparator());
        }
        SupercapBankDriver.BankState s = r.bank();
        if (s != null) {
            b.append("bank ").append(r.id()).append(bank == null ? "" : " on feed " + bank.feedId()).append(": SoC ")
                    .append(num(s.socPercent())).append(" %, ").append(num(s.voltageV())).append(" V, ")
                    .append(num(s.currentA())).append(" A, ").append(num(s.temperatureC())).append(" °C, power ")
                    .append(num(s.powerW())).append(" W, mode ").append(s.mode()).append(", setpoint ")
                    .append(num(s.setpointW())).append(" W, converter state ").append(s.converterState())
                    .append(", alarms 0x").append(Long.toHexString(s.alarms())).append(System.lineSeparator());
            if (bank != null) {
                b.append("  limits: charge ").append(num(bank.maxChargeW())).append(" W, discharge ")
                        .append(num(bank.maxDischargeW())).append(" W").append(System.lineSeparator());
            }
        }
        if (r.bankUnfit() != null) {
            b.append("the map cannot drive a bank: ").append(r.bankUnfit()).append(System.lineSeparator());
        }
        return b.toString();
    }

    static JsonObject toJson(ModbusProbe.Result r, SupercapBank bank) {
        JsonObject o = new JsonObject().put("kind", r.kind()).put("id", r.id()).put("transport", r.transport())
                .put("bus", r.bus()).put("unitId", r.unitId()).put("map", r.profile())
                .put("durationMs", r.durationMs()).put("outcome", r.outcome().name()).put("quality", r.quality())
                .put("error", r.error());
        JsonArray points = new JsonArray();
        for (ModbusProbe.Point p : r.points()) {
            JsonObject j = new JsonObject().put("name", p.name()).put("unit", p.unit()).put("function", p.function())
                    .put("address", p.address()).put("type", p.type()).put("quality", p.quality());
            if (p.text() != null) {
                j.put("text", p.text());
            } else {
                j.put("value", jnum(p.value()));
            }
            points.add(j);
        }
        o.put("points", points);
        if (r.kind().equals("meter")) {
            JsonArray feeds = new JsonArray();
            for (ModbusProbe.FeedFigures f : r.feeds()) {
                FeedPhases p = f.phases();
                JsonArray phases = new JsonArray();
                for (int k = 0; k < 3; k++) {
                    phases.add(new JsonObject().put("phase", "L" + (k + 1)).put("voltageV", jnum(p.voltageV()[k]))
                            .put("currentA", jnum(p.currentA()[k])).put("powerW", jnum(p.powerW()[k]))
                            .put("powerSource", p.powerSource()[k]).put("powerFactor", jnum(p.powerFactor()[k])));
                }
                feeds.add(new JsonObject().put("feed", f.feed().feedId()).put("limitA", f.limitA())
                        .put("quality", f.feed().quality().name()).put("currentA", jnum(f.feed().currentA()))
                        .put("powerW", jnum(f.feed().powerW())).put("totalPowerW", jnum(p.totalPowerW()))
                        .put("powerFactor", jnum(p.totalPowerFactor())).put("frequencyHz", jnum(p.frequencyHz()))
                        .put("phases", phases));
            }
            o.put("feeds", feeds);
        }
        if (r.kind().equals("bank")) {
            SupercapBankDriver.BankState s = r.bank();
            JsonObject j = new JsonObject();
            if (bank != null) {
                j.put("feed", bank.feedId()).put("maxChargeW", bank.maxChargeW()).put("maxDischargeW", bank.maxDischargeW());
            }
            if (s != null) {
                j.put("socPercent", jnum(s.socPercent())).put("voltageV", jnum(s.voltageV()))
                        .put("currentA", jnum(s.currentA())).put("temperatureC", jnum(s.temperatureC()))
                        .put("powerW", jnum(s.powerW())).put("mode", s.mode()).put("setpointW", jnum(s.setpointW()))
                        .put("converterState", s.converterState()).put("alarms", s.alarms());
            }
            j.put("unfit", r.bankUnfit());
            o.put("bank", j);
        }
        return o;
    }
}
