package io.headroom.appliance.cli;

import io.headroom.common.cli.ExitCodes;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * The operator CLI: {@code ./headroom status|feeds|caps|alarms|events|override …} over the operator HTTP API
 * ({@code /api/v1/...}), as aligned tables or, with {@code --json}, the API's JSON as it came.
 *
 * <p>Exit codes: {@value #EXIT_OK} ok, {@value #EXIT_API} the API answered with an error (its {@code error} text and
 * the HTTP status are printed), {@value #EXIT_USAGE} usage (picocli: unknown option, bad duration…),
 * {@value #EXIT_UNREACHABLE} the appliance cannot be reached (the URL and the cause are printed): the codes of
 * {@link ExitCodes}, the table every command shares.
 */
public final class OperatorCommands {

    public static final int EXIT_OK = ExitCodes.OK;
    public static final int EXIT_API = ExitCodes.FAILED;
    public static final int EXIT_USAGE = ExitCodes.USAGE;
    public static final int EXIT_UNREACHABLE = ExitCodes.UNREACHABLE;
    /** Where the bench writes the operator token, under the launcher's folder ({@code headroom.home}). */
    public static final String TOKEN_FILE = "run/bench/operator.token";

    private OperatorCommands() {
    }

    /** A token and where it came from (for the hint after a 401 or 403). */
    record Token(String value, String source) {
    }

    /**
     * {@code --token}, else {@code HEADROOM_TOKEN}, else {@code run/bench/operator.token} under {@code home} if it
     * exists; null if none.
     */
    static Token resolveToken(String option, Function<String, String> env, Path home) throws IOException {
        if (option != null && !option.isBlank()) {
            return new Token(option.strip(), "--token");
        }
        String e = env.apply("HEADROOM_TOKEN");
        if (e != null && !e.isBlank()) {
            return new Token(e.strip(), "HEADROOM_TOKEN");
        }
        Path file = home.resolve(TOKEN_FILE);
        if (Files.isRegularFile(file)) {
            String t = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (!t.isEmpty()) {
                return new Token(t, file.toString());
            }
        }
        return null;
    }

    /** The options every operator command takes. */
    public static final class ApiOptions {
        @Option(names = "--url", paramLabel = "URL", converter = UrlConverter.class,
                defaultValue = "${env:HEADROOM_URL:-http://127.0.0.1:8080}",
                description = "the appliance's API (env HEADROOM_URL; default http://127.0.0.1:8080)")
        URI url;

        @Option(names = "--token", paramLabel = "TOKEN",
                description = "bearer token (else env HEADROOM_TOKEN, else " + TOKEN_FILE + " under the launcher's folder)")
        String token;

        @Option(names = "--json", description = "print the API's JSON instead of tables: indented on a terminal, "
                + "as it came (one line) otherwise")
        boolean json;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5s", converter = Durations.Converter.class,
                description = "connect and answer timeout (default ${DEFAULT-VALUE})")
        Duration timeout;
    }

    /** http(s)://host[:port][/prefix], no query. */
    public static final class UrlConverter implements ITypeConverter<URI> {
        @Override
        public URI convert(String value) {
            URI u;
            try {
                u = URI.create(value.strip());
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not a URL: " + e.getMessage());
            }
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
                    || u.getHost() == null || u.getRawQuery() != null || u.getRawFragment() != null) {
                throw new TypeConversionException("'" + value + "' is not an http(s)://HOST[:PORT] URL");
            }
            return u;
        }
    }

    /** Runs one exchange with the API and turns its failures into exit codes and messages. */
    abstract static class ApiCommand implements Callable<Integer> {
        @Mixin
        ApiOptions api = new ApiOptions();

        @Spec
        CommandSpec spec;

        Token token;

        @Override
        public final Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                check();
                token = resolveToken(api.token, System::getenv, Path.of(System.getProperty("headroom.home", ".")));
            } catch (IOException e) {
                err.println("headroom " + name() + ": cannot read the token file: " + e.getMessage());
                err.flush();
                return EXIT_USAGE;
            }
            try (OperatorClient c = new OperatorClient(api.url, token == null ? null : token.value(), api.timeout)) {
                run(c, out);
                return EXIT_OK;
            } catch (OperatorClient.ApiError e) {
                err.println("headroom " + name() + ": " + describe(e));
                return EXIT_API;
            } catch (OperatorClient.Unreachable e) {
                err.println("headroom " + name() + ": " + e.getMessage());
                return EXIT_UNREACHABLE;
            } finally {
                out.flush();
                err.flush();
            }
        }

        /** Usage checks beyond picocli's; throw {@link ParameterException}. */
        void check() {
        }

        abstract void run(OperatorClient c, PrintWriter out) throws OperatorClient.ApiError, OperatorClient.Unreachable;

        String name() {
            return spec.qualifiedName(" ").replaceFirst("^\\S+ ", "");
        }

        String describe(OperatorClient.ApiError e) {
            StringBuilder b = new StringBuilder(e.getMessage());
            if (e.field != null) {
                b.append(" (").append(e.field).append(')');
            }
            b.append(" [HTTP ").append(e.status).append(reasonPhrase(e.status)).append(']');
            if (e.status == 401) {
                b.append(token == null ? "; no token given: pass --token, set HEADROOM_TOKEN or create " + TOKEN_FILE
                        : "; the token from " + token.source() + " was not accepted");
            } else if (e.status == 403) {
                b.append(token == null ? "; this needs an operator token (--token or HEADROOM_TOKEN)"
                        : "; the token from " + token.source() + " lacks the role this needs (operator)");
            }
            return b.toString();
        }

        /** With --json, the body as it came; true if printed. */
        boolean printJson(PrintWriter out, String body) {
            if (!api.json) {
                return false;
            }
            body = Json.forOutput(body, Json.terminal());
            out.print(body);
            if (!body.endsWith("\n")) {
                out.println();
            }
            return true;
        }

        static String requireReason(CommandSpec spec, String reason) {
            if (reason == null || reason.isBlank()) {
                throw new ParameterException(spec.commandLine(), "--reason must not be empty: every write is journaled with it");
            }
            return reason.strip();
        }
    }

    /** A write: it needs a reason, which the appliance journals with the token's name. */
    abstract static class JournaledWrite extends ApiCommand {
        @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "why (journaled)")
        String reason;

        @Override
        void check() {
            reason = requireReason(spec, reason);
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"The appliance at a glance: health, feeds, groups' N-1 readiness, alarms.",
                    "One line per feed (load of limit, quality, maintenance), per group the binding limit and",
                    "N-1 readiness per contingency, and the active alarms.",
                    "With --json: {\"health\": /api/v1/health, \"site\": /api/v1/site}."})
    public static final class Status extends ApiCommand {
        @Override
        void run(OperatorClient c, PrintWriter out) throws OperatorClient.ApiError, OperatorClient.Unreachable {
            OperatorClient.Response health;
            try {
                health = c.get("/api/v1/health");
            } catch (OperatorClient.ApiError e) {
                if (e.status == 503 && e.body != null && e.body.contains("\"status\":\"unconfigured\"")) {
                    String why = "the appliance is NOT CONFIGURED: it controls nothing";
                    try {
                        io.vertx.core.json.JsonArray r = new io.vertx.core.json.JsonObject(e.body).getJsonArray("reasons");
                        if (r != null && !r.isEmpty()) {
                            why += " (" + r.getString(0) + ")";
                        }
                    } catch (RuntimeException notJson) {
                        // the plain message will do
                    }
                    throw new OperatorClient.ApiError(503, why, null, e.body);
                }
                if (e.status == 503) {
                    throw new OperatorClient.ApiError(503, "the appliance is starting: no regulation tick yet", null, e.body);
                }
                throw e;
            }
            OperatorClient.Response site = c.get("/api/v1/site");
            if (api.json) {
                printJson(out, "{\"health\":" + health.body().strip() + ",\"site\":" + site.body().strip() + "}");
                return;
            }
            JsonObject h = health.json();
            JsonObject s = site.json();
            out.printf("Headroom %s at %s: %s, tick %s, journal dropped %s%n", str(s.getValue("site")), c.base(),
                    str(h.getValue("status")), str(h.getValue("tick")), str(h.getValue("journalDropped")));
            List<JsonObject> fs = objects(s.getJsonArray("feeds"));
            int wLoad = 0;
            int wLimit = 0;
            for (JsonObject f : fs) {
                wLoad = Math.max(wLoad, str(kW(f.getValue("loadW"))).length());
                wLimit = Math.max(wLimit, str(kW(f.getValue("limitW"))).length());
            }
            Table feeds = new Table("FEED", "GROUP", ">LOAD OF LIMIT", ">%", "QUALITY", "MAINTENANCE");
            for (JsonObject f : fs) {
                String load = " ".repeat(wLoad - str(kW(f.getValue("loadW"))).length()) + str(kW(f.getValue("loadW")))
                        + " of " + " ".repeat(wLimit - str(kW(f.getValue("limitW"))).length()) + str(kW(f.getValue("limitW")));
                feeds.row(f.getValue("id"), f.getValue("group"), load, percent(fraction(f)), f.getValue("quality"),
                        maintenance(f.getValue("maintenance")));
            }
            out.print(feeds.render());
            Table groups = new Table("GROUP", "N-1 READY", "BINDING");
            for (JsonObject g : objects(s.getJsonArray("groups"))) {
                List<String> ready = new ArrayList<>();
                for (JsonObject p : objects(g.getJsonArray("contingencies"))) {
                    ready.add("lose " + str(p.getValue("lostFeed")) + ": "
                            + (Boolean.TRUE.equals(p.getValue("feasible")) ? "yes" : "no"));
                }
                groups.row(g.getValue("id"), ready.isEmpty() ? "no contingency" : String.join(", ", ready),
                        g.getValue("binding"));
            }
            out.print(groups.render());
            JsonArray list = s.getJsonArray("alarmList");
            if (list != null) {
                long acked = objects(list).stream().filter(a -> a.getValue("acknowledged") != null).count();
                out.printf("Alarms: %d active, %d acknowledged%s%n", list.size(), acked,
                        list.isEmpty() ? "" : " (./headroom alarms)");
            } else {
                JsonArray alarms = s.getJsonArray("alarms");
                out.printf("Alarms: %d active%s%n", alarms == null ? 0 : alarms.size(),
                        alarms == null || alarms.isEmpty() ? "" : " (./headroom alarms)");
            }
        }
    }

    @Command(name = "feeds", mixinStandardHelpOptions = true,
            description = {"Every feed: load against its limit, breaker ceiling, quality, maintenance.",
                    "Current and load against the limit, the breaker ceiling now and why, quality, meter age,",
                    "whether it binds its group, maintenance. With --json: /api/v1/site as it came."})
    public static final class Feeds extends ApiCommand {
        @Override
        void run(OperatorClient c, PrintWriter out) throws OperatorClient.ApiError, OperatorClient.Unreachable {
            OperatorClient.Response site = c.get("/api/v1/site");
            if (printJson(out, site.body())) {
                return;
            }
            Table t = new Table("FEED", "GROUP", ">CURRENT A", ">CURRENT LIMIT A", ">LOAD kW", ">LOAD LIMIT kW",
                    ">LOAD %", "QUALITY", ">METER AGE ms", "BINDING", "MAINTENANCE", ">CEILING A", "CEILING WHY");
            List<String> notes = new ArrayList<>();
            for (JsonObject f : objects(site.json().getJsonArray("feeds"))) {
                Object age = f.getValue("ageMs");
                Object m = f.getValue("maintenance");
                t.row(f.getValue("id"), f.getValue("group"), number(f.getValue("currentA"), 1, 1),
                        number(f.getValue("limitA"), 1, 1), number(f.getValue("loadW"), 1e-3, 1),
                        number(f.getValue("limitW"), 1e-3, 1), number(fraction(f), 100, 1), f.getValue("quality"),
                        age, Boolean.TRUE.equals(f.getValue("binding")) ? "yes" : "no",
                        m instanceof JsonObject ? "yes" : maintenance(m), number(f.getValue("ceilingA"), 1, 1),
                        f.getValue("ceilingReason"));
                if (m instanceof JsonObject) {
                    notes.add("Feed " + str(f.getValue("id")) + " in maintenance " + maintenance(m).substring("yes, ".length()));
                }
            }
            out.print(t.render());
            notes.forEach(out::println);
        }
    }

    @Command(name = "caps", mixinStandardHelpOptions = true,
            description = {"GPU power caps per node and per priority class.",
                    "Per node regulation's cap, the agent's, GPU power and any override; per class the sums.",
                    "With --json: /api/v1/caps as it came."})
    public static final class Caps extends ApiCommand {
        @Override
        void run(OperatorClient c, PrintWriter out) throws OperatorClient.ApiError, OperatorClient.Unreachable {
            OperatorClient.Response caps = c.get("/api/v1/caps");
            if (printJson(out, caps.body())) {
                return;
            }
            JsonObject o = caps.json();
            Table nodes = new Table("NODE", "PRIORITY", ">GPUS", ">CAP/GPU", ">AGENT CAP/GPU", ">GPU POWER", "OVERRIDE");
            for (JsonObject n : objects(o.getJsonArray("nodes"))) {
                nodes.row(n.getValue("node"), n.getValue("priority"), n.getValue("gpus"), watts(n.getValue("capPerGpuW")),
                        watts(n.getValue("agentCapPerGpuW")), kW(n.getValue("gpuPowerW")), override(n.getValue("override")));
            }
            out.print(nodes.render());
            JsonObject byClass = o.getJsonObject("byClass");
            if (byClass != null) {
                out.println();
                Table classes = new Table("CLASS", ">NODES", ">CAPS", ">GPU POWER");
                for (String k : byClass.fieldNames()) {
                    JsonObject x = byClass.getJsonObject(k);
                    classes.row(k, x.getValue("nodes"), kW(x.getValue("capW")), kW(x.getValue("powerW")));
                }
                out.print(classes.render());
            }
        }
    }

    @Command(name = "alarms", mixinStandardHelpOptions = true, subcommands = Alarms.Ack.class,
            description = {"The alarms raised now; `alarms ack ID --reason R` acknowledges one.",
                    "With their ids and acknowledgements. With --json: /api/v1/alarms as it came.",
                    "Acknowledging needs an operator token."})
    public static final class Alarms extends ApiCommand {
        @Override
        void run(OperatorClient c, PrintWriter out) throws OperatorClient.ApiError, OperatorClient.Unreachable {
            OperatorClient.Response r = c.get("/api/v1/alarms");
            if (printJson(out, r.body())) {
                return;
            }
            List<JsonObject> alarms = objects(r.json().getJsonArray("alarms"));
            if (alarms.isEmpty()) {
                out.println("No active alarms.");
                return;
            }
            Table t = new Table("ID", "SUBJECT", "RAISED", "ACKNOWLEDGED", "MESSAGE");
            for (JsonObject a : alarms) {
                t.row(a.getValue("id"), a.getValue("subject"), time(a.getValue("raisedAt")),
                        acknowledged(a.getValue("acknowledged")), a.getValue("message"));
            }
            out.print(t.render());
        }

        @Command(name = "ack", mixinStandardHelpOptions = true,
                description = "Acknowledge an alarm (journaled with the reason; needs an operator token).")
        public static final class Ack extends JournaledWrite {
            @Parameters(paramLabel = "ID", description = "the alarm's id (./headroom alarms)")
            String id;

            @Override
            void run(OperatorClient c, PrintWriter out) throws OperatorClient.ApiError, OperatorClient.Unreachable {
                OperatorClient.Response r = c.post("/api/v1/alarms/" + OperatorClient.enc(id) + "/ack",
                        new JsonObject().put("reason", reason));
                if (printJson(out, r.body())) {
                    return;
                }
                JsonObject a = r.json();
                out.printf("Acknowledged alarm %s (%s): %s — %s%n", str(a.getValue("id")), str(a.getValue("subject")),
                        str(a.getValue("message")), acknowledged(a.getValue("acknowledged")));
            }
        }
    }

    @Command(name = "events", mixinStandardHelpOptions = true,
            description = {"The journal: alarms, decisions, protection and operator actions, newest first.",
                    "With --json: /api/v1/journal as it came (oldest first)."})
    public static final class Events extends ApiCommand {
        @Option(names = "--since", paramLabel = "DURATION", defaultValue = "1h", converter = Durations.Converter.class,
                description = "how far back, e.g. 90s, 10m, 2h30m (default ${DEFAULT-VALUE})")
        Duration since;

        @Option(names = "--kind", paramLabel = "KIND", split = ",",
                description = "only these kinds (repeat it or separate with commas), e.g. alarm.raised,operator.override")
        List<String> kinds;

        @Option(names = "--severity", paramLabel = "LEVEL",
                description = "only entries of at least this severity: info, warning (alarms raised, waveform events), "
                        + "critical (contingencies fired)")
        String severity;

        @Option(names = "--limit", paramLabel = "N", description = "at most N entries, the newest (default 1000; more are "
                + "fetched a page of 1000 at a time)")
        Integer limit;

        /** The appliance's page size. */
        static final int PAGE = 1000;

        @Override
        void check() {
            if (limit != null && limit < 1) {
                throw new ParameterException(spec.commandLine(), "--limit must be at least 1, not " + limit);
            }
            if (severity != null && !io.headroom.appliance.journal.JournalEntry.SEVERITIES.contains(severity.strip())) {
                throw new ParameterException(spec.commandLine(), "--severity must be one of "
                        + String.join(", ", io.headroom.appliance.journal.JournalEntry.SEVERITIES) + ", not " + severity);
            }
        }

        @Override
        void run(OperatorClient c, PrintWriter out) throws OperatorClient.ApiError, OperatorClient.Unreachable {
            Map<String, Object> q = new LinkedHashMap<>();
            Instant from = io.headroom.appliance.clock.Clocks.system().utc().instant().minus(since).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            q.put("from", from.toString());
            String kind = kinds == null ? null : String.join(",", kinds.stream().map(String::strip)
                    .filter(k -> !k.isEmpty()).toList());
            q.put("kind", kind == null || kind.isEmpty() ? null : kind);
            q.put("severity", severity == null || severity.isBlank() ? null : severity.strip());
            // the appliance answers pages of at most PAGE entries: more are the pages before, followed by their link
            int want = limit == null ? PAGE : limit;
            q.put("limit", limit == null ? null : Math.min(limit, PAGE));
            String path = "/api/v1/journal" + OperatorClient.query(q);
            List<JsonObject> entries = new java.util.ArrayList<>();
            String firstBody = null;
            int pages = 0;
            while (path != null && entries.size() < want) {
                OperatorClient.Response r = c.get(path);
                firstBody = firstBody == null ? r.body() : firstBody;
                pages++;
                List<JsonObject> page = objects(r.json().getJsonArray("entries"));
                entries.addAll(0, page);
                String older = r.json().getString("older");
                int left = want - entries.size();
                path = older == null || left <= 0 || page.isEmpty() ? null
                        : older.replaceFirst("([?&])limit=[0-9]+", "$1limit=" + Math.min(left, PAGE));
            }
            if (entries.size() > want) {
                entries = entries.subList(entries.size() - want, entries.size());
            }
            if (printJson(out, pages == 1 ? firstBody : new JsonObject().put("entries", new io.vertx.core.json.JsonArray(
                    new java.util.ArrayList<Object>(entries))).encode())) {
                return;
            }
            if (entries.isEmpty()) {
                out.printf("No journal entries%s%s since %s.%n", kind == null || kind.isEmpty() ? "" : " of kind " + kind,
                        severity == null ? "" : " of severity " + severity + " or more", time(from.toString()));
                return;
            }
            Table t = new Table("TIME", "KIND", "SUBJECT", "ACTOR", "MESSAGE");
            for (JsonObject e : entries.reversed()) {
                t.row(time(e.getValue("utc")), e.getValue("kind"), e.getValue("subject"), e.getValue("actor"),
                        e.getValue("message"));
            }
            out.print(t.render());
        }
    }

    @Command(name = "override", mixinStandardHelpOptions = true,
            subcommands = {Overrides.ListOverrides.class, Overrides.Set.class, Overrides.Cancel.class},
            description = {"Operator cap overrides: list, set, cancel.",
                    "An override is a ceiling on a node's cap per GPU for a while (safety still first).",
                    "Without a subcommand: the list."})
    public static final class Overrides extends ApiCommand {
        @Override
        void run(OperatorClient c, PrintWriter out) throws OperatorClient.ApiError, OperatorClient.Unreachable {
            list(this, c, out);
        }

        static void list(ApiCommand cmd, OperatorClient c, PrintWriter out) throws OperatorClient.ApiError, OperatorClient.Unreachable {
            OperatorClient.Response r = c.get("/api/v1/overrides");
            if (cmd.printJson(out, r.body())) {
                return;
            }
            List<JsonObject> list = objects(r.json().getJsonArray("overrides"));
            if (list.isEmpty()) {
                out.println("No overrides.");
                return;
            }
            Table t = new Table("ID", "NODE", ">CAP/GPU", "SET BY", "SET AT", "EXPIRES", "REASON");
            for (JsonObject o : list) {
                t.row(o.getValue("id"), o.getValue("node"), watts(o.getValue("capPerGpuW")), o.getValue("setBy"),
                        time(o.getValue("setAt")), time(o.getValue("expiresAt")), o.getValue("reason"));
            }
            out.print(t.render());
        }

        @Command(name = "list", mixinStandardHelpOptions = true, description = "The overrides in force. With --json: /api/v1/overrides.")
        public static final class ListOverrides extends ApiCommand {
            @Override
            void run(OperatorClient c, PrintWriter out) throws OperatorClient.ApiError, OperatorClient.Unreachable {
                list(this, c, out);
            }
        }

        @Command(name = "set", mixinStandardHelpOptions = true,
                description = {"Hold NODE's cap at most WATTS per GPU for a while (needs an operator token).",
                        "A second override for the same node replaces the first."})
        public static final class Set extends JournaledWrite {
            @Parameters(index = "0", paramLabel = "NODE", description = "the node, e.g. r1-n1")
            String node;

            @Parameters(index = "1", paramLabel = "WATTS", description = "cap per GPU in W, within the node's GPU range")
            double watts;

            @Option(names = "--for", required = true, paramLabel = "DURATION", converter = Durations.Converter.class,
                    description = "how long, e.g. 90s, 10m, 2h30m (at most 24h)")
            Duration duration;

            @Override
            void check() {
                super.check();
                if (!(watts > 0) || Double.isInfinite(watts)) {
                    throw new ParameterException(spec.commandLine(), "WATTS must be a positive number of watts per GPU, not " + watts);
                }
                if (duration.toMillisPart() != 0) {
                    throw new ParameterException(spec.commandLine(), "--for is in whole seconds, not " + Durations.format(duration));
                }
            }

            @Override
            void run(OperatorClient c, PrintWriter out) throws OperatorClient.ApiError, OperatorClient.Unreachable {
                JsonObject body = new JsonObject().put("node", node);
                if (watts == Math.rint(watts) && watts < Long.MAX_VALUE) {
                    body.put("capPerGpuW", (long) watts);
                } else {
                    body.put("capPerGpuW", watts);
                }
                body.put("durationS", duration.toSeconds()).put("reason", reason);
                OperatorClient.Response r = c.post("/api/v1/overrides", body);
                if (printJson(out, r.body())) {
                    return;
                }
                JsonObject o = r.json();
                out.printf("Override %s: %s at most %s per GPU until %s (set by %s: %s)%n", str(o.getValue("id")),
                        str(o.getValue("node")), watts(o.getValue("capPerGpuW")), time(o.getValue("expiresAt")),
                        str(o.getValue("setBy")), str(o.getValue("reason")));
            }
        }

        @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel an override (needs an operator token).")
        public static final class Cancel extends JournaledWrite {
            @Parameters(paramLabel = "ID", description = "the override's id (./headroom override list)")
            String id;

            @Override
            void run(OperatorClient c, PrintWriter out) throws OperatorClient.ApiError, OperatorClient.Unreachable {
                OperatorClient.Response r = c.delete("/api/v1/overrides/" + OperatorClient.enc(id)
                        + OperatorClient.query(Map.of("reason", reason)));
                if (printJson(out, r.body())) {
                    return;
                }
                JsonObject o = r.json().getJsonObject("cancelled");
                if (o == null) {
                    out.printf("Cancelled override %s.%n", id);
                } else {
                    out.printf("Cancelled override %s: %s at most %s per GPU, set by %s (%s)%n", str(o.getValue("id")),
                            str(o.getValue("node")), watts(o.getValue("capPerGpuW")), str(o.getValue("setBy")),
                            str(o.getValue("reason")));
                }
            }
        }
    }

    // ---- formatting ----

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    static List<JsonObject> objects(JsonArray a) {
        List<JsonObject> l = new ArrayList<>();
        if (a != null) {
            for (int i = 0; i < a.size(); i++) {
                if (a.getValue(i) instanceof JsonObject o) {
                    l.add(o);
                }
            }
        }
        return l;
    }

    static String str(Object v) {
        return v == null ? "-" : String.valueOf(v);
    }

    static String kW(Object w) {
        return w instanceof Number n ? String.format(Locale.ROOT, "%.1f kW", n.doubleValue() / 1000) : null;
    }

    static String watts(Object w) {
        return w instanceof Number n ? String.format(Locale.ROOT, "%.0f W", n.doubleValue()) : null;
    }

    /** {@code v × scale} with {@code digits} decimals, no unit (the column's header says it); null if not a number. */
    static String number(Object v, double scale, int digits) {
        return v instanceof Number n ? String.format(Locale.ROOT, "%." + digits + "f", n.doubleValue() * scale) : null;
    }

    static String percent(Double fraction) {
        return fraction == null ? null : String.format(Locale.ROOT, "%.1f %%", fraction * 100);
    }

    /** The feed's loadFraction, else load over limit in W. */
    static Double fraction(JsonObject f) {
        if (f.getValue("loadFraction") instanceof Number n) {
            return n.doubleValue();
        }
        if (f.getValue("loadW") instanceof Number w && f.getValue("limitW") instanceof Number l && l.doubleValue() > 0) {
            return w.doubleValue() / l.doubleValue();
        }
        return null;
    }

    static String time(Object iso) {
        if (iso == null) {
            return null;
        }
        try {
            return TIME.format(Instant.parse(String.valueOf(iso)));
        } catch (DateTimeParseException e) {
            return String.valueOf(iso);
        }
    }

    static String maintenance(Object m) {
        if (m instanceof JsonObject o) {
            return "yes, since " + time(o.getValue("since")) + " by " + str(o.getValue("by")) + ": " + str(o.getValue("reason"));
        }
        return m == null || Boolean.FALSE.equals(m) ? "no" : "yes";
    }

    static String override(Object o) {
        if (o instanceof JsonObject x) {
            return watts(x.getValue("capPerGpuW")) + " until " + time(x.getValue("expiresAt")) + " by " + str(x.getValue("setBy"));
        }
        return null;
    }

    static String acknowledged(Object a) {
        if (a instanceof JsonObject x) {
            return "by " + str(x.getValue("by")) + " at " + time(x.getValue("at")) + ": " + str(x.getValue("reason"));
        }
        return "no";
    }

    static String reasonPhrase(int status) {
        return switch (status) {
            case 400 -> " Bad Request";
            case 401 -> " Unauthorized";
            case 403 -> " Forbidden";
            case 404 -> " Not Found";
            case 409 -> " Conflict";
            case 500 -> " Internal Server Error";
            case 502 -> " Bad Gateway";
            case 503 -> " Service Unavailable";
            default -> "";
        };
    }
}
