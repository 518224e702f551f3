package io.headroom.grid.openadr3;

import com.fasterxml.jackson.databind.JsonNode;
import io.headroom.grid.Commitment;
import io.headroom.grid.CommitmentBook;
import io.headroom.grid.FlexibilityOracle;
import io.headroom.grid.OptDecision;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The 3.1 VEN against the bench VTN over real HTTP on 127.0.0.1, with OAuth2. */
class Ven3EndToEndIT {

    @TempDir
    Path dir;
    Ven3Fixture f;

    @BeforeEach
    void up() throws Exception {
        f = new Ven3Fixture(dir);
    }

    @AfterEach
    void down() throws Exception {
        f.close();
    }

    @Test
    void registersTakesAnEventOptsInAndReportsUsageDemandBaselineAndShed() throws Exception {
        String programId = f.program("headroom-dr").get("id").asText();
        String eventId = f.vtn.createEvent(f.event(programId, "evening peak", f.eventStart, 400, 420)).get("id").asText();
        CommitmentBook book = new CommitmentBook();
        try (Ven3 ven = f.ven(f.config("ven-a").build(), book)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> book.all().size() == 2);
            assertThat(f.vtn.all("vens")).singleElement().satisfies(v -> {
                assertThat(v.get("venName").asText()).isEqualTo("ven-a");
                assertThat(v.get("clientID").asText()).isEqualTo("ven-client");
            });
            assertThat(f.vtn.all("resources")).singleElement().satisfies(r -> assertThat(r.get("resourceName").asText()).isEqualTo("site"));
            assertThat(book.importLimitAt(f.eventStart).getAsDouble()).isEqualTo(400_000);
            assertThat(book.importLimitAt(f.eventStart.plus(Duration.ofMinutes(20))).getAsDouble()).isEqualTo(420_000);
            assertThat(ven.decisions()).singleElement().satisfies(d -> assertThat(d.kind()).isEqualTo(OptDecision.Kind.OPT_IN));
            // the opt report
            await().atMost(Duration.ofSeconds(10)).until(() -> f.reportsNamed("headroom-opt:" + eventId) == 1);
            // nothing more until the last interval is over
            assertThat(f.reportsNamed("headroom:")).isZero();
            f.clock.advance(Duration.ofMinutes(40));
            await().atMost(Duration.ofSeconds(10)).until(() -> f.reportsNamed("headroom:" + eventId) == 1);
            JsonNode r = f.vtn.reports().stream().filter(x -> x.get("reportName").asText().startsWith("headroom:")).findFirst().orElseThrow();
            assertThat(r.get("eventID").asText()).isEqualTo(eventId);
            assertThat(r.get("clientName").asText()).isEqualTo("ven-a");
            assertThat(r.has("programID")).isFalse();
            JsonNode iv = r.get("resources").get(0).get("intervals");
            // 2 event intervals × 4 payload types, one payload per interval (issue #24: most VTNs expect one)
            assertThat(iv).hasSize(8);
            iv.forEach(i -> assertThat(i.get("payloads")).hasSize(1));
            JsonNode first = iv.get(0);
            assertThat(first.get("id").asInt()).isZero();
            assertThat(first.get("intervalPeriod").get("start").asText()).isEqualTo(f.eventStart.toString());
            assertThat(first.get("intervalPeriod").get("duration").asText()).isEqualTo("PT15M");
            assertThat(value(iv, 0, "USAGE")).isEqualTo(95.0);       // 380 kW × 0.25 h in kWh
            assertThat(value(iv, 0, "DEMAND")).isEqualTo(380.0);     // kW
            assertThat(value(iv, 0, "BASELINE")).isEqualTo(500.0);   // kW, metered the hour before (500 kW)
            assertThat(value(iv, 0, "DELTA_USAGE")).isEqualTo(-30.0); // kWh: 120 kW shed for 15 min
            // The VEN marks the report sent once the VTN's answer is back (after the VTN has stored it).
            await().atMost(Duration.ofSeconds(10)).until(() -> ven.status().pendingReports() == 0);
        }
    }

    /** The value of {@code type} for event interval {@code id} among a report's intervals. */
    static double value(JsonNode intervals, int id, String type) {
        for (JsonNode interval : intervals) {
            for (JsonNode p : interval.get("payloads")) {
                if (interval.get("id").asInt() == id && p.get("type").asText().equals(type)) {
                    return p.get("values").get(0).asDouble();
                }
            }
        }
        throw new AssertionError(type + " of interval " + id + " missing in " + intervals);
    }

    @Test
    void aLimitTheSiteCannotHoldIsCommittedPartiallyOrRefusedWithAReason() throws Exception {
        String programId = f.program("p").get("id").asText();
        f.vtn.createEvent(f.event(programId, "too deep", f.eventStart, 200));
        CommitmentBook partialBook = new CommitmentBook();
        try (Ven3 ven = f.ven(f.config("ven-partial").build(), partialBook)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !ven.decisions().isEmpty());
            OptDecision d = ven.decisions().getFirst();
            assertThat(d.kind()).isEqualTo(OptDecision.Kind.OPT_PARTIAL);
            assertThat(d.reason()).contains("asked import ≤ 200.0 kW").contains("350.0 kW at best");
            assertThat(partialBook.importLimitAt(f.eventStart).getAsDouble()).isEqualTo(350_000);
        }
        CommitmentBook outBook = new CommitmentBook();
        try (Ven3 ven = f.ven(f.config("ven-out").partialOptAllowed(false).build(), outBook)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !ven.decisions().isEmpty());
            assertThat(ven.decisions().getFirst().kind()).isEqualTo(OptDecision.Kind.OPT_OUT);
            assertThat(outBook.all()).isEmpty();
            await().atMost(Duration.ofSeconds(10)).until(() -> f.vtn.reports().stream()
                    .anyMatch(r -> r.get("clientName").asText().equals("ven-out")
                            && r.toString().contains("\"OPT_OUT\"")));
        }
    }

    @Test
    void overlappingEventsBothBindAndTheLowestLimitWins() throws Exception {
        String programId = f.program("p").get("id").asText();
        f.vtn.createEvent(f.event(programId, "a", f.eventStart, 420, 420));
        f.vtn.createEvent(f.event(programId, "b", f.eventStart.plus(Duration.ofMinutes(10)), 380));
        CommitmentBook book = new CommitmentBook();
        try (Ven3 ven = f.ven(f.config("ven-o").build(), book)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> book.all().size() == 3);
            assertThat(book.importLimitAt(f.eventStart).getAsDouble()).isEqualTo(420_000);
            assertThat(book.importLimitAt(f.eventStart.plus(Duration.ofMinutes(12))).getAsDouble()).isEqualTo(380_000);
            assertThat(book.importLimitAt(f.eventStart.plus(Duration.ofMinutes(26))).getAsDouble()).isEqualTo(420_000);
            assertThat(ven.decisions()).hasSize(2).allMatch(d -> d.kind() == OptDecision.Kind.OPT_IN);
        }
    }

    @Test
    void aModifiedEventIsReDecidedAndADeletedOneWithdrawn() throws Exception {
        String programId = f.program("p").get("id").asText();
        String eventId = f.vtn.createEvent(f.event(programId, "e", f.eventStart, 400)).get("id").asText();
        CommitmentBook book = new CommitmentBook();
        try (Ven3 ven = f.ven(f.config("ven-m").build(), book)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> book.importLimitAt(f.eventStart).isPresent());
            f.clock.advance(Duration.ofSeconds(1));
            f.vtn.updateEvent(eventId, f.event(programId, "e", f.eventStart, 450));
            await().atMost(Duration.ofSeconds(10)).until(() -> book.importLimitAt(f.eventStart).getAsDouble() == 450_000);
            assertThat(ven.decisions()).hasSize(2);
            f.vtn.deleteEvent(eventId);
            await().atMost(Duration.ofSeconds(10)).until(() -> book.all().isEmpty());
        }
    }

    @Test
    void anExpiredTokenIsReplacedAndTheVenCarriesOn() throws Exception {
        String programId = f.program("p").get("id").asText();
        CommitmentBook book = new CommitmentBook();
        try (Ven3 ven = f.ven(f.config("ven-t").build(), book)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> ven.status().lastPoll() != null);
            f.vtn.expireTokens();
            f.vtn.createEvent(f.event(programId, "after expiry", f.eventStart, 400));
            await().atMost(Duration.ofSeconds(10)).until(() -> book.all().size() == 1);
            assertThat(book.importLimitAt(f.eventStart).getAsDouble()).isEqualTo(400_000);
        }
    }

    @Test
    void aVtnDownForAWhileGetsEveryReportOnceInOrderWhenItComesBack() throws Exception {
        String programId = f.program("p").get("id").asText();
        String eventId = f.vtn.createEvent(f.event(programId, "periodic", f.eventStart, 400, 400, 400, 400)
                .put("eventName", "periodic")).get("id").asText();
        // one report per interval
        var ev = f.vtn.all("events").getFirst();
        for (JsonNode d : ev.get("reportDescriptors")) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) d).put("frequency", 1).put("repeat", -1).put("startInterval", 0);
        }
        f.vtn.updateEvent(eventId, ev);
        CommitmentBook book = new CommitmentBook();
        try (Ven3 ven = f.ven(f.config("ven-d").build(), book)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> f.reportsNamed("headroom-opt:") >= 1 && ven.status().pendingReports() == 0);
            f.vtn.stop();
            f.clock.advance(Duration.ofMinutes(5 + 60 + 1)); // all four intervals over, VTN down
            await().atMost(Duration.ofSeconds(10)).until(() -> ven.status().pendingReports() == 4);
            assertThat(f.reportsNamed("headroom:")).isZero();
            f.vtn.start();
            await().atMost(Duration.ofSeconds(15)).until(() -> ven.status().pendingReports() == 0);
            List<String> names = f.vtn.reports().stream().map(r -> r.get("reportName").asText()).filter(n -> n.startsWith("headroom:")).toList();
            assertThat(names).containsExactly(ReportPlanner.key(eventId, 0, 0), ReportPlanner.key(eventId, 0, 1),
                    ReportPlanner.key(eventId, 0, 2), ReportPlanner.key(eventId, 0, 3));
        }
    }

    @Test
    void afterACrashTheVenResumesItsCommitmentsAndSendsWhatItOwesOnce() throws Exception {
        String programId = f.program("p").get("id").asText();
        String eventId = f.vtn.createEvent(f.event(programId, "crash", f.eventStart, 400, 410)).get("id").asText();
        Ven3Config cfg = f.config("ven-c").build();
        CommitmentBook before = new CommitmentBook();
        Ven3 first = f.ven(cfg, before);
        await().atMost(Duration.ofSeconds(10)).until(() -> first.status().pendingReports() == 0 && f.reportsNamed("headroom-opt:") == 1);
        f.vtn.stop();
        f.clock.advance(Duration.ofMinutes(40));
        await().atMost(Duration.ofSeconds(10)).until(() -> first.status().pendingReports() == 1);
        first.close(); // the crash: nothing flushed beyond what was journaled

        CommitmentBook after = new CommitmentBook();
        Ven3 second = new Ven3(cfg, after, f.oracle, f.telemetry, f.clock, null);
        try {
            // restored before any network
            assertThat(after.all()).containsExactlyInAnyOrderElementsOf(before.all());
            assertThat(second.status().pendingReports()).isEqualTo(1);
            second.start();
            f.vtn.start();
            await().atMost(Duration.ofSeconds(15)).until(() -> second.status().pendingReports() == 0);
            assertThat(f.reportsNamed("headroom:" + eventId)).isEqualTo(1);
            assertThat(f.reportsNamed("headroom-opt:" + eventId)).isEqualTo(1);
            assertThat(second.decisions()).hasSize(1);
        } finally {
            second.close();
        }
    }

    @Test
    void aReportWhoseSendHadAnUnknownOutcomeIsNotSentTwice() throws Exception {
        String programId = f.program("p").get("id").asText();
        String eventId = f.vtn.createEvent(f.event(programId, "once", f.eventStart, 400)).get("id").asText();
        Ven3Config cfg = f.config("ven-u").build();
        Ven3 first = f.ven(cfg, new CommitmentBook());
        f.clock.advance(Duration.ofMinutes(30));
        await().atMost(Duration.ofSeconds(10)).until(() -> f.reportsNamed("headroom:" + eventId) == 1 && first.status().pendingReports() == 0);
        first.close();
        // the crash came after the VTN took the report, before the journal recorded it as sent
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + cfg.journal()); var s = c.createStatement()) {
            assertThat(s.executeUpdate("UPDATE outbox SET sent_ms = NULL WHERE key LIKE 'headroom:%'")).isEqualTo(1);
        }
        try (Ven3 second = f.ven(cfg, new CommitmentBook())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> second.status().pendingReports() == 0);
            assertThat(f.reportsNamed("headroom:" + eventId)).isEqualTo(1);
        }
    }

    @Test
    void aMalformedEventIsRejectedWithAReasonAndNothingIsCommitted() throws Exception {
        String programId = f.program("p").get("id").asText();
        var bad = f.event(programId, "bad", f.eventStart, 400);
        ((com.fasterxml.jackson.databind.node.ArrayNode) bad.get("intervals").get(0).get("payloads").get(0).get("values")).removeAll().add("lots");
        String badId = f.vtn.createEvent(bad).get("id").asText();
        f.vtn.createEvent(f.event(programId, "good", f.eventStart, 400).put("someFutureField", 42));
        CommitmentBook book = new CommitmentBook();
        try (Ven3 ven = f.ven(f.config("ven-b").build(), book)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> book.all().size() == 1 && !ven.status().rejected().isEmpty());
            assertThat(ven.status().rejected()).singleElement().satisfies(r -> assertThat(r).startsWith(badId + "@"));
            assertThat(book.all()).allMatch(c -> !c.origin().equals(badId));
            assertThat(book.all().getFirst()).isInstanceOf(Commitment.ImportLimit.class);
        }
    }

    @Test
    void aSiteWithoutFlexibilityOptsOutOfSimpleLevels() throws Exception {
        f.oracle = FlexibilityOracle.none(500_000);
        String programId = f.program("p").get("id").asText();
        var e = Json.MAPPER.createObjectNode().put("programID", programId);
        e.putObject("intervalPeriod").put("start", f.eventStart.toString()).put("duration", "PT1H");
        e.putArray("intervals").addObject().put("id", 7).putArray("payloads").addObject().put("type", "SIMPLE").putArray("values").add(2);
        f.vtn.createEvent(e);
        CommitmentBook book = new CommitmentBook();
        try (Ven3 ven = f.ven(f.config("ven-s").partialOptAllowed(false).build(), book)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !ven.decisions().isEmpty());
            assertThat(ven.decisions().getFirst().kind()).isEqualTo(OptDecision.Kind.OPT_OUT);
            assertThat(ven.decisions().getFirst().reason()).contains("SIMPLE level 2");
            assertThat(book.simpleLevelAt(f.eventStart)).isEmpty();
        }
    }
}
