package io.headroom.grid.openadr2b;

import io.headroom.grid.journal.VenJournal;
import io.headroom.grid.openadr3.VtnException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class Ven2bOutboxTest {

    static final Instant T0 = Instant.parse("2026-11-22T16:00:00Z");

    @TempDir
    Path dir;
    VenJournal journal;
    Ven2bOutbox outbox;
    final FakeTransport vtn = new FakeTransport();
    final List<String> rejected = new ArrayList<>();
    final List<String> replies = new ArrayList<>();

    @BeforeEach
    void open() {
        Ven2bConfig cfg = FakeTransport.config(dir).build();
        journal = new VenJournal(cfg.journal());
        outbox = new Ven2bOutbox(cfg, journal, vtn, rejected::add, (reply, now) -> replies.add(Xml.local(reply)));
    }

    @AfterEach
    void close() {
        journal.close();
    }

    private void owe(String... keys) {
        for (String k : keys) {
            journal.enqueue(k, "opt", T0, OadrMessages.cancelOpt(k, "opt-" + k, "ven-7"));
        }
    }

    private List<String> sentKeys() {
        return vtn.posts.stream().map(p -> Xml.text(Xml.message(p.xml()), "requestID").orElse("?")).toList();
    }

    @Test
    void sendsWhatIsOwedInOrderAndHandsEachReplyOn() {
        owe("a", "b", "c");
        vtn.thenOk(3);
        outbox.drain(T0, "ven-7");
        assertThat(sentKeys()).containsExactly("a", "b", "c");
        assertThat(journal.pending()).isEmpty();
        assertThat(journal.allReports()).allSatisfy(o -> assertThat(o.attempts()).isEqualTo(1));
        assertThat(replies).containsExactly("oadrResponse", "oadrResponse", "oadrResponse");
    }

    @Test
    void nothingLeavesBeforeTheVenHasAVenId() {
        owe("a");
        outbox.drain(T0, null);
        assertThat(vtn.posts).isEmpty();
        assertThat(journal.pending()).hasSize(1);
    }

    @Test
    void aVtnThatIsDownStopsTheDrainWithABackoffAndLosesNothing() {
        owe("a", "b");
        vtn.thenThrow(new VtnException(503, "busy", null));
        outbox.drain(T0, "ven-7");
        assertThat(sentKeys()).containsExactly("a");
        assertThat(journal.pending()).extracting(VenJournal.OutboxEntry::key).containsExactly("a", "b");
        assertThat(outbox.nextDrain()).isAfter(T0);

        outbox.drain(T0.plusMillis(1), "ven-7");
        assertThat(vtn.posts).as("still backing off").hasSize(1);

        vtn.thenOk(2);
        outbox.drain(outbox.nextDrain(), "ven-7");
        assertThat(sentKeys()).containsExactly("a", "a", "b");
        assertThat(journal.pending()).isEmpty();
        assertThat(journal.allReports()).filteredOn(o -> o.key().equals("a")).singleElement()
                .satisfies(o -> assertThat(o.attempts()).isEqualTo(2));
    }

    @Test
    void aMessageTheVtnRefusesForItselfIsDroppedAndTheNextOneSent() {
        owe("a", "b", "c");
        vtn.thenThrow(new VtnException(400, "bad request", null))
                .then(x -> OadrMessages.response("452", "invalid", "", "ven-7"))
                .thenOk(1);
        outbox.drain(T0, "ven-7");
        assertThat(sentKeys()).containsExactly("a", "b", "c");
        assertThat(journal.pending()).isEmpty();
        assertThat(replies).as("only an accepted reply is acted on").containsExactly("oadrResponse");
        assertThat(outbox.nextDrain()).isEqualTo(Instant.MIN);
    }

    @Test
    void aReplyWithARefusedSignatureLeavesTheMessageOwed() {
        owe("a");
        vtn.thenThrow(new OadrSignature.RefusedException("not signed by the VTN"));
        outbox.drain(T0, "ven-7");
        assertThat(journal.pending()).hasSize(1);
        assertThat(rejected).singleElement().asString().startsWith("a: ").contains("not signed by the VTN");
        assertThat(outbox.nextDrain()).isAfter(T0);
    }

    @Test
    void unreadableXmlInAReplyDropsTheMessage() {
        owe("a", "b");
        vtn.thenThrow(new Xml.BadXmlException("not XML", null)).thenOk(1);
        outbox.drain(T0, "ven-7");
        assertThat(journal.pending()).isEmpty();
        assertThat(rejected).singleElement().asString().startsWith("a: ");
        assertThat(replies).hasSize(1);
    }
}
