package io.headroom.grid.openadr2b;

import io.headroom.grid.CommitmentBook;
import io.headroom.grid.OptDecision;
import io.headroom.grid.vtn.BenchVtn2b;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The 2.0b VEN against the bench VTN over HTTPS (TLS 1.2, client certificates) on 127.0.0.1. */
class Ven2bEndToEndIT {

    @TempDir
    Path dir;
    Ven2bFixture f;

    @BeforeEach
    void up() throws Exception {
        f = new Ven2bFixture(dir);
    }

    @AfterEach
    void down() throws Exception {
        f.close();
    }

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void registersTakesAnEventOptsInAndReportsTelemetryOverMutualTls() throws Exception {
        f.vtn.createEvent(Ven2bFixture.dispatchEvent("e1", f.eventStart, 400, 420));
        CommitmentBook book = new CommitmentBook();
        Ven2b ven = f.ven(f.config("ven-a").build(), book);
        await().atMost(WAIT).until(() -> book.all().size() == 2);
        assertThat(f.vtn.registrations()).singleElement().satisfies(r -> assertThat(r.venName()).isEqualTo("ven-a"));
        assertThat(book.importLimitAt(f.eventStart).getAsDouble()).isEqualTo(400_000);
        assertThat(book.importLimitAt(f.eventStart.plus(Duration.ofMinutes(20))).getAsDouble()).isEqualTo(420_000);
        await().atMost(WAIT).until(() -> f.vtn.createdEvents().size() == 1);
        assertThat(f.vtn.createdEvents().getFirst()).satisfies(c -> {
            assertThat(c.eventId()).isEqualTo("e1");
            assertThat(c.optType()).isEqualTo("optIn");
        });
        // reports registered with metadata; the VTN asked for both in its oadrRegisteredReport; the VEN took them
        await().atMost(WAIT).until(() -> f.vtn.pendingReportsSeen().size() == 2);
        assertThat(f.vtn.registeredReports().get(ven.status().venId()))
                .containsExactly(Ven2b.USAGE_SPECIFIER, Ven2b.STATUS_SPECIFIER);
        assertThat(ven.status().reportRequests()).hasSize(2);
        // ten minutes later: two updates of each, on the 5-minute schedule
        f.clock.advance(Duration.ofMinutes(10));
        await().atMost(WAIT).until(() -> f.vtn.reports().size() == 4);
        List<BenchVtn2b.ReceivedReport> usage = f.vtn.reports().stream().filter(r -> r.reportName().equals("TELEMETRY_USAGE")).toList();
        assertThat(usage).extracting(BenchVtn2b.ReceivedReport::start).containsExactly(Ven2bFixture.T0, f.eventStart);
        Map<String, String> before = usage.get(0).intervals().get(Ven2bFixture.T0);
        assertThat(Double.parseDouble(before.get("energy"))).isEqualTo(41.667);   // 500 kW × 5 min, kWh
        assertThat(Double.parseDouble(before.get("demand"))).isEqualTo(500.0);    // kW
        assertThat(Double.parseDouble(usage.get(1).intervals().get(f.eventStart).get("demand"))).isEqualTo(380.0);
        assertThat(f.vtn.reports().stream().filter(r -> r.reportName().equals("TELEMETRY_STATUS")).toList()).hasSize(2)
                .allSatisfy(r -> assertThat(r.intervals().values().iterator().next().get("status")).isEqualTo("online=true"));
        assertThat(f.vtn.cipherSuitesSeen()).containsExactly(OadrTls.ECDHE_ECDSA);
        assertThat(f.vtn.errors()).isEmpty();
        assertThat(f.vtn.duplicateUpdates()).isZero();
        await().atMost(WAIT).until(() -> ven.status().pendingMessages() == 0);
    }

    @Test
    void aScenarioFileDrivesTheBench() throws Exception {
        f.vtn.loadScenario(Path.of("src/test/resources/scenarios/evening-peak-2b.json"));
        CommitmentBook book = new CommitmentBook();
        f.ven(f.config("ven-s").build(), book);
        await().atMost(WAIT).until(() -> book.all().size() == 3);
        assertThat(book.importLimitAt(f.eventStart).getAsDouble()).isEqualTo(400_000);
        assertThat(book.simpleLevelAt(f.eventStart).getAsInt()).isEqualTo(1);
        assertThat(f.vtn.state().get("events").get(0).get("eventID").asText()).isEqualTo("evening-peak");
    }

    @Test
    void aLimitTheSiteCannotHoldIsRefusedWithAReasonWhileTheSiteShedsWhatItCan() throws Exception {
        f.vtn.createEvent(Ven2bFixture.dispatchEvent("deep", f.eventStart, 200));
        CommitmentBook book = new CommitmentBook();
        Ven2b ven = f.ven(f.config("ven-p").build(), book);
        await().atMost(WAIT).until(() -> f.vtn.createdEvents().size() == 1);
        assertThat(f.vtn.createdEvents().getFirst().optType()).isEqualTo("optOut");
        assertThat(f.vtn.createdEvents().getFirst().description()).contains("asked import ≤ 200.0 kW").contains("350.0 kW at best");
        assertThat(ven.decisions()).singleElement().satisfies(d -> assertThat(d.kind()).isEqualTo(OptDecision.Kind.OPT_PARTIAL));
        assertThat(book.importLimitAt(f.eventStart).getAsDouble()).isEqualTo(350_000);
        assertThat(f.vtn.errors()).isEmpty();
    }

    @Test
    void modificationsCancellationsAndEventsAbsentFromADistributeAreFollowed() throws Exception {
        f.vtn.createEvent(Ven2bFixture.dispatchEvent("e1", f.eventStart, 400));
        f.vtn.createEvent(Ven2bFixture.dispatchEvent("e2", f.eventStart.plus(Duration.ofHours(1)), 380));
        CommitmentBook book = new CommitmentBook();
        Ven2b ven = f.ven(f.config("ven-m").build(), book);
        await().atMost(WAIT).until(() -> book.all().size() == 2);
        f.vtn.modifyEvent(Ven2bFixture.dispatchEvent("e1", f.eventStart, 450));
        await().atMost(WAIT).until(() -> book.importLimitAt(f.eventStart).getAsDouble() == 450_000);
        await().atMost(WAIT).until(() -> f.vtn.createdEvents().stream().anyMatch(c -> c.eventId().equals("e1") && c.modificationNumber() == 1));
        f.vtn.cancelEvent("e2");
        await().atMost(WAIT).until(() -> book.importLimitAt(f.eventStart.plus(Duration.ofHours(1))).isEmpty());
        await().atMost(WAIT).until(() -> f.vtn.createdEvents().stream().anyMatch(c -> c.eventId().equals("e2") && c.modificationNumber() == 1));
        // a cancellation of an event this VEN never had: acknowledged, nothing changes
        f.vtn.createEvent(Ven2bFixture.dispatchEvent("ghost", f.eventStart, 100).withStatus("cancelled", 4));
        await().atMost(WAIT).until(() -> f.vtn.createdEvents().stream().anyMatch(c -> c.eventId().equals("ghost")));
        assertThat(ven.decisions()).anySatisfy(d -> assertThat(d.reason()).contains("never had"));
        assertThat(book.importLimitAt(f.eventStart).getAsDouble()).isEqualTo(450_000);
        // an event the VTN stops listing is cancelled implicitly
        f.vtn.removeEvent("e1");
        await().atMost(WAIT).until(() -> book.all().isEmpty());
        int answers = f.vtn.createdEvents().size();
        f.clock.advance(Duration.ofSeconds(30));
        f.vtn.createEvent(Ven2bFixture.dispatchEvent("e3", f.eventStart, 400));
        await().atMost(WAIT).until(() -> book.all().size() == 1);
        await().atMost(WAIT).until(() -> f.vtn.createdEvents().size() == answers + 1);   // only e3 is answered again
        assertThat(f.vtn.errors()).isEmpty();
    }

    @Test
    void maintenanceWindowsAreSentAsOptOutSchedulesAndEventsInThemAreRefused() throws Exception {
        Ven2bConfig.OptOutWindow maint = new Ven2bConfig.OptOutWindow("maint-1", f.eventStart.minus(Duration.ofMinutes(1)),
                Duration.ofHours(2), "x-schedule");
        f.vtn.createEvent(Ven2bFixture.dispatchEvent("e1", f.eventStart, 400));
        CommitmentBook book = new CommitmentBook();
        Ven2b ven = f.ven(f.config("ven-o").optOutWindows(List.of(maint)).build(), book);
        await().atMost(WAIT).until(() -> f.vtn.opts().size() == 1 && f.vtn.createdEvents().size() == 1);
        assertThat(f.vtn.opts().getFirst()).satisfies(o -> {
            assertThat(o.optId()).isEqualTo("maint-1");
            assertThat(o.optType()).isEqualTo("optOut");
            assertThat(o.optReason()).isEqualTo("x-schedule");
            assertThat(o.windowStarts()).containsExactly(maint.start());
            assertThat(o.windowDurations()).containsExactly(Duration.ofHours(2));
        });
        assertThat(f.vtn.createdEvents().getFirst().optType()).isEqualTo("optOut");
        assertThat(f.vtn.createdEvents().getFirst().description()).contains("maintenance window maint-1");
        assertThat(book.all()).isEmpty();
        ven.scheduleOptOut(new Ven2bConfig.OptOutWindow("maint-2", f.eventStart.plus(Duration.ofDays(1)), Duration.ofHours(1), "overrideStatus"));
        await().atMost(WAIT).until(() -> f.vtn.opts().size() == 2);
        ven.cancelOptOut("maint-2");
        await().atMost(WAIT).until(() -> f.vtn.opts().stream().anyMatch(o -> o.optId().equals("maint-2") && o.cancelled()));
        assertThat(f.vtn.errors()).isEmpty();
    }

    @Test
    void aVtnDownForAWhileGetsEveryReportOnceInOrderWhenItComesBack() throws Exception {
        CommitmentBook book = new CommitmentBook();
        Ven2b ven = f.ven(f.config("ven-d").build(), book);
        await().atMost(WAIT).until(() -> f.vtn.pendingReportsSeen().size() == 2 && ven.status().pendingMessages() == 0);
        f.vtn.stop();
        f.clock.advance(Duration.ofMinutes(30));
        await().atMost(WAIT).until(() -> ven.status().pendingMessages() == 12);   // 6 periods × 2 reports
        f.vtn.start();
        await().atMost(WAIT).until(() -> f.vtn.reports().size() == 12 && ven.status().pendingMessages() == 0);
        for (String name : List.of("TELEMETRY_USAGE", "TELEMETRY_STATUS")) {
            List<Instant> starts = f.vtn.reports().stream().filter(r -> r.reportName().equals(name)).map(BenchVtn2b.ReceivedReport::start).toList();
            assertThat(starts).hasSize(6).doesNotHaveDuplicates().isSorted();
        }
        assertThat(f.vtn.duplicateUpdates()).isZero();
        assertThat(f.vtn.errors()).isEmpty();
    }

    @Test
    void afterACrashTheVenResumesItsCommitmentsAndSendsWhatItOwesOnce() throws Exception {
        f.vtn.createEvent(Ven2bFixture.dispatchEvent("e1", f.eventStart, 400));
        Ven2bConfig cfg = f.config("ven-c").build();
        Ven2b first = f.ven(cfg, new CommitmentBook());
        await().atMost(WAIT).until(() -> f.vtn.createdEvents().size() == 1 && f.vtn.pendingReportsSeen().size() == 2
                && first.status().pendingMessages() == 0);
        f.vtn.stop();
        f.clock.advance(Duration.ofMinutes(5));
        await().atMost(WAIT).until(() -> first.status().pendingMessages() == 2);
        first.close();   // a crash: nothing but the journal survives
        f.vtn.start();
        CommitmentBook book = new CommitmentBook();
        Ven2b second = new Ven2b(cfg, book, f.oracle, f.telemetry, f.clock);
        f.vens.add(second);
        assertThat(book.importLimitAt(f.eventStart).getAsDouble()).isEqualTo(400_000);   // before any network
        second.start();
        await().atMost(WAIT).until(() -> f.vtn.reports().size() == 2 && second.status().pendingMessages() == 0);
        f.clock.advance(Duration.ofSeconds(1));
        await().atMost(WAIT).until(() -> second.status().lastPoll() != null && second.status().lastPoll().isAfter(Ven2bFixture.T0.plus(Duration.ofMinutes(5))));
        assertThat(f.vtn.createdEvents()).hasSize(1);   // e1 is not answered twice
        assertThat(f.vtn.registrations()).hasSize(1);
        assertThat(f.vtn.duplicateUpdates()).isZero();
    }

    @Test
    void theVenReRegistersWhenAskedCancelsItsRegistrationAndHonoursACancellationByTheVtn() throws Exception {
        CommitmentBook book = new CommitmentBook();
        Ven2b ven = f.ven(f.config("ven-r").build(), book);
        await().atMost(WAIT).until(() -> ven.status().registered() && f.vtn.pendingReportsSeen().size() == 2);
        String venId = ven.status().venId();
        String regId = ven.status().registrationId();
        long queries = count("oadrCreatePartyRegistration");
        f.vtn.requestReregistration(venId);
        await().atMost(WAIT).until(() -> count("oadrCreatePartyRegistration") == queries + 1);
        assertThat(ven.status().venId()).isEqualTo(venId);
        assertThat(ven.status().registrationId()).isEqualTo(regId);
        ven.cancelRegistration();
        assertThat(f.vtn.registrations()).isEmpty();
        assertThat(ven.status().registered()).isFalse();

        Ven2b other = f.ven(f.config("ven-x", "ven-2").build(), new CommitmentBook());
        await().atMost(WAIT).until(() -> other.status().registered());
        f.vtn.cancelRegistration(other.status().venId());
        await().atMost(WAIT).until(() -> !other.status().registered() && f.vtn.registrations().isEmpty());
        assertThat(f.vtn.received()).contains("oadrCanceledPartyRegistration");
        assertThat(f.vtn.errors()).isEmpty();
    }

    private long count(String message) {
        return f.vtn.received().stream().filter(message::equals).count();
    }

    @Test
    void malformedXmlABadEventAndAnUntrustedCertificateAreRefusedWithAReason() throws Exception {
        CommitmentBook book = new CommitmentBook();
        Ven2b ven = f.ven(f.config("ven-b").build(), book);
        await().atMost(WAIT).until(() -> ven.status().registered());
        String venId = ven.status().venId();
        // a poll reply that is not XML: logged and rejected, the VEN carries on
        f.vtn.injectPollReply(venId, "<oadr:oadrPayload><unclosed>");
        await().atMost(WAIT).until(() -> ven.status().rejected().stream().anyMatch(r -> r.contains("malformed XML")));
        // an event whose payload is not a number: opted out with the reason, nothing committed
        String bad = OadrMessages.distributeEvent("d-bad", "headroom-bench-vtn", List.of(Ven2bFixture.dispatchEvent("bad", f.eventStart, 400)))
                .replace("<ei:value>400</ei:value>", "<ei:value>four hundred</ei:value>");
        f.vtn.injectPollReply(venId, bad);
        await().atMost(WAIT).until(() -> f.vtn.createdEvents().stream().anyMatch(c -> c.eventId().equals("bad")));
        assertThat(f.vtn.createdEvents()).filteredOn(c -> c.eventId().equals("bad")).singleElement().satisfies(c -> {
            assertThat(c.optType()).isEqualTo("optOut");
            assertThat(c.description()).contains("'four hundred' is not a number");
        });
        f.vtn.createEvent(Ven2bFixture.dispatchEvent("good", f.eventStart, 400));
        await().atMost(WAIT).until(() -> book.importLimitAt(f.eventStart).isPresent());
        // the bench answers malformed XML with HTTP 400
        SSLContext ssl = f.config("ven-b").build().sslContext();
        HttpClient http = HttpClient.newBuilder().sslContext(ssl).sslParameters(io.headroom.grid.tls.TlsProfile.DEFAULT.parameters()).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(f.vtn.baseUrl() + "/OadrPoll"))
                .POST(HttpRequest.BodyPublishers.ofString("<not xml")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("malformed XML");
        // a VEN whose certificate another CA signed does not get through the handshake
        TestCerts.Party rogue = TestCerts.party("EC", "rogue-ca", "ven-1", false);
        Ven2b intruder = new Ven2b(Ven2bConfig.builder(URI.create(f.vtn.baseUrl()), "ven-rogue", dir.resolve("rogue.db"))
                .tls(rogue.cert(), rogue.key(), f.vtnCert.ca()).httpTimeout(Duration.ofSeconds(5)).build(), new CommitmentBook(),
                f.oracle, f.telemetry, f.clock);
        f.vens.add(intruder);
        intruder.tickNow();
        assertThat(intruder.status().registered()).isFalse();
        assertThat(f.vtn.registrations()).extracting(BenchVtn2b.Registration::venName).containsExactly("ven-b");
    }
}
