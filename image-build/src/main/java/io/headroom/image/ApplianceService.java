package io.headroom.image;

import io.headroom.common.SdNotify;
import io.headroom.common.DaemonThreads;
import io.headroom.appliance.cli.ApplianceCommands;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged appliance's entry point ({@code /usr/bin/headroom-appliance}):
 * <ul>
 *   <li>{@code headroom-appliance service [run options]}: the appliance's own {@code run} as a systemd
 *   {@code Type=notify} service. {@code READY=1} once {@code GET /api/v1/health} answers 200; then a
 *   {@link Watchdog} kicked only while the health endpoint answers 200 and its regulation {@code tick} advances:
 *   a supervised loop stalled or stopped (the endpoint's 503 {@code failed}, its reasons in {@code STATUS=}), a hung
 *   regulation or a dead API stops the kicks and systemd restarts the service; {@code STOPPING=1} on shutdown.</li>
 *   <li>anything else is handed to the appliance's own commands ({@code run}, {@code check-site}).</li>
 * </ul>
 * The service watches the appliance through its API rather than its Java objects so that it keeps working
 * while the appliance's internals change; wiring {@link SdNotify} into the regulation loop itself is the
 * next step (see the module README).
 */
public final class ApplianceService {

    private static final Pattern TICK = Pattern.compile("\"tick\"\\s*:\\s*(-?\\d+)");

    private ApplianceService() {
    }

    @CommandLine.Command(name = "headroom-appliance", mixinStandardHelpOptions = true, version = "Headroom appliance 0.1.0",
            description = "Headroom appliance. `service [run options]` runs it under systemd (Type=notify, WatchdogSec=).",
            subcommands = {ApplianceCommands.Run.class, ApplianceCommands.CheckSite.class,
                    io.headroom.appliance.cli.ProbeCommands.class})
    static final class Commands implements Runnable {
        @Override
        public void run() {
            new CommandLine(this).usage(System.out);
        }
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && args[0].equals("service")) {
            System.exit(service(Arrays.copyOfRange(args, 1, args.length)));
        }
        System.exit(io.headroom.common.cli.OptionSuggester.install(new CommandLine(new Commands())).execute(args));
    }

    /** {@code run} with systemd notifications; returns the exit code when the appliance stops by itself. */
    static int service(String[] runArgs) throws InterruptedException {
        CommandLine run = new CommandLine(new ApplianceCommands.Run());
        ParseResult parsed;
        try {
            parsed = run.parseArgs(runArgs);
        } catch (CommandLine.ParameterException e) {
            System.err.println("service: " + e.getMessage());
            return 64;
        }
        String host = parsed.matchedOptionValue("--http-host", "127.0.0.1");
        int port = parsed.matchedOptionValue("--http-port", 8080);
        java.nio.file.Path cert = parsed.matchedOptionValue("--https-cert", (java.nio.file.Path) null);
        URI health = URI.create((cert == null ? "http://" : "https://")
                + (host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host) + ":" + port + "/api/v1/health");
        javax.net.ssl.SSLSocketFactory pinned;
        try {
            pinned = cert == null ? null : pinnedTo(cert);
        } catch (IOException | java.security.GeneralSecurityException e) {
            System.err.println("service: --https-cert " + cert + ": " + e.getMessage());
            return 64;
        }

        java.nio.file.Path site = parsed.matchedOptionValue("--site", (java.nio.file.Path) null);
        // No site file and --unconfigured-example: the appliance runs unconfigured (controls nothing, says so). Ready and
        // kicked while its API answers "unconfigured": restarting it would not configure it.
        boolean unconfigured = parsed.hasMatchedOption("--unconfigured-example") && site != null
                && !java.nio.file.Files.exists(site);
        SdNotify notify = SdNotify.fromEnvironment();
        int[] exit = {0};
        Thread appliance = Thread.ofPlatform().name("appliance").start(() -> exit[0] = run.execute(runArgs));

        ScheduledExecutorService timer = DaemonThreads.scheduler("sd-notify");
        Watchdog watchdog = Watchdog.fromEnvironment(notify, () -> health(health, pinned));
        boolean[] ready = {false};
        Runnable check = () -> {
            try {
                if (unconfigured) {
                    Health h = health(health, pinned);
                    if (h.unconfigured() && !ready[0]) {
                        ready[0] = true;
                        notify.send("READY=1\nSTATUS=UNCONFIGURED, controls nothing: " + h.why());
                    } else if (h.unconfigured() && watchdog != null) {
                        notify.send("WATCHDOG=1\nSTATUS=UNCONFIGURED, controls nothing: " + h.why());
                    } else if (ready[0] && !h.unconfigured()) {
                        notify.send("STATUS=" + h.why() + "; watchdog not kicked");
                    }
                    return;
                }
                if (!ready[0]) {
                    if (health(health, pinned).tick() >= 0) {
                        ready[0] = true;
                        notify.send("READY=1\nSTATUS=healthy; API on " + health.getHost() + ":" + port);
                    }
                } else if (watchdog != null) {
                    watchdog.check();
                }
            } catch (RuntimeException e) {
                System.err.println("sd-notify: " + e.getMessage());
            }
        };
        long periodMs = watchdog == null ? 500 : Math.clamp(watchdog.period().toMillis(), 100, 30_000);
        // Readiness is polled quickly (every 200 ms) until it is reached, then at the watchdog's period.
        timer.scheduleWithFixedDelay(new Runnable() {
            private long last;

            @Override
            public void run() {
                long now = System.nanoTime();
                if (!ready[0] || now - last >= Duration.ofMillis(periodMs).toNanos() - 1_000_000) {
                    last = now;
                    check.run();
                }
            }
        }, 200, 200, TimeUnit.MILLISECONDS);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            timer.shutdownNow();
            try {
                notify.send("STOPPING=1");
            } catch (RuntimeException e) {
                System.err.println("sd-notify: " + e.getMessage());
            }
        }, "sd-notify-stop"));
        appliance.join();
        timer.shutdownNow();
        return exit[0];
    }

    /** The regulation tick from the health endpoint; -1 while it is not healthy (not up, 503, no tick). */
    static long tick(URI health) {
        return health(health).tick();
    }

    /**
     * What the health endpoint says: the tick (-1 unless it answered 200 with one) and, when it is not healthy, why
     * (the failed loops' reasons from a 503, or that it does not answer).
     */
    record Health(long tick, String why, boolean unconfigured) {
        Health(long tick, String why) {
            this(tick, why, false);
        }
    }

    static Health health(URI health) {
        return health(health, null);
    }

    /**
     * The same over HTTPS when {@code pinned} is not null: the appliance's own certificate is the only one trusted, so
     * the host name in it need not be the loopback address the probe connects to.
     */
    static Health health(URI health, javax.net.ssl.SSLSocketFactory pinned) {
        try {
            HttpURLConnection c = (HttpURLConnection) health.toURL().openConnection();
            if (pinned != null && c instanceof javax.net.ssl.HttpsURLConnection https) {
                https.setSSLSocketFactory(pinned);
                https.setHostnameVerifier((name, session) -> true); // the certificate itself is pinned
            }
            c.setConnectTimeout(1000);
            c.setReadTimeout(1000);
            try {
                int code = c.getResponseCode();
                InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream();
                String body = in == null ? "" : new String(in.readNBytes(16384), StandardCharsets.UTF_8);
                if (in != null) {
                    in.close();
                }
                if (code == 503 && body.contains("\"status\":\"unconfigured\"")) {
                    return new Health(-1, parseReasons(body), true);
                }
                if (code != 200) {
                    String reasons = parseReasons(body);
                    return new Health(-1, "health " + code + (reasons.isEmpty() ? "" : ": " + reasons));
                }
                long t = parseTick(body);
                return new Health(t, t < 0 ? "health answered without a tick" : null);
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return new Health(-1, "health endpoint not answering (" + e.getMessage() + ")");
        }
    }

    /** TLS that trusts exactly the certificates in {@code pem} (the API's own, from {@code --https-cert}). */
    static javax.net.ssl.SSLSocketFactory pinnedTo(java.nio.file.Path pem)
            throws IOException, java.security.GeneralSecurityException {
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = java.nio.file.Files.newInputStream(pem)) {
            int i = 0;
            for (java.security.cert.Certificate c : java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificates(in)) {
                trust.setCertificateEntry("api-" + i++, c);
            }
            if (i == 0) {
                throw new java.security.cert.CertificateException("no certificate in the file");
            }
        }
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory
                .getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx.getSocketFactory();
    }

    private static final Pattern REASONS = Pattern.compile("\"reasons\"\\s*:\\s*\\[(.*?)\\]", Pattern.DOTALL);
    private static final Pattern QUOTED = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** The health answer's {@code reasons}, joined with "; " (empty when none). */
    static String parseReasons(String healthJson) {
        Matcher m = REASONS.matcher(healthJson);
        if (!m.find()) {
            return "";
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        Matcher q = QUOTED.matcher(m.group(1));
        while (q.find()) {
            out.add(q.group(1).replace("\\\"", "\""));
        }
        return String.join("; ", out);
    }

    static long parseTick(String healthJson) {
        Matcher m = TICK.matcher(healthJson);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
