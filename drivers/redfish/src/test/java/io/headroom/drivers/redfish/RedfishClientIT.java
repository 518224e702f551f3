package io.headroom.drivers.redfish;

import io.headroom.testsupport.TestPki;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class RedfishClientIT {

    @TempDir
    static Path dir;
    static Vertx vertx;
    static TestPki.Server tls;
    static TestPki.Server otherCa;

    RedfishMock mock;
    final List<RedfishClient> clients = new ArrayList<>();

    @BeforeAll
    static void pki() throws Exception {
        vertx = Vertx.vertx();
        TestPki pki = new TestPki(dir);
        tls = pki.server("bmc-ca", "bmc");
        otherCa = pki.server("other-ca", "other");
    }

    @AfterAll
    static void stopVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @BeforeEach
    void start() throws Exception {
        mock = RedfishMock.start(vertx, tls);
    }

    @AfterEach
    void stop() throws Exception {
        clients.forEach(RedfishClient::close);
        mock.close();
    }

    RedfishClient client(UnaryOperator<RedfishConfig.Builder> tweak) {
        RedfishConfig.Builder b = RedfishConfig.builder(mock.uri(), RedfishMock.USER, RedfishMock.PASSWORD)
                .pinnedCa(tls.caPem()).requestTimeout(Duration.ofSeconds(30)); // generous: a loaded CI box is slow, not broken
        RedfishClient c = RedfishClient.create(vertx, tweak.apply(b).build());
        clients.add(c);
        return c;
    }

    RedfishClient client() {
        return client(b -> b);
    }

    static <T> T ok(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    static Throwable failure(CompletableFuture<?> f) {
        Throwable t = catchThrowable(() -> f.get(10, TimeUnit.SECONDS));
        assertThat(t).isInstanceOf(ExecutionException.class);
        return t.getCause();
    }

    @Test
    void discoversWhichResourceEachChassisOffers() throws Exception {
        RedfishClient c = client();
        assertThat(ok(c.chassisIds())).containsExactly("1", "2");

        ChassisPower both = ok(c.discover("1"));
        assertThat(both.kind()).isEqualTo(ChassisPower.Kind.CONTROL);
        assertThat(both.limitResource()).isEqualTo("/redfish/v1/Chassis/1/Controls/PowerLimit");
        assertThat(both.powerSubsystem()).isEqualTo("/redfish/v1/Chassis/1/PowerSubsystem");
        assertThat(both.capacityW()).isEqualTo(3200.0);

        ChassisPower legacy = ok(c.discover("2"));
        assertThat(legacy.kind()).isEqualTo(ChassisPower.Kind.LEGACY_POWER);
        assertThat(legacy.limitResource()).isEqualTo("/redfish/v1/Chassis/2/Power");
        assertThat(legacy.powerControlIndex()).isZero();
        assertThat(legacy.powerSubsystem()).isNull();
        assertThat(legacy.capacityW()).isNaN();

        Throwable missing = failure(c.discover("9"));
        assertThat(missing).isInstanceOf(RedfishException.class)
                .hasMessageContaining("GET /redfish/v1/Chassis/9").hasMessageContaining("HTTP 404")
                .hasMessageContaining("ResourceMissingAtURI");
    }

    @Test
    void readsLimitRangeAndReading() throws Exception {
        RedfishClient c = client();
        PowerLimit control = ok(c.readLimit("1"));
        assertThat(control.limitW()).isEqualTo(2400.0);
        assertThat(control.minW()).isEqualTo(500.0);
        assertThat(control.maxW()).isEqualTo(3000.0);
        assertThat(control.consumedW()).isEqualTo(1900.0);
        assertThat(control.etag()).isEqualTo("W/\"1\"");

        PowerLimit legacy = ok(c.readLimit("2"));
        assertThat(legacy.kind()).isEqualTo(ChassisPower.Kind.LEGACY_POWER);
        assertThat(legacy.limitW()).isEqualTo(1800.0);
        assertThat(legacy.minW()).isNaN();
        assertThat(legacy.maxW()).isNaN(); // no PowerCapacityWatts on this chassis
        assertThat(legacy.consumedW()).isEqualTo(900.0);

        mock.chassis.get("2").limitW = null;
        assertThat(ok(c.readLimit("2")).cappingEnabled()).isFalse();
        assertThat(mock.sessionsCreated.get()).isEqualTo(1);
    }

    @Test
    void setsWithinRangeWithIfMatch() throws Exception {
        RedfishClient c = client();
        PowerLimit set = ok(c.setLimit("1", 1800.7));
        assertThat(set.limitW()).isEqualTo(1800.0); // whole watts, rounded down
        assertThat(set.consumedW()).isEqualTo(1800.0); // demand 1900 held at the limit
        assertThat(mock.chassis.get("1").limitW).isEqualTo(1800.0);
        assertThat(mock.ifMatchSeen).containsExactly("W/\"1\"");
        // the newer Controls resource was used, not the legacy Power beside it
        assertThat(mock.requests).contains("PATCH /redfish/v1/Chassis/1/Controls/PowerLimit")
                .doesNotContain("PATCH /redfish/v1/Chassis/1/Power");

        PowerLimit legacy = ok(c.setLimit("2", 1500));
        assertThat(legacy.limitW()).isEqualTo(1500.0);
        assertThat(mock.chassis.get("2").limitW).isEqualTo(1500.0);
        assertThat(mock.patchesTo("/redfish/v1/Chassis/2/Power")).isEqualTo(1);
    }

    @Test
    void disabledControlIsEnabledWithTheSetPoint() throws Exception {
        mock.chassis.get("1").controlMode = "Disabled";
        RedfishClient c = client();
        assertThat(ok(c.readLimit("1")).cappingEnabled()).isFalse();
        assertThat(ok(c.setLimit("1", 2000)).limitW()).isEqualTo(2000.0);
        assertThat(mock.chassis.get("1").controlMode).isEqualTo("Automatic");
    }

    @Test
    void refusesOutOfRangeBeforeSendingWithTheRange() throws Exception {
        RedfishClient c = client();
        Throwable high = failure(c.setLimit("1", 3500));
        assertThat(high).isInstanceOf(RedfishRangeException.class)
                .hasMessageContaining("/redfish/v1/Chassis/1/Controls/PowerLimit")
                .hasMessageContaining("SetPoint 3500 W").hasMessageContaining("500..3000 W");
        RedfishRangeException r = (RedfishRangeException) high;
        assertThat(r.minW()).isEqualTo(500.0);
        assertThat(r.maxW()).isEqualTo(3000.0);
        assertThat(failure(c.setLimit("1", 100))).isInstanceOf(RedfishRangeException.class);
        assertThat(failure(c.setLimit("2", Double.NaN))).isInstanceOf(RedfishRangeException.class);
        assertThat(mock.patches.get()).isZero();
        assertThat(mock.chassis.get("1").limitW).isEqualTo(2400.0);
    }

    @Test
    void badCredentialsAreRefusedWithTheUserAndStatus() {
        RedfishClient c = client(b -> RedfishConfig.builder(mock.uri(), RedfishMock.USER, "wrong")
                .pinnedCa(tls.caPem()));
        Throwable t = failure(c.readLimit("1"));
        assertThat(t).isInstanceOf(RedfishAuthException.class)
                .hasMessageContaining("POST " + RedfishMock.SESSIONS).hasMessageContaining("HTTP 401")
                .hasMessageContaining("'" + RedfishMock.USER + "'")
                .hasMessageContaining("The user name or password is not valid.")
                .hasMessageNotContaining("wrong");
        assertThat(((RedfishException) t).status()).isEqualTo(401);
        assertThat(mock.sessions).isEmpty();

        RedfishClient basic = client(b -> RedfishConfig.builder(mock.uri(), RedfishMock.USER, "wrong")
                .pinnedCa(tls.caPem()).auth(RedfishConfig.Auth.BASIC));
        assertThat(failure(basic.readLimit("1"))).isInstanceOf(RedfishAuthException.class)
                .hasMessageContaining("basic authentication");
    }

    @Test
    void expiredSessionLogsInAgain() throws Exception {
        RedfishClient c = client();
        ok(c.readLimit("1"));
        mock.expireSessions();
        assertThat(ok(c.setLimit("1", 2200)).limitW()).isEqualTo(2200.0);
        assertThat(ok(c.sessionsCreated())).isEqualTo(2);
        assertThat(mock.sessionsCreated.get()).isEqualTo(2);
        assertThat(mock.requests).contains("POST " + RedfishMock.SESSIONS);
    }

    @Test
    void closeDeletesTheSession() throws Exception {
        RedfishClient c = client();
        ok(c.readLimit("1"));
        assertThat(mock.sessions).hasSize(1);
        c.close();
        assertThat(mock.sessions).isEmpty();
        assertThat(mock.sessionsDeleted.get()).isEqualTo(1);
        assertThat(failure(c.readLimit("1"))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void basicAuthenticationWhereTheServiceHasNoSessions() throws Exception {
        mock.sessionsSupported = false;
        RedfishClient c = client();
        assertThat(ok(c.readLimit("1")).limitW()).isEqualTo(2400.0);
        assertThat(mock.basicAuthenticated.get()).isPositive();
        assertThat(mock.sessionsCreated.get()).isZero();
    }

    @Test
    void timeoutNamesTheResource() throws Exception {
        RedfishClient c = client(b -> b.requestTimeout(Duration.ofMillis(300)));
        ok(c.discover("1"));
        mock.stalled.add("/redfish/v1/Chassis/1/Controls/PowerLimit");
        Throwable t = failure(c.readLimit("1"));
        assertThat(t).isInstanceOf(RedfishTimeoutException.class)
                .hasMessageContaining("GET /redfish/v1/Chassis/1/Controls/PowerLimit")
                .hasMessageContaining("no answer within 300 ms");
    }

    @Test
    void clientErrorCarriesTheExtendedInfo() {
        RedfishClient c = client();
        // chassis 2 publishes no range for its legacy limit; the service enforces 400..2000
        Throwable t = failure(c.setLimit("2", 5000));
        assertThat(t).isInstanceOf(RedfishException.class).isNotInstanceOf(RedfishRangeException.class)
                .hasMessageContaining("PATCH /redfish/v1/Chassis/2/Power").hasMessageContaining("HTTP 400")
                .hasMessageContaining("The value '5000' for the property PowerControl/0/PowerLimit/LimitInWatts is "
                        + "not in the supported range of acceptable values.")
                .hasMessageContaining("Base.1.18.PropertyValueOutOfRange");
        RedfishException e = (RedfishException) t;
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.resource()).isEqualTo("/redfish/v1/Chassis/2/Power");
        assertThat(e.messages()).hasSize(1);
        assertThat(mock.chassis.get("2").limitW).isEqualTo(1800.0);
    }

    @Test
    void staleEtagIsReadAgainAndRetriedOnce() throws Exception {
        RedfishClient c = client();
        mock.failNextIfMatch = true;
        assertThat(ok(c.setLimit("1", 2100)).limitW()).isEqualTo(2100.0);
        assertThat(mock.patchesTo("/redfish/v1/Chassis/1/Controls/PowerLimit")).isEqualTo(2);
        assertThat(mock.ifMatchSeen).containsExactly("W/\"1\"", "W/\"2\"");
    }

    @Test
    void certificateFromAnotherCaIsRefusedUnlessInsecure() throws Exception {
        RedfishClient pinnedElsewhere = client(b -> b.pinnedCa(otherCa.caPem()));
        Throwable t = failure(pinnedElsewhere.readLimit("1"));
        assertThat(t).isInstanceOf(RedfishException.class).hasMessageContaining("TLS");
        assertThat(mock.sessionsCreated.get()).isZero();

        RedfishClient insecure = client(RedfishConfig.Builder::insecure);
        assertThat(ok(insecure.readLimit("1")).limitW()).isEqualTo(2400.0);
    }
}
