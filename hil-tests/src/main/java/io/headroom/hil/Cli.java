package io.headroom.hil;

import io.headroom.appliance.cli.ApplianceCommands;
import io.headroom.common.cli.ExitCodes;
import io.headroom.common.cli.OptionSuggester;
import io.headroom.appliance.cli.OperatorCommands;
import io.headroom.appliance.site.Site;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code ./headroom}: the bench, the appliance's own commands, the operator CLI, the benchmarks, and the bench VTN. */
@Command(name = "headroom", mixinStandardHelpOptions = true, version = "Headroom 0.1.0",
        description = "Grid-interactive edge appliance for AI data centers.",
        subcommands = {Cli.BenchCommand.class, ApplianceCommands.Run.class, ApplianceCommands.CheckSite.class, ApplianceCommands.Token.class,
                io.headroom.appliance.cli.ProbeCommands.class,
                Cli.Perf.class, Cli.Study.class, OperatorCommands.Status.class, OperatorCommands.Feeds.class, OperatorCommands.Caps.class,
                OperatorCommands.Alarms.class, OperatorCommands.Events.class, OperatorCommands.Overrides.class,
                io.headroom.grid.vtn.VtnCommand.class, Cli.Completion.class})
public final class Cli implements Runnable {

    /** The commands the launcher runs itself (scripts, not this program), as {@code --help} lists them. */
    static final String[] LAUNCHER_COMMANDS = {
            "  image --arch amd64|arm64       Debian disk image of the appliance (root)",
            "  image-test --arch amd64|arm64  boot it under QEMU, wait for its health API",
            "  package-test                   install both .debs in a clean chroot, run them",
            "  fuzz [TARGET] [--for 10m]      fuzz every decoder of untrusted bytes; --list",
            "  vtn                            the bench's OpenADR VTN alone (vtn --help)"};

    /** Examples per command, shown at the end of its {@code --help}. */
    static final java.util.Map<String, String[]> EXAMPLES = java.util.Map.ofEntries(
            java.util.Map.entry("headroom", new String[]{"./headroom bench", "./headroom status",
                    "./headroom bench --scenario hil-tests/scenarios/short/dr-peak.yaml"}),
            java.util.Map.entry("bench", new String[]{"./headroom bench",
                    "./headroom bench --site sites/example-4feed.yaml --http-port 8081",
                    "./headroom bench --scenario hil-tests/scenarios/short/dr-peak.yaml --seed 7",
                    "./headroom bench --scenario hil-tests/scenarios/short/feed-loss-at-full-load.yaml --virtual-time"}),
            java.util.Map.entry("run", new String[]{"./headroom run --site /etc/headroom/site.yaml --data /var/lib/headroom",
                    "./headroom run --site site.yaml --http-host 0.0.0.0 --api-require-token"}),
            java.util.Map.entry("check-site", new String[]{"./headroom check-site sites/example-4feed.yaml"}),
            java.util.Map.entry("probe", new String[]{"./headroom probe meter meter-A --site /etc/headroom/site.yaml",
                    "./headroom probe bank bank-A --json", "./headroom probe agent r1-n1"}),
            java.util.Map.entry("meter", new String[]{"./headroom probe meter meter-A --site /etc/headroom/site.yaml",
                    "./headroom probe meter meter-A --json | jq '.feeds[0].phases'"}),
            java.util.Map.entry("bank", new String[]{"./headroom probe bank bank-A --site /etc/headroom/site.yaml"}),
            java.util.Map.entry("stream", new String[]{"./headroom probe stream A --site /etc/headroom/site.yaml",
                    "./headroom probe stream A --for 5s --json"}),
            java.util.Map.entry("gpio", new String[]{"./headroom probe gpio --site /etc/headroom/site.yaml",
                    "./headroom probe gpio brkA --json"}),
            java.util.Map.entry("agent", new String[]{"./headroom probe agent r1-n1 --site /etc/headroom/site.yaml",
                    "./headroom probe agent r1-n1 --timeout 5s --json | jq '.gpus'"}),
            java.util.Map.entry("token", new String[]{"./headroom token add alice --role operator --data run/bench"}),
            java.util.Map.entry("add", new String[]{"./headroom token add alice --role operator --data run/bench",
                    "./headroom token add grafana --role viewer --file /etc/headroom/api-tokens"}),
            java.util.Map.entry("perf", new String[]{"./headroom perf", "./headroom perf dsp"}),
            java.util.Map.entry("study", new String[]{"./headroom study", "./headroom study --seeds 1 --drills 5 --seed 7 --json"}),
            java.util.Map.entry("status", new String[]{"./headroom status", "./headroom status --url http://10.0.0.5:8080 --json"}),
            java.util.Map.entry("feeds", new String[]{"./headroom feeds", "./headroom feeds --json | jq '.feeds[0]'"}),
            java.util.Map.entry("caps", new String[]{"./headroom caps", "./headroom caps --json > caps.json"}),
            java.util.Map.entry("alarms", new String[]{"./headroom alarms",
                    "./headroom alarms ack al-3 --reason 'breaker C inspected'"}),
            java.util.Map.entry("ack", new String[]{"./headroom alarms ack al-3 --reason 'breaker C inspected'"}),
            java.util.Map.entry("events", new String[]{"./headroom events --since 10m",
                    "./headroom events --kind operator.override --limit 20"}),
            java.util.Map.entry("override", new String[]{"./headroom override",
                    "./headroom override set r8-n8 300 --for 30m --reason 'cooling work on rack 8'",
                    "./headroom override cancel ov-7 --reason 'done'"}),
            java.util.Map.entry("list", new String[]{"./headroom override list"}),
            java.util.Map.entry("set", new String[]{"./headroom override set r8-n8 300 --for 30m --reason 'cooling work'"}),
            java.util.Map.entry("cancel", new String[]{"./headroom override cancel ov-7 --reason 'done'"}),
            java.util.Map.entry("completion", new String[]{"source <(./headroom completion)",
                    "./headroom completion > /etc/bash_completion.d/headroom"}));

    /** Where ./headroom lives (the launcher passes it); relative paths in defaults resolve against it. */
    static Path home() {
        return Path.of(System.getProperty("headroom.home", "."));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * {@code ./headroom} as it runs: the nearest-option suggester and the shared exit codes ({@link ExitCodes}) on every
     * command, the launcher's own commands and the exit-code table in {@code --help}, examples in each command's help.
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Cli());
        java.util.Map<String, String> codes = new java.util.LinkedHashMap<>();
        ExitCodes.CODES.forEach(c -> codes.put(String.valueOf(c.code()), c.meaning()));
        cl.getCommandSpec().usageMessage()
                .footerHeading("%nCommands the launcher runs itself (./headroom NAME --help for each):%n")
                .footer(LAUNCHER_COMMANDS)
                .exitCodeListHeading("%nExit codes (every command, the launcher's too):%n")
                .exitCodeList(codes);
        examples(cl);
        return OptionSuggester.install(cl);
    }

    private static void examples(CommandLine cl) {
        String[] ex = EXAMPLES.get(cl.getCommandName());
        if (ex != null) {
            java.util.List<String> lines = new java.util.ArrayList<>(java.util.List.of(cl.getCommandSpec().usageMessage().footer()));
            lines.add("");
            lines.add("Examples:");
            for (String e : ex) {
                lines.add("  " + e.replace("%", "%%"));
            }
            cl.getCommandSpec().usageMessage().footer(lines.toArray(String[]::new));
        }
        cl.getSubcommands().values().forEach(Cli::examples);
    }

    @Command(name = "completion", mixinStandardHelpOptions = true,
            description = {"Print a bash (and zsh) completion script for ./headroom, picocli's generated one.",
                    "Load it in the current shell with `source <(./headroom completion)`, or save it under",
                    "/etc/bash_completion.d/ (zsh: `autoload -U +X bashcompinit && bashcompinit` first)."})
    static final class Completion implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            String script = picocli.AutoComplete.bash("headroom", spec.root().commandLine());
            // completion for ./headroom too, not only for a headroom on the PATH
            spec.commandLine().getOut().print(script);
            spec.commandLine().getOut().println("complete -F _complete_headroom -o default ./headroom");
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Start the simulated plant and the appliance; dashboard and API on http://HOST:PORT/.")
    static final class BenchCommand implements Callable<Integer> {
        @Option(names = "--site", paramLabel = "FILE", description = "site file (default: sites/example-4feed.yaml)")
        Path site;

        @Option(names = "--http-host", paramLabel = "HOST", defaultValue = "127.0.0.1", description = "default ${DEFAULT-VALUE}")
        String httpHost;

        @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "8080", description = "default ${DEFAULT-VALUE}")
        int httpPort;

        @Option(names = "--ephemeral-ports", description = "bind meters and agents on free ports, not the site's")
        boolean ephemeral;

        @Option(names = "--seed", paramLabel = "SEED", defaultValue = "42", description = "workload seed (default ${DEFAULT-VALUE})")
        long seed;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--duration", defaultValue = "0", paramLabel = "SECONDS", description = "stop after this long (0: until interrupted)")
        long durationS;

        @Option(names = "--data", paramLabel = "DIR", description = "journal and VEN state (default: run/bench under the "
                + "launcher's folder; with --scenario a fresh run/scenarios/NAME-TIME, so nothing set interactively is restored)")
        Path data;

        @Option(names = "--workload", paramLabel = "MODEL", defaultValue = "bursty",
                description = "the GPUs' workload: bursty (default) or calibrated (training dips and spikes, inference bursts, job ramps)")
        String workload;

        @Option(names = "--waveform-rate", paramLabel = "RATE",
                description = "the plant's CT/PT streams' sample rate, e.g. 4.8 kS/s (default), 48 kS/s, 1 MS/s; a scenario's plant.waveformRate wins")
        String waveformRate;

        @Option(names = "--udp-waveforms",
                description = "the plant's CT/PT streams in the project's UDP frames instead of IEC 61850-9-2 / 61869-9 Sampled Values on lo (the default where the rate is an SV profile's and raw sockets are permitted)")
        boolean udpWaveforms;

        @Option(names = "--plant-step", paramLabel = "MS", defaultValue = "2",
                description = "the plant's time step in ms, 1 to 100 (default ${DEFAULT-VALUE})")
        long plantStepMs;

        @Option(names = "--scenario", paramLabel = "FILE",
                description = "play a scenario (hil-tests/scenarios/*.yaml) with the dashboard live, write its report under "
                        + "DIR/reports, exit 0 if what it expects held, 1 if not, 4 if it could not run")
        Path scenario;

        @Option(names = "--virtual-time",
                description = "with --scenario: play it in virtual time, on one thread, without the dashboard (the "
                        + "plant, the Modbus meters and regulation real; agents and the fast path modelled): the same "
                        + "scenario, site and --seed print the same figures; agent, network, restart, drill and DR "
                        + "events need the real bench")
        boolean virtualTime;

        @Option(names = "--vtn-scenario", paramLabel = "FILE",
                description = "programs and events for the bench VTN started when --openadr-version is given without --vtn")
        Path vtnScenario;

        @picocli.CommandLine.Mixin
        io.headroom.appliance.cli.OpenAdrOptions openadr = new io.headroom.appliance.cli.OpenAdrOptions();

        @Option(names = "--campus", paramLabel = "FILE",
                description = "a campus (e.g. sites/example-campus.yaml): a 3-member etcd cluster on loopback and one "
                        + "appliance with its plant and agents per lineup, coordinated through etcd; dashboards on "
                        + "--http-port and the ports after it")
        Path campus;

        @Option(names = "--drill", paramLabel = "FILE",
                description = "with --campus: play a campus drill (hil-tests/scenarios/campus/*.yaml), print its figures, "
                        + "exit 0 if what it expects held, 1 if not, 4 if it could not run")
        Path drill;

        @Override
        public Integer call() throws Exception {
            if (campus != null) {
                return io.headroom.hil.campus.CampusCommand.run(campus, drill,
                        data != null ? data : home().resolve("run/campus"), httpHost, httpPort, seed, durationS,
                        spec.commandLine().getOut(), spec.commandLine().getErr());
            }
            if (drill != null) {
                spec.commandLine().getErr().println("bench: --drill plays a campus drill: give --campus FILE");
                return ExitCodes.USAGE;
            }
            Path file = site != null ? site : home().resolve("sites/example-4feed.yaml");
            if (!Files.exists(file)) {
                spec.commandLine().getErr().println("bench: no site file at " + file.toAbsolutePath());
                return ApplianceCommands.EXIT_INVALID_SITE;
            }
            Site s = ApplianceCommands.loadOrReport(file, spec.commandLine().getErr());
            if (s == null) {
                return ApplianceCommands.EXIT_INVALID_SITE;
            }
            Path dataDir = data != null ? data : home().resolve("run/bench");
            io.headroom.hil.scenario.Scenario played = null;
            if (scenario != null) {
                try {
                    played = io.headroom.hil.scenario.Scenario.load(scenario, s);
                } catch (io.headroom.hil.scenario.Scenario.InvalidScenario e) {
                    spec.commandLine().getErr().println("bench: " + e.getMessage());
                    return ExitCodes.COULD_NOT_RUN;
                } catch (java.io.IOException e) {
                    spec.commandLine().getErr().println("bench: cannot read the scenario " + scenario + ": " + e.getMessage());
                    return ExitCodes.COULD_NOT_RUN;
                }
                if (data == null) {
                    dataDir = scenarioDataDir(home(), played.name(), java.time.Instant.now());
                }
            }
            if (virtualTime) {
                if (played == null) {
                    spec.commandLine().getErr().println("bench: --virtual-time plays a scenario: give --scenario FILE");
                    return ExitCodes.USAGE;
                }
                // what the virtual-time hall does not run: said, not silently ignored
                java.util.List<String> ignored = new java.util.ArrayList<>();
                if (!"bursty".equals(workload)) {
                    ignored.add("--workload (a scenario's own 'workload: calibrated' is played)");
                }
                if (plantStepMs != VirtualTimeHall.STEP_MS) {
                    ignored.add("--plant-step (the hall steps every " + VirtualTimeHall.STEP_MS + " ms)");
                }
                if (waveformRate != null) {
                    ignored.add("--waveform-rate (no waveform streams)");
                }
                if (openadr.version != null || openadr.vtn != null) {
                    ignored.add("--openadr-version/--vtn (no VEN)");
                }
                if (!ignored.isEmpty()) {
                    spec.commandLine().getErr().println("bench: not with --virtual-time: " + String.join("; ", ignored));
                    return ExitCodes.USAGE;
                }
                return playVirtual(spec.commandLine().getOut(), spec.commandLine().getErr(), seed, s, file, played,
                        dataDir);
            }
            if (played != null && played.openadr()) {
                if (openadr.version != null && (!openadr.version.startsWith("3") || openadr.vtn != null)) {
                    spec.commandLine().getErr().println("bench: scenario " + played.name()
                            + " publishes DR events on the bench VTN: leave out --openadr-version/--vtn");
                    return ApplianceCommands.EXIT_USAGE;
                }
                openadr.version = "3.1";
                openadr.pollInterval = java.time.Duration.ofSeconds(1); // the scenario's events come seconds apart
            }

            if (!"bursty".equals(workload) && !"calibrated".equals(workload)) {
                spec.commandLine().getErr().println("bench: --workload must be bursty or calibrated, got '" + workload + "'");
                return ApplianceCommands.EXIT_USAGE;
            }
            // what the plant is given, checked before anything is started
            double rateHz = Bench.WAVEFORM_RATE_HZ;
            try {
                rateHz = played != null && !Double.isNaN(played.plant().waveformRateHz()) ? played.plant().waveformRateHz()
                        : waveformRate != null ? io.headroom.hil.scenario.Scenario.sampleRate(waveformRate) : rateHz;
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println("bench: --waveform-rate: " + e.getMessage());
                return ApplianceCommands.EXIT_USAGE;
            }
            if (plantStepMs < Bench.MIN_STEP_MS || plantStepMs > Bench.MAX_STEP_MS) {
                spec.commandLine().getErr().printf("bench: --plant-step: %d ms outside %d..%d ms%n", plantStepMs,
                        Bench.MIN_STEP_MS, Bench.MAX_STEP_MS);
                return ApplianceCommands.EXIT_USAGE;
            }

            LocalVtn vtn = null;
            LocalVtn2b vtn2b = null;
            io.headroom.grid.openadr3.Ven3Config ven;
            io.headroom.grid.openadr2b.Ven2bConfig ven2b;
            try {
                openadr.withSiteDefaults(s.openadr());
                if (openadr.enabled() && openadr.vtn == null && "2.0b".equals(openadr.version)) {
                    vtn2b = LocalVtn2b.start(vtnScenario, dataDir.resolve("pki"), java.time.Duration.ofSeconds(5),
                            java.time.Duration.ofSeconds(60));
                    openadr.vtn = java.net.URI.create(vtn2b.baseUrl());
                    openadr.venName = openadr.venName != null ? openadr.venName : "headroom-bench";
                    openadr.tlsCert = vtn2b.ven().cert();
                    openadr.tlsKey = vtn2b.ven().key();
                    openadr.tlsCa = vtn2b.ven().ca();
                    spec.commandLine().getOut().printf("Bench VTN (OpenADR 2.0b, mutual TLS) on %s; bench PKI in %s%n",
                            vtn2b.baseUrl(), dataDir.resolve("pki"));
                } else if (openadr.enabled() && openadr.vtn == null) {
                    vtn = LocalVtn.start(vtnScenario);
                    openadr.vtn = java.net.URI.create(vtn.baseUrl());
                    openadr.clientId = openadr.clientId != null ? openadr.clientId : LocalVtn.VEN_CLIENT;
                    openadr.clientSecret = openadr.clientSecret != null ? openadr.clientSecret : LocalVtn.VEN_SECRET;
                    openadr.venName = openadr.venName != null ? openadr.venName : "headroom-bench";
                    openadr.insecureHttp = true; // the bench's own VTN, plain HTTP on loopback: said explicitly
                    spec.commandLine().getOut().printf("Bench VTN (OpenADR 3.1) on %s; operator client %s / %s%n",
                            vtn.baseUrl(), LocalVtn.OPERATOR_CLIENT, LocalVtn.OPERATOR_SECRET);
                }
                if (openadr.enabled() && openadr.venName == null) {
                    openadr.venName = "headroom-bench"; // a utility's VTN given with --vtn: the bench's VEN needs no name flag
                }
                ven = openadr.ven3(dataDir);
                ven2b = openadr.ven2b(dataDir);
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println("bench: " + e.getMessage());
                if (vtn != null) {
                    vtn.close();
                }
                if (vtn2b != null) {
                    vtn2b.close();
                }
                return ApplianceCommands.EXIT_USAGE;
            }
            Bench.Options benchOptions = new Bench.Options(httpHost, httpPort, ephemeral, seed, dataDir,
                    new io.headroom.appliance.Appliance.Options(httpHost, httpPort, dataDir, null, ven).withVen2b(ven2b),
                    rateHz, plantStepMs).withUdpWaveforms(udpWaveforms);
            if (played != null && played.impairsNetwork()) {
                benchOptions = benchOptions.withNetworkRelay(); // agents on 127.0.0.2 behind the bench's faulty network
            }
            Bench bench;
            try {
                bench = Bench.start(s, benchOptions);
            } catch (RuntimeException e) {
                spec.commandLine().getErr().println("bench: could not start: " + e);
                if (vtn != null) {
                    vtn.close();
                }
                if (vtn2b != null) {
                    vtn2b.close();
                }
                return ExitCodes.COULD_NOT_RUN;
            }
            spec.commandLine().getOut().printf("Headroom bench: site %s, dashboard http://%s:%d/ , API http://%s:%d/api/v1/site , journal %s%n",
                    s.name(), httpHost, bench.appliance().httpPort(), httpHost, bench.appliance().httpPort(), dataDir);
            if (played == null) {
                spec.commandLine().getOut().println(durationS > 0
                        ? "Stops after " + durationS + " s, or with Ctrl-C."
                        : "Stop it with Ctrl-C.");
            }
            spec.commandLine().getOut().flush();
            CountDownLatch stop = new CountDownLatch(1);
            LocalVtn startedVtn = vtn;
            LocalVtn2b startedVtn2b = vtn2b;
            Thread hook = new Thread(() -> {
                bench.close();
                if (startedVtn != null) {
                    startedVtn.close();
                }
                if (startedVtn2b != null) {
                    startedVtn2b.close();
                }
                stop.countDown();
            }, "shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            if ("calibrated".equals(workload)) {
                bench.plant().useCalibratedWorkload(seed);
            }
            if (played != null) {
                io.headroom.hil.scenario.Scenario sc = played;
                spec.commandLine().getOut().printf("scenario %s: %.0f s, %d events; watch it on the dashboard%n",
                        played.name(), played.durationS(), played.events().size());
                spec.commandLine().getOut().flush();
                int rc;
                try {
                    if (sc.openadr()) {
                        io.headroom.hil.scenario.ScenarioBench.createProgram(startedVtn);
                    }
                    java.util.List<java.util.List<String>> restored = io.headroom.hil.scenario.ScenarioProvenance.restored(
                            "http://" + httpHost + ":" + bench.appliance().httpPort());
                    io.headroom.hil.scenario.ScenarioProvenance provenance = new io.headroom.hil.scenario.ScenarioProvenance(
                            seed, io.headroom.hil.scenario.ScenarioProvenance.commit(home()), file.toAbsolutePath().normalize().toString(),
                            io.headroom.hil.scenario.ScenarioProvenance.sha256(file), dataDir.toAbsolutePath().normalize().toString(),
                            restored.get(0), restored.get(1));
                    if (!restored.get(0).isEmpty() || !restored.get(1).isEmpty()) {
                        spec.commandLine().getErr().printf("scenario %s: restored from the journal in %s: overrides %s, "
                                + "feeds in maintenance %s (the report records them)%n", sc.name(), dataDir,
                                restored.get(0), restored.get(1));
                    }
                    io.headroom.hil.scenario.ScenarioRunner.Result r = io.headroom.hil.scenario.ScenarioRunner.run(bench, played,
                            sc.openadr() ? startedVtn : null);
                    Path dir = dataDir.resolve("reports").resolve(played.name() + "-"
                            + r.started().toString().replace(":", "").replaceAll("\\..*", ""));
                    Path html = io.headroom.hil.scenario.ScenarioReport.write(r, s, dir, provenance);
                    java.io.PrintWriter out = spec.commandLine().getOut();
                    r.figures().forEach((k, v) -> out.printf(java.util.Locale.ROOT, "scenario.%s.%s %s %s%n", sc.name(), k,
                            io.headroom.hil.scenario.ScenarioReport.fmtPlain(v), r.units().get(k)));
                    r.failures().forEach(f -> out.println("scenario " + sc.name() + ": NOT HELD: " + f));
                    out.printf("scenario %s %s; report %s%n", played.name(), r.passed() ? "PASSED" : "FAILED", html);
                    out.flush();
                    spec.commandLine().getErr().println("scenario " + sc.name() + ": "
                            + io.headroom.hil.scenario.ScenarioRunner.REAL_TIME_NOTE);
                    spec.commandLine().getErr().flush();
                    rc = r.passed() ? ExitCodes.OK : ExitCodes.FAILED;
                } finally {
                    Runtime.getRuntime().removeShutdownHook(hook);
                    hook.run();
                }
                return rc;
            }
            if (durationS > 0) {
                if (!stop.await(durationS, java.util.concurrent.TimeUnit.SECONDS)) {
                    Runtime.getRuntime().removeShutdownHook(hook);
                    hook.run();
                }
            } else {
                stop.await();
            }
            return 0;
        }
    }

    /**
     * Plays {@code sc} in virtual time ({@code ScenarioRunner.runVirtual}) and prints its figures as a real-time run
     * does; its report and journal go under {@code dataDir}.
     */
    static int playVirtual(java.io.PrintWriter out, java.io.PrintWriter err, long seed, Site s, Path file,
                           io.headroom.hil.scenario.Scenario sc, Path dataDir) throws Exception {
        java.util.List<String> not = io.headroom.hil.scenario.ScenarioRunner.notInVirtualTime(sc);
        if (!not.isEmpty()) {
            err.println("bench: scenario " + sc.name() + " cannot run in virtual time: " + String.join("; ", not)
                    + " need the real bench (leave out --virtual-time)");
            return ExitCodes.USAGE;
        }
        out.printf("scenario %s in virtual time: %.0f s, %d events, seed %d; journal and report in %s%n", sc.name(),
                sc.durationS(), sc.events().size(), seed, dataDir);
        out.flush();
        io.headroom.hil.scenario.ScenarioRunner.Result r;
        try {
            r = io.headroom.hil.scenario.ScenarioRunner.runVirtual(s, sc, seed, dataDir);
        } catch (RuntimeException e) {
            err.println("bench: scenario " + sc.name() + " could not run in virtual time: " + e);
            return ExitCodes.COULD_NOT_RUN;
        }
        io.headroom.hil.scenario.ScenarioProvenance provenance = new io.headroom.hil.scenario.ScenarioProvenance(
                seed, io.headroom.hil.scenario.ScenarioProvenance.commit(home()), file.toAbsolutePath().normalize().toString(),
                io.headroom.hil.scenario.ScenarioProvenance.sha256(file), dataDir.toAbsolutePath().normalize().toString(),
                java.util.List.of(), java.util.List.of());
        Path dir = dataDir.resolve("reports").resolve(sc.name() + "-virtual-seed" + seed);
        Path html = io.headroom.hil.scenario.ScenarioReport.write(r, s, dir, provenance);
        r.figures().forEach((k, v) -> out.printf(java.util.Locale.ROOT, "scenario.%s.%s %s %s%n", sc.name(), k,
                io.headroom.hil.scenario.ScenarioReport.fmtPlain(v), r.units().get(k)));
        r.failures().forEach(f -> out.println("scenario " + sc.name() + ": NOT HELD: " + f));
        out.printf("scenario %s %s (virtual time); report %s%n", sc.name(), r.passed() ? "PASSED" : "FAILED", html);
        out.flush();
        return r.passed() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    /**
     * A scenario's own data folder, {@code run/scenarios/NAME-yyyyMMdd'T'HHmmss'Z'} under {@code home} (a suffix if that
     * exists): nothing the interactive bench journaled in run/bench (an override, maintenance) is restored into it.
     */
    static Path scenarioDataDir(Path home, String name, java.time.Instant now) {
        String stamp = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", java.util.Locale.ROOT)
                .withZone(java.time.ZoneOffset.UTC).format(now);
        Path base = home.resolve("run/scenarios");
        Path dir = base.resolve(name + "-" + stamp);
        for (int i = 2; Files.exists(dir); i++) {
            dir = base.resolve(name + "-" + stamp + "-" + i);
        }
        return dir;
    }

    @Command(name = "perf", mixinStandardHelpOptions = true,
            description = "Run benchmarks; each prints NAME.FIGURE VALUE UNIT lines and ends with NAME done.")
    static final class Perf implements Callable<Integer> {
        @Parameters(arity = "0..1", paramLabel = "NAME", description = "one benchmark (default: all)")
        String name;

        @CommandLine.Unmatched
        java.util.List<String> options = new java.util.ArrayList<>();

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            java.io.PrintWriter out = spec.commandLine().getOut();
            int rc = Benchmarks.run(name, options, out, spec.commandLine().getErr());
            out.flush();
            return rc;
        }
    }

    @Command(name = "study", mixinStandardHelpOptions = true,
            description = "Capacity study in virtual time: the most GPU nodes the hall hosts with zero trips across every "
                    + "single-feed-loss drill, with Headroom and with each baseline (nameplate N-1, a fixed cap, measured "
                    + "peak), over several seeds with 95 %% intervals; NAME.FIGURE VALUE UNIT lines.")
    static final class Study implements Callable<Integer> {
        @Option(names = "--site", paramLabel = "FILE", description = "site file (default: sites/example-4feed.yaml)")
        Path site;

        @Option(names = "--seed", paramLabel = "SEED", defaultValue = "42", description = "workload and drill seed (default ${DEFAULT-VALUE}); "
                + "with --seeds N, the first of N consecutive seeds")
        long seed;

        @Option(names = "--seeds", paramLabel = "N", defaultValue = "10",
                description = "seeds, each a whole study; every ratio as the mean with its 95 %% interval "
                        + "(default ${DEFAULT-VALUE}; 1: one seed's full figures and table)")
        int seeds;

        @Option(names = "--threads", paramLabel = "N", description = "seeds run in parallel (default: the processors)")
        Integer threads;

        @Option(names = "--probes", paramLabel = "N", defaultValue = "2",
                description = "counts evaluated above each seed's answer to check the search is monotone (default ${DEFAULT-VALUE})")
        int probes;

        @Option(names = "--drills", defaultValue = "3", paramLabel = "N",
                description = "random loss times per feed per configuration (default ${DEFAULT-VALUE})")
        int drills;

        @Option(names = "--fast-path", defaultValue = "5", paramLabel = "MS",
                description = "feed loss to armed caps enforced at the agents (default ${DEFAULT-VALUE} ms)")
        int fastPathMs;

        @Option(names = "--normal", defaultValue = "300", paramLabel = "S",
                description = "virtual seconds of normal operation counted for compute lost (default ${DEFAULT-VALUE})")
        double normalS;

        @Option(names = "--telemetry-window", defaultValue = "1000", paramLabel = "MS",
                description = "the agents' GPU power reading averages this long (NVML on Hopper: 1000; default ${DEFAULT-VALUE})")
        int telemetryWindowMs;

        @Option(names = "--max-flexible-loss", defaultValue = "2", paramLabel = "PCT", description = "default ${DEFAULT-VALUE} %%")
        double maxFlexible;

        @Option(names = "--max-standard-loss", defaultValue = "2", paramLabel = "PCT", description = "default ${DEFAULT-VALUE} %%")
        double maxStandard;

        @Option(names = "--max-critical-loss", defaultValue = "0.05", paramLabel = "PCT", description = "default ${DEFAULT-VALUE} %%")
        double maxCritical;

        @Option(names = "--no-ups", description = "no UPS module in the power path (default: a typical module behind each feed, "
                + "125 %% for 600 s, 150 %% for 30 s, bypass after 200 ms above 150 %%)")
        boolean noUps;

        @Option(names = "--json", description = "print the result as one JSON object instead (indented on a terminal)")
        boolean json;

        @Option(names = "--compare-allocation", negatable = true, defaultValue = "true",
                description = "also run demand-aware allocation at the class-fair count and search its own count "
                        + "(study.compute_lost_pct.*, study.unlock_ratio.demand_aware); default on, not with --json")
        boolean compareAllocation;

        @Option(names = "--slow-cap-latency", defaultValue = "2000", paramLabel = "MS",
                description = "slow_capping baseline: command to enforcement through the BMC (default ${DEFAULT-VALUE} ms)")
        int slowCapLatencyMs;

        @Option(names = "--report", paramLabel = "DIR",
                description = "also write DIR/study-report.html: the baselines with intervals, per-seed figures, the "
                        + "monotonicity probes and how it was run, in one self-contained file")
        Path report;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        /** The study's JSON object with the controller baselines ({@code ControlBaselines.json}) as one more member. */
        static String withControlBaselines(String studyJson,
                                           java.util.List<io.headroom.hil.study.ControlBaselines.Result> xs) {
            return studyJson.substring(0, studyJson.lastIndexOf('}')) + ",\"controlBaselines\":"
                    + io.headroom.hil.study.ControlBaselines.json(xs) + "}";
        }

        @Override
        public Integer call() {
            java.io.PrintWriter out = spec.commandLine().getOut();
            java.io.PrintWriter err = spec.commandLine().getErr();
            Path file = site != null ? site : home().resolve("sites/example-4feed.yaml");
            if (!Files.exists(file)) {
                err.println("study: no site file at " + file.toAbsolutePath());
                return ApplianceCommands.EXIT_INVALID_SITE;
            }
            Site s = ApplianceCommands.loadOrReport(file, err);
            if (s == null) {
                return ApplianceCommands.EXIT_INVALID_SITE;
            }
            int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
            if (drills < 1 || fastPathMs < 0 || normalS <= 0 || telemetryWindowMs < 10 || seeds < 1 || nThreads < 1
                    || probes < 0 || slowCapLatencyMs < 1) {
                err.println("study: --drills, --seeds, --threads and --slow-cap-latency must be ≥ 1, --fast-path and --probes "
                        + "≥ 0, --normal > 0 and --telemetry-window ≥ 10");
                return ApplianceCommands.EXIT_USAGE;
            }
            io.headroom.hil.study.StudyParams p = io.headroom.hil.study.StudyParams.defaults().withDrills(drills)
                    .withFastPathMs(fastPathMs).withNormalS(normalS).withTelemetryWindowMs(telemetryWindowMs)
                    .withLossBudgets(maxFlexible, maxStandard, maxCritical)
                    .withUps(noUps ? io.headroom.hil.study.UpsModel.none() : io.headroom.hil.study.UpsModel.typical());
            java.util.List<io.headroom.hil.study.CapacityStudy.Result> rs;
            java.util.List<io.headroom.hil.study.ControlBaselines.Result> xs;
            try (Progress progress = Progress.start(err, "study", 0)) { // progress on stderr: stdout stays the figures
                java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
                rs = io.headroom.hil.study.StudySeries.run(s, p, seed, seeds, nThreads, probes, (sd, e, r) -> {
                    if (e != null) {
                        progress.note(String.format(java.util.Locale.ROOT, "%s%d nodes %s: %s",
                                seeds > 1 ? "seed " + sd + ": " : "", e.nodes(),
                                e.headroom() ? "with Headroom" : "without the appliance",
                                e.passed() ? "passed" : e.safe() ? "zero trips, over the compute budget" : "trips"));
                    } else {
                        progress.note(String.format(java.util.Locale.ROOT,
                                "seed %d done (%d of %d): Headroom %d nodes, nameplate %d, fixed_cap %d, measured_peak %d",
                                sd, done.incrementAndGet(), seeds, r.headroomNodes(), r.staticNodes(), r.fixedCapNodes(),
                                r.measuredPeakNodes()));
                    }
                });
                xs = io.headroom.hil.study.ControlBaselines.run(s, p, rs, nThreads, slowCapLatencyMs, (sd, e) -> progress.note(String.format(
                        java.util.Locale.ROOT, "%sslow_capping %d nodes: %s", seeds > 1 ? "seed " + sd + ": " : "",
                        e.nodes(), e.passed() ? "passed" : e.safe() ? "zero trips, over the compute budget" : "trips")));
            }
            java.util.List<io.headroom.hil.study.AllocationComparison> compared = new java.util.ArrayList<>();
            if (compareAllocation && !json) {
                try (Progress progress = Progress.start(err, "study (demand-aware allocation)", 0)) {
                    compared.addAll(io.headroom.hil.study.AllocationComparison.ofAll(s, rs, nThreads,
                            r -> progress.note("seed " + r.seed() + ": demand-aware compared")));
                }
                io.headroom.hil.study.AllocationComparison.print(compared, out);
            }
            if (seeds == 1) {
                io.headroom.hil.study.CapacityStudy.Result r = rs.getFirst();
                if (json) {
                    out.println(io.headroom.appliance.cli.Json.forOutput(withControlBaselines(
                            io.headroom.hil.study.CapacityStudy.json(r), xs), io.headroom.appliance.cli.Json.terminal()));
                } else {
                    io.headroom.hil.study.ControlBaselines.printFigures(xs, out);
                    io.headroom.hil.study.PerformanceCurves.printFigures(rs, out);
                    io.headroom.hil.study.CapacityStudy.printFigures(r, out);
                    io.headroom.hil.study.CapacityStudy.printSummary(r, out);
                    io.headroom.hil.study.ControlBaselines.printTable(xs, out);
                }
            } else if (json) {
                out.println(io.headroom.appliance.cli.Json.forOutput(withControlBaselines(
                        io.headroom.hil.study.StudySeries.json(rs), xs), io.headroom.appliance.cli.Json.terminal()));
            } else {
                io.headroom.hil.study.ControlBaselines.printFigures(xs, out);
                io.headroom.hil.study.PerformanceCurves.printFigures(rs, out);
                io.headroom.hil.study.StudySeries.printFigures(rs, out);
                io.headroom.hil.study.StudySeries.printTable(rs, out);
                io.headroom.hil.study.ControlBaselines.printTable(xs, out);
            }
            out.flush();
            if (report != null) {
                String command = "./headroom " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
                try {
                    Path written = io.headroom.hil.study.StudyReport.write(report, command.strip(), rs, xs);
                    err.println("study: report written to " + written);
                } catch (java.io.IOException e) {
                    err.println("study: cannot write the report in " + report + ": " + e.getMessage());
                    return ExitCodes.COULD_NOT_RUN;
                }
            }
            return 0;
        }
    }
}
