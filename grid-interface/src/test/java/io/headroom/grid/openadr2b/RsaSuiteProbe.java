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
 * Run in its own JVM by {@link OadrTlsTest}: a 2.0b process that enables TLS_RSA_* for itself (the only way on
 * JDK 25), then a bench VTN offering only TLS_RSA_WITH_AES_128_CBC_SHA256 with an RSA certificate, and a VEN that
 * registers with it. Prints {@code REGISTERED <venID> SUITES <suites>} and exits 0, or exits 1.
 */
public final class RsaSuiteProbe {

    private RsaSuiteProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (!OadrTls.allowRsaKeyExchangeInThisProcess()) {
            System.out.println("RSA suite unavailable");
            System.exit(1);
        }
        TestCerts.Party vtnCert = TestCerts.party("RSA", "rsa-ca", "vtn", true);
        TestCerts.Party venCert = TestCerts.party("RSA", "rsa-ca", "ven", false);
        Path dir = Files.createTempDirectory("rsa-probe");
        try (BenchVtn2b vtn = new BenchVtn2b(null, Clock.systemUTC(), BenchVtn2b.Options.loopback()
                .tls(vtnCert.cert(), vtnCert.key(), vtnCert.ca()).cipherSuites(List.of(OadrTls.RSA)))) {
            vtn.start();
            Ven2bConfig cfg = Ven2bConfig.builder(URI.create(vtn.baseUrl()), "rsa-ven", dir.resolve("ven.db"))
                    .tls(venCert.cert(), venCert.key(), venCert.ca()).httpTimeout(Duration.ofSeconds(10)).build();
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
