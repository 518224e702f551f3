package io.headroom.grid.openadr2b;

import io.headroom.grid.CommitmentBook;
import io.headroom.grid.FlexibilityOracle;
import io.headroom.grid.OptDecision;
import io.headroom.grid.journal.VenJournal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class Ven2bEventsTest {

    static final Instant T0 = Instant.parse("2026-11-22T16:00:00Z");
    static final Instant START = T0.plus(Duration.ofMinutes(5));

    @TempDir
    Path dir;
    Ven2bConfig cfg;
    VenJournal journal;
    final CommitmentBook book = new CommitmentBook();
    final List<String> rejected = new ArrayList<>();
    /** Expected 500 kW, 150 kW flexible, 300 kW critical floor: the site can hold 350 kW. */
    final FlexibilityOracle oracle = (s, e) -> new FlexibilityOracle.Flexibility(500_000, 150_000, 300_000, 0);

    @BeforeEach
    void open() {
        cfg = FakeTransport.config(dir).optOutWindows(List.of(new Ven2bConfig.OptOutWindow("maint", T0.plus(Duration.ofHours(2)),
                Duration.ofHours(1), "x-schedule"))).build();
        journal = new VenJournal(cfg.journal());
    }

    @AfterEach
    void close() {
        journal.close();
    }

    private Ven2bEvents events(CommitmentBook into) {
        return new Ven2bEvents(cfg, journal, into, oracle, new Ven2bOptOuts(cfg, journal), () -> "ven-7", rejected::add);
    }

    static OadrEvent dispatch(String id, long modification, Instant start, String status, double... kw) {
        List<OadrEvent.Interval> ivs = new ArrayList<>();
        for (int i = 0; i < kw.length; i++) {
            ivs.add(new OadrEvent.Interval(Integer.toString(i), Duration.ofMinutes(15), kw[i]));
        }
        return new OadrEvent(id, modification, "http://bench.headroom/dr", T0, status, start, Duration.ofMinutes(15L * kw.length), null,
                false, "always", List.of(new OadrEvent.Signal("LOAD_DISPATCH", "setpoint", "dispatch",
                new OadrEvent.ItemBase("powerReal", "RealPower", "W", "k"), ivs)), List.of(), List.of());
    }

    private static Element distribute(OadrEvent... events) {
        return Xml.message(OadrMessages.distributeEvent("d-1", "vtn-1", List.of(events)));
    }

    @Test
    void aFeasibleEventIsOptedInJournaledWithItsCreatedEventAndBooked() {
        Ven2bEvents ev = events(book);
        ev.onDistribute(distribute(dispatch("e1", 0, START, "far", 400, 420)), T0);

        assertThat(journal.decisions()).singleElement().satisfies(d -> {
            assertThat(d.eventId()).isEqualTo("e1");
            assertThat(d.kind()).isEqualTo(OptDecision.Kind.OPT_IN);
        });
        assertThat(book.importLimitAt(START).getAsDouble()).isEqualTo(400_000);
        assertThat(book.importLimitAt(START.plus(Duration.ofMinutes(20))).getAsDouble()).isEqualTo(420_000);
        assertThat(journal.pending()).singleElement().satisfies(o -> {
            assertThat(o.key()).isEqualTo("createdEvent:e1:0");
            assertThat(o.body()).contains("oadrCreatedEvent", "optIn", "ven-7", "d-1");
        });
        assertThat(ev.tracked()).containsEntry("e1", 0L);
        assertThat(rejected).isEmpty();
    }

    @Test
    void theSameModificationIsDecidedOnceAHigherOneAgain() {
        Ven2bEvents ev = events(book);
        ev.onDistribute(distribute(dispatch("e1", 0, START, "far", 400)), T0);
        ev.onDistribute(distribute(dispatch("e1", 0, START, "far", 400)), T0.plusSeconds(10));
        assertThat(journal.decisions()).hasSize(1);

        ev.onDistribute(distribute(dispatch("e1", 1, START, "far", 380)), T0.plusSeconds(20));
        assertThat(journal.decisions()).extracting(OptDecision::eventVersion).containsExactly("0", "1");
        assertThat(book.importLimitAt(START).getAsDouble()).isEqualTo(380_000);
    }

    @Test
    void anEventOverlappingAMaintenanceWindowIsOptedOut() {
        events(book).onDistribute(distribute(dispatch("e2", 0, T0.plus(Duration.ofMinutes(110)), "far", 400)), T0);
        assertThat(journal.decisions()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(OptDecision.Kind.OPT_OUT);
            assertThat(d.reason()).startsWith("out: maintenance window maint");
        });
        assertThat(book.importLimitAt(T0.plus(Duration.ofMinutes(115)))).isEmpty();
        assertThat(journal.pending()).singleElement().satisfies(o -> assertThat(o.body()).contains("optOut"));
    }

    @Test
    void aCancelledEventOrOneNoLongerDistributedIsWithdrawn() {
        Ven2bEvents ev = events(book);
        ev.onDistribute(distribute(dispatch("e1", 0, START, "far", 400), dispatch("e2", 0, START.plusSeconds(3600), "far", 410)), T0);
        assertThat(book.all()).hasSize(2);

        ev.onDistribute(distribute(dispatch("e1", 1, START, "cancelled", 400), dispatch("e2", 0, START.plusSeconds(3600), "far", 410)),
                T0.plusSeconds(10));
        assertThat(book.importLimitAt(START)).isEmpty();
        assertThat(journal.decisions()).filteredOn(d -> d.eventId().equals("e1")).last()
                .satisfies(d -> assertThat(d.reason()).isEqualTo("cancelled by the VTN"));

        ev.onDistribute(distribute(), T0.plusSeconds(20));
        assertThat(book.all()).isEmpty();
        assertThat(ev.tracked()).isEmpty();
    }

    @Test
    void theCancellationOfAnUnknownEventIsAcknowledgedAndIgnored() {
        events(book).onDistribute(distribute(dispatch("ghost", 3, START, "cancelled", 400)), T0);
        assertThat(journal.decisions()).singleElement()
                .satisfies(d -> assertThat(d.reason()).isEqualTo("cancellation of an event this VEN never had: ignored"));
        assertThat(journal.pending()).singleElement().satisfies(o -> assertThat(o.key()).isEqualTo("createdEvent:ghost:3"));
        assertThat(book.all()).isEmpty();
    }

    @Test
    void aFreshInstancePutsTheJournaledCommitmentsBackInTheBook() {
        events(book).onDistribute(distribute(dispatch("e1", 2, START, "far", 400)), T0);

        CommitmentBook restarted = new CommitmentBook();
        Ven2bEvents again = events(restarted);
        assertThat(again.restoredCommitments()).isEqualTo(1);
        assertThat(restarted.importLimitAt(START).getAsDouble()).isEqualTo(400_000);
        assertThat(again.tracked()).containsEntry("e1", 2L);

        again.onDistribute(distribute(dispatch("e1", 2, START, "far", 400)), T0.plusSeconds(10));
        assertThat(journal.decisions()).as("not decided again after the restart").hasSize(1);
    }
}
