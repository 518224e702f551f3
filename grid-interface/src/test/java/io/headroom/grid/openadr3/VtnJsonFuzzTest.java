package io.headroom.grid.openadr3;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.headroom.grid.openadr3.model.Event;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of the JSON an OpenADR 3 VTN (or anyone who reaches the webhook port) hands the
 * VEN: a webhook notification, a token answer and a page of events, each through to what the VEN makes of it (the
 * event's intervals and their times). Either it is understood, or it is refused with the VEN's own exceptions
 * ({@link Json.BadJsonException}, {@link EventTranslator.BadEventException}, an {@link IllegalArgumentException}
 * naming the bad value) — never another exception. Seeds: the recorded answers of the interop conversations and the
 * fuzzer's finds ({@code VtnJsonFuzzTestInputs/<target>/}); {@code ./headroom fuzz openadr3-notification --for 10m}.
 */
class VtnJsonFuzzTest {

    private static final Instant NOW = Instant.parse("2026-12-07T14:43:04Z");

    @FuzzTest
    void notification(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        try {
            var n = Notifications.decode(text);
            assertThat(n.objectType()).isNotNull();
            assertThat(n.operation()).isNotNull();
            assertThat(n.object()).isNotNull();
        } catch (Json.BadJsonException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @FuzzTest
    void tokenAnswer(byte[] body) {
        try {
            TokenSource.parse(new String(body, StandardCharsets.UTF_8));
        } catch (Json.BadJsonException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @FuzzTest
    void events(byte[] body) {
        java.util.List<Event> events;
        try {
            events = Json.readList(new String(body, StandardCharsets.UTF_8), Event.class);
        } catch (Json.BadJsonException expected) {
            return;
        }
        for (Event e : events) {
            if (e == null) {
                continue;
            }
            try {
                for (ResolvedInterval i : EventTranslator.intervals(e, NOW)) {
                    assertThat(i).isNotNull();
                }
            } catch (EventTranslator.BadEventException | IllegalArgumentException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
    }
}
