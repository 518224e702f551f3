package io.headroom.grid.openadr2b;

import io.headroom.grid.journal.VenJournal;
import io.headroom.grid.openadr3.VtnException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Ven2bRegistrationTest {

    @TempDir
    Path dir;
    Ven2bConfig cfg;
    VenJournal journal;
    final FakeTransport vtn = new FakeTransport();
    final AtomicInteger ids = new AtomicInteger();
    final Supplier<String> requestIds = () -> "r-" + ids.incrementAndGet();

    @BeforeEach
    void open() {
        cfg = FakeTransport.config(dir).build();
        journal = new VenJournal(cfg.journal());
    }

    @AfterEach
    void close() {
        journal.close();
    }

    private static String created(String code, String registrationId, String venId, Duration pollFreq) {
        return OadrMessages.createdPartyRegistration(code, code.startsWith("2") ? "OK" : "no", "q", registrationId, venId, "vtn-1", pollFreq);
    }

    @Test
    void registersJournalsWhatTheVtnAssignedAndAFreshInstanceRestoresIt() {
        Ven2bRegistration r = new Ven2bRegistration(cfg, journal, vtn, requestIds);
        assertThat(r.registered()).isFalse();
        vtn.then(x -> created("200", null, null, null)).then(x -> created("200", "reg-1", "ven-7", Duration.ofSeconds(30)));

        r.register();

        assertThat(vtn.names()).containsExactly("oadrQueryRegistration", "oadrCreatePartyRegistration");
        assertThat(vtn.posts.get(1).xml()).contains("hall-1").doesNotContain("registrationID");
        assertThat(r.registered()).isTrue();
        assertThat(r.registrationId()).isEqualTo("reg-1");
        assertThat(r.venId()).isEqualTo("ven-7");
        assertThat(r.vtnId()).isEqualTo("vtn-1");
        assertThat(r.vtnPollFreq()).isEqualTo(Duration.ofSeconds(30));
        assertThat(r.idle()).isFalse();

        Ven2bRegistration again = new Ven2bRegistration(cfg, journal, new FakeTransport(), requestIds);
        assertThat(again.registrationId()).isEqualTo("reg-1");
        assertThat(again.venId()).isEqualTo("ven-7");
        assertThat(again.vtnId()).isEqualTo("vtn-1");
        assertThat(again.vtnPollFreq()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void withoutAVenIdFromTheVtnTheVenNameIsTheVenId() {
        Ven2bRegistration r = new Ven2bRegistration(cfg, journal, vtn, requestIds);
        vtn.then(x -> created("200", null, null, null)).then(x -> created("200", "reg-1", null, null));
        r.register();
        assertThat(r.venId()).isEqualTo("hall-1");
        assertThat(r.vtnPollFreq()).isNull();
    }

    @Test
    void aRefusalOrAnotherMessageIsAVtnErrorAndNothingIsRegistered() {
        Ven2bRegistration r = new Ven2bRegistration(cfg, journal, vtn, requestIds);
        vtn.then(x -> created("200", null, null, null)).then(x -> created("452", null, null, null));
        assertThatThrownBy(r::register).isInstanceOf(VtnException.class)
                .hasMessage("oadrCreatePartyRegistration: refused by the VTN with 452 no");
        assertThat(r.registered()).isFalse();

        vtn.then(x -> OadrMessages.response("200", "OK", "", null));
        assertThatThrownBy(r::register).isInstanceOf(VtnException.class)
                .hasMessageStartingWith("oadrQueryRegistration: the VTN answered oadrResponse");
        assertThat(journal.meta("registrationId")).isEmpty();
    }

    @Test
    void reRegistrationAcknowledgesThenRegistersAgainWithTheKnownIds() {
        Ven2bRegistration r = new Ven2bRegistration(cfg, journal, vtn, requestIds);
        vtn.then(x -> created("200", null, null, null)).then(x -> created("200", "reg-1", "ven-7", null));
        r.register();

        vtn.thenOk(1).then(x -> created("200", "reg-1", "ven-7", null)).then(x -> created("200", "reg-2", "ven-7", null));
        r.reRegister();

        assertThat(vtn.names()).endsWith("oadrResponse", "oadrQueryRegistration", "oadrCreatePartyRegistration");
        assertThat(vtn.posts.get(2).service()).isEqualTo("EiRegisterParty");
        assertThat(vtn.posts.get(4).xml()).contains("reg-1", "ven-7");
        assertThat(r.registrationId()).isEqualTo("reg-2");
        assertThat(journal.meta("registrationId")).contains("reg-2");
    }

    @Test
    void aCancellationFromEitherSideLeavesTheVenIdle() {
        Ven2bRegistration r = new Ven2bRegistration(cfg, journal, vtn, requestIds);
        vtn.then(x -> created("200", null, null, null)).then(x -> created("200", "reg-1", "ven-7", null));
        r.register();

        vtn.then(x -> OadrMessages.response("200", "OK", "", "ven-7"));
        r.cancelledByVtn(Xml.message(OadrMessages.cancelPartyRegistration("c-1", "reg-1", "ven-7")));
        assertThat(vtn.names()).last().isEqualTo("oadrCanceledPartyRegistration");
        assertThat(vtn.posts.getLast().xml()).contains("c-1", "reg-1");
        assertThat(r.registered()).isFalse();
        assertThat(r.idle()).isTrue();
        assertThat(journal.meta("cancelledByVtn")).contains("reg-1");
        assertThat(r.venId()).as("kept for what is still owed").isEqualTo("ven-7");
    }

    @Test
    void theVenCancelsItsOwnRegistration() {
        Ven2bRegistration r = new Ven2bRegistration(cfg, journal, vtn, requestIds);
        vtn.then(x -> created("200", null, null, null)).then(x -> created("200", "reg-1", "ven-7", null));
        r.register();

        vtn.then(x -> OadrMessages.canceledPartyRegistration("200", "c", "reg-1", "ven-7"));
        r.cancel();
        assertThat(vtn.names()).last().isEqualTo("oadrCancelPartyRegistration");
        assertThat(r.registered()).isFalse();
        assertThat(r.idle()).isTrue();
        assertThat(journal.meta("cancelledByVen")).contains("reg-1");
    }
}
