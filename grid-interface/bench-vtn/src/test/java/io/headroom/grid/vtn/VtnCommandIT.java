package io.headroom.grid.vtn;

import io.headroom.grid.openadr2b.OadrTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class VtnCommandIT {

    private record Run(int exit, String out, String err) {
    }

    private static Run execute(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new VtnCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static VtnCommand parse(String... args) {
        VtnCommand c = new VtnCommand();
        new CommandLine(c).parseArgs(args);
        return c;
    }

    @Test
    void helpNamesTheVersionsAndEveryOption() {
        Run r = execute("--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("Usage: vtn", "--openadr-version", "3.1, 3.0.1 or 2.0b", "--scenario", "--client",
                "--token-lifetime", "--tls-ca", "--poll-freq", "--telemetry", "--schemas", "--allow-rsa", "--xml-signature",
                "--utility-quirks");
    }

    @Test
    void theVersionIsRequiredAndChecked() {
        assertThat(execute().exit()).isEqualTo(2);
        Run bad = execute("--openadr-version", "2.0a", "--port", "0");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--openadr-version must be 3.1, 3.0.1 or 2.0b, got '2.0a'");
    }

    @Test
    void openAdr3DefaultsAreThoseOfTheFormerMain() {
        VtnCommand c = parse("--openadr-version", "3.1");
        assertThat(c.isTwoB()).isFalse();
        BenchVtn.Options o = c.options3();
        assertThat(o.host()).isEqualTo("127.0.0.1");
        assertThat(o.port()).isEqualTo(8081);
        assertThat(o.tokenLifetime()).isEqualTo(Duration.ofHours(1));
        assertThat(o.tlsCert()).isNull();
        assertThat(o.quirks()).isEqualTo(BenchVtn.Quirks.NONE);
        assertThat(c.clients3()).extracting(a -> String.join(":", a)).containsExactly("bl:bl-secret:BL", "ven:ven-secret:VEN");
    }

    @Test
    void openAdr3OptionsAreTaken() {
        VtnCommand c = parse("--openadr-version", "3.0.1", "--host", "0.0.0.0", "--port", "9000", "--token-lifetime", "PT5M",
                "--client", "a:s1:VEN", "--client", "b:s2:BL", "--tls-cert", "c.pem", "--tls-key", "k.pem");
        BenchVtn.Options o = c.options3();
        assertThat(o.host()).isEqualTo("0.0.0.0");
        assertThat(o.port()).isEqualTo(9000);
        assertThat(o.tokenLifetime()).isEqualTo(Duration.ofMinutes(5));
        assertThat(o.tlsCert()).isEqualTo(Path.of("c.pem"));
        assertThat(o.tlsKey()).isEqualTo(Path.of("k.pem"));
        assertThat(c.clients3()).extracting(a -> String.join(":", a)).containsExactly("a:s1:VEN", "b:s2:BL");
    }

    @Test
    void aMalformedClientOrAnOptionOfTheOtherVersionIsAUsageError() {
        Run client = execute("--openadr-version", "3.1", "--port", "0", "--client", "a:s1:ADMIN");
        assertThat(client.exit()).isEqualTo(2);
        assertThat(client.err()).contains("--client must be ID:SECRET:BL or ID:SECRET:VEN, got 'a:s1:ADMIN'");

        Run twoBOnly = execute("--openadr-version", "3.1", "--port", "0", "--tls-ca", "ca.pem");
        assertThat(twoBOnly.exit()).isEqualTo(2);
        assertThat(twoBOnly.err()).contains("--tls-ca does not apply to OpenADR 3.1");

        Run threeOnly = execute("--openadr-version", "2.0b", "--port", "0", "--client", "a:s:VEN",
                "--tls-cert", "c", "--tls-key", "k", "--tls-ca", "ca");
        assertThat(threeOnly.exit()).isEqualTo(2);
        assertThat(threeOnly.err()).contains("--client does not apply to OpenADR 2.0b");
    }

    @Test
    void twoBNeedsItsMutualTlsFiles() {
        Run r = execute("--openadr-version", "2.0b", "--port", "0", "--tls-cert", "c.pem");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--tls-cert, --tls-key and --tls-ca are required (2.0b is mutual TLS)");
    }

    @Test
    void twoBDefaultsAndOptionsAreThoseOfTheFormerMain() {
        VtnCommand d = parse("--openadr-version", "2.0b", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-ca", "ca.pem");
        assertThat(d.isTwoB()).isTrue();
        BenchVtn2b.Options o = d.options2b();
        assertThat(o.host()).isEqualTo("127.0.0.1");
        assertThat(o.port()).isEqualTo(8082);
        assertThat(o.tlsCa()).isEqualTo(Path.of("ca.pem"));
        assertThat(o.pollFreq()).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.cipherSuites()).containsExactly(OadrTls.ECDHE_ECDSA);
        assertThat(o.telemetryOnRegister()).isNull();
        assertThat(o.schemaDir()).isNull();
        assertThat(o.xmlSignature()).isFalse();
        assertThat(o.quirks()).isEqualTo(BenchVtn2b.Quirks.NONE);

        BenchVtn2b.Options all = parse("--openadr-version", "2.0b", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-ca", "ca.pem",
                "--host", "0.0.0.0", "--port", "9443", "--poll-freq", "PT1S", "--telemetry", "PT5M", "--schemas", "xsd",
                "--allow-rsa", "--xml-signature", "--utility-quirks").options2b();
        assertThat(all.host()).isEqualTo("0.0.0.0");
        assertThat(all.port()).isEqualTo(9443);
        assertThat(all.pollFreq()).isEqualTo(Duration.ofSeconds(1));
        assertThat(all.telemetryOnRegister()).isEqualTo(Duration.ofMinutes(5));
        assertThat(all.schemaDir()).isEqualTo(Path.of("xsd"));
        assertThat(all.cipherSuites()).isEqualTo(OadrTls.PROFILE_SUITES);
        assertThat(all.xmlSignature()).isTrue();
        assertThat(all.quirks()).isEqualTo(BenchVtn2b.Quirks.UTILITY);
    }

    @Test
    void anOpenAdr3VtnStartsServesItsScenarioAndSaysWhere() throws Exception {
        Path scenario = Path.of(getClass().getResource("/scenarios/evening-peak.json").toURI());
        VtnCommand c = parse("--openadr-version", "3.1", "--port", "0", "--scenario", scenario.toString());
        StringWriter out = new StringWriter();
        try (AutoCloseable vtn = c.start(new PrintWriter(out))) {
            String base = ((BenchVtn) vtn).baseUrl();
            assertThat(out.toString()).startsWith("bench VTN (OpenADR 3.1) at " + base + " (state: " + base + "/bench/state)");
            try (HttpClient http = HttpClient.newHttpClient()) {
                HttpResponse<String> state = http.send(HttpRequest.newBuilder(URI.create(base + "/bench/state")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(state.statusCode()).isEqualTo(200);
                assertThat(state.body()).contains("evening-peak");
            }
            assertThat(((BenchVtn) vtn).all("programs")).isNotEmpty();
        }
    }

    @Test
    void aTwoBVtnStartsWithTheBenchPki(@TempDir Path dir) throws Exception {
        BenchPki.Party server = BenchPki.in(dir.resolve("pki")).party("EC", "bench-ca", "vtn", true);
        VtnCommand c = parse("--openadr-version", "2.0b", "--port", "0", "--tls-cert", server.cert().toString(),
                "--tls-key", server.key().toString(), "--tls-ca", server.ca().toString());
        StringWriter out = new StringWriter();
        try (AutoCloseable vtn = c.start(new PrintWriter(out))) {
            String base = ((BenchVtn2b) vtn).baseUrl();
            assertThat(base).startsWith("https://127.0.0.1:");
            String origin = base.substring(0, base.indexOf('/', "https://".length()));
            assertThat(out.toString()).startsWith("bench VTN 2.0b at " + base + " (state: " + origin + "/bench/state)");
        }
        assertThat(List.of(server.cert(), server.key(), server.ca())).allMatch(java.nio.file.Files::isRegularFile);
    }
}
