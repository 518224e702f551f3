package io.headroom.grid.openadr2b;

import io.headroom.grid.Commitment;
import io.headroom.grid.FlexibilityOracle;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Strict writing (every message validated against the 2.0b XSDs) and tolerant reading. */
class OadrWireTest {

    static final Instant T = Instant.parse("2026-11-22T16:00:00Z");

    static OadrEvent event(String id, long mod, String status, Duration startAfter, OadrEvent.Signal... signals) {
        return new OadrEvent(id, mod, "http://bench.headroom/program", T, status, T.plusSeconds(300), Duration.ofMinutes(30), startAfter,
                false, "always", List.of(signals), List.of("ven-1"), List.of("site"));
    }

    static OadrEvent.Signal dispatch(double... kw) {
        List<OadrEvent.Interval> ivs = new java.util.ArrayList<>();
        for (int i = 0; i < kw.length; i++) {
            ivs.add(new OadrEvent.Interval(Integer.toString(i), Duration.ofMinutes(30 / kw.length), kw[i]));
        }
        return new OadrEvent.Signal("LOAD_DISPATCH", "setpoint", "dispatch", new OadrEvent.ItemBase("powerReal", "RealPower", "W", "k"), ivs);
    }

    static OadrEvent.Signal simple(double level) {
        return new OadrEvent.Signal("SIMPLE", "level", "simple", null, List.of(new OadrEvent.Interval("0", Duration.ofMinutes(30), level)));
    }

    static OadrEvent.Signal price(double perKwh) {
        return new OadrEvent.Signal("ELECTRICITY_PRICE", "price", "price", new OadrEvent.ItemBase("currencyPerKWh", "currencyPerKWh", "USD", "none"),
                List.of(new OadrEvent.Interval("0", Duration.ofMinutes(30), perKwh)));
    }

    @Test
    void everyMessageTheVenSendsValidatesAgainstTheXsds() {
        List<String> messages = List.of(
                OadrMessages.queryRegistration("r1"),
                OadrMessages.createPartyRegistration("r2", null, null, "hall-1", false),
                OadrMessages.createPartyRegistration("r3", "reg-1", "ven-1", "hall-1", false),
                OadrMessages.cancelPartyRegistration("r4", "reg-1", "ven-1"),
                OadrMessages.canceledPartyRegistration("200", "r5", "reg-1", "ven-1"),
                OadrMessages.response("200", "OK", "", "ven-1"),
                OadrMessages.poll("ven-1"),
                OadrMessages.requestEvent("r6", "ven-1"),
                OadrMessages.createdEvent("ven-1", List.of(new OadrMessages.EventResponse("200", "every commitment is within", "d1", "e1", 2, "optIn"),
                        new OadrMessages.EventResponse("200", "out: maintenance", "d1", "e2", 0, "optOut"))),
                OadrMessages.registerReport("r7", "ven-1", "site", List.of(
                        new OadrMessages.ReportMetadata(Ven2b.USAGE_SPECIFIER, "METADATA_TELEMETRY_USAGE", List.of(
                                new OadrMessages.PointMetadata("energy", "usage", new OadrEvent.ItemBase("energyReal", "RealEnergy", "Wh", "k"), "Direct Read"),
                                new OadrMessages.PointMetadata("demand", "demand", new OadrEvent.ItemBase("powerReal", "RealPower", "W", "k"), "Mean")),
                                Duration.ofMinutes(1), Duration.ofHours(1)),
                        new OadrMessages.ReportMetadata(Ven2b.STATUS_SPECIFIER, "METADATA_TELEMETRY_STATUS", List.of(
                                new OadrMessages.PointMetadata("status", "x-resourceStatus", null, "x-notApplicable")), Duration.ofMinutes(1), Duration.ofHours(1))), T),
                OadrMessages.registeredReport("200", "r8", List.of(), "ven-1"),
                OadrMessages.createdReport("200", "OK", "r9", List.of("rr-1", "rr-2"), "ven-1"),
                OadrMessages.createdReport("452", "unknown reportSpecifierID", "r9", List.of(), "ven-1"),
                OadrMessages.canceledReport("200", "r10", List.of(), "ven-1"),
                OadrMessages.updateReport("r11", "ven-1", List.of(
                        new OadrMessages.ReportData("rr-1", Ven2b.USAGE_SPECIFIER, "TELEMETRY_USAGE", T, Duration.ofMinutes(2), List.of(
                                new OadrMessages.ReportInterval(T, Duration.ofMinutes(1), List.of(new OadrMessages.Value("energy", 6.5), new OadrMessages.Value("demand", 390.0))),
                                new OadrMessages.ReportInterval(T.plusSeconds(60), Duration.ofMinutes(1), List.of(new OadrMessages.Value("energy", null))))),
                        new OadrMessages.ReportData("rr-2", Ven2b.STATUS_SPECIFIER, "TELEMETRY_STATUS", T, Duration.ofMinutes(1), List.of(
                                new OadrMessages.ReportInterval(T, Duration.ofMinutes(1), List.of(new OadrMessages.Status("status", true, false, 400.0),
                                        new OadrMessages.Status("status", true, false, null)))))), T),
                OadrMessages.createOpt("r12", "maint-1", "optOut", "x-schedule", "ven-1",
                        List.of(new OadrMessages.OptWindow(T, Duration.ofHours(4))), T, "site", null, null),
                OadrMessages.createOpt("r13", "opt-e1", "optOut", "emergency", "ven-1", List.of(), T, "site", "e1", 3L),
                OadrMessages.cancelOpt("r14", "maint-1", "ven-1"));
        for (String m : messages) {
            OadrSchema.assertValid(m);
        }
        assertThat(messages.size()).isEqualTo(18);
        assertThat(messages.stream().allMatch(m -> m.contains("ei:schemaVersion=\"2.0b\""))).isTrue();
    }

    @Test
    void everyMessageTheBenchVtnSendsValidatesToo() {
        ReportRequest rr = new ReportRequest("rr-1", Ven2b.USAGE_SPECIFIER, Duration.ofMinutes(1), Duration.ofMinutes(5), null, null,
                List.of("energy", "demand"), null);
        ReportRequest windowed = new ReportRequest("rr-2", Ven2b.STATUS_SPECIFIER, Duration.ofMinutes(1), Duration.ofMinutes(1), T,
                Duration.ofHours(1), List.of("status"), null);
        List<String> messages = List.of(
                OadrMessages.createdPartyRegistration("200", "OK", "r1", "reg-1", "ven-1", "vtn", Duration.ofSeconds(10)),
                OadrMessages.createdPartyRegistration("452", "no", "r1", null, null, "vtn", null),
                OadrMessages.distributeEvent("d1", "vtn", List.of(event("e1", 0, "far", Duration.ofMinutes(2), dispatch(400, 420), simple(2), price(0.31)))),
                OadrMessages.distributeEvent("d2", "vtn", List.of()),
                OadrMessages.createReport("c1", List.of(rr, windowed), "ven-1"),
                OadrMessages.registeredReport("200", "r2", List.of(rr), "ven-1"),
                OadrMessages.cancelReport("c2", List.of("rr-1"), false, "ven-1"),
                OadrMessages.updatedReport("200", "r3", "ven-1"),
                OadrMessages.createdOpt("200", "r4", "maint-1"),
                OadrMessages.canceledOpt("200", "r5", "maint-1"),
                OadrMessages.requestReregistration("ven-1"));
        messages.forEach(OadrSchema::assertValid);
        assertThat(messages.size()).isEqualTo(11);
    }

    @Test
    void aDistributeIsReadTolerantlyAndOneBadEventDoesNotHideTheOthers() {
        String xml = OadrMessages.distributeEvent("d1", "vtn", List.of(event("e1", 3, "near", null, dispatch(400, 420)),
                event("e2", 0, "far", null, simple(1))));
        // a third event with a non-numeric payload, an unknown element, and a +02:00 time
        xml = xml.replace("</oadr:oadrDistributeEvent>", xml.substring(xml.indexOf("<oadr:oadrEvent>"), xml.indexOf("</oadr:oadrEvent>") + 17)
                .replace(">e1<", ">e3<").replace("<ei:value>400</ei:value>", "<ei:value>lots</ei:value>") + "</oadr:oadrDistributeEvent>")
                .replace("<ei:eventStatus>far</ei:eventStatus>", "<ei:eventStatus>far</ei:eventStatus><ei:somethingNew>x</ei:somethingNew>")
                .replace("2026-11-22T16:05:00Z", "2026-11-22T18:05:00+02:00");
        EventReader.Distribution d = EventReader.read(Xml.message(xml), T);
        assertThat(d.requestId()).isEqualTo("d1");
        assertThat(d.items()).hasSize(3);
        OadrEvent e1 = d.items().get(0).event();
        assertThat(e1.modificationNumber()).isEqualTo(3);
        assertThat(e1.start()).isEqualTo(T.plusSeconds(300));
        assertThat(e1.signals().getFirst().item().scale()).isEqualTo(1000);
        assertThat(d.items().get(1).ok()).isTrue();
        assertThat(d.items().get(2).ok()).isFalse();
        assertThat(d.items().get(2).eventId()).isEqualTo("e3");
        assertThat(d.items().get(2).problem()).contains("event e3").contains("'lots' is not a number");
    }

    @Test
    void signalsBecomeCommitmentsAndRandomisationIsDeterministic() {
        FlexibilityOracle o = (s, e) -> new FlexibilityOracle.Flexibility(500_000, 150_000, 300_000, 0);
        EventTranslator2b.Translation t = EventTranslator2b.translate(event("e1", 0, "far", null, dispatch(400, 420), simple(2), price(0.31)), o);
        assertThat(t.commitments()).hasSize(4);
        assertThat(t.commitments().get(0)).isEqualTo(new Commitment.ImportLimit("e1/dispatch/0", T.plusSeconds(300), T.plusSeconds(1200), 400_000, "e1"));
        assertThat(t.commitments().get(1)).isEqualTo(new Commitment.ImportLimit("e1/dispatch/1", T.plusSeconds(1200), T.plusSeconds(2100), 420_000, "e1"));
        assertThat(t.commitments().get(2)).isInstanceOf(Commitment.SimpleLevel.class);
        assertThat(t.commitments().get(3)).isEqualTo(new Commitment.Price("e1/price/0", T.plusSeconds(300), T.plusSeconds(2100), 0.31, "USD", "e1"));
        OadrEvent randomised = event("e9", 0, "far", Duration.ofMinutes(10), simple(1));
        Duration off = EventTranslator2b.randomOffset(randomised);
        assertThat(off).isBetween(Duration.ZERO, Duration.ofMinutes(10)).isEqualTo(EventTranslator2b.randomOffset(randomised));
        assertThat(EventTranslator2b.translate(randomised, o).start()).isEqualTo(T.plusSeconds(300).plus(off));
        OadrEvent open = new OadrEvent("e0", 0, "m", T, "far", T, Duration.ZERO, null, false, "always", List.of(simple(1)), List.of(), List.of());
        assertThatThrownBy(() -> EventTranslator2b.translate(open, o)).hasMessageContaining("event e0: open-ended");
        assertThatThrownBy(() -> EventTranslator2b.translate(event("e4", 0, "far", null, simple(7)), o)).hasMessageContaining("SIMPLE level 7.0");
    }

    @Test
    void malformedXmlAndDoctypesAreRefusedWithAReason() {
        assertThatThrownBy(() -> Xml.message("<oadr:oadrPayload")).isInstanceOf(Xml.BadXmlException.class).hasMessageContaining("malformed XML");
        assertThatThrownBy(() -> Xml.message("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>"))
                .isInstanceOf(Xml.BadXmlException.class).hasMessageContaining("DOCTYPE");
        assertThatThrownBy(() -> Xml.message("<foo xmlns=\"urn:other\"/>")).hasMessageContaining("not an OpenADR 2.0b message");
    }
}
