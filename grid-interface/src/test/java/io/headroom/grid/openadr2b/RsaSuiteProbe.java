package io.headroom.grid.openadr2b;

import io.headroom.grid.CommitmentBook;
import io.headroom.grid.FlexibilityOracle;
import io.headroom.grid.SiteTelemetry;
import io.headroom.grid.vtn.BenchVtn2b;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Run in its own JVM by {@link OadrTlsTest}: a 2.0b process whose VEN configuration sets
 * {@code tlsAllowRsaKeyExchange} (which enables TLS_RSA_* for the process: the only way on JDK 25), then a bench VTN offering only TLS_RSA_WITH_AES_128_CBC_SHA256 with an RSA certificate, and a VEN that
 * registers with it. Prints {@code REGISTERED <venID> SUITES <suites>} and exits 0, or exits 1.
 */
public final class RsaSuiteProbe {

    private RsaSuiteProbe() {
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public static void main(String[] args) throws Exception {
        TestCerts.Party vtnCert = TestCerts.party("RSA", "rsa-ca", "vtn", true);
        TestCerts.Party venCert = TestCerts.party("RSA", "rsa-ca", "ven", false);
        Path dir = Files.createTempDirectory("rsa-probe");
        // the VEN's option, set at start-up before any TLS: the only thing that enables the suite in this process
        int port = freePort();
        Ven2bConfig cfg = Ven2bConfig.builder(URI.create("https://127.0.0.1:" + port + BenchVtn2b.PREFIX.substring(0,
                        BenchVtn2b.PREFIX.length() - 1)), "rsa-ven", dir.resolve("ven.db"))
                .tls(venCert.cert(), venCert.key(), venCert.ca()).tlsAllowRsaKeyExchange(true).httpTimeout(Duration.ofSeconds(10)).build();
        if (!OadrTls.rsaKeyExchangeUsable()) {
            System.out.println("RSA suite unavailable");
            System.exit(1);
        }
        try (BenchVtn2b vtn = new BenchVtn2b(null, Clock.systemUTC(), BenchVtn2b.Options.loopback().port(port)
                .tls(vtnCert.cert(), vtnCert.key(), vtnCert.ca()).cipherSuites(List.of(OadrTls.RSA)))) {
            vtn.start();
            try (Ven2b ven = new Ven2b(cfg, new CommitmentBook(), FlexibilityOracle.none(1000), SiteTelemetry.constant(1000), Clock.systemUTC())) {
                ven.tickNow();
                if (ven.status().registered()) {
                    System.out.println("REGISTERED " + ven.status().venId() + " SUITES " + vtn.cipherSuitesSeen());
                    System.exit(0);
                }
                System.out.println("NOT REGISTERED " + ven.status());
                System.exit(1);
            }
        }
    }
}
