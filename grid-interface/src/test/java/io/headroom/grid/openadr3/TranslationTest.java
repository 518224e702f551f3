package io.headroom.grid.openadr3;

import io.headroom.grid.Commitment;
import io.headroom.grid.openadr3.model.Event;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tolerant reading of times and events; event → commitments; report timing. */
class TranslationTest {

    static final Instant NOW = Instant.parse("2026-11-22T16:00:00Z");

    @Test
    void timesAreReadInAnyZoneAndDurationsWithCalendarParts() {
        assertThat(Times.parseDateTime("2026-11-22T11:00:00-05:00", NOW)).isEqualTo(NOW);
        assertThat(Times.parseDateTime("2026-11-22T17:00:00+01:00", NOW)).isEqualTo(NOW);
        assertThat(Times.parseDateTime("2026-11-22T16:00:00", NOW)).isEqualTo(NOW);
        assertThat(Times.parseDateTime("2026-11-22t16:00:00.000z".toUpperCase(), NOW)).isEqualTo(NOW);
        assertThat(Times.parseDateTime("0001-01-01", Instant.EPOCH)).isEqualTo(Instant.EPOCH);
        assertThat(Times.parseDateTime("0000-01-01T00:00:00Z", Instant.EPOCH)).isEqualTo(Instant.EPOCH);
        assertThat(Times.plus(NOW, "PT15M")).isEqualTo(NOW.plusSeconds(900));
        assertThat(Times.plus(NOW, "P1DT1H")).isEqualTo(NOW.plusSeconds(90_000));
        assertThat(Times.plus(NOW, "P1W")).isEqualTo(NOW.plusSeconds(7 * 86_400));
        assertThat(Times.plus(NOW, "PT0.5S")).isEqualTo(NOW.plusMillis(500));
        assertThat(Times.plus(NOW, "P9999Y")).isEqualTo(Times.FOREVER);
        assertThatThrownBy(() -> Times.plus(NOW, "15 minutes")).hasMessageContaining("not an ISO 8601 duration");
        assertThatThrownBy(() -> Times.parseDateTime("yesterday", NOW)).hasMessageContaining("not an RFC 3339");
    }

    static final String EVENT = """
            {"id":"e1","programID":"p1","objectType":"EVENT","createdDateTime":"2026-11-22T15:00:00Z","modificationDateTime":"2026-11-22T15:00:00Z",
             "vendorExtension":{"x":1},"priority":null,"targets":null,
             "intervalPeriod":{"start":"2026-11-22T11:00:00-05:00","duration":"PT30M"},
             "payloadDescriptors":[{"objectType":"EVENT_PAYLOAD_DESCRIPTOR","payloadType":"PRICE","units":"MWH","currency":"EUR"},
                                   {"objectType":"EVENT_PAYLOAD_DESCRIPTOR","payloadType":"IMPORT_CAPACITY_LIMIT","units":"MW"}],
             "intervals":[
               {"id":0,"payloads":[{"type":"IMPORT_CAPACITY_LIMIT","values":[0.4]},{"type":"PRICE","values":[120.0]}]},
               {"id":1,"payloads":[{"type":"EXPORT_CAPACITY_LIMIT","values":["50"]},{"type":"SIMPLE","values":[2]},{"type":"GHG","values":[300]}]},
               {"id":5,"intervalPeriod":{"start":"2026-11-22T18:00:00Z","duration":"PT1H"},"payloads":[{"type":"ALERT_FLEX_ALERT","values":["flex"]}]}]}
            """;

    @Test
    void anEventIsReadTolerantlyAndBecomesCommitments() {
        Event e = Json.read(EVENT, Event.class);
        List<ResolvedInterval> iv = EventTranslator.intervals(e, NOW);
        assertThat(iv).extracting(ResolvedInterval::start).containsExactly(NOW, NOW.plusSeconds(1800), Instant.parse("2026-11-22T18:00:00Z"));
        assertThat(iv.get(2).end()).isEqualTo(Instant.parse("2026-11-22T19:00:00Z"));
        List<Commitment> cs = EventTranslator.commitments(e, null, NOW);
        assertThat(cs).containsExactly(
                new Commitment.ImportLimit("e1/0/IMPORT_CAPACITY_LIMIT", NOW, NOW.plusSeconds(1800), 400_000, "e1"),
                new Commitment.Price("e1/0/PRICE", NOW, NOW.plusSeconds(1800), 0.12, "EUR", "e1"),
                new Commitment.ExportLimit("e1/1/EXPORT_CAPACITY_LIMIT", NOW.plusSeconds(1800), NOW.plusSeconds(3600), 50_000, "e1"),
                new Commitment.SimpleLevel("e1/1/SIMPLE", NOW.plusSeconds(1800), NOW.plusSeconds(3600), 2, "e1"));
    }

    @Test
    void wrongEventsAreRejectedWithTheirReason() {
        assertThatThrownBy(() -> EventTranslator.commitments(Json.read(EVENT.replace("[0.4]", "[-1]"), Event.class), null, NOW))
                .isInstanceOf(EventTranslator.BadEventException.class).hasMessageContaining("e1: interval 0 IMPORT_CAPACITY_LIMIT");
        assertThatThrownBy(() -> EventTranslator.commitments(Json.read(EVENT.replace("\"units\":\"MW\"", "\"units\":\"HP\""), Event.class), null, NOW))
                .hasMessageContaining("power units 'HP'");
        assertThatThrownBy(() -> EventTranslator.intervals(Json.read(EVENT.replace("\"programID\":\"p1\",", ""), Event.class), NOW))
                .hasMessageContaining("without programID");
        assertThatThrownBy(() -> Json.read("{\"id\":", Event.class)).isInstanceOf(Json.BadJsonException.class);
        assertThatThrownBy(() -> EventTranslator.intervals(Json.read(EVENT.replace("PT30M", "PT0S"), Event.class), NOW))
                .hasMessageContaining("not > 0");
    }

    @Test
    void reportsFallDueAsTheDescriptorsSay() {
        Event e = Json.read(EVENT.replace("\"intervals\":[", "\"reportDescriptors\":[{\"payloadType\":\"USAGE\"},{\"payloadType\":\"DEMAND\"},"
                + "{\"payloadType\":\"USAGE\",\"startInterval\":0,\"frequency\":1,\"repeat\":2},{\"payloadType\":\"DEMAND\",\"historical\":false}],"
                + "\"intervals\":["), Event.class);
        List<ResolvedInterval> iv = EventTranslator.intervals(e, NOW);
        ReportPlanner.Plan plan = ReportPlanner.plan(e, iv);
        assertThat(plan.due()).extracting(ReportPlanner.Due::key, ReportPlanner.Due::due).containsExactly(
                org.assertj.core.groups.Tuple.tuple("headroom:e1:r0:0", Instant.parse("2026-11-22T19:00:00Z")),
                org.assertj.core.groups.Tuple.tuple("headroom:e1:r1:0", NOW.plusSeconds(1800)),
                org.assertj.core.groups.Tuple.tuple("headroom:e1:r1:1", NOW.plusSeconds(3600)));
        assertThat(plan.due().getFirst().descriptors()).extracting(d -> d.payloadType()).containsExactly("USAGE", "DEMAND");
        assertThat(plan.due().getFirst().intervals()).hasSize(3);
        assertThat(plan.unsupported()).containsExactly("DEMAND forecast (historical=false)");
    }
}
