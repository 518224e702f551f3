package io.headroom.grid.openadr2b;

import io.headroom.testsupport.TestClock;
import io.headroom.grid.CommitmentBook;
import io.headroom.grid.vtn.BenchVtn2b;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * XML signatures with replay protection, end to end: the VEN and the bench VTN both sign and verify, over mutual TLS;
 * every signed message the bench receives is validated against the XSDs (with the ReplayProtect schema). Refusals
 * are shown both ways: what the VEN sends (direct posts with the VEN's certificate) and what the VTN answers (the
 * bench's reply filter tampers, replays or re-signs a reply).
 */
class Ven2bSignatureIT {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;
    Ven2bFixture f;

    @BeforeEach
    void up() throws Exception {
        f = new Ven2bFixture(dir, BenchVtn2b.Options.loopback().telemetryOnRegister(Duration.ofMinutes(5)).xmlSignature(true));
    }

    @AfterEach
    void down() throws Exception {
        f.close();
    }

    private Ven2b signingVen(CommitmentBook book) throws Exception {
        return f.ven(f.config("ven-sig").xmlSignature(true).build(), book);
    }

    @Test
    void aSignedRegistrationPollEventAndReportRoundTripOverMutualTls() throws Exception {
        f.vtn.createEvent(Ven2bFixture.dispatchEvent("e1", f.eventStart, 400, 420));
        CommitmentBook book = new CommitmentBook();
        Ven2b ven = signingVen(book);
        await().atMost(WAIT).until(() -> book.all().size() == 2);
        assertThat(f.vtn.registrations()).singleElement().satisfies(r -> assertThat(r.xmlSignature()).isTrue());
        await().atMost(WAIT).until(() -> f.vtn.createdEvents().size() == 1);
        assertThat(f.vtn.createdEvents().getFirst().optType()).isEqualTo("optIn");
        await().atMost(WAIT).until(() -> f.vtn.pendingReportsSeen().size() == 2);
        // both sides share the clock; a message in flight across a jump sees the jump as skew, so the test moves
        // time by no more than the window at once
        f.clock.advance(Duration.ofMinutes(5));
        await().atMost(WAIT).until(() -> f.vtn.reports().size() == 2);
        f.clock.advance(Duration.ofMinutes(5));
        await().atMost(WAIT).until(() -> f.vtn.reports().size() == 4);
        await().atMost(WAIT).until(() -> ven.status().pendingMessages() == 0);
        // every request was signed and accepted (registration, poll, request event, created event, reports ...)
        assertThat(f.vtn.received()).contains("oadrCreatePartyRegistration", "oadrPoll", "oadrRequestEvent", "oadrCreatedEvent",
                "oadrRegisterReport", "oadrCreatedReport", "oadrUpdateReport");
        assertThat(f.vtn.signedReceived()).isEqualTo(f.vtn.received().size());
        assertThat(f.vtn.signatureRefusals()).isEmpty();
        assertThat(f.vtn.errors()).as("signed messages validate against the XSDs").isEmpty();
        assertThat(ven.status().rejected()).as("the bench's signed replies verify").isEmpty();
        assertThat(f.vtn.duplicateUpdates()).isZero();
    }

    @Test
    void aVenThatDoesNotSignIsRefusedByASigningVtnAndRegistersNothing() throws Exception {
        CommitmentBook book = new CommitmentBook();
        Ven2b ven = f.ven(f.config("ven-plain").build(), book);
        await().atMost(WAIT).until(() -> !f.vtn.signatureRefusals().isEmpty());
        assertThat(f.vtn.signatureRefusals().getFirst()).contains("missing signature");
        assertThat(f.vtn.registrations()).isEmpty();
        assertThat(ven.status().registered()).isFalse();
    }

    // ---- what the VEN sends, refused by the VTN ----

    private String post(TestCerts.Party tls, String service, String body) throws Exception {
        try (HttpClient c = HttpClient.newBuilder().sslContext(OadrTls.clientContext(tls.cert(), tls.key(), tls.ca()))
                .sslParameters(io.headroom.grid.tls.TlsProfile.DEFAULT.parameters()).build()) {
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(f.vtn.baseUrl() + "/" + service))
                    .header("Content-Type", "application/xml").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            return r.body();
        }
    }

    private static String registration() {
        return OadrMessages.createPartyRegistration("r1", null, null, "hall-1", false, true);
    }

    @Test
    void theVtnRefusesATamperedPayloadAndAppliesNothing() throws Exception {
        TestCerts.Party ven = TestCerts.party("EC", "bench-ca", "ven-1", false);
        String signed = OadrSignatureIT.of(ven, f.clock).sign(registration());
        String tampered = signed.replace("hall-1", "hall-2");
        assertThat(tampered).hasSameSizeAs(signed).isNotEqualTo(signed);
        String reply = post(ven, "EiRegisterParty", tampered);
        assertThat(reply).contains("452").contains("signature refused");
        assertThat(f.vtn.signatureRefusals()).singleElement().asString().contains("digest of the oadrSignedObject");
        assertThat(f.vtn.registrations()).isEmpty();
        // the refusal itself is signed by the VTN
        TestCerts.Party vtnSide = TestCerts.party("EC", "bench-ca", "ven-1", false);
        assertThat(OadrSignatureIT.of(vtnSide, f.clock).verify(reply, null, true).signed()).isTrue();
        post(ven, "EiRegisterParty", signed);
        assertThat(f.vtn.registrations()).singleElement().satisfies(r -> assertThat(r.venName()).isEqualTo("hall-1"));
    }

    @Test
    void theVtnRefusesAReplayedMessageAndAppliesItOnce() throws Exception {
        TestCerts.Party ven = TestCerts.party("EC", "bench-ca", "ven-1", false);
        OadrSignature sig = OadrSignatureIT.of(ven, f.clock);
        post(ven, "EiRegisterParty", sig.sign(registration()));
        String venId = f.vtn.registrations().getFirst().venId();
        String opt = sig.sign(OadrMessages.createOpt("o1", "maint-1", "optOut", "x-schedule", venId,
                List.of(new OadrMessages.OptWindow(f.eventStart, Duration.ofHours(1))), f.clock.instant(), "site", null, null));
        assertThat(post(ven, "EiOpt", opt)).contains("oadrCreatedOpt");
        assertThat(f.vtn.opts()).hasSize(1);
        f.clock.advance(Duration.ofMinutes(1));
        assertThat(post(ven, "EiOpt", opt)).contains("signature refused");
        assertThat(f.vtn.signatureRefusals()).singleElement().asString().contains("replay: nonce");
        assertThat(f.vtn.opts()).hasSize(1);
    }

    @Test
    void theVtnRefusesAStaleTimestamp() throws Exception {
        TestCerts.Party ven = TestCerts.party("EC", "bench-ca", "ven-1", false);
        TestClock venClock = new TestClock(f.clock.instant().minus(Duration.ofMinutes(6)));
        post(ven, "EiRegisterParty", OadrSignatureIT.of(ven, venClock).sign(registration()));
        assertThat(f.vtn.signatureRefusals()).singleElement().asString().contains("stale timestamp").contains("PT5M");
        assertThat(f.vtn.registrations()).isEmpty();
        venClock.advance(Duration.ofMinutes(2));   // 4 min behind: inside the window
        post(ven, "EiRegisterParty", OadrSignatureIT.of(ven, venClock).sign(registration()));
        assertThat(f.vtn.registrations()).hasSize(1);
    }

    @Test
    void theVtnRefusesASignatureByACertificateItsCaDidNotIssueOrThatIsNotTheClients() throws Exception {
        TestCerts.Party ven = TestCerts.party("EC", "bench-ca", "ven-1", false);
        TestCerts.Party rogue = TestCerts.party("EC", "rogue-ca", "ven-1", false);
        TestCerts.Party other = TestCerts.party("EC", "bench-ca", "ven-2", false);
        post(ven, "EiRegisterParty", OadrSignatureIT.of(rogue, f.clock).sign(registration()));
        post(ven, "EiRegisterParty", OadrSignatureIT.of(other, f.clock).sign(registration()));
        assertThat(f.vtn.signatureRefusals()).hasSize(2);
        assertThat(f.vtn.signatureRefusals().get(0)).contains("CN=ven-1").contains("is not issued by the configured CA");
        assertThat(f.vtn.signatureRefusals().get(1)).contains("CN=ven-2").contains("not the TLS peer's");
        assertThat(f.vtn.registrations()).isEmpty();
    }

    // ---- what the VTN answers, refused by the VEN ----

    /** The VEN registers; with the filter on the distribute of e1, it refuses it (reason) and commits nothing. */
    private void theVenRefusesTheDistribute(UnaryOperator<String> onDistribute, String reason) throws Exception {
        CommitmentBook book = new CommitmentBook();
        Ven2b ven = signingVen(book);
        await().atMost(WAIT).until(() -> ven.status().registered());
        f.vtn.replyFilter(b -> b.contains("oadrDistributeEvent") ? onDistribute.apply(b) : b);
        f.vtn.createEvent(Ven2bFixture.dispatchEvent("e1", f.eventStart, 400));
        await().atMost(WAIT).until(() -> ven.status().rejected().stream().anyMatch(r -> r.contains(reason)));
        ven.tickNow();
        assertThat(book.all()).isEmpty();
        assertThat(ven.decisions()).isEmpty();
        assertThat(f.vtn.createdEvents()).isEmpty();
        // the same event, no longer tampered with, is taken: the filter was the only difference
        f.vtn.replyFilter(null);
        f.vtn.modifyEvent(Ven2bFixture.dispatchEvent("e1", f.eventStart, 400));
        await().atMost(WAIT).until(() -> book.all().size() == 1);
        assertThat(f.vtn.signatureRefusals()).isEmpty();
    }

    @Test
    void theVenRefusesATamperedReply() throws Exception {
        theVenRefusesTheDistribute(b -> b.replace("<ei:eventID>e1<", "<ei:eventID>e2<"), "digest of the oadrSignedObject");
    }

    @Test
    void theVenRefusesAReplyWithAStaleTimestamp() throws Exception {
        TestCerts.Party vtn = TestCerts.party("EC", "bench-ca", "vtn", true);
        OadrSignature stale = OadrSignatureIT.of(vtn, new TestClock(f.clock.instant().minus(Duration.ofMinutes(10))));
        theVenRefusesTheDistribute(stale::sign, "stale timestamp");
    }

    @Test
    void theVenRefusesAReplySignedByACertificateTheCaDidNotIssue() throws Exception {
        TestCerts.Party rogue = TestCerts.party("EC", "rogue-ca", "vtn", true);
        theVenRefusesTheDistribute(OadrSignatureIT.of(rogue, f.clock)::sign, "is not issued by the configured CA");
    }

    @Test
    void theVenRefusesAReplayedReplyAndAppliesNothingOfIt() throws Exception {
        CommitmentBook book = new CommitmentBook();
        Ven2b ven = signingVen(book);
        await().atMost(WAIT).until(() -> ven.status().registered() && f.vtn.registeredReports().containsKey(ven.status().venId()));
        String venId = ven.status().venId();
        AtomicReference<String> captured = new AtomicReference<>();
        AtomicBoolean replay = new AtomicBoolean();
        f.vtn.replyFilter(b -> {
            if (b.contains("oadrCreateReport") && captured.get() == null) {
                captured.set(b);
            } else if (b.contains("oadrResponse") && captured.get() != null && replay.compareAndSet(true, false)) {
                return captured.get();
            }
            return b;
        });
        f.vtn.requestReport(venId, new ReportRequest("rr-x", Ven2b.USAGE_SPECIFIER, Duration.ofMinutes(5), Duration.ofMinutes(5),
                null, null, List.of("energy", "demand"), null));
        await().atMost(WAIT).until(() -> ven.status().reportRequests().contains("rr-x"));
        f.vtn.cancelReport(venId, "rr-x");
        await().atMost(WAIT).until(() -> !ven.status().reportRequests().contains("rr-x"));
        // the VTN's signed oadrCreateReport, sent again word for word: without replay protection the VEN would take
        // the cancelled request back
        replay.set(true);
        await().atMost(WAIT).until(() -> ven.status().rejected().stream().anyMatch(r -> r.contains("replay: nonce")));
        ven.tickNow();
        assertThat(ven.status().reportRequests()).doesNotContain("rr-x");
        assertThat(f.vtn.signatureRefusals()).isEmpty();
    }
}
