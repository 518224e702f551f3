package io.headroom.grid.openadr2b;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLParameters;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The 2.0b transport profile: TLS 1.2 only, the two mandated suites, client certificates. */
class OadrTlsTest {

    @TempDir
    Path dir;

    @Test
    void thisJvmKeepsTheJdkDefaultsAndTheVenOffersOnlyTls12WithTheEcdheSuite() {
        // nothing in this test JVM relaxed jdk.tls.disabledAlgorithms: the RSA suite is not offered
        assertThat(OadrTls.rsaKeyExchangeUsable()).isFalse();
        SSLParameters p = OadrTls.parameters();
        assertThat(p.getProtocols()).containsExactly("TLSv1.2");
        assertThat(p.getCipherSuites()).containsExactly(OadrTls.ECDHE_ECDSA);
    }

    @Test
    void theBenchRefusesTls13AndAClientWithoutACertificate() throws Exception {
        try (Ven2bFixture f = new Ven2bFixture(dir)) {
            TestCerts.Party ven = TestCerts.party("EC", "bench-ca", "ven-1", false);
            SSLParameters tls13 = new SSLParameters(new String[] {"TLS_AES_128_GCM_SHA256"}, new String[] {"TLSv1.3"});
            HttpClient c13 = HttpClient.newBuilder().sslContext(OadrTls.clientContext(ven.cert(), ven.key(), ven.ca())).sslParameters(tls13).build();
            HttpRequest poll = HttpRequest.newBuilder(URI.create(f.vtn.baseUrl() + "/OadrPoll"))
                    .POST(HttpRequest.BodyPublishers.ofString(OadrMessages.poll("x"))).build();
            assertThatThrownBy(() -> c13.send(poll, HttpResponse.BodyHandlers.ofString())).hasStackTraceContaining("SSL");
            // trusting the CA but presenting no certificate
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
            java.security.KeyStore ts = java.security.KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            ts.setCertificateEntry("ca", OadrTls.certificates(ven.ca()).getFirst());
            tmf.init(ts);
            javax.net.ssl.SSLContext noCert = javax.net.ssl.SSLContext.getInstance("TLSv1.2");
            noCert.init(null, tmf.getTrustManagers(), null);
            HttpClient anonymous = HttpClient.newBuilder().sslContext(noCert).sslParameters(OadrTls.parameters()).build();
            assertThatThrownBy(() -> anonymous.send(poll, HttpResponse.BodyHandlers.ofString())).isInstanceOf(java.io.IOException.class);
            assertThat(f.vtn.registrations()).isEmpty();
        }
    }

    @Test
    void theVenNegotiatesTheRsaSuiteWithAnRsaOnlyVtnWhenTlsAllowRsaKeyExchangeIsSetAndNowhereElse() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), RsaSuiteProbe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("removed TLS_RSA_* from jdk.tls.disabledAlgorithms for this whole JVM")
                .contains("SUITES [" + OadrTls.RSA + "]");
        assertThat(p.exitValue()).as(out).isZero();
        // and this JVM is untouched
        assertThat(OadrTls.rsaKeyExchangeUsable()).isFalse();
    }
}
