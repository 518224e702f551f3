package io.headroom.hil;

import io.headroom.grid.openadr2b.ReportRequest;
import io.headroom.grid.openadr2b.Ven2b;
import io.headroom.grid.vtn.BenchPki;
import io.headroom.grid.vtn.BenchVtn;
import io.headroom.grid.vtn.BenchVtn2b;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue #24's "done when", as a user would do it: {@code headroom bench} started in its own process with only the
 * flags of the issue, against VTNs that behave as the issue describes (the bench VTNs in their quirk modes): it
 * registers, answers an event and delivers reports, without any extra flag.
 */
class BenchOpenAdrInteropIT {

    @TempDir
    Path data;

    private Process bench(String... openadr) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Cli.class.getName(),
                "bench", "--site", "../sites/example-4feed.yaml", "--ephemeral-ports", "--http-port", "0", "--data", data.resolve("bench").toString()));
        cmd.addAll(List.of(openadr));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(data.resolve("bench.log").toFile()).start();
    }

    private static void stop(Process p) throws Exception {
        p.destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    @Test
    void openAdr31AgainstAReferenceDerivedVtnWithScopeArraysAndNaiveTimestamps() throws Exception {
        BenchPki.Party server = BenchPki.in(data.resolve("pki")).party("EC", "utility-ca", "vtn", true);
        Path scenario = Path.of(getClass().getResource("/scenarios/short-peak.json").toURI());
        try (BenchVtn vtn = new BenchVtn(null, Clock.systemUTC(), BenchVtn.Options.loopback().tls(server.cert(), server.key())
                .quirks(BenchVtn.Quirks.REFERENCE_DERIVED)).addClient("utility-ven", "utility-secret", BenchVtn.Role.VEN)) {
            vtn.start();
            vtn.loadScenario(scenario);
            assertThat(vtn.all("events").getFirst().get("createdDateTime").asText()).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
            Process p = bench("--openadr-version", "3.1", "--vtn", vtn.baseUrl(), "--client-id", "utility-ven", "--client-secret",
                    "utility-secret", "--tls-ca", server.ca().toString());
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> !vtn.all("vens").isEmpty() && !vtn.all("resources").isEmpty());
                await().atMost(Duration.ofSeconds(120)).until(() -> vtn.reports().stream()
                        .anyMatch(r -> r.path("reportName").asText().startsWith("headroom-opt:short-peak")));
                await().atMost(Duration.ofSeconds(120)).until(() -> vtn.reports().stream()
                        .anyMatch(r -> r.path("reportName").asText().startsWith("headroom:short-peak")));
            } finally {
                stop(p);
            }
            assertThat(vtn.tokenRequests()).as("a token, not a token a second").hasSizeLessThan(10);
        }
    }

    @Test
    void openAdr20bAgainstAUtilityVtnWithItsV1PkiEcdheRsaOnlyInclusiveC14nAndOnePayloadPerInterval() throws Exception {
        BenchPki pki = BenchPki.in(data.resolve("pki"));
        BenchPki.Party vtnCert = pki.v1Rsa("utility-test-ca", "localhost");
        BenchPki.Party venCert = pki.v1Rsa("utility-test-ca", "hall-1-ven");
        Path scenario = Path.of(getClass().getResource("/scenarios/short-peak-2b.json").toURI());
        try (BenchVtn2b vtn = new BenchVtn2b(null, Clock.systemUTC(), BenchVtn2b.Options.loopback()
                .tls(vtnCert.cert(), vtnCert.key(), vtnCert.ca()).cipherSuites(List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"))
                .pollFreq(Duration.ofSeconds(1)).quirks(BenchVtn2b.Quirks.UTILITY))) {
            vtn.start();
            vtn.loadScenario(scenario);
            // its certificate names the host by its CN, "localhost"
            String url = vtn.baseUrl().replace("127.0.0.1", "localhost");
            Process p = bench("--openadr-version", "2.0b", "--vtn", url, "--tls-cert", venCert.cert().toString(), "--tls-key",
                    venCert.key().toString(), "--tls-ca", venCert.ca().toString(), "--openadr-xml-signature", "true");
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> !vtn.registrations().isEmpty());
                String venId = vtn.registrations().getFirst().venId();
                await().atMost(Duration.ofSeconds(120)).until(() -> vtn.createdEvents().stream().anyMatch(c -> c.eventId().equals("short-peak-2b")));
                // telemetry for the last minutes: due at once, no waiting for a report period
                vtn.requestReport(venId, new ReportRequest("rr-usage", Ven2b.USAGE_SPECIFIER, Duration.ofMinutes(1), Duration.ofMinutes(1),
                        Instant.now().minus(Duration.ofMinutes(3)), Duration.ofMinutes(10), List.of("energy", "demand"), null));
                await().atMost(Duration.ofSeconds(120)).until(() -> !vtn.reports().isEmpty());
            } finally {
                stop(p);
            }
            assertThat(vtn.registrations().getFirst().xmlSignature()).isTrue();
            assertThat(vtn.serverErrors()).isZero();
            assertThat(vtn.errors()).isEmpty();
            assertThat(vtn.cipherSuitesSeen()).containsExactly("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        }
    }
}
