package io.headroom.grid.openadr2b;

import io.headroom.grid.openadr3.VtnException;
import io.headroom.grid.tls.Keys;
import io.headroom.grid.tls.TlsProfile;
import io.headroom.grid.tls.VenTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The 2.0b transport against real TLS servers on loopback: the profiles' protocols and suites, the keys and
 * certificates utilities hand out, host name checks, and what the VEN says when nothing matches.
 */
class OadrTlsIT {

    static final String REPLY = OadrMessages.createdPartyRegistration("200", "OK", "q-1", null, null, "vtn-1", null);
    static final String ECDHE_RSA_GCM = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";

    @TempDir
    Path dir;

    private static Keys.Material material(TestCerts.Party p) {
        return Keys.load(p.cert(), p.key(), null);
    }

    private static List<X509Certificate> ca(TestCerts.Party p) {
        return Keys.certificates(p.ca(), null);
    }

    private static OadrHttp ven(String url, TestCerts.Party p, TlsProfile profile) {
        return new OadrHttp(URI.create(url), OadrTls.clientContext(p.cert(), p.key(), p.ca()), profile, Duration.ofSeconds(5),
                Duration.ofSeconds(5), null, false);
    }

    private static String url(String host, TlsTestServer s) {
        return "https://" + host + ":" + s.port() + "/OpenADR2/Simple/2.0b";
    }

    @Test
    void theDefaultProfileTalksToAnRsaVtnOfferingOnlyEcdheRsaAesGcmWithAnX509v1CertificateAndAPkcs1Key() throws Exception {
        TestCerts.Party vtn = TestCerts.v1("utility-test-ca", "localhost");
        TestCerts.Party ven = TestCerts.v1("utility-test-ca", "hall-1-ven");
        // the shapes of issue #24: RSA keys as openssl genrsa writes them, certificates without any extension
        assertThat(Files.readString(ven.key())).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        X509Certificate venCert = Keys.certificates(ven.cert(), null).getFirst();
        assertThat(venCert.getVersion()).isEqualTo(1);
        assertThat(venCert.getCriticalExtensionOIDs()).isNull();
        assertThat(venCert.getNonCriticalExtensionOIDs()).isNull();
        try (TlsTestServer server = new TlsTestServer(material(vtn), ca(vtn), List.of("TLSv1.2"), List.of(ECDHE_RSA_GCM), null, REPLY)) {
            var reply = ven(url("localhost", server), ven, TlsProfile.DEFAULT).post(OadrMessages.queryRegistration("q-1"));
            assertThat(Xml.local(reply)).isEqualTo("oadrCreatedPartyRegistration");
            assertThat(server.negotiated).containsExactly("TLSv1.2 " + ECDHE_RSA_GCM);
        }
    }

    @Test
    void bothProfilesTalkToAVtnOfferingOnlyTheMandatedSuitesWhileTheRestOfTheJvmKeepsTheJdkDefaults() throws Exception {
        TestCerts.Party rsaVtn = TestCerts.party("RSA", "rsa-ca", "vtn", true);
        TestCerts.Party rsaVen = TestCerts.party("RSA", "rsa-ca", "ven", false);
        // SunJSSE cannot serve TLS_RSA_* on JDK 25: the server side is Bouncy Castle too (an RSA-certificate VTN)
        try (TlsTestServer server = new TlsTestServer(material(rsaVtn), ca(rsaVtn), List.of("TLSv1.2"), TlsProfile.MANDATED,
                VenTls.provider(), REPLY)) {
            for (TlsProfile p : TlsProfile.values()) {
                ven(url("127.0.0.1", server), rsaVen, p).post(OadrMessages.queryRegistration("q-1"));
            }
            assertThat(server.negotiated).containsExactly("TLSv1.2 " + TlsProfile.RSA_CBC, "TLSv1.2 " + TlsProfile.RSA_CBC);

            // nothing was relaxed for the rest of this JVM: the JDK's own TLS still refuses the suite
            assertThat(Security.getProperty("jdk.tls.disabledAlgorithms")).contains("TLS_RSA_*");
            assertThat(Arrays.asList(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites())).doesNotContain(TlsProfile.RSA_CBC);
            SSLContext jdk = SSLContext.getInstance("TLS");
            jdk.init(null, javax.net.ssl.TrustManagerFactory.getInstance("PKIX") instanceof javax.net.ssl.TrustManagerFactory t
                    ? trust(t, rsaVtn) : null, null);
            HttpClient jdkClient = HttpClient.newBuilder().sslContext(jdk)
                    .sslParameters(new SSLParameters(new String[] {TlsProfile.RSA_CBC}, new String[] {"TLSv1.2"})).build();
            assertThatThrownBy(() -> jdkClient.send(HttpRequest.newBuilder(URI.create(url("127.0.0.1", server) + "/EiRegisterParty"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(java.io.IOException.class);
        }
        TestCerts.Party ecVtn = TestCerts.party("EC", "bench-ca", "vtn", true);
        TestCerts.Party ecVen = TestCerts.party("EC", "bench-ca", "ven-1", false);
        try (TlsTestServer server = new TlsTestServer(material(ecVtn), ca(ecVtn), List.of("TLSv1.2"), TlsProfile.MANDATED, null, REPLY)) {
            for (TlsProfile p : TlsProfile.values()) {
                ven(url("127.0.0.1", server), ecVen, p).post(OadrMessages.queryRegistration("q-1"));
            }
            assertThat(server.negotiated).containsExactly("TLSv1.2 " + TlsProfile.ECDHE_ECDSA_CBC, "TLSv1.2 " + TlsProfile.ECDHE_ECDSA_CBC);
        }
    }

    private static javax.net.ssl.TrustManager[] trust(javax.net.ssl.TrustManagerFactory tmf, TestCerts.Party p) throws Exception {
        java.security.KeyStore ts = java.security.KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", ca(p).getFirst());
        tmf.init(ts);
        return tmf.getTrustManagers();
    }

    @Test
    void theCertificationProfileOffersExactlyTheMandatedSuitesAndSaysWhatTheVtnOfferedWhenNothingMatches() throws Exception {
        SSLParameters strict = TlsProfile.CERTIFICATION.parameters();
        assertThat(strict.getProtocols()).containsExactly("TLSv1.2");
        assertThat(strict.getCipherSuites()).containsExactly(TlsProfile.ECDHE_ECDSA_CBC, TlsProfile.RSA_CBC);
        assertThat(strict.getEndpointIdentificationAlgorithm()).isEqualTo("HTTPS");
        assertThat(TlsProfile.DEFAULT.parameters().getEndpointIdentificationAlgorithm()).isEqualTo("HTTPS");
        TestCerts.Party vtn = TestCerts.v1("utility-test-ca", "localhost");
        TestCerts.Party ven = TestCerts.v1("utility-test-ca", "hall-1-ven");
        try (TlsTestServer server = new TlsTestServer(material(vtn), ca(vtn), List.of("TLSv1.2"), List.of(ECDHE_RSA_GCM), null, REPLY)) {
            assertThatThrownBy(() -> ven(url("localhost", server), ven, TlsProfile.CERTIFICATION).post(OadrMessages.queryRegistration("q-1")))
                    .isInstanceOf(VtnException.class)
                    .hasMessageContaining("no cipher suite in common")
                    .hasMessageContaining("The VTN offers [" + ECDHE_RSA_GCM + " (TLSv1.2)]")
                    .hasMessageContaining("openadr.tlsProfile certification")
                    .hasMessageContaining("tlsProfile default would connect");
            assertThat(server.negotiated).as("the probes stop at the certificate: no handshake completes").isEmpty();
        }
    }

    @Test
    void aVtnWithASuiteNeitherProfileOffersIsNamedInTheError() throws Exception {
        TestCerts.Party vtn = TestCerts.v1("utility-test-ca", "localhost");
        TestCerts.Party ven = TestCerts.v1("utility-test-ca", "hall-1-ven");
        String cbc384 = "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384";
        try (TlsTestServer server = new TlsTestServer(material(vtn), ca(vtn), List.of("TLSv1.2"), List.of(cbc384), null, REPLY)) {
            assertThatThrownBy(() -> ven(url("localhost", server), ven, TlsProfile.DEFAULT).post(OadrMessages.queryRegistration("q-1")))
                    .hasMessageContaining("no cipher suite in common").hasMessageContaining("The VTN offers [" + cbc384 + " (TLSv1.2)]")
                    .hasMessageContaining("openadr.tlsProfile default");
        }
    }

    @Test
    void theVtnsHostNameIsCheckedAgainstItsCertificate() throws Exception {
        // CN=localhost, no SAN: reached as 127.0.0.1 it is not the host its certificate names
        TestCerts.Party vtn = TestCerts.v1("utility-test-ca", "localhost");
        TestCerts.Party ven = TestCerts.v1("utility-test-ca", "hall-1-ven");
        try (TlsTestServer server = new TlsTestServer(material(vtn), ca(vtn), List.of("TLSv1.2"), List.of(ECDHE_RSA_GCM), null, REPLY)) {
            assertThatThrownBy(() -> ven(url("127.0.0.1", server), ven, TlsProfile.DEFAULT).post(OadrMessages.queryRegistration("q-1")))
                    .isInstanceOf(VtnException.class)
                    .hasMessageContaining("although the VTN accepts [" + ECDHE_RSA_GCM + " (TLSv1.2)]")
                    .hasMessageContaining("not for host 127.0.0.1");
            assertThat(server.negotiated).isEmpty();
        }
        // and a VTN whose certificate another CA issued is refused too
        TestCerts.Party stranger = TestCerts.party("EC", "other-ca", "vtn", true);
        TestCerts.Party ecVen = TestCerts.party("EC", "bench-ca", "ven-1", false);
        try (TlsTestServer server = new TlsTestServer(material(stranger), ca(ecVen), List.of("TLSv1.2"), TlsProfile.MANDATED, null, REPLY)) {
            assertThatThrownBy(() -> ven(url("127.0.0.1", server), ecVen, TlsProfile.DEFAULT).post(OadrMessages.queryRegistration("q-1")))
                    .hasMessageContaining("the certificate is the problem");
            assertThat(server.negotiated).isEmpty();
        }
    }

    @Test
    void theDefaultProfileOffersTls13AndTheCertificationProfileDoesNot() throws Exception {
        TestCerts.Party vtn = TestCerts.party("EC", "bench-ca", "vtn", true);
        TestCerts.Party ven = TestCerts.party("EC", "bench-ca", "ven-1", false);
        try (TlsTestServer server = new TlsTestServer(material(vtn), ca(vtn), List.of("TLSv1.3"), List.of("TLS_AES_128_GCM_SHA256"), null, REPLY)) {
            ven(url("127.0.0.1", server), ven, TlsProfile.DEFAULT).post(OadrMessages.queryRegistration("q-1"));
            assertThat(server.negotiated).containsExactly("TLSv1.3 TLS_AES_128_GCM_SHA256");
            assertThatThrownBy(() -> ven(url("127.0.0.1", server), ven, TlsProfile.CERTIFICATION).post(OadrMessages.queryRegistration("q-1")))
                    .hasMessageContaining("TLS_AES_128_GCM_SHA256 (TLSv1.3)");
        }
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
            SSLContext noCert = VenTls.clientContext(null, ca(ven));
            HttpClient anonymous = HttpClient.newBuilder().sslContext(noCert).sslParameters(TlsProfile.DEFAULT.parameters()).build();
            assertThatThrownBy(() -> anonymous.send(poll, HttpResponse.BodyHandlers.ofString())).isInstanceOf(java.io.IOException.class);
            assertThat(f.vtn.registrations()).isEmpty();
        }
    }
}
