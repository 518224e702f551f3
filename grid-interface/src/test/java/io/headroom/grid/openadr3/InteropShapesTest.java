package io.headroom.grid.openadr3;

import io.headroom.grid.openadr3.model.Event;
import io.headroom.grid.openadr3.model.Notification;
import io.headroom.grid.openadr3.model.TokenResponse;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The answers of a VTN derived from the reference implementation (recorded shapes under
 * {@code src/test/resources/interop/reference-derived-3.1}, provenance in its README), read by the VEN's own decoders.
 */
class InteropShapesTest {

    static String recorded(String name) throws Exception {
        return Files.readString(Path.of(InteropShapesTest.class.getResource("/interop/reference-derived-3.1/" + name).toURI()));
    }

    @Test
    void aTokenAnswerWithAScopeArrayAndUnknownFieldsIsRead() throws Exception {
        TokenResponse t = TokenSource.parse(recorded("token-answer.json"));
        assertThat(t.accessToken()).isEqualTo("ven_token_6f1d0c2a9b");
        assertThat(t.expiresIn()).isEqualTo(3600);
        assertThat(t.scopes()).containsExactly("read_all", "write_reports", "write_subscriptions", "write_vens");
        // the RFC's own shape still reads
        assertThat(TokenSource.parse("{\"access_token\":\"a\",\"token_type\":\"bearer\",\"scope\":\"read_all write_reports\",\"expires_in\":\"60\"}")
                .scopes()).containsExactly("read_all", "write_reports");
        assertThatThrownBy(() -> TokenSource.parse("{\"access_token\": {\"x\": 1}}")).isInstanceOf(Json.BadJsonException.class);
    }

    @Test
    void timestampsWithoutTAndZoneAreTakenAsUtc() throws Exception {
        Instant now = Instant.parse("2026-12-07T15:00:00Z");
        assertThat(Times.parseDateTime("2026-12-07 14:43:04", now)).isEqualTo(Instant.parse("2026-12-07T14:43:04Z"));
        assertThat(Times.parseDateTime("2026-12-07 14:43:04.250", now)).isEqualTo(Instant.parse("2026-12-07T14:43:04.250Z"));
        assertThat(Times.parseDateTime("2026-12-07 14:43:04+01:00", now)).isEqualTo(Instant.parse("2026-12-07T13:43:04Z"));
        assertThat(Times.parseDateTime("2026-12-07T14:43:04Z", now)).isEqualTo(Instant.parse("2026-12-07T14:43:04Z"));
        Event e = Json.read(recorded("event.json"), Event.class);
        List<ResolvedInterval> iv = EventTranslator.intervals(e, now);
        assertThat(iv).extracting(ResolvedInterval::start).containsExactly(Instant.parse("2026-12-07T17:00:00Z"), Instant.parse("2026-12-07T18:30:00Z"));
        assertThat(iv.getLast().end()).isEqualTo(Instant.parse("2026-12-07T19:00:00Z"));
        assertThat(EventTranslator.commitments(e, null, now)).hasSize(2);
    }

    @Test
    void aSnakeCaseNotificationPostedAsAJsonStringIsRead() throws Exception {
        Notification n = Notifications.decode(recorded("notification-create.json"));
        assertThat(n.objectType()).isEqualTo("EVENT");
        assertThat(n.operation()).isEqualTo("POST");
        Event e = Json.MAPPER.convertValue(n.object(), Event.class);
        assertThat(e.id()).isEqualTo("42");
        assertThat(e.programID()).isEqualTo("7");
        assertThat(e.modificationDateTime()).isEqualTo("2026-12-07 14:43:04");
        assertThat(e.intervalPeriod().start()).isEqualTo("2026-12-07 17:00:00");
        // the 3.1 shape reads as before; junk is refused with a reason
        Notification plain = Notifications.decode("{\"objectType\":\"EVENT\",\"operation\":\"delete\",\"object\":{\"id\":\"9\"}}");
        assertThat(plain.operation()).isEqualTo("DELETE");
        for (String bad : List.of("", "{not json", "\"not an object\"", "[1]", "{\"objectType\":\"EVENT\"}", "\"{\\\"object_type\\\":1}\"")) {
            assertThatThrownBy(() -> Notifications.decode(bad)).as(bad).isInstanceOf(Json.BadJsonException.class);
        }
    }

    @Test
    void aKeyOfUnderscoresOnlyIsKeptAsItIsNotAnError() {
        // found by the fuzzer (openadr3-notification): "_" split into no words and threw out of decode
        assertThat(Notifications.key("____")).isEqualTo("____");
        Notification n = Notifications.decode("{\"_\": 1, \"object_type\": \"EVENT\", \"operation\": \"create\", "
                + "\"object\": {\"__\": [6], \"program_id\": \"7\"}}");
        assertThat(n.operation()).isEqualTo("CREATE");
        assertThat(n.object().has("programID")).isTrue();
        assertThatThrownBy(() -> Notifications.decode("{\"____\": [6]}")).isInstanceOf(Json.BadJsonException.class);
    }
}
