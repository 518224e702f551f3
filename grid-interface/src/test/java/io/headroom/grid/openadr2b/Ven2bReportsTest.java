package io.headroom.grid.openadr2b;

import io.headroom.grid.Commitment;
import io.headroom.grid.CommitmentBook;
import io.headroom.grid.SiteTelemetry;
import io.headroom.grid.journal.VenJournal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalDouble;

import static org.assertj.core.api.Assertions.assertThat;

class Ven2bReportsTest {

    static final Instant T0 = Instant.parse("2026-11-22T16:00:00Z");

    @TempDir
    Path dir;
    VenJournal journal;
    Ven2bReports reports;
    final CommitmentBook book = new CommitmentBook();
    /** A steady 500 kW. */
    final SiteTelemetry telemetry = (from, to) -> OptionalDouble.of(500_000.0 * Duration.between(from, to).toMillis() / 3_600_000.0);

    @BeforeEach
    void open() {
        Ven2bConfig cfg = FakeTransport.config(dir).resourceId("hall-1-load").build();
        journal = new VenJournal(cfg.journal());
        reports = new Ven2bReports(cfg, journal, book, telemetry, () -> "ven-7");
    }

    @AfterEach
    void close() {
        journal.close();
    }

    private static ReportRequest usage(String id, Duration granularity, Duration back) {
        return new ReportRequest(id, Ven2b.USAGE_SPECIFIER, granularity, back, null, null, List.of(), T0);
    }

    private List<String> keys() {
        return journal.pending().stream().map(VenJournal.OutboxEntry::key).toList();
    }

    @Test
    void theReportsAreRegisteredOncePerRegistration() {
        reports.registerOnce("reg-1", T0);
        reports.registerOnce("reg-1", T0.plusSeconds(10));
        reports.registerOnce("reg-2", T0.plusSeconds(20));
        assertThat(keys()).containsExactly("registerReport:reg-1", "registerReport:reg-2");
        assertThat(journal.pending().getFirst().body()).contains("oadrRegisterReport", Ven2b.USAGE_SPECIFIER, Ven2b.STATUS_SPECIFIER,
                "METADATA_TELEMETRY_USAGE", "METADATA_TELEMETRY_STATUS", "hall-1-load");
    }

    @Test
    void aRequestItCanServeIsAcceptedTheOthersRefusedInOneCreatedReport() {
        reports.accept(List.of(usage("rr-1", Duration.ofMinutes(1), Duration.ofMinutes(5)),
                new ReportRequest("rr-2", "someone-elses", Duration.ofMinutes(1), Duration.ofMinutes(5), null, null, List.of(), T0),
                usage("rr-3", Duration.ofSeconds(10), Duration.ofMinutes(5))), "cr-1", T0);
        assertThat(reports.pendingReportIds()).containsExactly("rr-1");
        assertThat(journal.pending()).singleElement().satisfies(o -> {
            assertThat(o.key()).isEqualTo("createdReport:cr-1");
            assertThat(o.body()).contains("452", "reportRequestID rr-2: unknown reportSpecifierID someone-elses",
                    "reportRequestID rr-3: granularity PT10S", "rr-1");
        });
    }

    @Test
    void theUpdatesThatFellDueAreQueuedWithTheSitesTelemetry() {
        reports.accept(List.of(usage("rr-1", Duration.ofMinutes(1), Duration.ofMinutes(5))), "cr-1", T0);
        reports.queueDue(T0.plus(Duration.ofMinutes(4)));
        assertThat(keys()).containsExactly("createdReport:cr-1");

        reports.queueDue(T0.plus(Duration.ofMinutes(11)));
        long first = T0.plus(Duration.ofMinutes(5)).toEpochMilli();
        long second = T0.plus(Duration.ofMinutes(10)).toEpochMilli();
        assertThat(keys()).containsExactly("createdReport:cr-1", "updateReport:rr-1:" + first, "updateReport:rr-1:" + second);
        // 500 kW for a minute: 8.333 kWh per interval, demand 500 kW
        assertThat(journal.pending().get(1).body()).contains("oadrUpdateReport", "TELEMETRY_USAGE", "8.333", "500");

        reports.queueDue(T0.plus(Duration.ofMinutes(11)));
        assertThat(keys()).as("each period once").hasSize(3);
    }

    @Test
    void theStatusReportCarriesTheBooksImportLimit() {
        book.accept(new Commitment.ImportLimit("c1", T0, T0.plus(Duration.ofHours(1)), 420_000, "e1"));
        reports.accept(List.of(new ReportRequest("rr-s", Ven2b.STATUS_SPECIFIER, Duration.ofMinutes(1), Duration.ofMinutes(1), null, null,
                List.of(), T0)), "cr-1", T0);
        reports.queueDue(T0.plus(Duration.ofMinutes(1)));
        assertThat(journal.pending().getLast().body()).contains("TELEMETRY_STATUS", "420");
    }

    @Test
    void aCancelledRequestIsForgottenAndTheCancellationAcknowledged() {
        reports.accept(List.of(usage("rr-1", Duration.ofMinutes(1), Duration.ofMinutes(5)),
                usage("rr-2", Duration.ofMinutes(1), Duration.ofMinutes(5))), "cr-1", T0);
        reports.onCancelReport(Xml.message(OadrMessages.cancelReport("x-1", List.of("rr-1"), false, "ven-7")), T0.plusSeconds(30));
        assertThat(reports.pendingReportIds()).containsExactly("rr-2");
        assertThat(journal.pending().getLast()).satisfies(o -> {
            assertThat(o.key()).isEqualTo("canceledReport:x-1");
            assertThat(o.body()).contains("oadrCanceledReport", "rr-2");
        });
        reports.queueDue(T0.plus(Duration.ofMinutes(5)));
        assertThat(keys()).filteredOn(k -> k.startsWith("updateReport:")).containsExactly(
                "updateReport:rr-2:" + T0.plus(Duration.ofMinutes(5)).toEpochMilli());
    }

    @Test
    void theVtnsRequestsInARegisteredReportAreTakenAsACreateReport() {
        String reply = OadrMessages.registeredReport("200", "reg-rr", List.of(usage("rr-9", Duration.ofMinutes(1), Duration.ofMinutes(5))),
                "ven-7");
        reports.onReply(Xml.message(reply), T0);
        assertThat(reports.pendingReportIds()).containsExactly("rr-9");
        assertThat(keys()).containsExactly("createdReport:reg-rr");
    }
}
