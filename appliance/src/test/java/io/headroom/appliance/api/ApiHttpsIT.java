package io.headroom.appliance.api;

import io.headroom.appliance.cli.ApplianceCommands;
import io.headroom.appliance.journal.Journal;
import io.headroom.appliance.operator.ActiveAlarms;
import io.headroom.appliance.operator.ApiTokens;
import io.headroom.appliance.operator.OperatorControls;
import io.headroom.appliance.site.Site;
import io.headroom.appliance.site.SiteLoader;
import io.headroom.grid.CommitmentBook;
import io.headroom.grid.vtn.BenchPki;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * HTTPS with a PEM certificate and key (the {@code run} flags {@code --https-cert}/{@code --https-key}), a session
 * cookie marked Secure over it, and the {@code run} rule that reads beyond the loopback need a token unless said
 * otherwise in as many words.
 */
class ApiHttpsIT {

    @Test
    void theApiAnswersOverHttpsWithAPemCertificateAndKey(@TempDir Path dir) throws Exception {
        BenchPki.Party party = BenchPki.in(dir.resolve("pki")).party("EC", "api-ca", "appliance", true);
        Site site = SiteLoader.load(Path.of("../sites/example-4feed.yaml"));
        Vertx vertx = Vertx.vertx();
        try (Journal journal = Journal.open(dir.resolve("j.db"), Clock.systemUTC(), 3600, 1000)) {
            Path tokens = dir.resolve("api-tokens");
            String viewer = ApiTokens.add(tokens, "grafana", ApiTokens.Role.VIEWER);
            OperatorApi operator = new OperatorApi(site, () -> null, OperatorControls.open(site, journal, Clock.systemUTC(),
                    new ActiveAlarms()), new CommitmentBook(), new OperatorApi.Access(ApiTokens.load(tokens), true));
            ApiServer server = ApiServer.start(vertx, site, () -> null, journal, null, () -> "", "127.0.0.1", 0, operator,
                    ApiServer.Limits.defaults(), new ApiServer.Tls(party.cert(), party.key()));
            try (HttpClient https = HttpClient.newBuilder().sslContext(trusting(party.ca()))
                    .connectTimeout(Duration.ofSeconds(5)).build()) {
                String base = "https://127.0.0.1:" + server.port();
                HttpResponse<String> doc = https.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/openapi.yaml")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(doc.statusCode()).isEqualTo(200);
                assertThat(https.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/topology")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).as("reads need a token").isEqualTo(401);
                HttpResponse<String> in = https.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/session"))
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"" + viewer + "\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(in.headers().firstValue("set-cookie").orElseThrow()).contains("Secure").containsIgnoringCase("HttpOnly");
                assertThat(https.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/topology"))
                        .header("authorization", "Bearer " + viewer).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode()).isEqualTo(200);
                // plain HTTP to the HTTPS port gets nothing it can use
                try (HttpClient plain = HttpClient.newHttpClient()) {
                    assertThatThrownBy(() -> {
                        HttpResponse<String> r = plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + server.port() + "/api/v1/topology")).timeout(Duration.ofSeconds(10)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        assertThat(r.statusCode()).isNotEqualTo(200);
                        throw new java.io.IOException("answered " + r.statusCode());
                    }).isInstanceOf(java.io.IOException.class);
                }
            } finally {
                server.close();
            }
        } finally {
            vertx.close().await();
        }
    }

    @Test
    void runRefusesAnonymousReadsBeyondTheLoopbackUnlessToldInAsManyWords(@TempDir Path dir) throws Exception {
        assertThat(ApplianceCommands.apiAccessProblem("127.0.0.1", false, false, null, null)).isNull();
        assertThat(ApplianceCommands.apiAccessProblem("localhost", false, false, null, null)).isNull();
        assertThat(ApplianceCommands.apiAccessProblem("0.0.0.0", false, false, null, null))
                .contains("without a token on 0.0.0.0, beyond the loopback").contains("--api-require-token");
        assertThat(ApplianceCommands.apiAccessProblem("0.0.0.0", true, false, null, null)).isNull();
        assertThat(ApplianceCommands.apiAccessProblem("0.0.0.0", false, true, null, null)).isNull();
        assertThat(ApplianceCommands.apiAccessProblem("0.0.0.0", true, true, null, null)).contains("contradict");
        Path cert = Files.writeString(dir.resolve("c.pem"), "x");
        assertThat(ApplianceCommands.apiAccessProblem("127.0.0.1", false, false, cert, null)).contains("go together");
        assertThat(ApplianceCommands.apiAccessProblem("127.0.0.1", false, false, cert, dir.resolve("none.key")))
                .contains("--https-key").contains("cannot read it");
        // the packaged default file asks a token for every read
        assertThat(Files.readString(Path.of("../image-build/src/files/appliance/headroom-appliance.default")))
                .contains("HEADROOM_HTTP_HOST=0.0.0.0").contains("HEADROOM_API_OPTS=\"--api-require-token\"");
        assertThat(Files.readString(Path.of("../image-build/src/files/appliance/headroom-appliance.service")))
                .contains("$HEADROOM_API_OPTS");
    }

    static SSLContext trusting(Path caPem) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(caPem)) {
            ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
