package io.headroom.grid.openadr3;

import io.headroom.testsupport.TestClock;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.headroom.grid.CommitmentBook;
import io.headroom.grid.FlexibilityOracle;
import io.headroom.grid.SiteTelemetry;
import io.headroom.grid.vtn.BenchVtn;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalDouble;

/** A bench VTN on loopback, a clock the test moves, a hall and a VEN factory. */
final class Ven3Fixture implements AutoCloseable {

    static final Instant T0 = Instant.parse("2026-11-22T16:00:00Z");
    /** The hall: 500 kW before the event start, 380 kW from it. */
    static final double BEFORE_W = 500_000;
    static final double DURING_W = 380_000;

    final TestClock clock = new TestClock(T0);
    final BenchVtn vtn;
    final Path dir;
    final Instant eventStart = T0.plus(Duration.ofMinutes(5));

    /** Expected 500 kW, 150 kW flexible, 300 kW critical floor: the site can hold 350 kW. */
    FlexibilityOracle oracle = (s, e) -> new FlexibilityOracle.Flexibility(500_000, 150_000, 300_000, 0);

    final SiteTelemetry telemetry = (from, to) -> {
        double wh = 0;
        Instant a = from;
        if (a.isBefore(eventStart)) {
            Instant b = to.isBefore(eventStart) ? to : eventStart;
            wh += BEFORE_W * Duration.between(a, b).toMillis() / 3_600_000.0;
            a = b;
        }
        if (a.isBefore(to)) {
            wh += DURING_W * Duration.between(a, to).toMillis() / 3_600_000.0;
        }
        return OptionalDouble.of(wh);
    };

    Ven3Fixture(Path dir) throws Exception {
        this.dir = dir;
        vtn = new BenchVtn(null, clock, BenchVtn.Options.loopback())
                .addClient("bl", "bl-secret", BenchVtn.Role.BL)
                .addClient("ven-client", "ven-secret", BenchVtn.Role.VEN);
        vtn.start();
    }

    Ven3Config.Builder config(String name) {
        return Ven3Config.builder(OpenAdrVersion.V3_1_0, URI.create(vtn.baseUrl()), name, "ven-client", "ven-secret",
                        dir.resolve(name + ".db"))
                .allowInsecureHttp(true) // the bench VTN on loopback
                .pollInterval(Duration.ZERO).tick(Duration.ofMillis(50)).retryBackoff(Duration.ZERO).httpTimeout(Duration.ofSeconds(5));
    }

    Ven3 ven(Ven3Config cfg, CommitmentBook book) throws Exception {
        Ven3 v = new Ven3(cfg, book, oracle, telemetry, clock, null);
        v.start();
        return v;
    }

    ObjectNode program(String name) {
        return vtn.createProgram(Json.MAPPER.createObjectNode().put("programName", name));
    }

    /** An event of {@code n} 15-minute intervals from {@link #eventStart}, each an import limit in kW. */
    ObjectNode event(String programId, String name, Instant start, double... limitsKw) {
        ObjectNode e = Json.MAPPER.createObjectNode().put("programID", programId).put("eventName", name);
        e.putObject("intervalPeriod").put("start", start.toString()).put("duration", "PT15M");
        e.putArray("payloadDescriptors").addObject().put("objectType", "EVENT_PAYLOAD_DESCRIPTOR")
                .put("payloadType", "IMPORT_CAPACITY_LIMIT").put("units", "KW");
        var rd = e.putArray("reportDescriptors");
        for (String t : new String[] {"USAGE", "DEMAND", "BASELINE", "DELTA_USAGE"}) {
            rd.addObject().put("payloadType", t);
        }
        var iv = e.putArray("intervals");
        for (int i = 0; i < limitsKw.length; i++) {
            var o = iv.addObject().put("id", i);
            o.putArray("payloads").addObject().put("type", "IMPORT_CAPACITY_LIMIT").putArray("values").add(limitsKw[i]);
        }
        return e;
    }

    long reportsNamed(String prefix) {
        return vtn.reports().stream().filter(r -> r.path("reportName").asText().startsWith(prefix)).count();
    }

    @Override
    public void close() throws Exception {
        vtn.close();
    }
}
