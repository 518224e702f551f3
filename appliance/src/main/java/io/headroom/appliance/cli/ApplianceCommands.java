package io.headroom.appliance.cli;

import io.headroom.common.cli.ExitCodes;

import io.headroom.appliance.Appliance;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteError;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.appliance.site.SiteValidationException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** The appliance's own subcommands: {@code run} and {@code check-site}. */
public final class ApplianceCommands {

    private ApplianceCommands() {
    }

    /** Exit code for a site file that does not validate ({@link ExitCodes#USAGE}: invalid input). */
    public static final int EXIT_INVALID_SITE = ExitCodes.USAGE;
    /** Exit code for options that cannot be used together or lack a value ({@link ExitCodes#USAGE}). */
    public static final int EXIT_USAGE = ExitCodes.USAGE;

    /** Loads a site, printing every error to {@code err}; null if it does not load. */
    public static Site loadOrReport(Path file, PrintWriter err) {
        try {
            return SiteLoader.load(file);
        } catch (SiteValidationException e) {
            err.printf("%s: %d error%s%n", file, e.errors().size(), e.errors().size() == 1 ? "" : "s");
            for (SiteError x : e.errors()) {
                err.println("  " + x);
            }
            return null;
        } catch (IOException e) {
            err.printf("%s: cannot read: %s%n", file, e.getMessage());
            return null;
        }
    }

    /**
     * Why these API options cannot be used, or null. Anonymous reads are served on the loopback only, unless
     * {@code anonymousReads} says so in as many words: an appliance on a management network reads out the whole
     * plant (and its journal) to anyone who can reach it otherwise. HTTPS needs both the certificate and its key,
     * readable.
     */
    public static String apiAccessProblem(String host, boolean requireToken, boolean anonymousReads, Path cert, Path key) {
        if (requireToken && anonymousReads) {
            return "--api-require-token and --api-anonymous-reads contradict each other";
        }
        if (!requireToken && !anonymousReads && !loopback(host)) {
            return "the API would serve reads without a token on " + host + ", beyond the loopback: add --api-require-token"
                    + " (and give the dashboard's users viewer tokens: ./headroom token add NAME --role viewer), or"
                    + " --api-anonymous-reads if that network is yours alone";
        }
        if ((cert == null) != (key == null)) {
            return "--https-cert and --https-key go together";
        }
        for (Path p : cert == null ? new Path[0] : new Path[]{cert, key}) {
            if (!java.nio.file.Files.isReadable(p)) {
                return (p == cert ? "--https-cert " : "--https-key ") + p + ": cannot read it";
            }
        }
        return null;
    }

    static boolean loopback(String host) {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    @Command(name = "token", mixinStandardHelpOptions = true,
            description = "Manage the API's bearer tokens.", subcommands = Token.Add.class)
    public static final class Token implements Runnable {
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }

        @Command(name = "add", mixinStandardHelpOptions = true,
                description = "Make a token, append its SHA-256 to the token file and print the token (shown once).")
        public static final class Add implements Callable<Integer> {
            @Parameters(paramLabel = "NAME", description = "who holds it (the journal's actor for its writes)")
            String name;

            @Option(names = "--role", required = true, paramLabel = "ROLE", description = "viewer or operator")
            String role;

            @Option(names = "--file", paramLabel = "FILE", description = "the token file (default DATA/api-tokens)")
            Path file;

            @Option(names = "--data", defaultValue = "data", paramLabel = "DIR",
                    description = "the appliance's data folder (default ${DEFAULT-VALUE})")
            Path data;

            @Spec
            CommandSpec spec;

            @Override
            public Integer call() {
                Path f = file != null ? file : data.resolve("api-tokens");
                try {
                    String token = io.headroom.appliance.operator.ApiTokens.add(f, name,
                            io.headroom.appliance.operator.ApiTokens.Role.parse(role));
                    spec.commandLine().getOut().println(token);
                    spec.commandLine().getErr().printf("token for %s (%s) added to %s; it is not stored anywhere else%n",
                            name, role, f);
                    return 0;
                } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
                    spec.commandLine().getErr().println("token add: " + e.getMessage());
                    return EXIT_USAGE;
                }
            }
        }
    }

    @Command(name = "check-site", mixinStandardHelpOptions = true,
            description = "Validate a site file (every error, with line numbers) and print its N-1 plan.")
    public static final class CheckSite implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "the site file (YAML)")
        Path file;

        @Spec
        CommandSpec spec;

        @Option(names = "--missing-ok", description = "a site file that does not exist is no error: the appliance"
                + " (run --unconfigured-example) then runs unconfigured, controlling nothing; say so and exit 0")
        boolean missingOk;

        @Override
        public Integer call() {
            if (missingOk && !java.nio.file.Files.exists(file)) {
                spec.commandLine().getErr().println("check-site: no site file at " + file
                        + ": the appliance will run unconfigured (it controls nothing until there is one)");
                return 0;
            }
            Site site = loadOrReport(file, spec.commandLine().getErr());
            if (site == null) {
                return EXIT_INVALID_SITE;
            }
            spec.commandLine().getOut().print(PlanReport.render(site));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Run the appliance alone against the meters and agents named in the site file.")
    public static final class Run implements Callable<Integer> {
        @Option(names = "--site", required = true, paramLabel = "FILE", description = "the site file (YAML)")
        Path site;

        @Option(names = "--http-host", paramLabel = "HOST", defaultValue = "127.0.0.1", description = "API/dashboard address (default ${DEFAULT-VALUE})")
        String httpHost;

        @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "8080", description = "API/dashboard port (default ${DEFAULT-VALUE})")
        int httpPort;

        @Option(names = "--data", defaultValue = "data", paramLabel = "DIR",
                description = "where the journal and the VEN's state live (default ${DEFAULT-VALUE})")
        Path data;

        @picocli.CommandLine.Mixin
        OpenAdrOptions openadr = new OpenAdrOptions();

        @Option(names = "--api-tokens", paramLabel = "FILE",
                description = "the API's bearer tokens (NAME ROLE sha256:HEX lines; default DATA/api-tokens)")
        Path apiTokens;

        @Option(names = "--api-require-token", description = "reads need a viewer or operator token too (writes always need an operator's)")
        boolean apiRequireToken;

        @Option(names = "--api-anonymous-reads", description = "serve reads without a token on an address beyond the "
                + "loopback (refused without this flag: anyone on that network could read the plant)")
        boolean apiAnonymousReads;

        @Option(names = "--unconfigured-example", paramLabel = "FILE",
                description = "when the --site file does not exist, run unconfigured instead of failing: control"
                        + " nothing, answer health and the API with 503 'unconfigured' and the dashboard with a page"
                        + " saying so, naming FILE as the example to start from (the package's service does this)")
        Path unconfiguredExample;

        /** No site file: serve the unconfigured appliance until stopped. */
        private Integer unconfigured() throws InterruptedException {
            io.headroom.appliance.api.UnconfiguredServer server;
            try {
                server = io.headroom.appliance.api.UnconfiguredServer.start(httpHost, httpPort,
                        httpsCert == null ? null : new io.headroom.appliance.api.ApiServer.Tls(httpsCert, httpsKey),
                        site, unconfiguredExample.toString());
            } catch (RuntimeException e) {
                spec.commandLine().getErr().println("run: " + e.getMessage());
                return ExitCodes.COULD_NOT_RUN;
            }
            org.slf4j.LoggerFactory.getLogger(ApplianceCommands.class).warn("appliance up, UNCONFIGURED: {}; API on {}:{}",
                    io.headroom.appliance.api.UnconfiguredServer.reason(site, unconfiguredExample.toString()),
                    httpHost, server.port());
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                stopped.countDown();
            }, "shutdown"));
            stopped.await();
            return 0;
        }

        @Option(names = "--https-cert", paramLabel = "FILE", description = "serve the API over HTTPS with this PEM certificate (chain)")
        Path httpsCert;

        @Option(names = "--https-key", paramLabel = "FILE", description = "the PEM private key of --https-cert")
        Path httpsKey;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            if (unconfiguredExample != null && !java.nio.file.Files.exists(site)) {
                return unconfigured();
            }
            Site s = loadOrReport(site, spec.commandLine().getErr());
            if (s == null) {
                return EXIT_INVALID_SITE;
            }
            Appliance.Options options;
            try {
                String access = apiAccessProblem(httpHost, apiRequireToken, apiAnonymousReads, httpsCert, httpsKey);
                if (access != null) {
                    throw new IllegalArgumentException(access);
                }
                openadr.withSiteDefaults(s.openadr());
                options = new Appliance.Options(httpHost, httpPort, data, null, openadr.ven3(data))
                        .withVen2b(openadr.ven2b(data))
                        .withApi(new Appliance.ApiAccess(apiTokens, apiRequireToken,
                                httpsCert == null ? null : new io.headroom.appliance.api.ApiServer.Tls(httpsCert, httpsKey)));
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println("run: " + e.getMessage());
                return EXIT_USAGE;
            }
            Appliance appliance;
            try {
                appliance = Appliance.start(s, options);
            } catch (RuntimeException e) {
                // a stream that cannot be opened (no interface, no CAP_NET_RAW), a port in use…: no fast path is no start
                spec.commandLine().getErr().println("run: the appliance did not start: " + e.getMessage());
                return ExitCodes.COULD_NOT_RUN;
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                appliance.close();
                stopped.countDown();
            }, "shutdown"));
            stopped.await();
            return 0;
        }
    }
}
