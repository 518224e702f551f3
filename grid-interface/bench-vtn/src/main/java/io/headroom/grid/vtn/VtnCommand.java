package io.headroom.grid.vtn;

import io.headroom.grid.openadr2b.OadrTls;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./headroom vtn}: runs a bench VTN until killed, OpenADR 3 ({@link BenchVtn}) or 2.0b ({@link BenchVtn2b}).
 * The one entry point of this module: {@code ./headroom} reaches it as a subcommand, {@link #main} runs it alone.
 */
@Command(name = "vtn", mixinStandardHelpOptions = true, sortOptions = false, version = "Headroom bench VTN 0.1.0",
        description = {"Run a bench VTN (a real OpenADR server for benches and interop tests, never part of the appliance) until killed.",
                "OpenADR 3 (3.1 or 3.0.1; one server answers both path shapes): HTTP, or HTTPS with --tls-cert/--tls-key, an OAuth2 "
                        + "token endpoint, the programs/events/reports/subscriptions/vens/resources endpoints and webhook notifications. "
                        + "2.0b: HTTPS with client certificates (--tls-cert, --tls-key, --tls-ca required), EiRegisterParty, "
                        + "EiEvent, EiReport, OadrPoll.",
                "Both serve their state as JSON at /bench/state."},
        footer = {"", "Examples:",
                "  ./headroom vtn --openadr-version 3.1 --scenario grid-interface/bench-vtn/src/test/resources/scenarios/evening-peak.json",
                "  ./headroom vtn --openadr-version 2.0b --tls-cert vtn.pem --tls-key vtn-key.pem --tls-ca ca.pem --telemetry PT5M"})
public final class VtnCommand implements Callable<Integer> {

    /** The default clients of an OpenADR 3 VTN started without {@code --client}. */
    static final List<String> DEFAULT_CLIENTS = List.of("bl:bl-secret:BL", "ven:ven-secret:VEN");

    @Spec
    CommandSpec spec;

    @Option(names = "--openadr-version", required = true, paramLabel = "VERSION",
            description = "3.1, 3.0.1 or 2.0b")
    String version;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1", description = "address to listen on (default ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", paramLabel = "PORT", description = "port to listen on (default 8081 for OpenADR 3, 8082 for 2.0b; 0: any free one)")
    Integer port;

    @Option(names = "--scenario", paramLabel = "FILE", description = "programs and events to publish at start (JSON; see bench-vtn/README.md)")
    Path scenario;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "the server's certificate chain (OpenADR 3: optional, HTTPS; 2.0b: required)")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "the server's private key (PKCS#8 PEM)")
    Path tlsKey;

    @Option(names = "--token-lifetime", paramLabel = "DURATION", description = "OpenADR 3: lifetime of the access tokens it issues (default PT1H)")
    Duration tokenLifetime;

    @Option(names = "--client", paramLabel = "ID:SECRET:BL|VEN",
            description = "OpenADR 3: an OAuth2 client and its role, repeatable (default: bl:bl-secret:BL and ven:ven-secret:VEN)")
    List<String> clients = new ArrayList<>();

    @Option(names = "--tls-ca", paramLabel = "PEM", description = "2.0b: the CA whose client certificates it accepts (required)")
    Path tlsCa;

    @Option(names = "--poll-freq", paramLabel = "DURATION", description = "2.0b: the oadrRequestedOadrPollFreq it answers at registration (default PT10S)")
    Duration pollFreq;

    @Option(names = "--telemetry", paramLabel = "DURATION", description = "2.0b: request TELEMETRY_USAGE reports at this granularity after registration")
    Duration telemetry;

    @Option(names = "--schemas", paramLabel = "DIR", description = "2.0b: validate every message against oadr_20b.xsd in DIR")
    Path schemas;

    @Option(names = "--allow-rsa", description = "2.0b: also offer TLS_RSA_WITH_AES_128_CBC_SHA256 (through Bouncy Castle JSSE)")
    boolean allowRsa;

    @Option(names = "--xml-signature", description = "2.0b: sign every reply and require signed requests")
    boolean xmlSignature;

    @Option(names = "--utility-quirks", description = "2.0b: behave like the utility VTN of issue #24 (inclusive C14N signatures, one report payload per interval)")
    boolean utilityQuirks;

    public static void main(String[] args) {
        System.exit(new CommandLine(new VtnCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        try (AutoCloseable ignored = start(spec.commandLine().getOut())) {
            new CountDownLatch(1).await();
        }
        return 0;
    }

    /** Checks the options, starts the VTN, prints where it listens; the caller closes it. */
    AutoCloseable start(PrintWriter out) throws Exception {
        if (isTwoB()) {
            BenchVtn2b vtn = new BenchVtn2b(null, Clock.systemUTC(), options2b());
            vtn.start();
            if (scenario != null) {
                vtn.loadScenario(scenario);
            }
            out.println("bench VTN 2.0b at " + vtn.baseUrl() + " (state: " + stateUrl(vtn.baseUrl()) + ")");
            out.flush();
            return vtn;
        }
        BenchVtn vtn = new BenchVtn(null, Clock.systemUTC(), options3());
        for (String[] c : clients3()) {
            vtn.addClient(c[0], c[1], BenchVtn.Role.valueOf(c[2]));
        }
        vtn.start();
        if (scenario != null) {
            vtn.loadScenario(scenario);
        }
        out.println("bench VTN (OpenADR " + version + ") at " + vtn.baseUrl() + " (state: " + vtn.baseUrl() + "/bench/state)");
        out.flush();
        return vtn;
    }

    private static String stateUrl(String baseUrl) {
        int path = baseUrl.indexOf('/', baseUrl.indexOf("//") + 2);
        return (path < 0 ? baseUrl : baseUrl.substring(0, path)) + "/bench/state";
    }

    boolean isTwoB() {
        return switch (version) {
            case "2.0b" -> true;
            case "3.1", "3.1.0", "3.0.1" -> false;
            default -> throw usage("--openadr-version must be 3.1, 3.0.1 or 2.0b, got '" + version + "'");
        };
    }

    /** The OpenADR 3 server's options; refuses the 2.0b-only ones. */
    BenchVtn.Options options3() {
        refuse(tlsCa != null, "--tls-ca");
        refuse(pollFreq != null, "--poll-freq");
        refuse(telemetry != null, "--telemetry");
        refuse(schemas != null, "--schemas");
        refuse(allowRsa, "--allow-rsa");
        refuse(xmlSignature, "--xml-signature");
        refuse(utilityQuirks, "--utility-quirks");
        if ((tlsCert == null) != (tlsKey == null)) {
            throw usage("--tls-cert and --tls-key go together");
        }
        return new BenchVtn.Options(host, port == null ? 8081 : port,
                tokenLifetime == null ? Duration.ofHours(1) : tokenLifetime, tlsCert, tlsKey);
    }

    /** The OpenADR 3 clients as {id, secret, role}. */
    List<String[]> clients3() {
        List<String[]> out = new ArrayList<>();
        for (String c : clients.isEmpty() ? DEFAULT_CLIENTS : clients) {
            String[] parts = c.split(":", 3);
            if (parts.length != 3 || parts[0].isEmpty() || !(parts[2].equals("BL") || parts[2].equals("VEN"))) {
                throw usage("--client must be ID:SECRET:BL or ID:SECRET:VEN, got '" + c + "'");
            }
            out.add(parts);
        }
        return out;
    }

    /** The 2.0b server's options; refuses the OpenADR 3-only ones. */
    BenchVtn2b.Options options2b() {
        refuse(tokenLifetime != null, "--token-lifetime");
        refuse(!clients.isEmpty(), "--client");
        if (tlsCert == null || tlsKey == null || tlsCa == null) {
            throw usage("--tls-cert, --tls-key and --tls-ca are required (2.0b is mutual TLS)");
        }
        BenchVtn2b.Options o = BenchVtn2b.Options.loopback()
                .port(port == null ? 8082 : port)
                .tls(tlsCert, tlsKey, tlsCa)
                .pollFreq(pollFreq == null ? Duration.ofSeconds(10) : pollFreq)
                .schemaDir(schemas)
                .telemetryOnRegister(telemetry)
                .cipherSuites(allowRsa ? OadrTls.PROFILE_SUITES : List.of(OadrTls.ECDHE_ECDSA))
                .xmlSignature(xmlSignature);
        o = new BenchVtn2b.Options(host, o.port(), o.tlsCert(), o.tlsKey(), o.tlsCa(), o.cipherSuites(), o.pollFreq(), o.schemaDir(),
                o.telemetryOnRegister(), o.xmlSignature());
        return utilityQuirks ? o.quirks(BenchVtn2b.Quirks.UTILITY) : o;
    }

    private void refuse(boolean given, String option) {
        if (given) {
            throw usage(option + " does not apply to OpenADR " + version);
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
