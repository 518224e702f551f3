package io.headroom.grid.openadr2b;

import io.headroom.grid.journal.VenJournal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Ven2bOptOutsTest {

    static final Instant T0 = Instant.parse("2026-11-22T16:00:00Z");
    static final Ven2bConfig.OptOutWindow CONFIGURED = new Ven2bConfig.OptOutWindow("maint", T0.plus(Duration.ofHours(2)),
            Duration.ofHours(1), "x-schedule");

    @TempDir
    Path dir;
    VenJournal journal;
    Ven2bOptOuts optOuts;

    @BeforeEach
    void open() {
        Ven2bConfig cfg = FakeTransport.config(dir).optOutWindows(List.of(CONFIGURED)).resourceId("hall-1-load").build();
        journal = new VenJournal(cfg.journal());
        optOuts = new Ven2bOptOuts(cfg, journal);
    }

    @AfterEach
    void close() {
        journal.close();
    }

    @Test
    void anOptReasonIsOneOfTheSchemasOrAnExtension() {
        assertThatNoException().isThrownBy(() -> Ven2bOptOuts.checkReason(CONFIGURED));
        assertThatNoException().isThrownBy(() -> Ven2bOptOuts.checkReason(
                new Ven2bConfig.OptOutWindow("w", T0, Duration.ofHours(1), "mustRun")));
        assertThatThrownBy(() -> Ven2bOptOuts.checkReason(new Ven2bConfig.OptOutWindow("w", T0, Duration.ofHours(1), "holiday")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("opt-out window w: optReason 'holiday' is not one of");
    }

    @Test
    void eachWindowIsSentOnceAsAnOptOutSchedule() {
        Ven2bConfig.OptOutWindow added = new Ven2bConfig.OptOutWindow("added", T0.plus(Duration.ofDays(1)), Duration.ofHours(4), "mustRun");
        optOuts.add(added);
        assertThat(optOuts.windows()).containsExactly(CONFIGURED, added);

        optOuts.queueSchedules("ven-7", T0);
        optOuts.queueSchedules("ven-7", T0.plusSeconds(60));
        assertThat(journal.pending()).extracting(VenJournal.OutboxEntry::key).containsExactly("opt:maint", "opt:added");
        assertThat(journal.pending().getFirst().body()).contains("oadrCreateOpt", "optOut", "x-schedule", "ven-7", "hall-1-load");
    }

    @Test
    void aWithdrawnWindowIsForgottenAndItsCancellationQueued() {
        optOuts.add(new Ven2bConfig.OptOutWindow("added", T0.plus(Duration.ofDays(1)), Duration.ofHours(4), "mustRun"));
        optOuts.cancel("added", "ven-7", T0);
        assertThat(optOuts.windows()).containsExactly(CONFIGURED);
        assertThat(journal.pending()).singleElement().satisfies(o -> {
            assertThat(o.key()).isEqualTo("cancelOpt:added");
            assertThat(o.body()).contains("oadrCancelOpt", "added", "ven-7");
        });
    }
}
