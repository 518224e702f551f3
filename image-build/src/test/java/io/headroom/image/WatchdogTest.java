package io.headroom.image;

import io.headroom.common.SdNotify;
import io.headroom.testsupport.NotifySocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class WatchdogTest {

    @TempDir
    Path dir;

    @Test
    void kicksOnlyWhileTheTickAdvances() throws Throwable {
        String name = dir.resolve("notify").toString();
        AtomicLong tick = new AtomicLong(-1);
        try (NotifySocket systemd = new NotifySocket(name)) {
            Watchdog w = new Watchdog(SdNotify.to(name), tick::get, Duration.ofSeconds(10));
            assertThat(w.period()).isEqualTo(Duration.ofSeconds(5));

            assertThat(w.check()).as("not healthy yet").isFalse();
            assertThat(systemd.poll()).startsWith("STATUS=health endpoint not answering");

            tick.set(7);
            assertThat(w.check()).isTrue();
            assertThat(systemd.poll()).startsWith("WATCHDOG=1\n");

            assertThat(w.check()).as("stalled at 7").isFalse();
            assertThat(systemd.poll()).contains("stalled at tick 7");
            assertThat(w.check()).isFalse();
            assertThat(systemd.poll()).as("the stall is reported once").isNull();

            tick.set(8);
            assertThat(w.check()).isTrue();
            assertThat(systemd.poll()).startsWith("WATCHDOG=1\n");

            tick.set(-1);
            assertThat(w.check()).as("a dead API is no kick").isFalse();
        }
    }

    @Test
    void readsTheEnvironmentLikeSdWatchdogEnabled() {
        assertThat(Watchdog.timeout(null, null, 42)).isNull();
        assertThat(Watchdog.timeout("20000000", null, 42)).isEqualTo(Duration.ofSeconds(20));
        assertThat(Watchdog.timeout("20000000", "42", 42)).isEqualTo(Duration.ofSeconds(20));
        assertThat(Watchdog.timeout("20000000", "43", 42)).as("another process's watchdog").isNull();
        assertThat(Watchdog.timeout("0", null, 42)).isNull();
    }

    @Test
    void parsesTheTickOfTheHealthEndpoint() {
        assertThat(ApplianceService.parseTick("{\"status\":\"ok\",\"site\":\"x\",\"tick\":1234}")).isEqualTo(1234);
        assertThat(ApplianceService.parseTick("{\"status\":\"starting\"}")).isEqualTo(-1);
    }

    @Test
    void aFailedLoopOnTheHealthEndpointStopsTheKicksAndSaysWhy() throws Throwable {
        com.sun.net.httpserver.HttpServer api = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        java.util.concurrent.atomic.AtomicReference<String[]> answer = new java.util.concurrent.atomic.AtomicReference<>(
                new String[]{"200", "{\"status\":\"ok\",\"site\":\"x\",\"tick\":41,\"reasons\":[]}"});
        api.createContext("/api/v1/health", ex -> {
            byte[] b = answer.get()[1].getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.sendResponseHeaders(Integer.parseInt(answer.get()[0]), b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        api.start();
        String name = dir.resolve("notify").toString();
        java.net.URI health = java.net.URI.create("http://127.0.0.1:" + api.getAddress().getPort() + "/api/v1/health");
        try (NotifySocket systemd = new NotifySocket(name)) {
            Watchdog w = new Watchdog(SdNotify.to(name), Duration.ofSeconds(10), () -> ApplianceService.health(health));
            assertThat(w.check()).isTrue();
            assertThat(systemd.poll()).startsWith("WATCHDOG=1\n");
            // the tick still moves, but the protection thread is stalled: 503, no kick, the reason in STATUS=
            answer.set(new String[]{"503", "{\"status\":\"failed\",\"site\":\"x\",\"tick\":42,\"reasons\":"
                    + "[\"loop protection: stalled, no heartbeat for 812 ms (deadline 500 ms); feed losses are not answered\"]}"});
            assertThat(w.check()).isFalse();
            assertThat(systemd.poll()).isEqualTo("STATUS=health 503: loop protection: stalled, no heartbeat for 812 ms "
                    + "(deadline 500 ms); feed losses are not answered; watchdog not kicked");
            answer.set(new String[]{"200", "{\"status\":\"ok\",\"site\":\"x\",\"tick\":43}"});
            assertThat(w.check()).isTrue();
            assertThat(systemd.poll()).startsWith("WATCHDOG=1\n");
        } finally {
            api.stop(0);
        }
    }

    @Test
    void theProbeReachesAnHttpsApiThroughItsOwnPinnedCertificate() throws Exception {
        // the API's certificate names a host, not the loopback address the probe connects to
        io.headroom.grid.vtn.BenchPki.Party api = io.headroom.grid.vtn.BenchPki.in(dir.resolve("pki"))
                .party("EC", "site-ca", "appliance.example", true);
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("api", io.headroom.grid.tls.Keys.privateKey(api.key(), null), new char[0],
                io.headroom.grid.tls.Keys.certificates(api.cert(), null).toArray(new java.security.cert.Certificate[0]));
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
        kmf.init(ks, new char[0]);
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        com.sun.net.httpserver.HttpsServer server = com.sun.net.httpserver.HttpsServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
        server.createContext("/api/v1/health", ex -> {
            byte[] b = "{\"status\":\"ok\",\"tick\":7}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        try {
            java.net.URI health = java.net.URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/health");
            assertThat(ApplianceService.health(health, ApplianceService.pinnedTo(api.cert())).tick()).isEqualTo(7);
            // without the pin the JDK's trust refuses the site CA: the service would never be ready
            assertThat(ApplianceService.health(health).why()).contains("not answering");
        } finally {
            server.stop(0);
        }
    }
}
